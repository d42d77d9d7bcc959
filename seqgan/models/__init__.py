"""Estimators: one module per GAN family, on the shared base class."""

from seqgan.models._base import DataSpec, GANEstimator
from seqgan.models.crnngan import CRNNGAN

__all__ = ["CRNNGAN", "DataSpec", "GANEstimator"]
