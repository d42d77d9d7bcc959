"""Issue 20, item 1: scaling is invariant to the units, and constant features are explicit."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from seqgan.data._scaling import FeatureScaler
from seqgan.models import get_model
from tests.conftest import SEQUENCE_MODELS

FACTORS = [1e-12, 1e-10, 1e-8, 1e-3, 1e3, 1e8, 1e12]


def _data() -> np.ndarray:
    rng = np.random.default_rng(0)
    t = np.arange(8)
    freq = rng.uniform(0.2, 0.6, size=(24, 1, 2))
    return (np.sin(freq * t[None, :, None]) + 1.0) / 2.0  # (24, 8, 2) in [0, 1]


@pytest.mark.parametrize("method", ["minmax", "standard"])
@pytest.mark.parametrize("c", FACTORS)
def test_scaled_values_do_not_depend_on_the_units(method, c):
    X = _data()
    base = FeatureScaler(method).fit(X).transform(X)
    scaler = FeatureScaler(method).fit(c * X)
    np.testing.assert_allclose(scaler.transform(c * X), base, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(scaler.inverse_transform(base) / c, X, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("cls", SEQUENCE_MODELS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("c", [1e-10, 1e12])
def test_samples_in_small_or_large_units_are_the_samples_times_the_unit(cls, c):
    X = _data()
    params = cls.get_test_params()
    base = cls(**params).fit(X).sample(16, random_state=1)
    scaled = cls(**params).fit(c * X).sample(16, random_state=1)
    np.testing.assert_allclose(scaled / c, base, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("method", ["minmax", "standard"])
def test_a_constant_feature_is_reported_and_generated_as_the_constant(method, caplog):
    X = _data()
    X[..., 1] = 3e-10
    with caplog.at_level(logging.WARNING, logger="seqgan.data._scaling"):
        scaler = FeatureScaler(method).fit(X)
    assert "index [1] are constant" in caplog.text
    assert scaler.constant_.tolist() == [1]
    assert (scaler.transform(X)[..., 1] == 0).all()
    noise = np.random.default_rng(0).uniform(-2, 2, size=X.shape)
    assert (scaler.inverse_transform(noise)[..., 1] == 3e-10).all()


def test_a_model_generates_a_constant_feature_exactly():
    cls = get_model("crnngan")
    X = _data()
    X[..., 0] = 7.5e-9
    samples = cls(**cls.get_test_params()).fit(X).sample(8, random_state=0)
    assert (samples[..., 0] == 7.5e-9).all()


@pytest.mark.parametrize("method", ["minmax", "standard"])
def test_values_near_the_float64_limit_are_refused_as_overflow_not_divergence(method):
    X = _data()
    X[0, 0, 0], X[1, 0, 0] = -1.7e308, 1.7e308
    with pytest.raises(ValueError, match=r"overflow the .* scaler.*float64 limit.*[Rr]escale"):
        FeatureScaler(method).fit(X)


def test_values_near_the_float64_limit_scale_when_their_range_fits():
    X = _data() * 1.7e308
    scaler = FeatureScaler("standard").fit(X)
    assert np.isfinite(scaler.scale_).all()
    np.testing.assert_allclose(
        scaler.transform(X),
        FeatureScaler("standard").fit(_data()).transform(_data()),
        rtol=1e-5,
        atol=1e-5,
    )
