"""The strict discriminative score, its real-vs-real floor and the roughness ratio."""

from __future__ import annotations

import numpy as np
import pytest

from seqgan.metrics import MetricResult
from seqgan.metrics._strict import (
    _block_split,
    roughness_ratio,
    strict_discriminative_floor,
    strict_discriminative_score,
)

SEQ_LEN = 16
BUDGET = {"n_runs": 2, "n_iter": 100, "batch_size": 64, "device": "cpu",
          "random_state": 0}


def _windows(series: np.ndarray, seq_len: int = SEQ_LEN) -> np.ndarray:
    """Stride-1 windows (n, seq_len, d) in time order."""
    return np.lib.stride_tricks.sliding_window_view(series, seq_len, axis=0).transpose(0, 2, 1)


@pytest.fixture(scope="module")
def smooth():
    """Stride-1 windows of one smooth, stationary, cross-correlated 3-feature series in
    [0, 1] (Hann-filtered noise mixed across features), in time order."""
    rng = np.random.default_rng(0)
    noise = rng.normal(size=(2000 + 30, 3))
    kernel = np.hanning(31)
    series = np.stack([np.convolve(noise[:, j], kernel, "valid") for j in range(3)], axis=1)
    series = series @ np.array([[1.0, 0.6, 0.0], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])
    series = (series - series.min(0)) / (series.max(0) - series.min(0))
    return _windows(series)


