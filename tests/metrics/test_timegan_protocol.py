"""TimeGAN's discriminative and predictive scores."""

from __future__ import annotations

import numpy as np
import pytest

from seqgan.datasets import load_dataset
from seqgan.metrics import MetricResult, discriminative_score, predictive_score


@pytest.fixture(scope="module")
def halves():
    X = load_dataset("sines", n_samples=600, seq_len=12, n_features=4, random_state=0)
    return X[:300], X[300:]


def test_real_against_real_is_near_zero_and_noise_near_half(halves):
    a, b = halves
    same = discriminative_score(a, b, n_runs=2, n_iter=300, hidden_dim=8, random_state=0)
    # (the reference's int(d/2) units sometimes get stuck on easy data; 8 do not)
    noise = discriminative_score(a, np.random.default_rng(0).uniform(size=a.shape), n_runs=2,
                                 n_iter=300, hidden_dim=8, random_state=0)
    assert isinstance(same, MetricResult) and same.n_runs == 2
    assert same.mean < 0.15 < 0.35 < noise.mean <= 0.5


def test_predictive_score_prefers_real_training_data(halves):
    a, b = halves
    real = predictive_score(a, b, n_runs=1, n_iter=300, random_state=0)
    noise = predictive_score(a, np.random.default_rng(0).uniform(size=b.shape), n_runs=1,
                             n_iter=300, random_state=0)
    assert real.mean < noise.mean


def test_same_seed_same_score_and_variable_lengths(halves):
    a, b = halves
    first = discriminative_score(a, b, fast=True, random_state=3)
    assert first.values == discriminative_score(a, b, fast=True, random_state=3).values
    ragged = [s[: 6 + i % 6] for i, s in enumerate(b)]
    assert 0 <= discriminative_score(a, ragged, fast=True, random_state=0).mean <= 0.5
    assert predictive_score(ragged, a, fast=True, random_state=0).mean > 0


def test_input_errors_are_clear(halves):
    a, _ = halves
    with pytest.raises(ValueError, match="same number of features"):
        discriminative_score(a, a[..., :2], fast=True)
    with pytest.raises(ValueError, match="n_samples, seq_len, n_features"):
        discriminative_score(a[0], a, fast=True)
    with pytest.raises(ValueError, match="at least 2 features"):
        predictive_score(a[..., :1], a[..., :1], fast=True)
    with pytest.raises(ValueError, match="NaN"):
        bad = a.copy()
        bad[0, 0, 0] = np.nan
        predictive_score(bad, a, fast=True)
