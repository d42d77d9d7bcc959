"""Estimators: one module per GAN family, on the shared base class."""

from seqgan.models._base import DataSpec, GANEstimator
from seqgan.models.bigan import BiGAN
from seqgan.models.crnngan import CRNNGAN
from seqgan.models.dcgan import CGAN, DCGAN
from seqgan.models.image_bigan import ImageBiGAN
from seqgan.models.mlpgan import MLPGAN
from seqgan.models.rcgan import RCGAN
from seqgan.models.timegan import TimeGAN

__all__ = [
    "CGAN",
    "CRNNGAN",
    "DCGAN",
    "MLPGAN",
    "RCGAN",
    "BiGAN",
    "DataSpec",
    "GANEstimator",
    "ImageBiGAN",
    "TimeGAN",
]