def _held_out(windows: np.ndarray, block: int, gap: int) -> tuple[np.ndarray, np.ndarray]:
    """Every 5th time block of `block` windows held out; `gap - 1` windows dropped on each side
    of a held-out block from the rest."""
    n = len(windows)
    held = (np.arange(n) // block) % 5 == 4
    near = np.zeros(n, dtype=bool)
    for edge in np.flatnonzero(np.diff(np.r_[0, held.astype(int), 0])):
        near[max(0, edge - gap + 1): edge + gap - 1] = True
    return windows[~held & ~near], windows[held]


def test_noise_is_far_above_the_floor_on_a_smooth_series(smooth):
    floor = strict_discriminative_floor(smooth, **BUDGET)
    noisy = smooth + np.random.default_rng(1).normal(0, 0.02, size=smooth.shape)
    noise = strict_discriminative_score(smooth, noisy, **BUDGET)
    assert isinstance(noise, MetricResult) and noise.n_runs == 2
    assert floor.mean < 0.12 and noise.mean > 0.45


def test_a_held_out_time_block_scores_at_the_floor(smooth):
    # a "generator" that never saw these windows: not copying must not be punished
    train, held = _held_out(smooth, block=2 * SEQ_LEN, gap=SEQ_LEN)
    score = strict_discriminative_score(train, held, synthetic_order="time", **BUDGET)
    floor = strict_discriminative_floor(smooth, **BUDGET)
    assert score.mean < 0.12 and abs(score.mean - floor.mean) < 0.08


def test_stocks_noise_is_told_apart_and_a_held_out_period_is_not():
    from seqgan.datasets import get_data_home, load_dataset

    if not (get_data_home() / "stock_data.csv").is_file():
        pytest.skip(f"stock_data.csv is not in the data home {get_data_home()} (tests do not "
                    "download); set SEQGAN_DATA_HOME to a folder that holds it")

    X = load_dataset("stocks", protocol="timegan", seq_len=24, shuffle=False)
    noisy = X + np.random.default_rng(0).normal(0, 0.02, size=X.shape)
    settings = {**BUDGET, "n_runs": 4}
    noise = strict_discriminative_score(X, noisy, **settings)
    train, held = _held_out(X, block=48, gap=24)
    held_out = strict_discriminative_score(train, held, synthetic_order="time", **settings)
    # stocks change over time, so single runs on held-out periods vary (0 to about .3) and the
    # real-vs-real floor is about .1 here; noise is told apart every time
    assert noise.mean > 0.45 and held_out.mean < 0.25


def test_same_seed_same_score_and_time_positions_equal_time_order(smooth):
    noisy = smooth + np.random.default_rng(1).normal(0, 0.01, size=smooth.shape)
    fast = {"fast": True, "random_state": 3, "device": "cpu"}
    first = strict_discriminative_score(smooth, noisy, **fast)
    assert first.values == strict_discriminative_score(smooth, noisy, **fast).values
    perm = np.random.default_rng(2).permutation(len(smooth))
    shuffled = strict_discriminative_score(smooth[perm], noisy, real_order=perm, **fast)
    assert shuffled.values == pytest.approx(first.values, abs=1e-12)


def test_block_split_keeps_the_gap():
    ordered = np.arange(500)
    for seed in range(5):
        train, test = _block_split("real", ordered, 0.2, 20, 10, np.random.default_rng(seed))
        distance = np.abs(train[:, None] - test[None, :]).min()
        assert distance >= 10 and len(test) == 100
        assert not set(train) & set(test)
    train, test = _block_split("real", ordered, 0.2, 20, 0, np.random.default_rng(0))
    assert sorted(np.r_[train, test]) == list(ordered)  # no gap: nothing dropped


def test_variable_lengths_and_iid_real():
    rng = np.random.default_rng(0)
    real = [rng.uniform(size=(6 + i % 5, 2)) for i in range(60)]
    synth = [rng.uniform(size=(10, 2)) + 2.0 for _ in range(40)]
    result = strict_discriminative_score(real, synth, real_order="iid", fast=True,
                                         random_state=0, device="cpu")
    assert result.mean > 0.4
    floor = strict_discriminative_floor(real, real_order="iid", fast=True, random_state=0,
                                        device="cpu")
    assert 0 <= floor.mean <= 0.5


def test_roughness_ratio():
    t = np.arange(24.0)
    real = np.stack([np.stack([np.sin(t / 4 + p), np.cos(t / 5 + p)], 1) for p in range(8)])
    np.testing.assert_allclose(roughness_ratio(real, 3 * real), [3.0, 3.0])
    np.testing.assert_allclose(roughness_ratio(real, real + 5.0), [1.0, 1.0])
    noisy = real + np.random.default_rng(0).normal(0, 0.2, size=real.shape)
    assert np.all(roughness_ratio(real, noisy) > 1.5)
    # variable lengths: only valid steps count (no jump to the zero padding)
    ragged = [s[: 12 + i] for i, s in enumerate(real + 10.0)]
    np.testing.assert_allclose(roughness_ratio(ragged, ragged), [1.0, 1.0])
    flat = np.ones((4, 5, 1))
    assert np.isnan(roughness_ratio(flat, flat)[0])
    assert np.isinf(roughness_ratio(flat, real[:, :5, :1])[0])


def test_errors():
    good = np.random.default_rng(0).uniform(size=(200, 8, 2))
    bad = good.copy()
    bad[3, 2, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        strict_discriminative_score(good, bad, fast=True)
    with pytest.raises(ValueError, match="must have shape"):
        strict_discriminative_score(good[0], good, fast=True)
    with pytest.raises(ValueError, match="same number of features"):
        strict_discriminative_score(good, good[..., :1], fast=True)
    with pytest.raises(ValueError, match="`real_order` must be 'time', 'iid'"):
        strict_discriminative_score(good, good, real_order="shuffled", fast=True)
    with pytest.raises(ValueError, match=r"`synthetic_order` as an array .* shape \(200,\)"):
        strict_discriminative_score(good, good, synthetic_order=np.arange(5), fast=True)
    with pytest.raises(ValueError, match="leaves no training sequences"):
        strict_discriminative_score(good[:12], good, fast=True)
    with pytest.raises(ValueError, match="too few sequences"):
        strict_discriminative_floor(good[:30], fast=True)
    with pytest.raises(ValueError, match="'test_size' parameter must be a float in"):
        strict_discriminative_score(good, good, test_size=1.0, fast=True)
    with pytest.raises(ValueError, match="2 or more steps"):
        roughness_ratio(good[:, :1], good[:, :1])
