"""Issue 20, item 15: what reproducibility covers (docs/training.md, "Seeds and devices"): the
same seed on the same machine, device and thread count gives the same samples bit for bit, on
every sequence model; across thread counts, only up to float rounding."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from seqgan.models import available_models, get_model
from seqgan.models._image_base import LatentVectorGANEstimator

SEQUENCE_MODELS = [
    c for c in map(get_model, available_models()) if not issubclass(c, LatentVectorGANEstimator)
]


@pytest.fixture
def threads():
    before = torch.get_num_threads()
    yield torch.set_num_threads
    torch.set_num_threads(before)


def _X() -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.sin(rng.uniform(0.2, 0.6, size=(64, 1, 3)) * np.arange(12)[None, :, None])


def _samples(cls):
    params = {**cls.get_test_params(), "batch_size": 32}
    return cls(**params).fit(_X()).sample(32, random_state=0)


@pytest.mark.parametrize("cls", SEQUENCE_MODELS, ids=lambda c: c.__name__)
def test_same_thread_count_same_samples_and_other_counts_within_rounding(cls, threads, caplog):
    caplog.set_level(logging.ERROR)
    results = {}
    for n in (1, 2, 1, 2):
        threads(n)
        samples = _samples(cls)
        if n in results:
            np.testing.assert_array_equal(samples, results[n])  # bit for bit
        results[n] = samples
    np.testing.assert_allclose(results[1], results[2], rtol=1e-4, atol=1e-5)
