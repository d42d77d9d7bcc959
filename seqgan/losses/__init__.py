"""Adversarial objectives (from logits) shared by every model."""

from seqgan.losses._objectives import (
    Minimax,
    NonSaturating,
    Objective,
    available_losses,
    get_objective,
    masked_mean,
)

__all__ = ["Minimax", "NonSaturating", "Objective", "available_losses", "get_objective",
           "masked_mean"]
