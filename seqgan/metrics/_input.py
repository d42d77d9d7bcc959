"""Input checks shared by the metrics: one padded array plus lengths, with clear errors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: What every metric accepts: an array (n_samples, seq_len, n_features), or a list of
#: (seq_len_i, n_features) arrays whose lengths may differ.
SequenceData = np.ndarray | Sequence[np.ndarray]

_SHAPE = "(n_samples, seq_len, n_features)"


@dataclass(frozen=True)
class Sequences:
    """Sequences as one zero-padded float64 array and the length of each.

    ``values`` has shape (n_samples, max_len, n_features); ``lengths`` shape (n_samples,).
    """

    values: np.ndarray
    lengths: np.ndarray

    @property
    def n_samples(self) -> int:
        return self.values.shape[0]

    @property
    def max_len(self) -> int:
        return self.values.shape[1]

    @property
    def n_features(self) -> int:
        return self.values.shape[2]

    @property
    def equal_length(self) -> bool:
        return bool(np.all(self.lengths == self.max_len))

    @property
    def mask(self) -> np.ndarray:
        """Boolean (n_samples, max_len): True on valid steps."""
        return np.arange(self.max_len)[None, :] < self.lengths[:, None]


def _as_float(name: str, value: Any) -> np.ndarray:
    if isinstance(value, np.ndarray) and value.dtype == object:
        raise TypeError(f"`{name}` must be a numeric array; got an array of dtype object.")
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`{name}` must be a numeric array; got {type(value).__name__} "
                        f"({exc}).") from None


def as_sequences(name: str, data: Any) -> Sequences:
    """Check ``data`` (named ``name`` in errors) and return it as :class:`Sequences`.

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
    return Sequences(values, lengths)


def as_pair(real: Any, synthetic: Any) -> tuple[Sequences, Sequences]:
    """Check both sets and that they have the same number of features."""
    real_seq = as_sequences("real", real)
    synth_seq = as_sequences("synthetic", synthetic)
    if synth_seq.n_features != real_seq.n_features:
        raise ValueError(f"`synthetic` must have the same number of features as `real` "
                         f"({real_seq.n_features}); got {synth_seq.n_features} (shape "
                         f"{_shape_of(synth_seq)}).")
    return real_seq, synth_seq


def require_equal_length(metric: str, *pairs: tuple[str, Sequences]) -> int:
    """The common sequence length of all sets, or a ValueError naming ``metric``."""
    seen: dict[str, int] = {}
    for name, seq in pairs:
        if not seq.equal_length:
            raise ValueError(f"`{name}` must hold sequences of one length for {metric}; got "
                             f"lengths {int(seq.lengths.min())} to {int(seq.lengths.max())}. "
                             "Cut or resample them to one length first.")
        seen[name] = seq.max_len
    if len(set(seen.values())) > 1:
        described = ", ".join(f"`{k}` has {v}" for k, v in seen.items())
        raise ValueError(f"{metric} needs the same sequence length in every set; {described}.")
    return next(iter(seen.values()))


def require_same_count(metric: str, real: Sequences, synthetic: Sequences) -> None:
    """ED and DTW compare sequence i of `real` with sequence i of `synthetic`."""
    if real.n_samples != synthetic.n_samples:
        raise ValueError(f"`synthetic` must hold as many sequences as `real` for {metric} "
                         f"(sequence i is compared with sequence i); got {synthetic.n_samples} "
                         f"and {real.n_samples}.")


def _shape_of(seq: Sequences) -> tuple[int, ...] | str:
    if seq.equal_length:
        return seq.values.shape
    return f"{seq.n_samples} sequences of {seq.n_features} features"
