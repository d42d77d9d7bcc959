"""TSGBench measures, the correlational score, MMD, TSTR and the privacy measures."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from seqgan.datasets import load_dataset
from seqgan.metrics import (
    acd,
    correlational_score,
    distance_to_closest_record,
    dtw_distance,
    euclidean_distance,
    kurtosis_difference,
    mdd,
    membership_inference_score,
    mmd,
    skewness_difference,
    tstr_score,
)


@pytest.fixture(scope="module")
def sets():
    a = load_dataset("sines", n_samples=300, seq_len=12, n_features=3, random_state=0)
    b = load_dataset("sines", n_samples=300, seq_len=12, n_features=3, random_state=1)
    noise = np.random.default_rng(0).uniform(size=a.shape)
    return a, b, noise


@pytest.mark.parametrize("metric", [acd, mdd, skewness_difference, kurtosis_difference,
                                    euclidean_distance, dtw_distance, correlational_score, mmd])
def test_zero_for_identical_sets_and_larger_for_noise(metric, sets):
    a, b, noise = sets
    # MDD, as TSGBench, does not count synthetic values exactly on a bin edge (the extremes),
    # and the unbiased MMD estimate fluctuates around 0
    tolerance = {mdd: 0.05 * mdd(a, noise), mmd: 0.01}.get(metric, 1e-9)
    assert abs(metric(a, a)) <= tolerance
    assert metric(a, b) < metric(a, noise)


def test_skewness_and_kurtosis_against_scipy():
    rng = np.random.default_rng(1)
    real, synth = rng.normal(size=(50, 10, 2)), rng.exponential(size=(50, 10, 2))
    flat_r, flat_s = real.reshape(-1, 2), synth.reshape(-1, 2)
    # TSGBench: third moment over the unbiased std cubed; excess kurtosis with biased variance
    n = len(flat_r)
    correction = ((n - 1) / n) ** 1.5
    skew = np.abs(stats.skew(flat_s) * correction - stats.skew(flat_r) * correction).mean()
    assert skewness_difference(real, synth) == pytest.approx(skew, rel=1e-9)
    kurt = np.abs(stats.kurtosis(flat_s) - stats.kurtosis(flat_r)).mean()
    assert kurtosis_difference(real, synth) == pytest.approx(kurt, rel=1e-9)


def test_acd_by_hand():
    x = np.array([[[1.0], [2.0], [3.0], [4.0]]])
    y = np.array([[[1.0], [-1.0], [1.0], [-1.0]]])

    def acf(v, lag):
        v = v - v.mean()
        return np.mean(v[lag:] * v[: len(v) - lag]) / v.var()

    diffs = [acf(y.ravel(), k) - acf(x.ravel(), k) for k in range(4)]
    assert acd(x, y) == pytest.approx(np.sqrt(np.sum(np.square(diffs))))


def test_mdd_by_hand():
    real = np.array([[[0.0], [0.0]], [[0.0], [1.0]]])       # step 1 values: 0, 1
    synth = np.array([[[0.0], [0.0]], [[0.0], [0.0]]])      # step 1 values: 0, 0
    # two bins of width 0.5: real densities (1, 1); synthetic: both values at 0 (2, 0)
    assert mdd(real, synth, n_bins=2) == pytest.approx(1.0)


def test_ed_and_dtw_by_hand():
    real = np.array([[[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]]])
    shifted = np.array([[[0.0, 0.0], [0.0, 0.0], [1.0, 0.0]]])
    assert euclidean_distance(real, shifted) == pytest.approx((np.sqrt(2) + 0) / 2)
    # DTW aligns (0,0,1) with (0,1,2): path 0-0, 0-1, 1-2 ... best cost 1 + 1 = 2
    naive = _naive_dtw(real[0], shifted[0])
    assert dtw_distance(real, shifted) == pytest.approx(naive)
    assert dtw_distance(real, shifted) <= np.linalg.norm(real - shifted) + 1e-12


def test_dtw_of_many_pairs_and_lengths_matches_the_textbook_recursion():
    rng = np.random.default_rng(3)
    for T, d in [(1, 1), (2, 3), (7, 2)]:
        real, synth = rng.normal(size=(5, T, d)), rng.normal(size=(5, T, d))
        naive = np.mean([_naive_dtw(a, b) for a, b in zip(real, synth, strict=True)])
        assert dtw_distance(real, synth) == pytest.approx(naive, rel=1e-12)
        assert dtw_distance(real, real) == 0.0


def _naive_dtw(a, b):
    n, m = len(a), len(b)
    acc = np.full((n + 1, m + 1), np.inf)
    acc[0, 0] = 0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            acc[i, j] = np.sum((a[i - 1] - b[j - 1]) ** 2) + min(acc[i - 1, j], acc[i, j - 1],
                                                                 acc[i - 1, j - 1])
    return np.sqrt(acc[n, m])


def test_correlational_score_by_hand():
    rng = np.random.default_rng(2)
    real = rng.normal(size=(40, 6, 2))
    synth = real.copy()
    synth[..., 1] = synth[..., 0]                   # perfectly correlated features
    def corr(x):
        flat = x.reshape(-1, 2)
        z = (flat - flat.mean(0)) / flat.std(0, ddof=1)
        return np.array([np.mean(z[:, 0] ** 2), np.mean(z[:, 1] * z[:, 0]), np.mean(z[:, 1] ** 2)])
    expected = np.abs(corr(synth) - corr(real)).sum() / 10
    assert correlational_score(real, synth) == pytest.approx(expected)


def test_mmd_detects_a_shift(sets):
    a, b, _ = sets
    assert abs(mmd(a, b, random_state=0)) < 0.01 < mmd(a, a + 0.3, random_state=0)


def test_privacy_copies_versus_independent_data(sets):
    a, b, _ = sets
    train, holdout = a[:150], a[150:]
    copied = distance_to_closest_record(train, train, holdout)
    assert copied["synthetic_median"] == 0 and copied["ratio_median"] == 0
    fresh = distance_to_closest_record(train, b, holdout)
    assert 0.5 < fresh["ratio_median"] < 2
    assert membership_inference_score(train, holdout, train) > 0.95
    assert 0.35 < membership_inference_score(train, holdout, b) < 0.65


def test_tstr_with_labels():
    X, y = load_dataset("digits", return_labels=True)
    seqs = X[:, 0]                                   # (n, 8, 8): rows as time steps
    result = tstr_score(seqs[:600], y[:600], seqs[1200:], y[1200:], real_train=seqs[600:1200],
                        real_train_labels=y[600:1200], random_state=0)
    assert result["tstr"] > 0.8 and result["trtr"] > 0.8
    with pytest.raises(ValueError, match="labels of `synthetic`"):
        tstr_score(seqs[:10], y[:9], seqs[10:20], y[10:20])


def test_errors_name_the_problem(sets):
    a, _, _ = sets
    with pytest.raises(ValueError, match="same sequence length"):
        acd(a, [s[:6] for s in a])
    with pytest.raises(ValueError, match="as many sequences"):
        euclidean_distance(a, a[:10])
