"""Input checks shared by the metrics: user sequences become one
:class:`~seqgan.data.SequenceData` (zero-padded float64 values and lengths), with clear
errors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from seqgan.data._container import SequenceData

#: What every metric accepts: an array (n_samples, seq_len, n_features), or a list of
#: (seq_len_i, n_features) arrays whose lengths may differ.
SequencesLike = np.ndarray | Sequence[np.ndarray]

_SHAPE = "(n_samples, seq_len, n_features)"


def _as_float(name: str, value: Any) -> np.ndarray:
    if isinstance(value, np.ndarray) and value.dtype == object:
        raise TypeError(f"`{name}` must be a numeric array; got an array of dtype object.")
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`{name}` must be a numeric array; got {type(value).__name__} "
                        f"({exc}).") from None


def as_sequences(name: str, data: Any) -> SequenceData:
    """Check ``data`` (named ``name`` in errors) and return it as a :class:`SequenceData` of
    float64 values (zero-padded to the longest sequence) and lengths.

    Accepts an array-like of shape (n_samples, seq_len, n_features) or a list/tuple of 2-D
    arrays (seq_len_i, n_features) with a common number of features.
    """
    if isinstance(data, (list, tuple)):
        if len(data) == 0:
            raise ValueError(f"`{name}` must contain at least one sequence; got an empty "
                             f"{type(data).__name__}.")
        items = [_as_float(f"{name}[{i}]", item) for i, item in enumerate(data)]
        for i, item in enumerate(items):
            if item.ndim != 2:
                raise ValueError(f"`{name}[{i}]` must have shape (seq_len, n_features); got "
                                 f"{item.shape}.")
            if item.shape[1] != items[0].shape[1]:
                raise ValueError(f"`{name}[{i}]` has {item.shape[1]} features but `{name}[0]` "
                                 f"has {items[0].shape[1]}; all sequences need the same "
                                 "features.")
        lengths = np.array([item.shape[0] for item in items], dtype=np.int64)
        values = np.zeros((len(items), int(lengths.max()), items[0].shape[1]))
        for i, item in enumerate(items):
            values[i, : item.shape[0]] = item
    else:
        values = _as_float(name, data)
        if values.ndim != 3:
            raise ValueError(f"`{name}` must have shape {_SHAPE} or be a list of (seq_len, "
                             f"n_features) arrays; got shape {values.shape}.")
        lengths = np.full(values.shape[0], values.shape[1], dtype=np.int64)
    n, _, d = values.shape
    if n == 0:
        raise ValueError(f"`{name}` must contain at least one sequence; got shape "
                         f"{values.shape}.")
    if d == 0:
        raise ValueError(f"`{name}` must have at least one feature; got shape {values.shape}.")
    if np.any(lengths == 0):
        first = int(np.argmin(lengths))
        raise ValueError(f"`{name}` sequences must have at least one time step; sequence "
                         f"{first} is empty.")
    finite = np.isfinite(values)
    if not finite.all():
        first = int(np.argwhere(~finite)[0, 0])
        raise ValueError(f"`{name}` contains NaN or infinite values (first in sample {first}).")
    return SequenceData(values, lengths)


def as_pair(real: Any, synthetic: Any) -> tuple[SequenceData, SequenceData]:
    """Check both sets and that they have the same number of features."""
    real_seq = as_sequences("real", real)
    synth_seq = as_sequences("synthetic", synthetic)
    if synth_seq.n_channels != real_seq.n_channels:
        raise ValueError(f"`synthetic` must have the same number of features as `real` "
                         f"({real_seq.n_channels}); got {synth_seq.n_channels} (shape "
                         f"{_shape_of(synth_seq)}).")
    return real_seq, synth_seq


def require_equal_length(metric: str, *pairs: tuple[str, SequenceData]) -> int:
    """The common sequence length of all sets, or a ValueError naming ``metric``."""
    seen: dict[str, int] = {}
    for name, seq in pairs:
        if seq.variable_length:
            raise ValueError(f"`{name}` must hold sequences of one length for {metric}; got "
                             f"lengths {int(seq.lengths.min())} to {int(seq.lengths.max())}. "
                             "Cut or resample them to one length first.")
        seen[name] = seq.seq_len
    if len(set(seen.values())) > 1:
        described = ", ".join(f"`{k}` has {v}" for k, v in seen.items())
        raise ValueError(f"{metric} needs the same sequence length in every set; {described}.")
    return next(iter(seen.values()))


def require_same_count(metric: str, real: SequenceData, synthetic: SequenceData) -> None:
    """ED and DTW compare sequence i of `real` with sequence i of `synthetic`."""
    if real.n_sequences != synthetic.n_sequences:
        raise ValueError(f"`synthetic` must hold as many sequences as `real` for {metric} "
                         f"(sequence i is compared with sequence i); got "
                         f"{synthetic.n_sequences} and {real.n_sequences}.")


def _shape_of(seq: SequenceData) -> tuple[int, ...] | str:
    if not seq.variable_length:
        return seq.values.shape
    return f"{seq.n_sequences} sequences of {seq.n_channels} features"
