"""Model files written before the model layer's refactoring still load, and a fixed seed still
gives the same samples bit for bit (files and samples from tests/fixtures/make_pre_move.py)."""

from __future__ import annotations

import numpy as np
import pytest

import seqgan
from tests.fixtures.make_pre_move import HERE, cases

CASES = cases()


@pytest.mark.parametrize("name", sorted(CASES))
def test_old_file_loads_and_samples_the_same(name):
    _, _, sample_args = CASES[name]
    expected = np.load(HERE / f"{name}.npz")
    model = seqgan.load(HERE / f"{name}.seqgan")
    np.testing.assert_array_equal(np.asarray(model.sample(4, random_state=1, **sample_args)),
                                  expected["loaded"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_seed_trains_to_the_same_samples(name):
    model, fit_args, sample_args = cases()[name]
    model.fit(**fit_args)
    expected = np.load(HERE / f"{name}.npz")
    np.testing.assert_array_equal(np.asarray(model.sample(4, random_state=1, **sample_args)),
                                  expected["fitted"])
