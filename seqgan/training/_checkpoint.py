"""Atomic checkpoint files: every tensor and counter needed to resume a run exactly."""

from __future__ import annotations

import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch

from seqgan._files import atomic_write

CHECKPOINT_FORMAT = 1
CHECKPOINT_NAME = "checkpoint.pt"


def save_checkpoint(path: str | os.PathLike, state: dict[str, Any]) -> None:
    """Write ``state`` to ``path`` atomically: a crash mid-write leaves the old file intact
    (and the next write removes the temp file such a crash leaves)."""
    atomic_write(path, lambda handle: torch.save({"format": CHECKPOINT_FORMAT, **state}, handle))


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint` (tensors and plain data only: the
    file is loaded with ``weights_only=True``, so it cannot run code). A damaged or foreign
    file gives a ValueError saying what is wrong and what to do."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {str(path)!r}.")
    size = path.stat().st_size
    if size == 0:
        raise _unreadable(path, "it is empty (0 bytes)")
    if not zipfile.is_zipfile(path):
        raise _unreadable(
            path,
            f"it is truncated or corrupt ({size} bytes, not the zip layout torch.save writes)",
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if "weights only load failed" in str(exc).lower():
            raise _unreadable(
                path,
                "it holds Python objects other than tensors and plain "
                "data, which seqgan never writes; it was refused unread "
                "because loading such objects can run code",
            ) from None
        raise _unreadable(
            path, f"it is truncated or corrupt ({size} bytes that torch cannot unpickle)"
        ) from None
    except (EOFError, OSError, RuntimeError, zipfile.BadZipFile, ValueError, KeyError) as exc:
        raise _unreadable(
            path, f"it is truncated or corrupt ({size} bytes; {type(exc).__name__})"
        ) from None
    if not isinstance(state, dict):
        raise _unreadable(path, f"it holds a {type(state).__name__}, not a checkpoint")
    if state.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(
            f"Checkpoint {str(path)!r} has format {state.get('format')!r}; this "
            f"version of seqgan reads format {CHECKPOINT_FORMAT}."
        )
    return state


def _unreadable(path: Path, what: str) -> ValueError:
    return ValueError(
        f"The checkpoint {str(path)!r} cannot be used: {what}. Delete it to start afresh "
        "(fit with resume=False, or with another checkpoint_dir); the run it belonged to "
        "cannot be resumed."
    )
