"""ECG5000, MIT-BIH beats, macro, digits and MNIST."""

from __future__ import annotations

import numpy as np
import pytest

from seqgan.datasets import list_datasets, load_dataset
from tests.conftest import NO_DATA, SHARED_DATA

needs_data = pytest.mark.skipif(not (SHARED_DATA / "ECG5000_TRAIN.txt").is_file(), reason=NO_DATA)


def test_every_dataset_is_listed_with_its_kind():
    kinds = {d.name: d.kind for d in list_datasets()}
    assert kinds == {"sines": "generated", "macro": "bundled", "digits": "bundled",
                     "stocks": "file", "energy": "file", "ecg5000": "file", "mitdb": "file",
                     "mnist": "file", "ring": "generated", "grid": "generated"}


@needs_data
def test_ecg5000_labels_and_class_filter():
    X, y = load_dataset("ecg5000", return_labels=True)
    assert X.shape == (500, 140, 1)
    assert np.bincount(y).tolist() == [0, 292, 177, 10, 19, 2]
    X12, y12 = load_dataset("ecg5000", classes=[1, 2], n_samples=50, random_state=0,
                            return_labels=True)
    assert X12.shape == (50, 140, 1) and set(y12) <= {1, 2}
    with pytest.raises(ValueError, match="Unknown ECG5000 classes \\[7\\]"):
        load_dataset("ecg5000", classes=[7])


@needs_data
def test_mitdb_beats_in_millivolts():
    X, y = load_dataset("mitdb", return_labels=True)
    assert X.shape == (2271, 252, 2)
    assert {str(v): int((y == v).sum()) for v in set(y)} == {"N": 2237, "A": 33, "V": 1}
    assert -4 < X.min() < X.max() < 4  # millivolts, not ADC counts
    assert np.argmax(np.abs(X[:, :, 0]).mean(0)) in range(85, 96)  # R peak at sample 90
    assert load_dataset("mitdb", leads=["V5"]).shape == (2271, 252, 1)
    with pytest.raises(ValueError, match="leads"):
        load_dataset("mitdb", leads=["V1"])


def test_macro_windows_and_columns():
    X = load_dataset("macro", seq_len=8, stride=4)
    assert X.shape == ((203 - 8) // 4 + 1, 8, 8)
    assert X.min() >= 0 and X.max() <= 1
    frame = load_dataset("macro", columns=["realgdp", "unemp"], return_frame=True)
    assert frame.shape == (203, 2) and str(frame.index[0]) == "1959Q1"
    with pytest.raises(ValueError, match="Unknown macro columns \\['gdp'\\].*realgdp"):
        load_dataset("macro", columns=["gdp"])


def test_digits_images():
    X, y = load_dataset("digits", return_labels=True)
    assert X.shape == (1797, 1, 8, 8) and X.dtype == np.float32
    assert X.min() == -1 and X.max() == 1 and set(y) == set(range(10))


@needs_data
def test_mnist_from_idx_files():
    X, y = load_dataset("mnist", return_labels=True)
    assert X.shape == (10000, 1, 28, 28) and X.min() == -1 and X.max() == 1
    assert np.bincount(y).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert load_dataset("mnist", n_samples=10, random_state=0).shape == (10, 1, 28, 28)
