"""Stocks and energy with TimeGAN's protocol; the data home, checksums and downloads."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from seqgan.datasets import get_data_home, load_dataset
from seqgan.datasets._home import RemoteFile, fetch_file
from tests.conftest import NO_DATA, SHARED_DATA

needs_data = pytest.mark.skipif(not (SHARED_DATA / "stock_data.csv").is_file(), reason=NO_DATA)


def reference_windows(path, seq_len, seed):
    """jsyoon0823/TimeGAN data_loading.real_data_loading, step by step, in numpy."""
    data = pd.read_csv(path).to_numpy()[::-1]
    data = (data - np.min(data, 0)) / (np.max(data, 0) - np.min(data, 0) + 1e-7)
    windows = [data[i: i + seq_len] for i in range(0, len(data) - seq_len)]
    idx = np.random.default_rng(seed).permutation(len(windows))
    return np.array([windows[i] for i in idx])


@needs_data
def test_stocks_reproduces_the_reference_loader():
    X = load_dataset("stocks", seq_len=24, random_state=0)
    assert X.shape == (3661, 24, 6)
    np.testing.assert_array_equal(X, reference_windows(SHARED_DATA / "stock_data.csv", 24, 0))


@needs_data
def test_energy_shape_and_range():
    X = load_dataset("energy", seq_len=24, random_state=1)
    assert X.shape == (19710, 24, 28)
    assert X.min() >= 0 and X.max() <= 1


@needs_data
def test_chronological_protocol_keeps_time_order():
    frame = load_dataset("stocks", return_frame=True)
    assert list(frame.columns) == ["Open", "High", "Low", "Close", "Adj_Close", "Volume"]
    X = load_dataset("stocks", seq_len=10, stride=5, protocol="chronological", scaling=None)
    np.testing.assert_array_equal(X[1], frame.to_numpy()[5:15])
    assert len(X) == (len(frame) - 10) // 5 + 1


@needs_data
def test_bad_options_are_clear():
    with pytest.raises(ValueError, match="protocol.*'timegan', 'chronological'"):
        load_dataset("stocks", protocol="tsgbench")
    with pytest.raises(ValueError, match="below the series length 3685"):
        load_dataset("stocks", seq_len=5000)
    with pytest.raises(TypeError, match="unexpected keyword"):
        load_dataset("stocks", n_features=3)


def test_data_home_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SEQGAN_DATA_HOME", str(tmp_path))
    assert get_data_home() == tmp_path
    monkeypatch.delenv("SEQGAN_DATA_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert get_data_home() == tmp_path / "cache" / "seqgan"


def test_missing_file_without_source_says_where_to_put_it(monkeypatch, tmp_path):
    monkeypatch.setenv("SEQGAN_DATA_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=f"Put the file at {tmp_path}.*energy"):
        load_dataset("energy")


def test_download_is_checked_and_atomic(monkeypatch, tmp_path):
    source = tmp_path / "source.csv"
    source.write_text("a,b\n1,2\n")
    good = hashlib.sha256(source.read_bytes()).hexdigest()
    home = tmp_path / "home"
    monkeypatch.setenv("SEQGAN_DATA_HOME", str(home))
    wrong = RemoteFile("data.csv", "0" * 64, source.as_uri())
    with pytest.raises(ValueError, match="nothing was saved"):
        fetch_file(wrong)
    assert not (home / "data.csv").exists() and list(home.iterdir()) == []  # no partial file
    path = fetch_file(RemoteFile("data.csv", good, source.as_uri()))
    assert path.read_text() == "a,b\n1,2\n"
    path.write_text("tampered")
    with pytest.raises(ValueError, match="damaged or a different version"):
        fetch_file(RemoteFile("data.csv", good, source.as_uri()))
    offline = RemoteFile("other.csv", good, (tmp_path / "missing.csv").as_uri())
    with pytest.raises(FileNotFoundError, match="Could not download other.csv"):
        fetch_file(offline)
