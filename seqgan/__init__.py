"""seqgan: realistic synthetic time series with GANs, and the tools to study GANs honestly.

>>> import seqgan
>>> from seqgan.datasets import load_dataset
>>> X = load_dataset("sines", n_samples=64, seq_len=8, n_features=2, random_state=0)
>>> model = seqgan.CRNNGAN(hidden_dim=8, n_iter=5, random_state=0, verbose=False).fit(X)
>>> model.sample(4, random_state=1).shape
(4, 8, 2)

The public names are imported on first use (``seqgan.TimeGAN`` imports torch and the models
then), so ``import seqgan`` and ``seqgan --help`` do not pay for torch, scikit-learn and scipy
(measured in issue 23: ``import seqgan`` went from 3.1 s to a few milliseconds of import time;
``python -X importtime -c "import seqgan"``). Subpackages (``seqgan.ais``, ``seqgan.metrics``,
...) load the same way.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from seqgan._version import __version__

if TYPE_CHECKING:
    from seqgan._report import report
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

#: Public name -> the module that defines it (imported on first access).
_LAZY = {
    **dict.fromkeys(("CGAN", "CRNNGAN", "DCGAN", "MLPGAN", "R3GAN", "RCGAN", "BiGAN",
                     "Estimator", "GANEstimator", "ImageBiGAN", "TimeGAN", "load"),
                    "seqgan.models"),
    "DivergenceError": "seqgan.training",
    "report": "seqgan._report",
}
_SUBPACKAGES = ("ais", "baselines", "benchmark", "data", "datasets", "inspect", "losses",
                "metrics", "models", "nn", "plots", "training", "tuning")

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
    "report",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later accesses skip this function
        return value
    if name in _SUBPACKAGES:
        return importlib.import_module(f"seqgan.{name}")
    raise AttributeError(f"module 'seqgan' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBPACKAGES})
