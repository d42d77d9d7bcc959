"""seqgan: realistic synthetic time series with GANs, and the tools to study GANs honestly.

>>> import seqgan
>>> from seqgan.datasets import load_dataset
>>> X = load_dataset("sines", n_samples=64, seq_len=8, n_features=2, random_state=0)
>>> model = seqgan.CRNNGAN(hidden_dim=8, n_iter=5, random_state=0, verbose=False).fit(X)
>>> model.sample(4, random_state=1).shape
(4, 8, 2)
"""

from seqgan._version import __version__
from seqgan.models import (
    CGAN,
    CRNNGAN,
    DCGAN,
    MLPGAN,
    R3GAN,
    RCGAN,
    BiGAN,
    Estimator,
    GANEstimator,
    ImageBiGAN,
    TimeGAN,
    load,
)
from seqgan.training import DivergenceError

__all__ = [
    "CGAN",
    "CRNNGAN",
    "DCGAN",
    "MLPGAN",
    "R3GAN",
    "RCGAN",
    "BiGAN",
    "DivergenceError",
    "Estimator",
    "GANEstimator",
    "ImageBiGAN",
    "TimeGAN",
    "__version__",
    "load",
]
