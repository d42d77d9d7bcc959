"""Figures to compare real and synthetic sequences and to read a training history.

Every function returns a :class:`matplotlib.figure.Figure` (no global pyplot state, works
without a display) and, with ``path``, saves it as a PNG.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from seqgan._validation import check_int, check_option, check_random_state
from seqgan.metrics._input import as_pair

REAL_COLOUR, SYNTH_COLOUR = "tab:blue", "tab:red"


def _finish(fig: Figure, path: str | Path | None) -> Figure:
    fig.tight_layout()
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
    return fig


def _arrays(real: Any, synthetic: Any) -> tuple[Any, Any]:
    return as_pair(real, synthetic)


def plot_samples(real: Any, synthetic: Any, *, n: int = 5, features: Sequence[int] | None = None,
                 random_state: Any = 0, path: str | Path | None = None) -> Figure:
    """``n`` random real sequences (left) and synthetic sequences (right), one row per feature
    (the first three by default)."""
    r, s = _arrays(real, synthetic)
    n = check_int("n", n, low=1)
    features = list(range(min(3, r.n_channels))) if features is None else list(features)
    if not features or any(not 0 <= f < r.n_channels for f in features):
        raise ValueError(f"`features` must be indices in [0, {r.n_channels}); got {features}.")
    rng = check_random_state(random_state)
    pick_r = rng.choice(r.n_sequences, min(n, r.n_sequences), replace=False)
    pick_s = rng.choice(s.n_sequences, min(n, s.n_sequences), replace=False)
    fig = Figure(figsize=(9, 2.2 * len(features)))
    axes = fig.subplots(len(features), 2, squeeze=False, sharey="row")
    for row, f in enumerate(features):
        for col, (seq, pick, colour, title) in enumerate(
                [(r, pick_r, REAL_COLOUR, "real"), (s, pick_s, SYNTH_COLOUR, "synthetic")]):
            ax = axes[row, col]
            for i in pick:
                ax.plot(seq.values[i, : seq.lengths[i], f], color=colour, alpha=0.7, lw=1)
            ax.set_title(f"{title}, feature {f}", fontsize=9)
    return _finish(fig, path)


def _pooled_acf(values: np.ndarray, mask: np.ndarray, lags: int) -> np.ndarray:
    """Autocorrelation (lags + 1,) of one feature (n, T) pooled over sequences: deviations
    from the overall mean of valid steps, products over pairs of valid steps."""
    valid = mask.astype(bool)
    x = np.where(valid, values - values[valid].mean(), 0.0)
    var = (x[valid] ** 2).mean()
    out = np.ones(lags + 1)
    for k in range(1, lags + 1):
        both = valid[:, k:] & valid[:, :-k]
        out[k] = (x[:, k:] * x[:, :-k])[both].mean() / var if both.any() and var else np.nan
    return out


def plot_comparison(real: Any, synthetic: Any, *, feature: int = 0, n: int = 12,
                    random_state: Any = 0, path: str | Path | None = None) -> Figure:
    """One feature as an analyst checks it: ``n`` real and ``n`` synthetic series, their first
    differences (jitter shows here), the marginal distributions of values and of differences,
    and the autocorrelation of the differences, real against synthetic (valid steps only)."""
    r, s = _arrays(real, synthetic)
    n = check_int("n", n, low=1)
    if not 0 <= feature < r.n_channels:
        raise ValueError(f"`feature` must be in [0, {r.n_channels}); got {feature}.")
    rng = check_random_state(random_state)
    fig = Figure(figsize=(13, 5))
    axes = fig.subplots(2, 4)
    steps = {}
    for row, (seq, colour, title) in enumerate([(r, REAL_COLOUR, "real"),
                                                (s, SYNTH_COLOUR, "synthetic")]):
        pick = rng.choice(seq.n_sequences, min(n, seq.n_sequences), replace=False)
        for i in pick:
            x = seq.values[i, : seq.lengths[i], feature]
            axes[row, 0].plot(x, color=colour, alpha=0.6, lw=1)
            axes[row, 1].plot(np.diff(x), color=colour, alpha=0.6, lw=1)
        axes[row, 0].set_title(f"{title} series (feature {feature})", fontsize=9)
        axes[row, 1].set_title(f"{title} first differences", fontsize=9)
        mask = seq.mask()
        values = seq.values[..., feature]
        steps[title] = (values[mask], np.diff(values, axis=1)[mask[:, 1:]])
    for col, (k, label) in ((2, (0, "values")), (3, (1, "first differences"))):
        both = np.concatenate([steps["real"][k], steps["synthetic"][k]])
        bins = np.linspace(np.quantile(both, 0.001), np.quantile(both, 0.999), 50)
        for title, colour in (("real", REAL_COLOUR), ("synthetic", SYNTH_COLOUR)):
            axes[0, col].hist(steps[title][k], bins=bins, density=True, alpha=0.5,
                              color=colour, label=title)
        axes[0, col].set_title(f"marginal of {label}", fontsize=9)
    axes[0, 2].legend(fontsize=8)
    lags = max(1, min(r.seq_len, s.seq_len) // 2)
    for seq, colour, title, style in ((r, REAL_COLOUR, "real", "-"),
                                      (s, SYNTH_COLOUR, "synthetic", "--")):
        axes[1, 2].plot(_pooled_acf(np.diff(seq.values[..., feature], axis=1),
                                    seq.mask()[:, 1:], lags), color=colour, ls=style,
                        label=title)
    axes[1, 2].set_title("autocorrelation of differences", fontsize=9)
    axes[1, 2].set_xlabel("lag", fontsize=8)
    stds = [np.std(steps[t][1]) / max(np.std(steps["real"][1]), 1e-12)
            for t in ("real", "synthetic")]
    axes[1, 3].bar(["real", "synthetic"], stds, color=[REAL_COLOUR, SYNTH_COLOUR])
    axes[1, 3].set_title("std of differences (real = 1)", fontsize=9)
    return _finish(fig, path)


def plot_embedding(real: Any, synthetic: Any, *, method: str = "pca", n: int = 1000,
                   random_state: Any = 0, path: str | Path | None = None) -> Figure:
    """2-D PCA or t-SNE of real and synthetic sequences, as TimeGAN's visualisation.

    As the reference (``visualization_metrics.py``): at most ``n`` random sequences of each
    set, each reduced to its mean over features per step (n, seq_len); PCA is fitted on the
    real ones; t-SNE (perplexity 40, 300 iterations) runs on both together.
    """
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    method = check_option("method", method, ("pca", "tsne"))
    r, s = _arrays(real, synthetic)
    if r.seq_len != s.seq_len:
        raise ValueError("plot_embedding needs the same sequence length in both sets.")
    rng = check_random_state(random_state)
    k = min(check_int("n", n, low=2), r.n_sequences, s.n_sequences)
    xr = r.values[rng.permutation(r.n_sequences)[:k]].mean(2)
    xs = s.values[rng.permutation(s.n_sequences)[:k]].mean(2)
    if method == "pca":
        pca = PCA(n_components=2).fit(xr)
        er, es = pca.transform(xr), pca.transform(xs)
    else:
        seed = int(rng.integers(2**31 - 1))
        both = TSNE(n_components=2, perplexity=min(40.0, (2 * k - 1) / 3), max_iter=300,
                    init="pca", random_state=seed).fit_transform(np.concatenate([xr, xs]))
        er, es = both[:k], both[k:]
    fig = Figure(figsize=(5, 4.5))
    ax = fig.subplots()
    ax.scatter(er[:, 0], er[:, 1], s=6, alpha=0.3, color=REAL_COLOUR, label="real")
    ax.scatter(es[:, 0], es[:, 1], s=6, alpha=0.3, color=SYNTH_COLOUR, label="synthetic")
    ax.set_title("PCA" if method == "pca" else "t-SNE")
    ax.legend()
    return _finish(fig, path)


def plot_marginals(real: Any, synthetic: Any, *, bins: int = 50,
                   path: str | Path | None = None) -> Figure:
    """Histogram densities of every feature's values, real against synthetic."""
    r, s = _arrays(real, synthetic)
    d = r.n_channels
    cols = min(d, 4)
    fig = Figure(figsize=(3 * cols, 2.4 * int(np.ceil(d / cols))))
    axes = fig.subplots(int(np.ceil(d / cols)), cols, squeeze=False).ravel()
    for f in range(d):
        ax = axes[f]
        ax.hist(r.values[..., f][r.mask()], bins=bins, density=True, alpha=0.5,
                color=REAL_COLOUR, label="real")
        ax.hist(s.values[..., f][s.mask()], bins=bins, density=True, alpha=0.5,
                color=SYNTH_COLOUR, label="synthetic")
        ax.set_title(f"feature {f}", fontsize=9)
    for ax in axes[d:]:
        ax.set_visible(False)
    axes[0].legend(fontsize=8)
    return _finish(fig, path)


