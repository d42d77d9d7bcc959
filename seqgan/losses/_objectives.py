"""Adversarial objectives computed from discriminator logits (pre-sigmoid scores)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def masked_mean(values: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Mean of ``values`` (batch,) or (batch, seq_len[, 1]) over valid entries of ``mask``
    (batch, seq_len); a plain mean when ``mask`` is None."""
    if values.dim() == 3 and values.shape[-1] == 1:
        values = values.squeeze(-1)
    if mask is None or values.dim() == 1:
        return values.mean()
    return (values * mask).sum() / mask.sum().clamp_min(1.0)


class Objective:
    """An adversarial objective: the discriminator's and the generator's loss from logits.

    Logits are per sequence ``(batch,)`` or per time step ``(batch, seq_len)``; a ``mask``
    ``(batch, seq_len)`` leaves padded steps out. Objectives compute only (no backward, no step).
    """

    name: str = ""

    def discriminator_loss(self, real_logits: torch.Tensor, fake_logits: torch.Tensor,
                           mask: torch.Tensor | None = None,
                           fake_mask: torch.Tensor | None = None) -> torch.Tensor:
        raise NotImplementedError

    def generator_loss(self, fake_logits: torch.Tensor, real_logits: torch.Tensor | None = None,
                       mask: torch.Tensor | None = None,
                       fake_mask: torch.Tensor | None = None) -> torch.Tensor:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class NonSaturating(Objective):
    """Goodfellow et al. (2014), with the non-saturating generator loss.

    D: ``softplus(-d(x)) + softplus(d(G(z)))`` (binary cross-entropy from logits);
    G: ``softplus(-d(G(z)))`` = ``-log D(G(z))``.
    """

    name = "non-saturating"

    def discriminator_loss(self, real_logits, fake_logits, mask=None, fake_mask=None):
        fake_mask = mask if fake_mask is None else fake_mask
        return (masked_mean(F.softplus(-real_logits), mask)
                + masked_mean(F.softplus(fake_logits), fake_mask))

    def generator_loss(self, fake_logits, real_logits=None, mask=None, fake_mask=None):
        return masked_mean(F.softplus(-fake_logits), mask if fake_mask is None else fake_mask)


class Minimax(NonSaturating):
    """The original (saturating) minimax game: G minimises ``log(1 - D(G(z)))`` =
    ``-softplus(d(G(z)))``. Its gradients vanish when D wins; kept for studies."""

    name = "minimax"

    def generator_loss(self, fake_logits, real_logits=None, mask=None, fake_mask=None):
        return -masked_mean(F.softplus(fake_logits), mask if fake_mask is None else fake_mask)


_OBJECTIVES: dict[str, type[Objective]] = {cls.name: cls for cls in (NonSaturating, Minimax)}


def available_losses() -> dict[str, str]:
    """Objective names mapped to the first line of their docs."""
    return {name: (cls.__doc__ or "").strip().splitlines()[0] for name, cls in
            sorted(_OBJECTIVES.items())}


def get_objective(loss: str | Objective) -> Objective:
    """An :class:`Objective` from its name (see :func:`available_losses`) or as given."""
    if isinstance(loss, Objective):
        return loss
    if isinstance(loss, str) and loss in _OBJECTIVES:
        return _OBJECTIVES[loss]()
    raise ValueError(f"Unknown loss {loss!r}. Valid names: {', '.join(sorted(_OBJECTIVES))}.")
