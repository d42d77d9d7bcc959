"""Saving and loading fitted models: the model side of the file format of :mod:`seqgan._io`
(which class a file holds, its parameters, data layout, history and weights).

Loading validates what a file says before building anything from it: the keys it must have,
the class, the parameters (through the model's own rules), the weights' checksum. Whatever is
wrong gives one ``ValueError``: "'<path>' is not a valid seqgan model file: <reason>".
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from seqgan._io import (
    decode_param,
    encode_param,
    invalid,
    read_metadata,
    read_tensors,
    write_model_file,
)
from seqgan.models._registry import get_model, model_class_names

if TYPE_CHECKING:
    from seqgan.models._base import Estimator

#: Keys every model file's metadata has.
REQUIRED_KEYS = ("class", "params", "spec", "encoder", "history")


def save_model(model: Estimator, path: str | Path, *, private: bool = False) -> Path:
    """Write a fitted ``model`` to ``path`` atomically; returns the path. ``private``: mode
    0600 (default: the umask's)."""
    params = {k: encode_param(k, v) for k, v in model.get_params(deep=False).items()}
    history = model.history_ if hasattr(model, "history_") else pd.DataFrame()
    spent = getattr(model, "privacy_spent_", None)
    if spent is not None:
        # The losses of the history were measured on real batches without noise: outside the
        # DP guarantee, so a private model's file does not carry them (history_ keeps them).
        history = pd.DataFrame()
    meta = {
        "class": type(model).__name__,
        "params": params,
        **model._file_state(),
        "history": history_to_json(history),
    }
    if spent is not None:
        meta["privacy_spent"] = dict(spent)
    return write_model_file(path, meta, model.module_.state_dict(), private=private)


def history_to_json(history: pd.DataFrame) -> dict[str, Any]:
    """The history in pandas' "split" layout with exact floats (Python's shortest repr
    round-trips every float64; pandas' JSON keeps 10 digits). Missing values are None."""
    return {
        "columns": [str(c) for c in history.columns],
        "data": [[_plain(v) for v in row] for row in history.itertuples(index=False)],
    }


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else value
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def load(path: str | Path, *, device: str | None = None) -> Any:
    """Load a model saved with ``model.save(path)``; returns an instance of the saved class.

    Parameters
    ----------
    path : str or Path
    device : str, optional
        Where to put the networks ("cpu", "cuda", "auto"); default: the saved ``device``
        parameter, falling back to the CPU when CUDA is not available.
    """
    meta = read_metadata(path)
    missing = [k for k in REQUIRED_KEYS if k not in meta]
    if missing:
        raise invalid(path, f"its metadata lacks {', '.join(map(repr, missing))}")
    if not isinstance(meta["params"], dict):
        raise invalid(path, "its 'params' are not a JSON object")
    try:
        cls = get_model(meta["class"])
    except (TypeError, ValueError):
        raise ValueError(
            f"{str(path)!r} holds a {meta['class']!r}, which this seqgan does not "
            f"know. Known models: {', '.join(model_class_names())}."
        ) from None
    try:
        params = {k: decode_param(v) for k, v in meta["params"].items()}
    except (TypeError, ValueError) as exc:
        raise invalid(path, f"a parameter cannot be decoded ({exc})") from None
    known = set(cls().get_params(deep=False))
    unknown = sorted(set(params) - known)
    if unknown:
        raise invalid(path, f"{meta['class']} has no parameter(s) {', '.join(unknown)}")
    try:
        cls(**params)._validate_params()
    except (TypeError, ValueError) as exc:
        raise invalid(path, f"its parameters break {meta['class']}'s rules ({exc})") from None
    tensors = read_tensors(path, meta.get("tensor_sha256"))
    try:
        model = cls._from_file_state(params, meta, tensors, device)
        history = pd.DataFrame(**meta["history"]) if meta["history"] else pd.DataFrame()
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError, IndexError) as exc:
        reason = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc)
        raise invalid(
            path,
            f"its data layout or weights do not fit {meta['class']} "
            f"({type(exc).__name__}: {reason})",
        ) from None
    model.history_ = history
    spent = meta.get("privacy_spent")  # files of DP fits (none before seqgan had privacy)
    if spent is not None:
        if not isinstance(spent, dict) or not {"epsilon", "delta", "steps"} <= set(spent):
            raise invalid(path, "its 'privacy_spent' is not a dict with epsilon, delta, steps")
        model.privacy_spent_ = dict(spent)
    return model
