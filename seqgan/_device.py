"""Where computations run: ``device="auto"`` -> CUDA when available, else the CPU."""

from __future__ import annotations

import torch


def resolve_device(device: str | torch.device) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; anything torch accepts otherwise."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"`device` must be 'auto', 'cpu', 'cuda' or 'cuda:N'; got {device!r} "
                         f"({exc}).") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"`device`={device!r} but CUDA is not available here; use 'auto' or "
                         "'cpu'.")
    return resolved
