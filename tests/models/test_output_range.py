"""Every sequence model's generator produces exactly the range its scaler maps the training data
to: with min-max scaling, outputs stay in [0, 1] and reach both ends when the generator is
driven to saturation; with standard scaling (unbounded), outputs are not clipped."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seqgan import CRNNGAN, RCGAN
from tests.models.test_estimator_contract import sequence_models


def _saturated_scaled_samples(model, n: int = 128) -> np.ndarray:
    """Samples of a fitted model whose weights are all multiplied by 50 (outputs driven to the
    ends of the output activation), mapped back to the scaled space."""
    with torch.no_grad():
        for p in model.module_.parameters():
            p.mul_(50.0)
    return model.scaler_.transform(np.asarray(model.sample(n, random_state=0)))


@pytest.mark.parametrize("cls", sequence_models(), ids=lambda c: c.__name__)
def test_minmax_output_range_is_the_scaled_data_range(cls, tiny_X):
    model = cls(**cls.get_test_params(), scaling="minmax").fit(tiny_X)
    target = model.scaler_.transform(tiny_X)
    low, high = float(target.min()), float(target.max())
    assert (low, high) == pytest.approx((0.0, 1.0), abs=1e-6)
    out = _saturated_scaled_samples(model)
    assert out.min() >= low - 1e-4 and out.max() <= high + 1e-4, (out.min(), out.max())
    assert out.min() < low + 0.05 and out.max() > high - 0.05, (out.min(), out.max())


@pytest.mark.parametrize("cls", sequence_models(), ids=lambda c: c.__name__)
def test_standard_scaling_outputs_are_unbounded(cls, tiny_X):
    model = cls(**cls.get_test_params(), scaling="standard").fit(tiny_X)
    out = _saturated_scaled_samples(model)
    assert np.abs(out).max() > 2.0, (out.min(), out.max())  # not held in [0, 1] or [-1, 1]


@pytest.mark.parametrize("cls", [RCGAN, CRNNGAN])
def test_an_output_activation_outside_the_scaled_range_is_refused(cls, tiny_X):
    with pytest.raises(ValueError, match=r"produces values in \[-1, 1\], but scaling='minmax'"):
        cls(**cls.get_test_params(), output_activation="tanh").fit(tiny_X)
    with pytest.raises(ValueError, match="output_activation='auto'"):
        cls(**cls.get_test_params(), output_activation="linear").fit(tiny_X)
    cls(**cls.get_test_params(), output_activation="sigmoid").fit(tiny_X)
