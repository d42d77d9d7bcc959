"""Means over valid steps and per-step broadcasts: the one home of the small helpers every
model, loss and sampler uses on padded sequences (values (batch, seq_len, ...), masks
(batch, seq_len) of 1.0 on valid steps and 0.0 on padding)."""

from __future__ import annotations

import torch


def masked_mean(values: torch.Tensor, mask: torch.Tensor | None = None,
                weights: torch.Tensor | None = None) -> torch.Tensor:
    """Mean of ``values`` over the valid entries of ``mask``, optionally weighted per sequence.

    Parameters
    ----------
    values : Tensor (batch,), (batch, seq_len) or (batch, seq_len, 1)
    mask : Tensor (batch, seq_len) or None
        1.0 on valid steps, 0.0 on padding. Ignored for per-sequence ``values`` (batch,).
    weights : Tensor (batch,) or None
        Non-negative weight of each sequence (e.g. importance weights); the result is the
        weighted mean ``sum(w * m * v) / sum(w * m)``. All-ones weights give exactly the
        unweighted mean.

    Returns
    -------
    Tensor ()
        A plain mean when ``mask`` and ``weights`` are None.

    Examples
    --------
    >>> import torch
    >>> values = torch.tensor([[1.0, 3.0], [5.0, 100.0]])
    >>> masked_mean(values, torch.tensor([[1.0, 1.0], [1.0, 0.0]]))
    tensor(3.)
    """
    if values.dim() == 3 and values.shape[-1] == 1:
        values = values.squeeze(-1)
    if weights is not None:
        w = weights.reshape(-1, *([1] * (values.dim() - 1)))
        if mask is None or values.dim() == 1:
            return (values * w).mean() / w.mean()
        w = w * mask
        return (values * w).sum() / w.sum().clamp_min(1e-12)
    if mask is None or values.dim() == 1:
        return values.mean()
    return (values * mask).sum() / mask.sum().clamp_min(1.0)


def masked_step_mean(values: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Mean of ``values`` (batch, seq_len, d) over valid steps and all features (a plain mean
    without ``mask``): reconstruction errors such as ``masked_step_mean((a - b) ** 2, mask)``."""
    if mask is None:
        return values.mean()
    m = mask.unsqueeze(-1)
    return (values * m).sum() / (m.sum() * values.shape[-1]).clamp_min(1.0)


def per_sequence(logits: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """One value per sequence (batch,): per-step logits (batch, seq_len[, 1]) averaged over
    valid steps; per-sequence logits (batch,) as they are."""
    if logits.dim() == 3 and logits.shape[-1] == 1:
        logits = logits.squeeze(-1)
    if logits.dim() == 1:
        return logits
    if logits.dim() != 2:
        raise ValueError("`critic` must return logits of shape (batch,) or (batch, seq_len); "
                         f"got {tuple(logits.shape)}.")
    if mask is None:
        return logits.mean(1)
    return (logits * mask).sum(1) / mask.sum(1).clamp_min(1.0)


def repeat_over_steps(x: torch.Tensor, code: torch.Tensor | None) -> torch.Tensor:
    """Append a per-sequence vector ``code`` (batch, c) to every step of ``x`` (batch, T, d):
    (batch, T, d + c); ``x`` unchanged when ``code`` is None (conditions, static codes)."""
    if code is None:
        return x
    return torch.cat([x, code.unsqueeze(1).expand(-1, x.shape[1], -1)], dim=-1)
