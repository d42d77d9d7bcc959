"""The one list of models: names (as ``seqgan fit --model`` spells them) -> estimator classes.

Used by :func:`seqgan.load` (the class a file names), the command line, the benchmark runner
and tuning. A built-in model is one line in ``BUILTIN`` (imported on first use, so listing the
names imports no network code); a model defined elsewhere joins with :func:`register_model`.

>>> from seqgan.models import available_models, get_model
>>> "timegan" in available_models()
True
>>> get_model("TimeGAN").__name__
'TimeGAN'
"""

from __future__ import annotations

import importlib
from typing import Any

#: Built-in models: lower-case name -> "module:Class".
BUILTIN: dict[str, str] = {
    "crnngan": "seqgan.models.crnngan:CRNNGAN",
    "rcgan": "seqgan.models.rcgan:RCGAN",
    "timegan": "seqgan.models.timegan:TimeGAN",
    "bigan": "seqgan.models.bigan:BiGAN",
    "r3gan": "seqgan.models.r3gan:R3GAN",
    "dcgan": "seqgan.models.dcgan:DCGAN",
    "cgan": "seqgan.models.dcgan:CGAN",
    "imagebigan": "seqgan.models.image_bigan:ImageBiGAN",
    "mlpgan": "seqgan.models.mlpgan:MLPGAN",
}

_registered: dict[str, type] = {}


def register_model(cls: type, name: str | None = None) -> type:
    """Make ``cls`` (an :class:`~seqgan.models.Estimator` subclass) known to :func:`seqgan.load`,
    the command line, benchmarks and tuning under ``name`` (default: the class name in lower
    case). Returns ``cls``, so it also works as a class decorator."""
    if not _is_estimator(cls):
        raise TypeError(f"register_model() takes an Estimator subclass; got {cls!r}.")
    key = (name or cls.__name__).lower()
    known = _registered.get(key)
    if known is not None and known is not cls and (
            known.__module__, known.__qualname__) != (cls.__module__, cls.__qualname__):
        raise ValueError(f"A model named {key!r} is registered already ({known.__module__}."
                         f"{known.__qualname__}); pass another `name`.")
    _registered[key] = cls
    return cls


def _is_estimator(cls: Any) -> bool:
    """Whether ``cls`` is a model class (checked by its contract, so that this module needs no
    import of the base class, which imports the registry through persistence)."""
    return isinstance(cls, type) and all(callable(getattr(cls, attr, None)) for attr in (
        "fit", "sample", "save", "_build_module", "_recipe", "_generate"))


def available_models() -> list[str]:
    """Names of every known model, sorted."""
    return sorted(set(BUILTIN) | set(_registered))


def model_class_names() -> list[str]:
    """Class names of every known model (as model files name them), sorted."""
    names = {path.split(":")[1] for path in BUILTIN.values()}
    return sorted(names | {cls.__name__ for cls in _registered.values()})


def get_model(name: str | type) -> type:
    """The estimator class of a model name (any case), e.g. ``get_model("timegan")``; a class
    is returned as it is."""
    if _is_estimator(name):
        return name
    if not isinstance(name, str):
        raise TypeError(f"A model is named by a string such as 'timegan'; got {name!r}.")
    key = name.lower()
    if key in _registered:
        return _registered[key]
    if key in BUILTIN:
        module, attr = BUILTIN[key].split(":")
        cls: Any = getattr(importlib.import_module(module), attr)
        _registered[key] = cls
        return cls
    raise ValueError(f"Unknown model {name!r}; known models: {', '.join(available_models())} "
                     "(a model of your own joins with seqgan.models.register_model).")
