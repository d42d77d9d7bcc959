"""Looking inside training (``docs/inspect.md``): fixed-noise snapshots and GIFs, an
independent classifier probe, latent-space class maps, interpolation and per-layer
activations. Callbacks (:class:`Snapshots`, :class:`ClassifierProbe`) run during ``fit``;
the functions work on fitted models.

>>> from seqgan import DCGAN
>>> from seqgan.datasets import load_dataset
>>> from seqgan.inspect import interpolate
>>> X = load_dataset("digits")[:64]
>>> g = DCGAN(latent_dim=2, base_channels=8, n_iter=2, random_state=0, verbose=False).fit(X)
>>> interpolate(g, [-1, -1], [1, 1], steps=5, method="slerp").shape
(5, 1, 8, 8)
"""

from seqgan.inspect._activations import generator_activations, plot_activations
from seqgan.inspect._latent import (
    INTERPOLATIONS,
    LatentMap,
    interpolate,
    interpolation_path,
    latent_class_map,
    plot_interpolation,
    plot_latent_map,
)
from seqgan.inspect._probe import ClassifierProbe
from seqgan.inspect._snapshots import Snapshots, make_gif

__all__ = [
    "INTERPOLATIONS",
    "ClassifierProbe",
    "LatentMap",
    "Snapshots",
    "generator_activations",
    "interpolate",
    "interpolation_path",
    "latent_class_map",
    "make_gif",
    "plot_activations",
    "plot_interpolation",
    "plot_latent_map",
]
