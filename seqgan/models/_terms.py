"""Loss terms several models share."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from seqgan.losses import NonSaturating, Objective, masked_mean


def extra_fake_loss(objective: Objective, real_logits: torch.Tensor, fake_logits: torch.Tensor,
                    mask: torch.Tensor | None = None) -> torch.Tensor:
    """The discriminator's loss on one more batch of fakes, for ``real + fake + w * fake2``
    (TimeGAN's unsupervised latents, RCGAN's real data with wrong labels).

    Objectives that split into a real and a fake term give the fake term alone (``fake_term``;
    for the binary cross-entropy family it is ``softplus(fake)``). For the others (e.g.
    relativistic pairs) the extra batch is paired with the real one: ``loss(real, fake2)``.
    """
    fake_term = getattr(objective, "fake_term", None)
    if fake_term is not None:
        return fake_term(fake_logits, mask)
    if isinstance(objective, NonSaturating):  # and Minimax: -log(1 - D(x))
        return masked_mean(F.softplus(fake_logits), mask)
    return objective.discriminator_loss(real_logits, fake_logits, mask)


def with_encoder_term(out: dict, fake_logits: torch.Tensor, real_logits: torch.Tensor,
                      adversary: Any) -> dict:
    """BiGAN's generator + encoder loss: the encoder plays the objective with flipped labels
    (it wants real pairs called fake). Relativistic objectives already pair the two sides,
    so their generator loss is kept as it is."""
    if adversary.relativistic:
        return out
    g_term = out["loss"]
    e_term = adversary.generator_loss(-real_logits, -fake_logits)
    return {"loss": g_term + e_term, "generator": g_term.detach(), "encoder": e_term.detach()}
