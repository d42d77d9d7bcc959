"""Figures: each returns a Figure with the expected panels and writes a PNG."""

from __future__ import annotations

import numpy as np
import pytest

import seqgan
from seqgan import plots
from seqgan.datasets import load_dataset


@pytest.fixture(scope="module")
def pair():
    real = load_dataset("sines", n_samples=60, seq_len=10, n_features=3, random_state=0)
    return real, np.random.default_rng(0).uniform(size=real.shape)


def visible_axes(fig):
    return [ax for ax in fig.axes if ax.get_visible()]


@pytest.mark.parametrize("name, kwargs, n_axes", [
    ("plot_samples", {"n": 3}, 6),
    ("plot_embedding", {"method": "pca"}, 1),
    ("plot_embedding", {"method": "tsne", "n": 30}, 1),
    ("plot_marginals", {}, 3),
    ("plot_autocorrelation", {"max_lag": 5}, 3),
    ("plot_comparison", {"feature": 2, "n": 4}, 8),
])
def test_figures_are_drawn_and_saved(pair, tmp_path, name, kwargs, n_axes):
    path = tmp_path / f"{name}.png"
    fig = getattr(plots, name)(*pair, path=path, **kwargs)
    assert len(visible_axes(fig)) == n_axes
    assert path.stat().st_size > 1000


def test_history_plot(tiny_X, tmp_path):
    model = seqgan.CRNNGAN(hidden_dim=4, n_iter=6, batch_size=8, random_state=0,
                           verbose=False).fit(tiny_X)
    fig = plots.plot_history(model.history_, smooth=2, path=tmp_path / "history.png")
    assert len(fig.axes) == 2 and (tmp_path / "history.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="Unknown history columns \\['nope'\\]"):
        plots.plot_history(model.history_, columns=["nope"])
    # a column recorded every few iterations is drawn at its points, not lost in the gaps
    model.set_params(diagnostics_every=2).fit(tiny_X)
    fig = plots.plot_history(model.history_, columns=["diagnostics/diversity"])
    drawn = fig.axes[0].lines[0].get_xdata()
    assert list(drawn) == [1, 2, 4, 6]


def test_bad_input(pair):
    real, synth = pair
    with pytest.raises(ValueError, match="features"):
        plots.plot_samples(real, synth, features=[7])
    with pytest.raises(ValueError, match="method"):
        plots.plot_embedding(real, synth, method="umap")
    with pytest.raises(ValueError, match="same number of features"):
        plots.plot_marginals(real, synth[..., :2])


def test_comparison_shows_jitter_in_the_differences_bar(pair):
    real, _ = pair
    jittery = real + np.random.default_rng(1).normal(0, 0.05, real.shape)
    fig = plots.plot_comparison(real, jittery)
    bars = fig.axes[-1].patches
    assert bars[0].get_height() == pytest.approx(1.0) and bars[1].get_height() > 1.5
    with pytest.raises(ValueError, match=r"`feature` must be in \[0, 3\)"):
        plots.plot_comparison(real, jittery, feature=3)
