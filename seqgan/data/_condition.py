"""Encoding of the per-sequence condition of conditional models."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from seqgan._validation import check_not_complex

logger = logging.getLogger(__name__)


class ConditionEncoder:
    """Class labels -> one-hot vectors; continuous vectors -> per-column min-max to [0, 1].

    A 1-D condition of integers, strings or booleans is read as class labels; so is a 1-D float
    condition whose values are all whole numbers (labels read from text files are often floats).
    Any other 1-D float condition, and every 2-D condition ``(n, c)``, is continuous. Pass
    ``y[:, None]`` to force whole-number floats to be continuous. Conditions of more axes are
    refused (reshape them to ``(n, c)`` yourself), and so are complex ones.

    Continuous columns scale by their training range (invariant to the units; a constant column
    scales to 0). At sample time, a continuous condition more than ``EXTRAPOLATION`` (10%) of a
    column's training range outside that range is logged as a warning: the model extrapolates.
    """

    #: How far outside a column's training range (as a fraction of it) a condition may be
    #: before ``transform`` warns.
    EXTRAPOLATION = 0.1

    def fit_transform(self, condition: Any, n: int) -> np.ndarray:
        values = self._as_array(condition)
        if values.ndim == 0:
            raise ValueError(
                "`condition` must have one entry per sequence, shape (n,) or "
                f"(n, c); got a scalar {values.item()!r}."
            )
        if len(values) != n:
            raise ValueError(
                f"`condition` has {len(values)} entries but X has {n} sequences; "
                "give one condition per sequence."
            )
        if values.ndim == 1 and _is_label_like(values):
            self.kind_ = "categorical"
            self.classes_ = sorted({_key(v) for v in values.tolist()}, key=_sort_key)
            self.dim_ = len(self.classes_)
            if self.dim_ < 2:
                logger.warning("The condition has a single class; it carries no information.")
        else:
            values = values.reshape(len(values), -1).astype(np.float64)
            if not np.isfinite(values).all():
                raise ValueError("`condition` contains NaN or inf values; impute them first.")
            self.kind_ = "continuous"
            self.low_ = values.min(axis=0).tolist()
            self.high_ = values.max(axis=0).tolist()
            self.dim_ = values.shape[1]
        return self.transform(condition, n)

    def transform(self, condition: Any, n: int) -> np.ndarray:
        """Encode ``condition`` (n,) or (n, c) with the fitted layout -> (n, dim_) float32."""
        values = self._as_array(condition)
        if values.ndim == 0:
            values = np.repeat(values[None], n)
        if len(values) != n:
            raise ValueError(
                f"`condition` has {len(values)} entries but {n} were asked for; "
                "give one condition per sequence."
            )
        if self.kind_ == "categorical":
            if values.ndim != 1:
                raise ValueError(
                    f"`condition` must be one class label per sequence (1-D); got "
                    f"shape {values.shape}. Classes: {self.classes_}."
                )
            index = {_key(c): i for i, c in enumerate(self.classes_)}
            unknown = sorted({_key(v) for v in values.tolist()} - set(index), key=str)
            if unknown:
                raise ValueError(
                    f"`condition` has labels unseen in training: {unknown[:5]}. "
                    f"Known classes: {self.classes_}."
                )
            codes = np.array([index[_key(v)] for v in values.tolist()])
            return np.eye(self.dim_, dtype=np.float32)[codes]
        values = values.reshape(len(values), -1).astype(np.float64)
        if values.shape[1] != self.dim_:
            raise ValueError(
                f"`condition` must have {self.dim_} column(s) as in training; got "
                f"{values.shape[1]}."
            )
        if not np.isfinite(values).all():
            raise ValueError("`condition` contains NaN or inf values.")
        low, high = np.asarray(self.low_), np.asarray(self.high_)
        span = high - low
        self._warn_outside(values, low, high, span)
        return ((values - low) / np.where(span > 0, span, 1.0)).astype(np.float32)

    def _warn_outside(
        self, values: np.ndarray, low: np.ndarray, high: np.ndarray, span: np.ndarray
    ) -> None:
        margin = self.EXTRAPOLATION * span
        outside = (values < low - margin) | (values > high + margin)
        if not outside.any():
            return
        cols = np.flatnonzero(outside.any(axis=0))
        ranges = ", ".join(
            f"column {j}: [{low[j]:g}, {high[j]:g}], got "
            f"{values[:, j].min():g} to {values[:, j].max():g}"
            for j in cols[:5]
        )
        logger.warning(
            "%d of %d `condition` value(s) lie far outside the training range (%s); the model "
            "never saw such conditions and extrapolates, so these samples may be meaningless.",
            int(outside.any(axis=1).sum()),
            len(values),
            ranges,
        )

    @staticmethod
    def _as_array(condition: Any) -> np.ndarray:
        check_not_complex("condition", condition)
        if isinstance(condition, (pd.Series, pd.DataFrame)):
            values = condition.to_numpy()
        else:
            values = np.asarray(condition)
        if values.ndim > 2:
            raise ValueError(
                f"`condition` must have shape (n,) (class labels or one value per sequence) or "
                f"(n, c) (a vector per sequence); got shape {values.shape}. If each condition "
                f"is an array, flatten it yourself: condition.reshape(len(condition), -1)."
            )
        return values

    def to_dict(self) -> dict[str, Any]:
        state = {"kind": self.kind_, "dim": self.dim_}
        if self.kind_ == "categorical":
            state["classes"] = [
                c.item() if isinstance(c, np.generic) else c for c in self.classes_
            ]
        else:
            state.update(low=self.low_, high=self.high_)
        return state

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> ConditionEncoder:
        enc = cls()
        enc.kind_, enc.dim_ = state["kind"], state["dim"]
        if enc.kind_ == "categorical":
            enc.classes_ = state["classes"]
        else:
            enc.low_, enc.high_ = state["low"], state["high"]
        return enc


def _is_label_like(values: np.ndarray) -> bool:
    if values.dtype == object or values.dtype.kind in "biuUS":
        return True
    if values.dtype.kind == "f":
        finite = np.isfinite(values)
        return bool(finite.all() and (values == np.round(values)).all())
    return False


def _key(value: Any) -> Any:
    """Labels compare by value: 3, 3.0 and np.int64(3) are the same class."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _sort_key(value: Any) -> tuple:
    value = _key(value)
    return (0, value, "") if isinstance(value, (int, float)) else (1, 0, str(value))
