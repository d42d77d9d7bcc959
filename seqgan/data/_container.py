"""The one container of sequences: what models train on and what metrics compare."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SequenceData:
    """Padded sequences with their lengths, plus optional per-sequence static and condition.

    Models train on it (:meth:`seqgan.data.SequenceEncoder.fit_transform`: scaled float32
    values); metrics check their inputs into it (float64 values as given, no static or
    condition).

    Attributes
    ----------
    values : ndarray of shape (n_sequences, seq_len, n_channels)
        Values (float32 for models, float64 in metrics); steps at or past a sequence's length
        are zero padding; ``seq_len`` is the longest length.
    lengths : ndarray of shape (n_sequences,), int64
        Number of valid steps of each sequence (1 .. seq_len).
    static : ndarray of shape (n_sequences, n_static), float32, or None
        Scaled static features (one row per sequence).
    condition : ndarray of shape (n_sequences, condition_dim), float32, or None
        Encoded condition: one-hot for class labels, scaled vectors otherwise.
    """

    values: np.ndarray
    lengths: np.ndarray
    static: np.ndarray | None = None
    condition: np.ndarray | None = None

    @property
    def n_sequences(self) -> int:
        return self.values.shape[0]

    @property
    def seq_len(self) -> int:
        return self.values.shape[1]

    @property
    def n_channels(self) -> int:
        return self.values.shape[2]

    @property
    def variable_length(self) -> bool:
        return bool((self.lengths != self.seq_len).any())

    def mask(self) -> np.ndarray:
        """Boolean mask of shape (n_sequences, seq_len): True on valid steps."""
        return np.arange(self.seq_len)[None, :] < self.lengths[:, None]
