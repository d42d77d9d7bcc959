"""Saving and loading fitted models: the model side of the file format of :mod:`seqgan._io`
(which class a file holds, its parameters, data layout, history and weights)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from seqgan._io import (
    decode_param,
    encode_param,
    read_metadata,
    read_tensors,
    write_model_file,
)
from seqgan.models._registry import get_model, model_class_names

if TYPE_CHECKING:
    from seqgan.models._base import Estimator


def save_model(model: Estimator, path: str | Path) -> Path:
    """Write a fitted ``model`` to ``path`` atomically; returns the path."""
    params = {k: encode_param(k, v) for k, v in model.get_params(deep=False).items()}
    history = model.history_ if hasattr(model, "history_") else pd.DataFrame()
    meta = {"class": type(model).__name__, "params": params, **model._file_state(),
            "history": json.loads(history.to_json(orient="split", index=False))}
    return write_model_file(path, meta, model.module_.state_dict())


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
    try:
        cls = get_model(meta["class"])
    except (TypeError, ValueError):
        raise ValueError(f"{str(path)!r} holds a {meta['class']!r}, which this seqgan does not "
                         f"know. Known models: {', '.join(model_class_names())}.") from None
    params = {k: decode_param(v) for k, v in meta["params"].items()}
    model = cls._from_file_state(params, meta, read_tensors(path), device)
    model.history_ = pd.DataFrame(**meta["history"]) if meta["history"] else pd.DataFrame()
    return model
