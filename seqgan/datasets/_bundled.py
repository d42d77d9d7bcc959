"""Datasets that ship inside a dependency: statsmodels' US macro data, scikit-learn's digits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from seqgan._validation import check_int, check_option, check_random_state
from seqgan.datasets._registry import register

MACRO_COLUMNS = ("realgdp", "realcons", "realinv", "realgovt", "realdpi", "cpi", "unemp",
                 "infl")


@register("macro", "US quarterly macro series 1959-2009 (statsmodels): 203 x 8, windowed",
          kind="bundled")
def load_macro(seq_len: int = 24, *, stride: int = 1, columns: Sequence[str] = MACRO_COLUMNS,
               scaling: str | None = "minmax", shuffle: bool = False, random_state: Any = None,
               return_frame: bool = False) -> Any:
    """US quarterly macroeconomic series (statsmodels ``macrodata``), in sliding windows.

    Default columns: real GDP, real consumption, real investment, real government spending,
    real disposable income (billions of chained 2005 dollars), CPI, unemployment rate and
    inflation rate (percent), 1959Q1-2009Q3, 203 quarters. Ships with statsmodels: no
    download.

    Parameters
    ----------
    seq_len, stride : int
        Window length and step, in quarters.
    columns : sequence of str
        Any columns of ``statsmodels.datasets.macrodata`` (also m1, tbilrate, pop, realint).
    scaling : {"minmax", None}
        Per-column min-max over the whole series (as TimeGAN scales its data).
    shuffle : bool
    random_state : int, numpy Generator or None
    return_frame : bool
        Return the series as a DataFrame with a quarterly PeriodIndex instead.

    Returns
    -------
    ndarray (n_windows, seq_len, len(columns)) float64
    """
    import pandas as pd
    from statsmodels.datasets import macrodata

    owner = "load_macro"
    frame = macrodata.load_pandas().data
    unknown = [c for c in columns if c not in frame.columns or c in ("year", "quarter")]
    if unknown or not columns:
        valid = [c for c in frame.columns if c not in ("year", "quarter")]
        raise ValueError(f"Unknown macro columns {unknown}; valid: {', '.join(valid)}.")
    index = pd.PeriodIndex.from_fields(year=frame["year"].astype(int),
                                       quarter=frame["quarter"].astype(int), freq="Q")
    series = frame[list(columns)].set_axis(index)
    if return_frame:
        return series
    seq_len = check_int("seq_len", seq_len, low=1, high=len(series), owner=owner)
    stride = check_int("stride", stride, low=1, owner=owner)
    check_option("scaling", scaling, ("minmax", None), owner=owner)
    data = series.to_numpy(dtype=np.float64)
    if scaling == "minmax":
        low = data.min(axis=0)
        data = (data - low) / (data.max(axis=0) - low + 1e-7)
    windows = np.stack([data[i: i + seq_len]
                        for i in range(0, len(data) - seq_len + 1, stride)])
    if shuffle:
        windows = windows[check_random_state(random_state).permutation(len(windows))]
    return windows


@register("digits", "scikit-learn handwritten digits: 1797 images 1x8x8 in [-1, 1], 10 classes",
          kind="bundled")
def load_digits(*, return_labels: bool = False) -> Any:
    """scikit-learn's 8x8 handwritten digits as images for the image GANs.

    Returns
    -------
    X : ndarray (1797, 1, 8, 8) float32 in [-1, 1] (pixel / 8 - 1)
    y : ndarray (1797,) int64, with ``return_labels``
    """
    from sklearn.datasets import load_digits as sk_digits

    data = sk_digits()
    X = (data.images.astype(np.float32) / 8.0 - 1.0)[:, None]
    y = data.target.astype(np.int64)
    return (X, y) if return_labels else X
