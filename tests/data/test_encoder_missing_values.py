"""Missing values in the data encoder: observation channels, scaling on observed values, gaps
written back as NaN, and the inputs refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from seqgan.data import SequenceEncoder


def holes(seed: int = 0, shape=(6, 5, 3), rate: float = 0.3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=shape) * [1.0, 10.0, 100.0]
    X[rng.random(shape) < rate] = np.nan
    X[..., 1] = np.where(np.isnan(X[..., 1]), 0.5, X[..., 1])  # feature 1 complete
    return X


def test_observation_channels_follow_the_features_with_gaps():
    X = holes()
    enc = SequenceEncoder()
    data = enc.fit_transform(X)
    assert enc.missing_channels_ == [0, 2] and enc.n_observed_ == 2
    assert data.values.shape == (6, 5, 3 + 2)
    seen = ~np.isnan(X[..., [0, 2]])
    np.testing.assert_array_equal(data.values[..., 3:], seen.astype(np.float32))
    assert (data.values[..., [0, 2]][~seen] == 0).all()  # no value where nothing was seen
    # min-max fitted on the observed values only
    np.testing.assert_allclose(enc.scaler_.offset_, np.nanmin(X, axis=(0, 1)))
    np.testing.assert_allclose(enc.scaler_.scale_, np.nanmax(X, axis=(0, 1))
                               - np.nanmin(X, axis=(0, 1)))
    assert data.values[..., :3][~np.isnan(X)].min() == 0.0
    assert data.values[..., :3][~np.isnan(X)].max() == pytest.approx(1.0)


def test_standard_scaling_uses_observed_moments():
    X = holes(1, (40, 6, 3))
    enc = SequenceEncoder(scaling="standard")
    enc.fit_transform(X)
    np.testing.assert_allclose(enc.scaler_.offset_, np.nanmean(X, axis=(0, 1)))
    np.testing.assert_allclose(enc.scaler_.scale_, np.nanstd(X, axis=(0, 1)))


def test_inverse_writes_gaps_only_with_pattern():
    X = holes()
    enc = SequenceEncoder()
    data = enc.fit_transform(X)
    lengths = data.lengths
    complete = enc.inverse_transform(data.values, lengths)
    assert complete.shape == X.shape and np.isfinite(complete).all()
    back = enc.inverse_transform(data.values, lengths, missing="pattern")
    np.testing.assert_array_equal(np.isnan(back), np.isnan(X))
    np.testing.assert_allclose(back[~np.isnan(X)], X[~np.isnan(X)], rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="`missing` must be 'none'.*or 'pattern'"):
        enc.inverse_transform(data.values, lengths, missing="zeros")


def test_transform_repeats_the_training_encoding_and_refuses_new_gaps():
    X = holes()
    enc = SequenceEncoder()
    data = enc.fit_transform(X)
    np.testing.assert_allclose(enc.transform(X).values, data.values, atol=1e-6)
    complete = np.nan_to_num(X, nan=0.1)
    assert enc.transform(complete).values.shape == data.values.shape  # gaps are optional
    new_gap = complete.copy()
    new_gap[0, 0, 1] = np.nan
    with pytest.raises(ValueError, match=r"missing values \(NaN\) in feature\(s\) \['x1'\], "
                                         "which had none in the training data"):
        enc.transform(new_gap)


def test_state_round_trip_keeps_the_layout():
    X = holes()
    enc = SequenceEncoder()
    data = enc.fit_transform(X)
    again = SequenceEncoder.from_dict(enc.to_dict())
    assert again.missing_channels_ == [0, 2]
    np.testing.assert_array_equal(
        np.isnan(again.inverse_transform(data.values, data.lengths, missing="pattern")),
        np.isnan(X))
    old = enc.to_dict()
    del old["missing_channels_"]  # a file from before missing values
    assert SequenceEncoder.from_dict(old).n_observed_ == 0


def test_variable_lengths_padding_is_not_a_gap():
    seqs = [np.array([[1.0], [np.nan], [3.0]]), np.array([[2.0], [4.0], [np.nan], [5.0], [6.0]])]
    enc = SequenceEncoder()
    data = enc.fit_transform(seqs)
    np.testing.assert_array_equal(data.values[0, :, 1], [1, 0, 1, 0, 0])
    np.testing.assert_array_equal(data.values[1, :, 1], [1, 1, 0, 1, 1])
    back = enc.inverse_transform(data.values, data.lengths, missing="pattern")
    assert [len(s) for s in back] == [3, 5]
    np.testing.assert_array_equal(np.isnan(back[0][:, 0]), [False, True, False])
    np.testing.assert_array_equal(np.isnan(back[1][:, 0]), [False, False, True, False, False])


def test_long_frame_with_empty_cells_and_a_categorical_column():
    frame = pd.DataFrame({
        "patient": np.repeat(["a", "b", "c"], 4), "hour": np.tile(np.arange(4), 3),
        "hr": [70, 72, np.nan, 75, 80, np.nan, np.nan, 82, 60, 61, 62, 63],
        "sbp": pd.array([120, 121, 119, None, 130, 131, 129, 128, 110, 111, 112, 113],
                        dtype="Int64"),
        "position": ["sit", "lie"] * 6})
    enc = SequenceEncoder()
    data = enc.fit_transform(frame, id_column="patient", time_column="hour",
                             categorical=["position"])
    # channels: hr, sbp, position (2 one-hot) -> observation channels of hr and sbp
    assert enc.missing_channels_ == [0, 1] and data.values.shape == (3, 4, 4 + 2)
    back = enc.inverse_transform(data.values, data.lengths, missing="pattern")
    assert back["hr"].isna().sum() == 3 and back["sbp"].isna().sum() == 1
    assert str(back["sbp"].dtype) == "Int64"
    assert back.loc[back["hr"].isna(), "position"].notna().all()
    full = enc.inverse_transform(data.values, data.lengths)
    assert full[["hr", "sbp"]].notna().all().all()


@pytest.mark.parametrize("make_X, match", [
    (lambda: np.where(np.arange(12).reshape(2, 3, 2) % 2, np.nan, 1.0),
     r"Feature\(s\) \['x1'\] of `X` are never observed"),
    (lambda: np.concatenate([np.ones((1, 3, 2)), np.full((2, 3, 2), np.nan)]),
     r"Sequence 1 of `X` has no observed value .*2 such sequence\(s\)"),
    (lambda: np.array([[[1.0], [np.nan], [np.inf]]]), r"contains 1 inf value\(s\), first at "
                                                      r"index \(0, 2, 0\)"),
    (lambda: [np.array([1.0, np.nan]), np.array([np.nan, np.nan])],
     r"Sequence 1 of `X` has no observed value"),
])
def test_data_a_model_cannot_learn_from_is_refused(make_X, match):
    with pytest.raises(ValueError, match=match):
        SequenceEncoder().fit_transform(make_X())
