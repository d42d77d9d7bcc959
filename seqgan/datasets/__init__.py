"""Datasets: generated, bundled with a dependency, and files in the data home.

``load_dataset(name, **options)`` loads one; ``list_datasets()`` lists them all.
"""

from seqgan.datasets import _sines  # noqa: F401  (registers "sines")
from seqgan.datasets._registry import DatasetInfo, list_datasets, load_dataset

__all__ = ["DatasetInfo", "list_datasets", "load_dataset"]
