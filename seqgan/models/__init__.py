"""Estimators: one module per model family, on the shared base classes.

- :class:`Estimator` (``_base.py``): the contract of any generative model of sequences;
- :class:`GANEstimator` (``_gan.py``): the GAN layer (shared options, default two-player
  recipe);
- :func:`get_model` / :func:`available_models` / :func:`register_model`: the one registry,
  used by :func:`seqgan.load`, the command line, benchmarks and tuning;
- :class:`LatentView`: a fitted model seen from its latent space (``model.latent_view()``).
"""

from seqgan.models._base import DataSpec, Estimator
from seqgan.models._gan import GANEstimator
from seqgan.models._latent_view import LatentView
from seqgan.models._persistence import load
from seqgan.models._registry import available_models, get_model, register_model
from seqgan.models.bigan import BiGAN
from seqgan.models.crnngan import CRNNGAN
from seqgan.models.dcgan import CGAN, DCGAN
from seqgan.models.image_bigan import ImageBiGAN
from seqgan.models.mlpgan import MLPGAN
from seqgan.models.r3gan import R3GAN
from seqgan.models.rcgan import RCGAN
from seqgan.models.timegan import TimeGAN

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
