"""TimeGAN's real datasets: Google stock prices and UCI appliances energy."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from seqgan._validation import check_int, check_option, check_random_state
from seqgan.datasets._home import RemoteFile, fetch_file
from seqgan.datasets._registry import register

STOCKS = RemoteFile(
    "stock_data.csv", "134b8a00eb4eefa3242dd7ae85144082da80dedf75a1a656d5d08f97cd95277a",
    "https://raw.githubusercontent.com/jsyoon0823/TimeGAN/master/data/stock_data.csv")
ENERGY = RemoteFile(
    "energy_data.csv.gz", "7e66a83754d4b751fd968accd750dc69f019eb0add598d8b4a0afbc38409fc9b",
    None,
    how="It is TimeGAN's energy_data.csv (the UCI 'Appliances energy prediction' data, "
        "dataset 374, without its date column and its last row), gzip-compressed; "
        "datasets/energy.md says how it was rebuilt.")

PROTOCOLS = ("timegan", "chronological")


def _windows(name: str, remote: RemoteFile, seq_len: int, stride: int, protocol: str,
             scaling: str | None, shuffle: bool | None, random_state: Any,
             return_frame: bool) -> Any:
    seq_len = check_int("seq_len", seq_len, low=1, owner=name)
    stride = check_int("stride", stride, low=1, owner=name)
    protocol = check_option("protocol", protocol, PROTOCOLS, owner=name)
    scaling = check_option("scaling", scaling, ("minmax", None), owner=name)
    frame = pd.read_csv(fetch_file(remote))
    if return_frame:
        return frame
    data = frame.to_numpy(dtype=np.float64)
    if protocol == "timegan":
        data = data[::-1]  # the reference's "flip"; this file is oldest-first, see the card
    if scaling == "minmax":  # the reference's MinMaxScaler, over the whole series
        low = data.min(axis=0)
        data = (data - low) / (data.max(axis=0) - low + 1e-7)
    if seq_len >= len(data):
        raise ValueError(f"`seq_len`={seq_len} must be below the series length {len(data)}.")
    # the reference cuts windows for i in range(0, len - seq_len) (its last window is left out)
    stop = len(data) - seq_len if protocol == "timegan" else len(data) - seq_len + 1
    windows = np.stack([data[i: i + seq_len] for i in range(0, stop, stride)])
    if shuffle is None:
        shuffle = protocol == "timegan"
    if shuffle:
        windows = windows[check_random_state(random_state).permutation(len(windows))]
    return windows


_DOC = """{what}

    Parameters
    ----------
    seq_len : int
        Window length (24 in the papers).
    stride : int
        Steps between window starts (1 in the papers).
    protocol : {{"timegan", "chronological"}}
        "timegan" reproduces the reference loader (jsyoon0823/TimeGAN ``data_loading.py``)
        exactly: rows reversed, per-column min-max scaling over the whole series with
        ``(x - min) / (max - min + 1e-7)``, windows ``i = 0 .. len - seq_len - 1``, shuffled
        windows. Note that the file is oldest-first, so the reversal puts the published numbers
        on reversed time. "chronological" keeps time order and every window.
    scaling : {{"minmax", None}}
    shuffle : bool or None
        Shuffle the windows (default: True for "timegan", False otherwise).
    random_state : int, numpy Generator or None
        Seed of the shuffle.
    return_frame : bool
        Return the raw series as a DataFrame ({rows} rows, columns as in the file) instead.

    Returns
    -------
    ndarray (n_windows, seq_len, {d}) float64, in [0, 1] with min-max scaling
    """


@register("stocks", "Google daily prices 2004-2019 (TimeGAN): 3685 days x 6, windowed",
          kind="file")
def load_stocks(seq_len: int = 24, *, stride: int = 1, protocol: str = "timegan",
                scaling: str | None = "minmax", shuffle: bool | None = None,
                random_state: Any = None, return_frame: bool = False) -> Any:
    return _windows("load_stocks", STOCKS, seq_len, stride, protocol, scaling, shuffle,
                    random_state, return_frame)


@register("energy", "UCI appliances energy, 10-min steps (TimeGAN): 19734 x 28, windowed",
          kind="file")
def load_energy(seq_len: int = 24, *, stride: int = 1, protocol: str = "timegan",
                scaling: str | None = "minmax", shuffle: bool | None = None,
                random_state: Any = None, return_frame: bool = False) -> Any:
    return _windows("load_energy", ENERGY, seq_len, stride, protocol, scaling, shuffle,
                    random_state, return_frame)


load_stocks.__doc__ = _DOC.format(
    what="Google (GOOG) daily Open, High, Low, Close, Adj_Close, Volume, as TimeGAN's "
         "stock_data.csv.", rows=3685, d=6)
load_energy.__doc__ = _DOC.format(
    what="UCI appliances energy data (28 sensor and weather columns every 10 minutes), as "
         "TimeGAN's energy_data.csv.", rows=19734, d=28)
