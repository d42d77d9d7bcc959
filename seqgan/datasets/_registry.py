"""Name -> loader registry behind :func:`seqgan.datasets.load_dataset`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

DatasetKind = Literal["generated", "bundled", "file"]


@dataclass(frozen=True)
class DatasetInfo:
    """What `seqgan datasets` lists about one dataset.

    Attributes
    ----------
    name : str
        The name given to :func:`load_dataset`.
    description : str
        One line: what it is and its shape.
    kind : {"generated", "bundled", "file"}
        ``generated`` is made on the fly, ``bundled`` ships inside a dependency, ``file`` is read
        from the data home (and downloaded there when missing).
    loader : callable
        The function that :func:`load_dataset` calls with the keyword arguments.
    """

    name: str
    description: str
    kind: DatasetKind
    loader: Callable[..., Any]


_REGISTRY: dict[str, DatasetInfo] = {}


def register(name: str, description: str, kind: DatasetKind) -> Callable:
    """Decorator that registers a loader under ``name``."""

    def decorate(loader: Callable[..., Any]) -> Callable[..., Any]:
        if name in _REGISTRY:
            raise RuntimeError(f"dataset {name!r} is registered twice")
        _REGISTRY[name] = DatasetInfo(name, description, kind, loader)
        return loader

    return decorate


def list_datasets() -> list[DatasetInfo]:
    """All registered datasets, sorted by name."""
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def load_dataset(name: str, **kwargs: Any) -> Any:
    """Load a dataset by name; keyword arguments go to that dataset's loader.

    Parameters
    ----------
    name : str
        One of the names listed by :func:`list_datasets` (or ``seqgan datasets``).
    **kwargs
        Loader options, e.g. ``n_samples``, ``seq_len``, ``random_state`` for ``"sines"``.

    Examples
    --------
    >>> from seqgan.datasets import load_dataset
    >>> load_dataset("sines", n_samples=8, seq_len=24, n_features=5, random_state=0).shape
    (8, 24, 5)
    """
    if not isinstance(name, str) or name not in _REGISTRY:
        valid = ", ".join(sorted(_REGISTRY))
        raise ValueError(f"Unknown dataset {name!r}. Valid names: {valid}.")
    return _REGISTRY[name].loader(**kwargs)