def _acf(values: np.ndarray, mask: np.ndarray, lags: int) -> np.ndarray:
    """Mean over sequences of each feature's autocorrelation (lags + 1, d)."""
    out = np.zeros((lags + 1, values.shape[2]))
    x = np.where(mask[..., None], values, np.nan)
    x = x - np.nanmean(x, axis=1, keepdims=True)
    var = np.nanmean(x * x, axis=1)
    for k in range(lags + 1):
        prod = x[:, k:] * x[:, : x.shape[1] - k]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[k] = np.nanmean(np.nanmean(prod, axis=1) / var, axis=0)
    return out


def plot_autocorrelation(real: Any, synthetic: Any, *, max_lag: int | None = None,
                         path: str | Path | None = None) -> Figure:
    """Autocorrelation per feature (mean over sequences), real against synthetic."""
    r, s = _arrays(real, synthetic)
    lags = min(r.seq_len, s.seq_len) - 1 if max_lag is None else check_int("max_lag", max_lag,
                                                                           low=1)
    ar, as_ = _acf(r.values, r.mask(), lags), _acf(s.values, s.mask(), lags)
    d = r.n_channels
    cols = min(d, 4)
    fig = Figure(figsize=(3 * cols, 2.4 * int(np.ceil(d / cols))))
    axes = fig.subplots(int(np.ceil(d / cols)), cols, squeeze=False).ravel()
    for f in range(d):
        axes[f].plot(ar[:, f], color=REAL_COLOUR, label="real")
        axes[f].plot(as_[:, f], color=SYNTH_COLOUR, label="synthetic", ls="--")
        axes[f].set_title(f"feature {f}", fontsize=9)
        axes[f].set_xlabel("lag", fontsize=8)
    for ax in axes[d:]:
        ax.set_visible(False)
    axes[0].legend(fontsize=8)
    return _finish(fig, path)


