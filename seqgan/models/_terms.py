"""Loss terms several models share."""

from __future__ import annotations

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
