"""Per-feature scalers that ignore padding and serialise to plain JSON.

Scaling is invariant to the units: fitting ``c * X`` gives the same scaled data as ``X`` (up to
float rounding) for any ``c > 0``, since no absolute epsilon is added to a range. A feature with
one value only (a truly constant feature) is handled explicitly: it scales to 0 and is generated
as that value exactly (its ``scale_`` is 0), and ``fit`` reports it.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import numpy as np

logger = logging.getLogger(__name__)

ScalingName = Literal["minmax", "standard"]
SCALINGS = ("minmax", "standard", None)


class FeatureScaler:
    """Scales each feature (last axis) on valid steps only.

    ``"minmax"`` maps the training range to [0, 1] (the TimeGAN convention); ``"standard"`` to zero
    mean and unit variance; ``None`` is the identity. A constant feature gets ``scale_ = 0``:
    it transforms to 0 and every generated value inverts to the constant.

    Attributes
    ----------
    offset_, scale_ : ndarray (n_features,)
        ``scaled = (x - offset_) / scale_`` (``scale_`` 0: constant feature, scaled to 0).
    constant_ : ndarray of int
        Indices of the constant features.
    """

    def __init__(self, method: ScalingName | None = "minmax") -> None:
        if method not in SCALINGS:
            raise ValueError(f"`scaling` must be one of {SCALINGS}; got {method!r}.")
        self.method = method
        self.offset_: np.ndarray | None = None
        self.scale_: np.ndarray | None = None

    def fit(self, values: np.ndarray, mask: np.ndarray | None = None) -> FeatureScaler:
        """``values`` (..., n_features); ``mask`` (...) marks the steps to use. NaN entries
        (missing values) are left out feature by feature; every feature needs one value."""
        flat = values.reshape(-1, values.shape[-1]).astype(np.float64)
        if mask is not None:
            flat = flat[mask.reshape(-1)]
        n = flat.shape[1]
        if self.method is None:
            self.offset_, self.scale_ = np.zeros(n), np.ones(n)
            return self
        low, high = np.nanmin(flat, axis=0), np.nanmax(flat, axis=0)
        with np.errstate(over="ignore", invalid="ignore"):
            span = high - low
        if not np.isfinite(span).all():
            bad = np.flatnonzero(~np.isfinite(span))
            raise ValueError(
                f"Feature(s) at index {bad.tolist()} overflow the {self.method} scaler: their "
                f"values span {low[bad].tolist()} to {high[bad].tolist()}, a range beyond the "
                "float64 limit (about 1.8e308). This is not a training problem: rescale these "
                "features (divide them by a large power of 10) before fitting."
            )
        if self.method == "minmax":
            offset, scale = low, span
        else:  # moments of values mapped to [0, 1] first: no overflow, same result in any unit
            unit = np.where(span > 0, span, 1.0)
            u = (flat - low) / unit
            offset, scale = low + np.nanmean(u, axis=0) * unit, np.nanstd(u, axis=0) * unit
        constant = (high == low) | (scale == 0)
        scale = np.where(constant, 0.0, scale)
        if constant.any():
            logger.warning(
                "Feature(s) at index %s are constant (value(s) %s); they scale to 0 and are "
                "generated as that constant.",
                np.flatnonzero(constant).tolist(),
                low[constant].tolist(),
            )
        self.offset_, self.scale_ = offset, scale
        return self

    @property
    def constant_(self) -> np.ndarray:
        return np.flatnonzero(self.scale_ == 0)

    def _divisor(self) -> np.ndarray:
        return np.where(self.scale_ == 0, 1.0, self.scale_)

    def transform(self, values: np.ndarray) -> np.ndarray:
        """``values`` (..., n_features) -> scaled float32 of the same shape."""
        scaled = (values - self.offset_) / self._divisor()
        return np.where(self.scale_ == 0, 0.0, scaled).astype(np.float32)

    def inverse_transform(self, values: np.ndarray) -> np.ndarray:
        """Scaled ``values`` (..., n_features) -> float64 in the user's units."""
        return values.astype(np.float64) * self.scale_ + self.offset_

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "offset": self.offset_.tolist(),
            "scale": self.scale_.tolist(),
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> FeatureScaler:
        scaler = cls(state["method"])
        scaler.offset_ = np.asarray(state["offset"], dtype=np.float64)
        scaler.scale_ = np.asarray(state["scale"], dtype=np.float64)
        return scaler
