"""Features that are exact copies of another (energy's rv1 and rv2) are generated as copies."""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd
import pytest

from seqgan import R3GAN
from seqgan.data import SequenceEncoder


def _with_copy(n=20, steps=6):
    X = np.random.default_rng(0).normal(size=(n, steps, 3))
    return np.concatenate([X, X[..., 1:2]], axis=2)  # feature 3 = feature 1


def test_a_copied_feature_is_found_scaled_to_zero_and_restored(caplog):
    X = _with_copy()
    enc = SequenceEncoder(scaling="standard", owner="R3GAN")
    with caplog.at_level(logging.INFO, logger="seqgan.data._encoder"):
        data = enc.fit_transform(X)
    assert enc.copies_ == [[3, 1]]
    assert "exact copies" in caplog.text and "x3" in caplog.text
    assert (data.values[..., 3] == 0).all() and data.values[..., 1].std() > 0.5
    # whatever a generator puts in the copied channel, the sample holds the source's values
    generated = data.values.copy()
    generated[..., 3] = np.random.default_rng(1).normal(size=generated.shape[:2])
    back = SequenceEncoder.from_dict(json.loads(json.dumps(enc.to_dict()))).inverse_transform(
        generated, data.lengths)
    np.testing.assert_array_equal(back[..., 3], back[..., 1])
    np.testing.assert_allclose(back, X, atol=1e-5)


def test_near_copies_constants_categories_and_gapped_features_are_not_copies():
    X = _with_copy()
    X[0, 0, 3] += 1e-9                                  # differs at one step
    X = np.concatenate([X, np.ones((20, 6, 2))], axis=2)  # two equal constants
    enc = SequenceEncoder()
    enc.fit_transform(X)
    assert enc.copies_ == []
    gapped = _with_copy()
    gapped[0, 0, [1, 3]] = np.nan                       # equal, gaps included
    enc.fit_transform(gapped)
    assert enc.copies_ == []
    frame = pd.DataFrame({"id": np.repeat(np.arange(4), 3), "a": list("xyz") * 4,
                          "b": list("xyz") * 4})
    enc.fit_transform(frame, id_column="id", categorical=["a", "b"])
    assert enc.copies_ == []


def test_new_data_is_scaled_with_the_fitted_copies_and_old_files_have_none():
    X = _with_copy()
    enc = SequenceEncoder()
    enc.fit_transform(X)
    other = X.copy()
    other[..., 3] += 1.0                                # not a copy in the new data
    assert (enc.transform(other).values[..., 3] == 0).all()
    state = enc.to_dict()
    del state["copies_"]                                # a file written before copies
    assert SequenceEncoder.from_dict(state).copies_ == ()


#: R3GAN's settings that differential privacy accepts (see test_differential_privacy.py).
PRIVATE = {"privacy": {"epsilon": 50.0, "delta": 1e-5, "bounds": (-4.0, 4.0)}, "gamma": 0.0,
           "discriminator_view": "raw", "n_positional": 0}


@pytest.mark.parametrize("private", [False, True])
def test_a_model_samples_exact_copies_and_a_private_fit_does_not_look_for_them(private):
    if private:
        pytest.importorskip("opacus")
    X = _with_copy(n=64, steps=8).astype(np.float32)
    model = R3GAN(n_iter=3, batch_size=16, verbose=False, random_state=0,
                  **(PRIVATE if private else {})).fit(X)
    S = model.sample(32, random_state=0)
    if not private:
        np.testing.assert_array_equal(S[..., 3], S[..., 1])
    else:
        assert model.encoder_.copies_ == [] and np.abs(S[..., 3] - S[..., 1]).max() > 0
