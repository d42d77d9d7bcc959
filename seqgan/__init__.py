"""seqgan: realistic synthetic time series with GANs, and the tools to study GANs honestly."""

from seqgan._version import __version__

__all__ = ["__version__"]
