"""Training diagnostics: discriminator accuracy, gradient norms, a mode-collapse score.

All return detached 0-dim tensors, ready for ``report(...)`` or ``float(...)``.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch


def _squeeze(logits: torch.Tensor) -> torch.Tensor:
    return logits.squeeze(-1) if logits.dim() == 3 and logits.shape[-1] == 1 else logits


def _count(correct: torch.Tensor, mask: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
    correct = correct.to(torch.float32)
    if mask is None or correct.dim() == 1:
        return correct.sum(), torch.tensor(float(correct.numel()), device=correct.device)
    mask = mask.to(correct.dtype)
    return (correct * mask).sum(), mask.sum()


@torch.no_grad()
def discriminator_accuracy(real_logits: torch.Tensor, fake_logits: torch.Tensor,
                           mask: torch.Tensor | None = None,
                           fake_mask: torch.Tensor | None = None) -> torch.Tensor:
    """Share of real logits > 0 and fake logits < 0, over all real and fake entries.

    Parameters
    ----------
    real_logits, fake_logits : Tensor (batch,) or (batch, seq_len[, 1])
    mask : Tensor (batch, seq_len) or None
        Valid steps of the reals (and of the fakes when ``fake_mask`` is None); padded steps
        are not counted.
    fake_mask : Tensor (batch, seq_len) or None

    Returns
    -------
    Tensor ()
        In [0, 1]; 0.5 is chance. A logit of exactly 0 counts as wrong.

    Examples
    --------
    >>> import torch
    >>> discriminator_accuracy(torch.tensor([1.0, -1.0]), torch.tensor([-2.0, -3.0]))
    tensor(0.7500)
    """
    fake_mask = mask if fake_mask is None else fake_mask
    right_real, n_real = _count(_squeeze(real_logits) > 0, mask)
    right_fake, n_fake = _count(_squeeze(fake_logits) < 0, fake_mask)
    return (right_real + right_fake) / (n_real + n_fake).clamp_min(1.0)


@torch.no_grad()
def grad_norm(parameters: torch.Tensor | Iterable[torch.Tensor],
              norm_type: float = 2.0) -> torch.Tensor:
    """Total norm of the gradients of ``parameters`` (those without a gradient are skipped).

    Call it after ``backward()`` (e.g. from a callback) to watch for vanishing (-> 0) or
    exploding gradients. Unlike ``torch.nn.utils.clip_grad_norm_`` it changes nothing.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensors
    norm_type : float
        2 for the Euclidean norm, ``float("inf")`` for the largest absolute entry.

    Returns
    -------
    Tensor ()
        0 when no parameter has a gradient.

    Examples
    --------
    >>> from torch import nn
    >>> layer = nn.Linear(3, 1)
    >>> layer(torch.ones(1, 3)).sum().backward()
    >>> grad_norm(layer.parameters())  # sqrt(1 + 1 + 1 + 1)
    tensor(2.)
    """
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad.detach() for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    norms = torch.stack([torch.linalg.vector_norm(g, norm_type).to(torch.float32)
                         for g in grads])
    return torch.linalg.vector_norm(norms, norm_type)


def _mean_pairwise_distance(x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Mean over pairs i < j of the RMS distance between sequences i and j, per step over the
    steps valid in both (pairs with no common step are left out)."""
    if x.dim() < 2 or x.shape[0] < 2:
        raise ValueError("A mode-collapse score needs a batch of at least 2 samples shaped "
                         f"(batch, seq_len, n_channels); got {tuple(x.shape)}.")
    x = x.detach()
    x = x.reshape(x.shape[0], x.shape[1], -1) if x.dim() >= 3 else x.unsqueeze(1)
    batch, seq_len, width = x.shape
    if mask is None:
        m = x.new_ones(batch, seq_len)
    else:
        if tuple(mask.shape) != (batch, seq_len):
            raise ValueError(f"`mask` must have shape {(batch, seq_len)}; got "
                             f"{tuple(mask.shape)}.")
        m = mask.detach().to(x.dtype)
    total, pairs = x.new_zeros(()), x.new_zeros(())
    rows = max(1, 2**22 // max(1, batch * seq_len * width))
    upper = torch.ones(batch, batch, dtype=torch.bool, device=x.device).triu(1)
    for start in range(0, batch, rows):
        stop = min(batch, start + rows)
        diff = (x[start:stop, None] - x[None]).pow(2).sum(-1)  # (rows, batch, seq_len)
        both = m[start:stop, None] * m[None]
        common = both.sum(-1)
        keep = upper[start:stop] & (common > 0)
        distance = ((diff * both).sum(-1) / common.clamp_min(1.0)).sqrt()
        total = total + distance[keep].sum()
        pairs = pairs + keep.sum()
    return total / pairs.clamp_min(1.0)


@torch.no_grad()
def mode_collapse_score(fake: torch.Tensor, real: torch.Tensor,
                        mask: torch.Tensor | None = None,
                        fake_mask: torch.Tensor | None = None) -> torch.Tensor:
    """Diversity of a fake batch relative to a real one: about 1 is healthy, near 0 collapse.

    The mean pairwise distance within the fake batch divided by the same within the real
    batch. The distance of two sequences is the root mean square, over the steps valid in
    both, of the Euclidean distance between their steps; padded steps never count.

    Parameters
    ----------
    fake : Tensor (n_fake, seq_len, n_channels)
    real : Tensor (n_real, seq_len, n_channels)
        At least 2 sequences each; the batch sizes may differ.
    mask : Tensor (n_real, seq_len) or None
        Valid steps of ``real`` (and of ``fake`` when ``fake_mask`` is None and sizes match).
    fake_mask : Tensor (n_fake, seq_len) or None

    Returns
    -------
    Tensor ()
        ``inf`` when all real sequences are identical (``nan`` if the fakes are too).

    Examples
    --------
    >>> import torch
    >>> real = torch.randn(16, 8, 2)
    >>> float(mode_collapse_score(real[:1].expand(16, 8, 2), real))
    0.0
    """
    if fake_mask is None and mask is not None and fake.shape[0] == real.shape[0]:
        fake_mask = mask
    return _mean_pairwise_distance(fake, fake_mask) / _mean_pairwise_distance(real, mask)
