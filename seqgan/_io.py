"""Model files: one safetensors file, the JSON metadata in its header. No pickle anywhere, so
loading a file cannot run code."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from seqgan._version import __version__

if TYPE_CHECKING:
    from seqgan.models._base import GANEstimator

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
_META_KEY = "seqgan"


def _part_config(value: Any) -> dict[str, Any] | None:
    """Constructor arguments of a training part (objective, regularizer, augmentation)."""
    from seqgan.ais import AISUpdate
    from seqgan.losses import DiffAugment, Objective, Regularizer

    if isinstance(value, (Objective, Regularizer, AISUpdate)):
        return value._params()
    if isinstance(value, DiffAugment):
        return {k: getattr(value, k) for k in ("policy", "p", "jitter_std", "scaling_std",
                                                 "warp_strength", "mask_fraction")}
    return None


def _decode_param(value: Any) -> Any:
    """Inverse of :func:`_json_param` for training parts stored as ``{"__seqgan__": ...}``."""
    import seqgan.ais as ais
    import seqgan.losses as parts

    if isinstance(value, list):
        return [_decode_param(v) for v in value]
    if isinstance(value, dict) and "__seqgan__" in value:
        kwargs = {k: v for k, v in value.items() if k != "__seqgan__"}
        name = str(value["__seqgan__"])
        cls = getattr(parts, name, None) or getattr(ais, name, None)
        if not (isinstance(cls, type)
                and issubclass(cls, (parts.Objective, parts.Regularizer, parts.DiffAugment,
                                     ais.AISUpdate))):
            raise ValueError(f"The model file names an unknown training part "
                             f"{value['__seqgan__']!r}.")
        return cls(**kwargs)
    if isinstance(value, dict):
        return {k: _decode_param(v) for k, v in value.items()}
    return value


def _json_param(name: str, value: Any) -> Any:
    config = _part_config(value)
    if config is not None:
        return {"__seqgan__": type(value).__name__, **_json_param(name, config)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, torch.device):
        return str(value)
    if isinstance(value, np.random.Generator):
        logger.warning("`%s` is a numpy Generator, which cannot be saved; the file stores None.",
                       name)
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_json_param(name, v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_param(name, v) for k, v in value.items()}
    raise TypeError(f"The parameter `{name}`={value!r} cannot be saved to a model file "
                    "(only numbers, strings, lists, dicts and None can).")


def save_model(model: GANEstimator, path: str | Path) -> Path:
    """Write ``model`` to ``path`` atomically (a crash leaves any old file intact)."""
    from seqgan.models._base import spec_to_dict

    path = Path(path)
    params = {k: _json_param(k, v) for k, v in model.get_params(deep=False).items()}
    history = model.history_ if hasattr(model, "history_") else pd.DataFrame()
    meta = {
        "format_version": FORMAT_VERSION,
        "library_version": __version__,
        "class": type(model).__name__,
        "params": params,
        "spec": spec_to_dict(model.spec_),
        "encoder": model.encoder_.to_dict(),
        "history": json.loads(history.to_json(orient="split", index=False)),
    }
    tensors = {k: v.detach().to("cpu").clone().contiguous()
               for k, v in model.module_.state_dict().items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata={_META_KEY: json.dumps(meta)})
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The JSON metadata of a model file, checked for format version."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No model file at {str(path)!r}.")
    try:
        with safe_open(str(path), framework="pt") as handle:
            raw = (handle.metadata() or {}).get(_META_KEY)
    except (SafetensorError, OSError) as exc:
        raise ValueError(f"{str(path)!r} is not a seqgan model file ({exc}).") from None
    if raw is None:
        raise ValueError(f"{str(path)!r} is a safetensors file but not a seqgan model (no "
                         f"'{_META_KEY}' metadata).")
    meta = json.loads(raw)
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise ValueError(
            f"{str(path)!r} has model format version {version!r} (written by seqgan "
            f"{meta.get('library_version', '?')}); this seqgan {__version__} reads format "
            f"{FORMAT_VERSION}. Load it with a matching seqgan version."
        )
    return meta


def load(path: str | Path, *, device: str | None = None) -> GANEstimator:
    """Load a model saved with ``model.save(path)``; returns an instance of the saved class.

    Parameters
    ----------
    path : str or Path
    device : str, optional
        Where to put the networks ("cpu", "cuda", "auto"); default: the saved ``device``
        parameter, falling back to the CPU when CUDA is not available.
    """
    from seqgan.models._base import MODEL_REGISTRY, DataSpec, resolve_device

    meta = read_metadata(path)
    cls = MODEL_REGISTRY.get(meta["class"])
    if cls is None:
        raise ValueError(f"{str(path)!r} holds a {meta['class']!r}, which this seqgan does not "
                         f"know. Known models: {', '.join(sorted(MODEL_REGISTRY))}.")
    model = cls(**{k: _decode_param(v) for k, v in meta["params"].items()})
    if device is None:
        device = model.device if (model.device != "cuda" or torch.cuda.is_available()) else "cpu"
    spec = DataSpec(**meta["spec"])
    encoder = cls._encoder_from_dict(meta["encoder"])
    module = model._build_networks(spec)
    with safe_open(str(path), framework="pt") as handle:
        state = {k: handle.get_tensor(k) for k in handle.keys()}
    module.load_state_dict(state, strict=True)
    module.to(resolve_device(device))
    model._set_fitted(module, encoder, spec, resolve_device(device), trainer=None)
    model.history_ = pd.DataFrame(**meta["history"]) if meta["history"] else pd.DataFrame()
    model.stopped_early_ = False
    return model