def plot_history(history: pd.DataFrame, *, columns: Sequence[str] | None = None,
                 smooth: int = 1, path: str | Path | None = None) -> Figure:
    """Loss and diagnostic curves of a model's ``history_`` (one panel per column).

    ``columns`` default to every ``<update>/loss`` column; ``smooth`` is a rolling-mean window
    in iterations. Iterations run on across phases; phase boundaries are marked.
    """
    if not isinstance(history, pd.DataFrame) or "phase" not in history:
        raise TypeError("`history` must be a model's history_ DataFrame (with a 'phase' "
                        "column).")
    columns = ([c for c in history.columns if c.endswith("/loss")] if columns is None
               else list(columns))
    missing = [c for c in columns if c not in history.columns]
    if missing or not columns:
        raise ValueError(f"Unknown history columns {missing}; available: "
                         f"{', '.join(c for c in history.columns if '/' in c)}.")
    smooth = check_int("smooth", smooth, low=1)
    step = np.arange(1, len(history) + 1)
    boundaries = np.flatnonzero(history["phase"].to_numpy()[1:]
                                != history["phase"].to_numpy()[:-1]) + 1
    fig = Figure(figsize=(7, 2.0 * len(columns)))
    axes = fig.subplots(len(columns), 1, squeeze=False, sharex=True)[:, 0]
    for ax, column in zip(axes, columns, strict=True):
        values = history[column].astype(float)
        valid = values.notna().to_numpy()
        smoothed = values[valid].rolling(smooth, min_periods=1).mean()
        # columns recorded every k iterations (diagnostics, probes) get markers
        ax.plot(step[valid], smoothed, lw=1, marker=None if valid.all() else ".")
        for b in boundaries:
            ax.axvline(b + 0.5, color="grey", ls=":", lw=1)
        ax.set_ylabel(column, fontsize=8)
    axes[-1].set_xlabel("iteration")
    return _finish(fig, path)


def image_grid(images: Any, *, ncol: int | None = None, pad: int = 1) -> np.ndarray:
    """Tile images (n, C, H, W) (or (n, H, W)) into one array (rows, cols) or (rows, cols, 3)
    scaled to [0, 1] by the batch's range; missing cells are left at the background (0)."""
    from seqgan.data import as_images

    arr = as_images("images", images, "image_grid")
    n, channels, height, width = arr.shape
    ncol = int(np.ceil(np.sqrt(n))) if ncol is None else check_int("ncol", ncol, low=1)
    nrow = int(np.ceil(n / ncol))
    low, high = arr.min(), arr.max()
    arr = (arr - low) / (high - low) if high > low else np.zeros_like(arr)
    if channels not in (1, 3):  # show the first channel of other layouts
        arr, channels = arr[:, :1], 1
    grid = np.zeros((nrow * (height + pad) + pad, ncol * (width + pad) + pad, channels))
    for i in range(n):
        r, c = divmod(i, ncol)
        top, left = pad + r * (height + pad), pad + c * (width + pad)
        grid[top: top + height, left: left + width] = arr[i].transpose(1, 2, 0)
    return grid[..., 0] if channels == 1 else grid


def plot_images(images: Any, *, ncol: int | None = None, title: str | None = None,
                path: str | Path | None = None, size: float = 4.0) -> Figure:
    """A grid of images (n, C, H, W) (grey for one channel, RGB for three)."""
    grid = image_grid(images, ncol=ncol)
    fig = Figure(figsize=(size, size * grid.shape[0] / grid.shape[1]))
    ax = fig.subplots()
    ax.imshow(grid, cmap="gray" if grid.ndim == 2 else None, vmin=0, vmax=1,
              interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=9)
    return _finish(fig, path)
