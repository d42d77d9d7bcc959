"""Issue 20, item 15: what reproducibility covers (docs/training.md, "Seeds and devices"): the
same seed on the same machine, device and thread count gives the same samples bit for bit, on
every sequence model; across thread counts, only up to float rounding."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from tests.conftest import SEQUENCE_MODELS, small_sines


@pytest.fixture
def threads():
    before = torch.get_num_threads()
    yield torch.set_num_threads
    torch.set_num_threads(before)


def _X() -> np.ndarray:
    return small_sines(n=64, steps=12, n_features=3)


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
