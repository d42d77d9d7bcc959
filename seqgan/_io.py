"""The model file format: one safetensors file, the JSON metadata in its header. No pickle
anywhere, so loading a file cannot run code. This module knows the format only; which class
a file holds and how it is rebuilt is :mod:`seqgan.models._persistence`."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save as save_tensors

from seqgan._files import atomic_write
from seqgan._version import __version__

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
_META_KEY = "seqgan"


def _part_bases() -> tuple[type, ...]:
    """Training parts (objectives, regularizers, augmentation, the AIS/DRE update): objects
    a file stores by class name and constructor arguments (``_params()``)."""
    import seqgan.ais as ais
    import seqgan.losses as parts

    return parts.Objective, parts.Regularizer, parts.DiffAugment, ais.AISUpdate


def _part_classes() -> dict[str, type]:
    """The library's training parts by class name (what a file may name)."""
    import seqgan.ais as ais
    import seqgan.losses as parts

    bases = _part_bases()
    return {
        name: obj
        for module in (parts, ais)
        for name, obj in vars(module).items()
        if isinstance(obj, type) and issubclass(obj, bases)
    }


def encode_param(name: str, value: Any) -> Any:
    """A hyperparameter as JSON; training parts as ``{"__seqgan__": class, **arguments}``."""
    if isinstance(value, _part_bases()):
        return {"__seqgan__": type(value).__name__, **encode_param(name, value._params())}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, torch.device):
        return str(value)
    if isinstance(value, np.random.Generator):
        logger.warning(
            "`%s` is a numpy Generator, which cannot be saved; the file stores None.", name
        )
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [encode_param(name, v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode_param(name, v) for k, v in value.items()}
    raise TypeError(
        f"The parameter `{name}`={value!r} cannot be saved to a model file "
        "(only numbers, strings, lists, dicts and None can)."
    )


def decode_param(value: Any) -> Any:
    """Inverse of :func:`encode_param`."""
    if isinstance(value, list):
        return [decode_param(v) for v in value]
    if isinstance(value, dict) and "__seqgan__" in value:
        kwargs = {k: v for k, v in value.items() if k != "__seqgan__"}
        cls = _part_classes().get(str(value["__seqgan__"]))
        if cls is None:
            raise ValueError(
                f"The model file names an unknown training part {value['__seqgan__']!r}."
            )
        return cls(**kwargs)
    if isinstance(value, dict):
        return {k: decode_param(v) for k, v in value.items()}
    return value


def tensor_checksum(tensors: dict[str, torch.Tensor]) -> str:
    """SHA-256 of every tensor's name, dtype, shape and bytes, in name order."""
    h = hashlib.sha256()
    for name in sorted(tensors):
        t = tensors[name].detach().to("cpu").contiguous()
        h.update(json.dumps([name, str(t.dtype), list(t.shape)]).encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def invalid(path: str | Path, reason: str) -> ValueError:
    """The one error of a damaged or crafted model file."""
    return ValueError(
        f"{str(path)!r} is not a valid seqgan model file: {reason}. If it was "
        "written by seqgan, it was damaged since; save the model again."
    )


def write_model_file(
    path: str | Path,
    meta: dict[str, Any],
    tensors: dict[str, torch.Tensor],
    *,
    private: bool = False,
) -> Path:
    """Write ``tensors`` and ``meta`` to ``path`` atomically (a crash leaves any old file
    intact), with a checksum of the tensor data in the metadata. ``private``: mode 0600."""
    tensors = {k: v.detach().to("cpu").clone().contiguous() for k, v in tensors.items()}
    meta = {
        "format_version": FORMAT_VERSION,
        "library_version": __version__,
        **meta,
        "tensor_sha256": tensor_checksum(tensors),
    }
    data = save_tensors(tensors, metadata={_META_KEY: json.dumps(meta)})
    return atomic_write(path, lambda handle: handle.write(data), private=private)


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
        raise ValueError(
            f"{str(path)!r} is a safetensors file but not a seqgan model (no "
            f"'{_META_KEY}' metadata)."
        )
    try:
        meta = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise invalid(path, f"its metadata is not valid JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise invalid(path, f"its metadata is a {type(meta).__name__}, not a JSON object")
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise ValueError(
            f"{str(path)!r} has model format version {version!r} (written by seqgan "
            f"{meta.get('library_version', '?')}); this seqgan {__version__} reads format "
            f"{FORMAT_VERSION}. Load it with a matching seqgan version."
        )
    return meta


def read_tensors(path: str | Path, expected_sha256: str | None = None) -> dict[str, torch.Tensor]:
    """The weights of a model file (read after :func:`read_metadata` checked it), verified
    against ``expected_sha256`` when given (files written before checksums have none)."""
    try:
        with safe_open(str(path), framework="pt") as handle:
            tensors = {k: handle.get_tensor(k) for k in handle.keys()}
    except (SafetensorError, OSError, RuntimeError) as exc:
        raise invalid(path, f"its weights cannot be read ({exc})") from None
    if expected_sha256 is not None and tensor_checksum(tensors) != expected_sha256:
        raise invalid(
            path,
            "the checksum of its weights does not match the one stored in it "
            "(the tensor data was changed or corrupted)",
        )
    return tensors
