"""Per-feature scalers that ignore padding and serialise to plain JSON."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

ScalingName = Literal["minmax", "standard"]
SCALINGS = ("minmax", "standard", None)
_EPS = 1e-7  # as TimeGAN's MinMaxScaler: constant features map to 0, not NaN


class FeatureScaler:
    """Scales each feature (last axis) on valid steps only.

    ``"minmax"`` maps the training range to [0, 1] (the TimeGAN convention); ``"standard"`` to zero
    mean and unit variance; ``None`` is the identity.
    """

    def __init__(self, method: ScalingName | None = "minmax") -> None:
        if method not in SCALINGS:
            raise ValueError(f"`scaling` must be one of {SCALINGS}; got {method!r}.")
        self.method = method
        self.offset_: np.ndarray | None = None
        self.scale_: np.ndarray | None = None

    def fit(self, values: np.ndarray, mask: np.ndarray | None = None) -> FeatureScaler:
        """``values`` (..., n_features); ``mask`` (...) marks the entries to use."""
        flat = values.reshape(-1, values.shape[-1]).astype(np.float64)
        if mask is not None:
            flat = flat[mask.reshape(-1)]
        n = flat.shape[1]
        if self.method == "minmax":
            low, high = flat.min(axis=0), flat.max(axis=0)
            self.offset_, self.scale_ = low, (high - low) + _EPS
        elif self.method == "standard":
            mean, std = flat.mean(axis=0), flat.std(axis=0)
            self.offset_, self.scale_ = mean, np.where(std > 0, std, 1.0)
        else:
            self.offset_, self.scale_ = np.zeros(n), np.ones(n)
        return self

    def transform(self, values: np.ndarray) -> np.ndarray:
        return ((values - self.offset_) / self.scale_).astype(np.float32)

    def inverse_transform(self, values: np.ndarray) -> np.ndarray:
        return values.astype(np.float64) * self.scale_ + self.offset_

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "offset": self.offset_.tolist(),
                "scale": self.scale_.tolist()}

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> FeatureScaler:
        scaler = cls(state["method"])
        scaler.offset_ = np.asarray(state["offset"], dtype=np.float64)
        scaler.scale_ = np.asarray(state["scale"], dtype=np.float64)
        return scaler
