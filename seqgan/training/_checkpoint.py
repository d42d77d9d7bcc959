"""Atomic checkpoint files: every tensor and counter needed to resume a run exactly."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from seqgan._files import atomic_write

CHECKPOINT_FORMAT = 1
CHECKPOINT_NAME = "checkpoint.pt"


def save_checkpoint(path: str | os.PathLike, state: dict[str, Any]) -> None:
    """Write ``state`` to ``path`` atomically: a crash mid-write leaves the old file intact."""
    atomic_write(path, lambda handle: torch.save({"format": CHECKPOINT_FORMAT, **state}, handle))


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint` (tensors and plain data only: the
    file is loaded with ``weights_only=True``, so it cannot run code)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {str(path)!r}.")
    state = torch.load(path, map_location="cpu", weights_only=True)
    if state.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"Checkpoint {str(path)!r} has format {state.get('format')!r}; this "
                         f"version of seqgan reads format {CHECKPOINT_FORMAT}.")
    return state
