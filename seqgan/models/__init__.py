"""Estimators: one module per model family, on the shared base classes.

- :class:`Estimator` (``_base.py``): the contract of any generative model of sequences;
- :class:`GANEstimator` (``_gan.py``): the GAN layer (shared options, default two-player
  recipe);
- :func:`get_model` / :func:`available_models` / :func:`register_model`: the one registry,
  used by :func:`seqgan.load`, the command line, benchmarks and tuning;
- :class:`LatentView`: a fitted model seen from its latent space (``model.latent_view()``).

The registry is imported at once (it imports nothing heavy: the command line lists model names
with it); every other name is imported on first use, so that ``seqgan --help`` needs no torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from seqgan.models._registry import available_models, get_model, register_model

if TYPE_CHECKING:
    from seqgan.models._base import DataSpec, Estimator
    from seqgan.models._gan import GANEstimator
    from seqgan.models._latent_view import LatentView
    from seqgan.models._persistence import load
    from seqgan.models.bigan import BiGAN
    from seqgan.models.crnngan import CRNNGAN
    from seqgan.models.dcgan import CGAN, DCGAN
    from seqgan.models.image_bigan import ImageBiGAN
    from seqgan.models.mlpgan import MLPGAN
    from seqgan.models.r3gan import R3GAN
    from seqgan.models.rcgan import RCGAN
    from seqgan.models.timegan import TimeGAN

#: Public name -> the module that defines it (imported on first access).
_LAZY = {
    "DataSpec": "seqgan.models._base",
    "Estimator": "seqgan.models._base",
    "GANEstimator": "seqgan.models._gan",
    "LatentView": "seqgan.models._latent_view",
    "load": "seqgan.models._persistence",
    "BiGAN": "seqgan.models.bigan",
    "CRNNGAN": "seqgan.models.crnngan",
    "CGAN": "seqgan.models.dcgan",
    "DCGAN": "seqgan.models.dcgan",
    "ImageBiGAN": "seqgan.models.image_bigan",
    "MLPGAN": "seqgan.models.mlpgan",
    "R3GAN": "seqgan.models.r3gan",
    "RCGAN": "seqgan.models.rcgan",
    "TimeGAN": "seqgan.models.timegan",
}

__all__ = [
    "CGAN",
    "CRNNGAN",
    "DCGAN",
    "MLPGAN",
    "R3GAN",
    "RCGAN",
    "BiGAN",
    "DataSpec",
    "Estimator",
    "GANEstimator",
    "ImageBiGAN",
    "LatentView",
    "TimeGAN",
    "available_models",
    "get_model",
    "load",
    "register_model",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later accesses skip this function
        return value
    raise AttributeError(f"module 'seqgan.models' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
