"""Labelled ECG beats: UCR ECG5000 (train split) and MIT-BIH Arrhythmia record 100."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from seqgan._validation import check_int, check_random_state
from seqgan.datasets._home import RemoteFile, fetch_file
from seqgan.datasets._registry import register

ECG5000 = RemoteFile(
    "ECG5000_TRAIN.txt", "0d96aff193311a6dc6111bf0dbd2f7d2313987fbf7a1da4a383d92563876057b",
    "https://raw.githubusercontent.com/sushantsk1/DL/ba8fc49832fe4919a83e1e73525c3581cfef0600/"
    "ECG5000_TRAIN.txt",
    how="It is the UCR archive's ECG5000_TRAIN.txt (500 beats of 140 points, label first).")
MITDB_BEATS = RemoteFile(
    "mitdb100_beats.npz", "924fd6e1e07e35e0bd877ba7dbc47fed92e3468a83d5ef1aef29a9e74b0f6b81",
    None,
    how="It holds the beats of MIT-BIH Arrhythmia Database record 100 (PhysioNet mitdb) cut "
        "around every R peak, converted losslessly from the WFDB files; datasets/mitdb.md "
        "says how to make it.")

ECG5000_CLASSES = {1: "normal", 2: "R-on-T PVC", 3: "supraventricular ectopic",
                   4: "PVC", 5: "unclassified"}


def _subset(X: np.ndarray, y: np.ndarray, n_samples: int | None, random_state: Any,
            owner: str) -> tuple[np.ndarray, np.ndarray]:
    if n_samples is None:
        return X, y
    n_samples = check_int("n_samples", n_samples, low=1, high=len(X), owner=owner)
    idx = np.sort(check_random_state(random_state).choice(len(X), n_samples, replace=False))
    return X[idx], y[idx]


@register("ecg5000", "UCR ECG5000 train split: 500 heartbeats x 140 steps, 5 classes",
          kind="file")
def load_ecg5000(*, classes: Sequence[int] | None = None, n_samples: int | None = None,
                 return_labels: bool = False, random_state: Any = None) -> Any:
    """Heartbeats of the UCR ECG5000 archive (train split), for conditional generation.

    Each beat is resampled to 140 points and z-normalised by the archive (unitless). Labels
    are the archive's: 1 normal (292 beats), 2 R-on-T premature ventricular contraction
    (177), 3 supraventricular ectopic (10), 4 premature ventricular contraction (19),
    5 unclassified (2).

    Parameters
    ----------
    classes : sequence of int, optional
        Keep these labels only, e.g. ``[1, 2]``.
    n_samples : int, optional
        A random subset of this size (after ``classes``).
    return_labels : bool
        Also return the labels (n,) int.
    random_state : int, numpy Generator or None
        Seed of the subset.

    Returns
    -------
    X : ndarray (n, 140, 1) float64
    y : ndarray (n,) int64, with ``return_labels``
    """
    raw = np.loadtxt(fetch_file(ECG5000))
    X, y = raw[:, 1:, None], raw[:, 0].astype(np.int64)
    if classes is not None:
        unknown = sorted(set(classes) - set(ECG5000_CLASSES))
        if unknown:
            raise ValueError(f"Unknown ECG5000 classes {unknown}; valid: 1, 2, 3, 4, 5.")
        keep = np.isin(y, list(classes))
        X, y = X[keep], y[keep]
    X, y = _subset(X, y, n_samples, random_state, "load_ecg5000")
    return (X, y) if return_labels else X


@register("mitdb", "MIT-BIH record 100 beats: 2271 x 252 steps x 2 leads (mV), labels N/A/V",
          kind="file")
def load_mitdb(*, leads: Sequence[str] = ("MLII", "V5"), n_samples: int | None = None,
               return_labels: bool = False, random_state: Any = None) -> Any:
    """Beats of MIT-BIH Arrhythmia Database record 100, in millivolts.

    Every annotated beat, from 90 samples (0.25 s) before its R peak to 162 samples (0.45 s)
    after, at 360 Hz, both leads; physical units ``(adc - baseline) / gain``. Labels are the
    annotation symbols: "N" normal (2237), "A" atrial premature (33), "V" premature
    ventricular (1). The classes are very unbalanced; for conditional models ECG5000 is the
    better choice.

    Parameters
    ----------
    leads : sequence of {"MLII", "V5"}
    n_samples : int, optional
        A random subset of this size.
    return_labels : bool
        Also return the labels (n,) str.
    random_state : int, numpy Generator or None

    Returns
    -------
    X : ndarray (n, 252, len(leads)) float64, mV
    y : ndarray (n,) str, with ``return_labels``
    """
    with np.load(fetch_file(MITDB_BEATS), allow_pickle=False) as data:
        names = [str(s) for s in data["sig_name"]]
        unknown = [lead for lead in leads if lead not in names]
        if unknown or not leads:
            raise ValueError(f"`leads` must be a non-empty subset of {names}; got "
                             f"{list(leads)}.")
        pick = [names.index(lead) for lead in leads]
        adc = data["beats_adc"][:, pick].astype(np.float64)  # (n, leads, 252)
        gain = data["adc_gain"][pick].astype(np.float64)[None, :, None]
        base = data["baseline"][pick].astype(np.float64)[None, :, None]
        X = ((adc - base) / gain).transpose(0, 2, 1)
        y = data["label"].astype(str)
    X, y = _subset(X, y, n_samples, random_state, "load_mitdb")
    return (X, y) if return_labels else X
