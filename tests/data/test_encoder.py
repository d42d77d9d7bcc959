from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from seqgan.data import SequenceEncoder


def roundtrip(X, **kwargs):
    enc = SequenceEncoder(**{k: kwargs.pop(k) for k in ("scaling", "seq_len") if k in kwargs})
    data = enc.fit_transform(X, **kwargs)
    restored = SequenceEncoder.from_dict(json.loads(json.dumps(enc.to_dict())))
    return enc, data, restored.inverse_transform(data.values, data.lengths)


def test_array_roundtrip_keeps_shape_dtype_and_values(tiny_X):
    _enc, data, back = roundtrip(tiny_X)
    assert data.values.dtype == np.float32 and data.values.shape == tiny_X.shape
    assert data.values.min() >= 0 and data.values.max() <= 1
    assert back.dtype == tiny_X.dtype and back.shape == tiny_X.shape
    np.testing.assert_allclose(back, tiny_X, atol=1e-5)


def test_float32_and_integer_arrays_come_back_in_their_dtype():
    X32 = np.random.default_rng(0).normal(size=(5, 4, 3)).astype(np.float32)
    assert roundtrip(X32)[2].dtype == np.float32
    Xint = np.random.default_rng(0).integers(0, 50, size=(5, 4, 3))
    back = roundtrip(Xint)[2]
    assert back.dtype == Xint.dtype
    np.testing.assert_array_equal(back, Xint)


def test_standard_scaling_and_no_scaling(tiny_X):
    _, data, back = roundtrip(tiny_X, scaling="standard")
    flat = data.values.reshape(-1, 2)
    np.testing.assert_allclose(flat.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(flat.std(0), 1, atol=1e-4)
    np.testing.assert_allclose(back, tiny_X, atol=1e-4)
    _, data, _ = roundtrip(tiny_X, scaling=None)
    np.testing.assert_allclose(data.values, tiny_X, atol=1e-5)


def test_variable_length_list_is_padded_and_masked():
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(n, 3)) + 5 for n in (3, 7, 5)]
    enc, data, back = roundtrip(seqs)
    assert data.values.shape == (3, 7, 3)
    np.testing.assert_array_equal(data.lengths, [3, 7, 5])
    assert (data.values[0, 3:] == 0).all()  # padding stays zero after scaling
    assert data.variable_length
    for original, restored in zip(seqs, back, strict=True):
        np.testing.assert_allclose(restored, original, atol=1e-5)
    # scaling ignores padding: the minimum of feature 0 is over valid steps only
    np.testing.assert_allclose(enc.scaler_.offset_, np.concatenate(seqs).min(0))


def test_list_of_1d_arrays_is_univariate():
    seqs = [np.arange(4.0), np.arange(6.0)]
    _, data, back = roundtrip(seqs)
    assert data.values.shape == (2, 6, 1)
    assert back[1].shape == (6,)


def test_sampled_lengths_follow_training_distribution():
    seqs = [np.ones((n, 1)) * n for n in [2] * 30 + [5] * 70]
    enc = SequenceEncoder()
    enc.fit_transform(seqs)
    lengths = enc.sample_lengths(4000, np.random.default_rng(0))
    assert set(np.unique(lengths)) == {2, 5}
    assert abs((lengths == 5).mean() - 0.7) < 0.03
    assert (enc.sample_lengths(3, np.random.default_rng(0), seq_len=9) == 9).all()


def test_long_frame_roundtrip(vitals):
    original = vitals.copy()
    _enc, data, back = roundtrip(vitals, id_column="patient", time_column="hour",
                                categorical=["position"])
    pd.testing.assert_frame_equal(vitals, original)  # caller's frame untouched
    assert data.n_sequences == 12
    assert data.n_channels == 5  # hr, sbp, spo2 + two one-hot channels
    assert list(back.columns) == ["patient", "hour", "hr", "sbp", "spo2", "position"]
    assert back["hr"].dtype == vitals["hr"].dtype
    assert back["position"].dtype == vitals["position"].dtype
    assert set(back["position"]) <= {"supine", "sitting"}
    assert back["patient"].nunique() == 12 and back["patient"].str.startswith("synthetic").all()
    # every sequence comes back with its length and its time axis 0, 1, ...
    sizes = vitals.groupby("patient", sort=False).size().to_numpy()
    np.testing.assert_array_equal(back.groupby("patient", sort=False).size().to_numpy(), sizes)
    assert (back.groupby("patient")["hour"].min() == 0).all()
    pd.testing.assert_series_equal(back["sbp"], vitals["sbp"], check_names=False, atol=1e-3)


def test_long_frame_sorts_by_time_and_keeps_datetime_axis():
    times = pd.date_range("2024-01-01", periods=4, freq="h")
    df = pd.DataFrame({"id": [1, 1, 1, 1, 2, 2, 2, 2], "t": list(times[::-1]) + list(times),
                       "v": [4.0, 3, 2, 1, 1, 2, 3, 4]})
    _enc, data, back = roundtrip(df, id_column="id", time_column="t")
    np.testing.assert_allclose(data.values[0, :, 0], data.values[1, :, 0])  # both rising
    assert back["id"].dtype == np.int64
    assert back["t"].dtype == df["t"].dtype
    assert list(back["t"][:4]) == list(times)


def test_wide_frame_is_cut_into_windows():
    df = pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) ** 2})
    enc = SequenceEncoder(seq_len=5)
    data = enc.fit_transform(df, stride=3)
    assert data.values.shape == (6, 5, 2)  # starts 0, 3, ..., 15
    back = enc.inverse_transform(data.values, data.lengths)
    assert list(back.columns) == ["window", "step", "a", "b"]
    np.testing.assert_allclose(back["a"][:5], np.arange(5.0), atol=1e-4)


