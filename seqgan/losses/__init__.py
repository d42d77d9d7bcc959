"""Losses and regularizers: the parts a GAN's objective is combined from (update rules --
optimizers, EMA, adaptive balance -- are training concerns: :mod:`seqgan.training`).

- objectives (from logits, shared by every model): :func:`get_objective`,
  :func:`available_losses`, one class per loss;
- regularizers of the discriminator: gradient penalties (:class:`GradientPenalty`, :class:`R1`,
  :class:`R2`; :func:`build_regularizers`), :class:`WeightClipping`, :func:`spectral_norm`,
  :class:`DiffAugment`;
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
from seqgan.nn import masked_mean  # re-exported: objectives are written with it

__all__ = [
    "AUGMENTATIONS",
    "R1",
    "R2",
    "WGANGP",
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
    "masked_mean",
    "mode_collapse_score",
    "spectral_norm",
]
