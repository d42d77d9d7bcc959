"""Datasets: generated, bundled with a dependency, and files in the data home.

``load_dataset(name, **options)`` loads one; ``list_datasets()`` lists them all.
"""

from seqgan.datasets import (  # noqa: F401  (register the loaders)
    _bundled,
    _ecg,
    _mixtures,
    _mnist,
    _sines,
    _timegan_files,
)
from seqgan.datasets._home import get_data_home
from seqgan.datasets._registry import DatasetInfo, list_datasets, load_dataset

__all__ = ["DatasetInfo", "get_data_home", "list_datasets", "load_dataset"]
