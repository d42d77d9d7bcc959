"""The VAR baseline: statsmodels' estimates on one series, pooled OLS on many, simulation."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.tsa.api import VAR

from seqgan.baselines import VARBaseline


@pytest.fixture
def series():
    rng = np.random.default_rng(0)
    A1, A2 = np.array([[0.5, 0.1], [0.0, 0.4]]), np.array([[-0.2, 0.0], [0.05, -0.1]])
    x = np.zeros((600, 2))
    for t in range(2, 600):
        x[t] = 0.1 + x[t - 1] @ A1.T + x[t - 2] @ A2.T + rng.normal(size=2) * 0.1
    return x


def test_one_series_matches_statsmodels(series):
    ours = VARBaseline(order=2).fit(series[None])
    theirs = VAR(series).fit(2)
    np.testing.assert_allclose(ours.coefs_, theirs.coefs, atol=1e-10)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept, atol=1e-10)
    np.testing.assert_allclose(ours.sigma_, theirs.sigma_u, atol=1e-10)


def test_bic_picks_the_true_order_and_pooling_recovers_coefficients(series):
    windows = np.stack([series[i : i + 40] for i in range(0, 560, 5)])
    model = VARBaseline().fit(windows)
    assert model.order_ == 2
    np.testing.assert_allclose(model.coefs_[0], [[0.5, 0.1], [0.0, 0.4]], atol=0.1)


def test_simulation_is_reproducible_and_has_the_data_scale(series):
    windows = np.stack([series[i : i + 24] for i in range(0, 576, 4)])
    model = VARBaseline(random_state=0).fit(windows)
    a, b = model.sample(300), model.sample(300)
    assert a.shape == (300, 24, 2) and np.array_equal(a, b)
    assert np.abs(a.std() - windows.std()) < 0.3 * windows.std()
    assert model.sample(4, seq_len=50, random_state=1).shape == (4, 50, 2)


def test_bad_input_messages():
    with pytest.raises(ValueError, match="n_sequences, seq_len, n_features"):
        VARBaseline().fit(np.zeros((10, 3)))
    with pytest.raises(ValueError, match="NaN"):
        VARBaseline().fit(np.full((2, 5, 1), np.nan))
