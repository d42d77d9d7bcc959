"""Argument checks with one message template.

Every check names the argument, states the rule and shows the value it got, e.g.
``The 'lr_g' parameter of CRNNGAN must be a float in (0, inf). Got -0.1.``
Estimators declare their rules as a table (``_parameter_constraints``) checked in ``fit``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np


def _owner(owner: str | None) -> str:
    return f" of {owner}" if owner else ""


def _fmt(name: str, owner: str | None) -> str:
    return f"The '{name}' parameter{_owner(owner)}"


@dataclass(frozen=True)
class Interval:
    """A numeric rule: ``kind`` is ``int`` or ``float``; bounds may be None (unbounded).

    ``closed`` says which bounds belong to the interval: "both", "left", "right" or "neither".
    """

    kind: type
    low: float | None = None
    high: float | None = None
    closed: str = "both"

    def describe(self) -> str:
        word = "an int" if self.kind is int else "a float"
        if self.low is None and self.high is None:
            return word
        left = "[" if self.closed in ("both", "left") and self.low is not None else "("
        right = "]" if self.closed in ("both", "right") and self.high is not None else ")"
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        return f"{word} in {left}{low}, {high}{right}"

    def type_ok(self, value: Any) -> bool:
        """Whether ``value`` has the rule's type (a wrong value of it is a ValueError)."""
        if isinstance(value, bool):
            return False
        return isinstance(value, numbers.Integral if self.kind is int else numbers.Real)

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool):
            return False
        if self.kind is int and not isinstance(value, numbers.Integral):
            return False
        if self.kind is float and not isinstance(value, numbers.Real):
            return False
        if self.kind is float and not math.isfinite(float(value)):
            return self.low is None and self.high is None and not math.isnan(float(value))
        if self.low is not None:
            if value < self.low or (value == self.low and self.closed in ("right", "neither")):
                return False
        if self.high is not None:
            if value > self.high or (value == self.high and self.closed in ("left", "neither")):
                return False
        return True


@dataclass(frozen=True)
class Options:
    """A closed set of allowed values (usually strings)."""

    values: tuple

    def describe(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)

    def type_ok(self, value: Any) -> bool:
        return any(type(value) is type(v) for v in self.values if v is not None)

    def accepts(self, value: Any) -> bool:
        return any(value == v and type(value) is type(v) for v in self.values)


@dataclass(frozen=True)
class InstanceOf:
    """Any instance of the given types (e.g. ``dict``, ``str``)."""

    types: tuple
    label: str

    def describe(self) -> str:
        return self.label

    def type_ok(self, value: Any) -> bool:
        return self.accepts(value)

    def accepts(self, value: Any) -> bool:
        return isinstance(value, self.types) and not (
            isinstance(value, bool) and bool not in self.types
        )


NONE = InstanceOf((type(None),), "None")
BOOL = InstanceOf((bool,), "a bool")
RANDOM_STATE = InstanceOf((numbers.Integral, np.random.Generator, type(None)), "an int or None")


def validate_params(owner: str, params: Mapping[str, Any], table: Mapping[str, list]) -> None:
    """Check every parameter of ``params`` named in ``table`` against its list of rules.

    A value is valid when any of its rules accepts it.
    """
    for name, rules in table.items():
        value = params[name]
        if any(rule.accepts(value) for rule in rules):
            continue
        allowed = " or ".join(rule.describe() for rule in rules)
        raise _error_type(rules, value)(f"{_fmt(name, owner)} must be {allowed}. Got {value!r}.")


def _error_type(rules: list, value: Any) -> type[Exception]:
    """A wrong type is a TypeError (``lr_g="1e-3"``, ``hidden_dim=2.5``), a wrong value of a
    right type a ValueError (``lr_g=-1.0``, ``loss="nope"``)."""
    return ValueError if any(rule.type_ok(value) for rule in rules) else TypeError


def check_not_complex(name: str, value: Any) -> None:
    """Refuse complex numbers in array-like ``value`` (numpy would drop the imaginary part
    with only a ComplexWarning)."""
    dtype = _complex_dtype(value)
    if dtype is not None:
        raise TypeError(
            f"Complex data not supported: `{name}` holds complex numbers (dtype {dtype}); "
            "seqgan models real values and "
            "would drop the imaginary part. Pass the real and imaginary parts as separate "
            "features, e.g. np.concatenate([x.real, x.imag], axis=-1)."
        )


def _complex_dtype(value: Any, depth: int = 0) -> np.dtype | None:
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return next((d for d in value.dtypes if pd.api.types.is_complex_dtype(d)), None)
    if isinstance(value, (pd.Series, pd.Index, np.ndarray, np.generic)):
        return value.dtype if pd.api.types.is_complex_dtype(value.dtype) else None
    if isinstance(value, complex):
        return np.dtype(complex)
    if isinstance(value, (list, tuple)) and depth < 3:
        for item in value:
            found = _complex_dtype(item, depth + 1)
            if found is not None:
                return found
    return None


def check_int(
    name: str,
    value: Any,
    *,
    low: int | None = None,
    high: int | None = None,
    owner: str | None = None,
) -> int:
    """Return ``value`` as an int, or raise a TypeError/ValueError naming ``name``."""
    rule = Interval(int, low, high)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{_fmt(name, owner)} must be {rule.describe()}. Got {value!r}.")
    if not rule.accepts(value):
        raise ValueError(f"{_fmt(name, owner)} must be {rule.describe()}. Got {value!r}.")
    return int(value)


def check_float(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    closed: str = "both",
    owner: str | None = None,
) -> float:
    """Return ``value`` as a float, or raise a TypeError/ValueError naming ``name``."""
    rule = Interval(float, low, high, closed)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{_fmt(name, owner)} must be {rule.describe()}. Got {value!r}.")
    if not rule.accepts(value):
        raise ValueError(f"{_fmt(name, owner)} must be {rule.describe()}. Got {value!r}.")
    return float(value)


def check_option(name: str, value: Any, options: Iterable, *, owner: str | None = None) -> Any:
    """Return ``value`` if it is one of ``options``, else raise a ValueError listing them."""
    options = tuple(options)
    if value not in options:
        valid = ", ".join(repr(o) for o in options)
        raise ValueError(f"{_fmt(name, owner)} must be one of {valid}. Got {value!r}.")
    return value


def check_random_state(random_state: Any) -> np.random.Generator:
    """A numpy Generator from an int seed, a Generator (used as is) or None (fresh entropy)."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or (
        isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)
    ):
        if random_state is not None and random_state < 0:
            raise ValueError(f"`random_state` must be a non-negative int; got {random_state}.")
        return np.random.default_rng(random_state)
    raise TypeError(
        f"`random_state` must be an int, a numpy Generator or None; got {type(random_state)}."
    )


def seed_from(random_state: Any) -> int:
    """A 63-bit integer seed for torch from an int, a numpy Generator or None."""
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"`random_state` must be a non-negative int; got {random_state}.")
        return int(random_state)
    return int(check_random_state(random_state).integers(0, 2**63 - 1))
