"""Losses, regularizers and update rules: the parts a GAN's training is combined from.

- objectives (from logits, shared by every model): :func:`get_objective`,
  :func:`available_losses`, one class per loss;
- regularizers of the discriminator: gradient penalties (:class:`GradientPenalty`, :class:`R1`,
  :class:`R2`; :func:`build_regularizers`), :class:`WeightClipping`, :func:`spectral_norm`,
  :class:`DiffAugment`;
- update rules: :func:`make_optimizer`, :class:`EMA`, :class:`AdaptiveBalance`;
- diagnostics: :func:`discriminator_accuracy`, :func:`grad_norm`, :func:`mode_collapse_score`.

See ``docs/losses.md``.
"""

from seqgan.losses._augment import AUGMENTATIONS, DiffAugment
from seqgan.losses._diagnostics import discriminator_accuracy, grad_norm, mode_collapse_score
from seqgan.losses._objectives import (
    WGANGP,
    Hinge,
    LeastSquares,
    Minimax,
    NonSaturating,
    Objective,
    RpGAN,
    Wasserstein,
    available_losses,
    get_objective,
    masked_mean,
)
from seqgan.losses._regularizers import (
    R1,
    R2,
    GradientPenalty,
    Regularizer,
    WeightClipping,
    available_regularizers,
    build_regularizers,
    get_regularizer,
    spectral_norm,
)
from seqgan.losses._update_rules import EMA, OPTIMIZERS, AdaptiveBalance, make_optimizer

__all__ = [
    "AUGMENTATIONS",
    "EMA",
    "OPTIMIZERS",
    "R1",
    "R2",
    "WGANGP",
    "AdaptiveBalance",
    "DiffAugment",
    "GradientPenalty",
    "Hinge",
    "LeastSquares",
    "Minimax",
    "NonSaturating",
    "Objective",
    "Regularizer",
    "RpGAN",
    "Wasserstein",
    "WeightClipping",
    "available_losses",
    "available_regularizers",
    "build_regularizers",
    "discriminator_accuracy",
    "get_objective",
    "get_regularizer",
    "grad_norm",
    "make_optimizer",
    "masked_mean",
    "mode_collapse_score",
    "spectral_norm",
]