def test_condition_labels_vectors_and_unseen_label():
    from seqgan.data import ConditionEncoder

    enc = ConditionEncoder()
    onehot = enc.fit_transform(np.array([1.0, 2.0, 3.0, 2.0]), 4)  # whole floats are labels
    assert enc.kind_ == "categorical" and enc.classes_ == [1, 2, 3]
    np.testing.assert_array_equal(onehot.argmax(1), [0, 1, 2, 1])
    np.testing.assert_array_equal(enc.transform([3, 3], 2).argmax(1), [2, 2])
    with pytest.raises(ValueError, match=r"unseen in training: \[7\]"):
        enc.transform([7], 1)
    vec = ConditionEncoder().fit_transform(np.array([[0.5, 10.0], [1.5, 20.0]]), 2)
    np.testing.assert_allclose(vec, [[0, 0], [1, 1]], atol=1e-6)
    strings = ConditionEncoder()
    strings.fit_transform(["cat", "dog", "cat"], 3)
    assert strings.classes_ == ["cat", "dog"]


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("make_X, error, match", [
    (lambda: np.full((2, 3, 1), np.nan), ValueError, r"\['x0'\] of `X` are never observed"),
    (lambda: np.where(np.eye(3)[None, :, :1] > 0, np.inf, 0.0), ValueError, "inf"),
    (lambda: np.zeros((5, 3)), ValueError, r"shape \(n_sequences, seq_len, n_features\); got "
                                           r"\(5, 3\).*X\[None\]"),
    (lambda: np.zeros((2, 3, 4, 5)), ValueError, "got \\(2, 3, 4, 5\\)"),
    (lambda: np.zeros((0, 3, 2)), ValueError, "empty"),
    (lambda: [], ValueError, "empty"),
    (lambda: [np.zeros((3, 2)), np.zeros((4, 3))], ValueError, "different numbers of features"),
    (lambda: [np.zeros((3, 2)), np.zeros((0, 2))], ValueError, "Sequence 1 of `X` is empty"),
    (lambda: "sines", TypeError, "must be a 3-D array"),
    (lambda: np.array([[["a"]]]), TypeError, "must hold numbers"),
])
def test_bad_arrays_are_refused_with_a_clear_message(make_X, error, match):
    with pytest.raises(error, match=match):
        SequenceEncoder().fit_transform(make_X())


def test_sequences_longer_than_seq_len_are_refused():
    with pytest.raises(ValueError, match="longer than seq_len=4"):
        SequenceEncoder(seq_len=4).fit_transform(np.zeros((2, 6, 1)))


def test_bad_frames_are_refused(vitals):
    enc = SequenceEncoder()
    with pytest.raises(TypeError, match="Column 'position' of X is not numeric.*categorical="):
        enc.fit_transform(vitals, id_column="patient", time_column="hour")
    with pytest.raises(ValueError, match="`id_column`='pid' is not a column"):
        enc.fit_transform(vitals, id_column="pid")
    inf = vitals.assign(sbp=vitals["sbp"].where(vitals.index != 5, np.inf))
    with pytest.raises(ValueError, match="Column 'sbp' of X has inf at row 5.*NaN or an empty"):
        enc.fit_transform(inf, id_column="patient", categorical=["position"])
    dup = pd.concat([vitals, vitals.iloc[:1]])
    with pytest.raises(ValueError, match="two rows for the same"):
        enc.fit_transform(dup, id_column="patient", time_column="hour",
                          categorical=["position"])
    with pytest.raises(ValueError, match="shorter than one window of seq_len=100"):
        SequenceEncoder(seq_len=100).fit_transform(vitals[["hr", "sbp"]])
    with pytest.raises(ValueError, match="`categorical` names columns that are not in X"):
        enc.fit_transform(vitals, id_column="patient", categorical=["nope"])


def test_condition_and_static_lengths_must_match(tiny_X):
    with pytest.raises(ValueError, match="`condition` has 3 entries but X has 24 sequences"):
        SequenceEncoder().fit_transform(tiny_X, condition=[0, 1, 2])
    with pytest.raises(ValueError, match="`static` has 2 rows but X has 24 sequences"):
        SequenceEncoder().fit_transform(tiny_X, static=np.zeros((2, 3)))


def test_caller_array_is_not_modified(tiny_X):
    copy = tiny_X.copy()
    SequenceEncoder().fit_transform(tiny_X)
    np.testing.assert_array_equal(tiny_X, copy)


def test_transform_new_data_with_the_fitted_scaler(tiny_X, vitals):
    enc = SequenceEncoder()
    fitted = enc.fit_transform(tiny_X)
    again = enc.transform(tiny_X[:5])
    np.testing.assert_allclose(again.values, fitted.values[:5], atol=1e-6)
    shifted = enc.transform(tiny_X[:5] + 100)  # not refitted: values leave [0, 1]
    assert shifted.values.max() > 1
    with pytest.raises(ValueError, match="fitted on"):
        enc.transform(np.zeros((2, 8, 3)))
    enc = SequenceEncoder()
    enc.fit_transform(vitals, id_column="patient", time_column="hour", categorical=["position"])
    one = vitals[vitals["position"] == "supine"]  # fewer categories: layout still matches
    assert enc.transform(one).n_channels == 5
    with pytest.raises(ValueError, match="unseen in training: \\['standing'\\]"):
        enc.transform(vitals.assign(position="standing"))
