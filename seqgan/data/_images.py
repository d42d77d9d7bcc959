"""Images and vectors for the latent-vector GANs (image GANs, MLPGAN): validation, per-channel
(per-column) scaling to [-1, 1] and back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from seqgan.data._condition import ConditionEncoder
from seqgan.data._encoder import check_finite

IMAGE_SCALINGS = ("minmax", None)
_EPS = 1e-7


@dataclass
class ImageData:
    """Scaled images (or vectors) with an optional per-sample condition (what the Trainer
    batches).

    Attributes
    ----------
    values : ndarray (n_images, channels, height, width) or (n_points, n_features), float32 in
        [-1, 1]
    condition : ndarray (n_images, condition_dim), float32, or None
    """

    values: np.ndarray
    condition: np.ndarray | None = None
    #: Images have no lengths and no static features (the Trainer's batches leave them empty).
    lengths: None = None
    static: None = None

    @property
    def n_sequences(self) -> int:
        return self.values.shape[0]


def _numeric_array(name: str, X: Any, what: str, holds: str) -> np.ndarray:
    """``X`` (array, DataFrame or torch tensor) as a numeric numpy array, or a TypeError."""
    if hasattr(X, "detach"):  # torch tensor
        X = X.detach().cpu().numpy()
    try:
        arr = np.asarray(X)
    except Exception as exc:
        raise TypeError(f"`{name}` could not be read as {what}: {exc}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"`{name}` must hold {holds}; got dtype {arr.dtype}.")
    return arr


def as_images(name: str, X: Any, owner: str = "model") -> np.ndarray:
    """``X`` (n, C, H, W) or (n, H, W) (one channel) as a float64 array, checked."""
    arr = _numeric_array(name, X, "an image array", "pixel values (numbers)")
    if arr.ndim == 3:
        arr = arr[:, None]
    if arr.ndim != 4:
        raise ValueError(f"{owner} takes images shaped (n_images, channels, height, width) or "
                         f"(n_images, height, width); `{name}` has shape {arr.shape}. Channels "
                         "come first (PyTorch layout): use X.transpose(0, 3, 1, 2) for "
                         "(n, height, width, channels) arrays.")
    if arr.shape[0] < 1 or min(arr.shape[2:]) < 1:
        raise ValueError(f"`{name}` is empty: shape {arr.shape}.")
    arr = arr.astype(np.float64)
    check_finite(name, arr, "Images must not contain missing pixels.")
    return arr


def as_vectors(name: str, X: Any, owner: str = "model") -> np.ndarray:
    """``X`` (n_points, n_features) (array, DataFrame or tensor) as a float64 array, checked."""
    arr = _numeric_array(name, X, "a numeric array", "numbers")
    if arr.ndim != 2:
        hint = (" Use X.reshape(-1, 1) for one feature." if arr.ndim == 1 else
                " Sequences go to the sequence models (TimeGAN, RCGAN, ...), images to DCGAN."
                if arr.ndim > 2 else "")
        raise ValueError(f"{owner} takes points shaped (n_points, n_features); `{name}` has "
                         f"shape {arr.shape}.{hint}")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"`{name}` is empty: shape {arr.shape}.")
    arr = arr.astype(np.float64)
    check_finite(name, arr, "Points must not contain missing values.")
    return arr


class ImageEncoder:
    """Per-channel min-max scaling of images to [-1, 1] (the range of a tanh generator), the
    condition encoding, and the way back to the user's pixel range and dtype.

    ``scaling=None`` keeps the values as they are (they should then already be in [-1, 1]).
    """

    def __init__(self, scaling: str | None = "minmax", owner: str = "model") -> None:
        if scaling not in IMAGE_SCALINGS:
            raise ValueError(f"`scaling` of image models must be 'minmax' or None; got "
                             f"{scaling!r}.")
        self.scaling = scaling
        self.owner = owner

    def fit_transform(self, X: Any, condition: Any = None) -> ImageData:
        arr = self._read(X)
        if arr.shape[0] < 2:
            raise ValueError(f"{self.owner} needs at least 2 training {self._noun}; got "
                             f"{arr.shape[0]}.")
        self.dtype_ = str(np.asarray(X).dtype) if not hasattr(X, "detach") else "float32"
        self.shape_ = [int(s) for s in arr.shape[1:]]
        if self.scaling == "minmax":
            axes = tuple(i for i in range(arr.ndim) if i != 1)  # all but channels
            self.low_ = arr.min(axis=axes).tolist()
            self.high_ = arr.max(axis=axes).tolist()
        else:
            self.low_, self.high_ = [-1.0] * arr.shape[1], [1.0] * arr.shape[1]
        self.condition_encoder_ = None
        cond = None
        if condition is not None:
            self.condition_encoder_ = ConditionEncoder()
            cond = self.condition_encoder_.fit_transform(condition, arr.shape[0])
        return ImageData(self._scale(arr), cond)

    def transform(self, X: Any) -> np.ndarray:
        """Images in the fitted layout -> scaled float32 (n, C, H, W)."""
        arr = self._read(X)
        if list(arr.shape[1:]) != self.shape_:
            raise ValueError(f"`X` has {self._noun} of shape {tuple(arr.shape[1:])}; this "
                             f"{self.owner} was fitted on {tuple(self.shape_)}.")
        return self._scale(arr)

    _noun = "images"

    def _read(self, X: Any) -> np.ndarray:
        return as_images("X", X, self.owner)

    def _bounds(self) -> tuple[np.ndarray, np.ndarray]:
        view = (1, -1) + (1,) * (len(self.shape_) - 1)
        return (np.asarray(self.low_).reshape(view),
                np.asarray(self.high_).reshape(view))

    def _scale(self, arr: np.ndarray) -> np.ndarray:
        low, high = self._bounds()
        return ((arr - low) / (high - low + _EPS) * 2.0 - 1.0).astype(np.float32)

    def inverse_transform(self, values: np.ndarray) -> np.ndarray:
        """Scaled images (n, C, H, W) -> the training pixel range and dtype (integers are
        rounded and clipped; floats keep their dtype)."""
        low, high = self._bounds()
        raw = (np.asarray(values, dtype=np.float64) + 1.0) / 2.0 * (high - low + _EPS) + low
        dtype = np.dtype(self.dtype_)
        if dtype == np.bool_:
            return raw > 0.5
        if np.issubdtype(dtype, np.integer):
            info = np.iinfo(dtype)
            return np.clip(np.rint(raw), info.min, info.max).astype(dtype)
        return raw.astype(dtype if np.issubdtype(dtype, np.floating) else np.float64)

    @property
    def condition_dim_(self) -> int:
        return 0 if self.condition_encoder_ is None else self.condition_encoder_.dim_

    def to_dict(self) -> dict[str, Any]:
        return {"type": self._noun, "scaling": self.scaling, "dtype": self.dtype_,
                "shape": self.shape_, "low": self.low_, "high": self.high_,
                "condition": (None if self.condition_encoder_ is None
                              else self.condition_encoder_.to_dict())}

    @classmethod
    def from_dict(cls, state: dict[str, Any], owner: str = "model") -> ImageEncoder:
        enc = cls(scaling=state["scaling"], owner=owner)
        enc.dtype_, enc.shape_ = state["dtype"], list(state["shape"])
        enc.low_, enc.high_ = list(state["low"]), list(state["high"])
        enc.condition_encoder_ = (None if state["condition"] is None
                                  else ConditionEncoder.from_dict(state["condition"]))
        return enc


class VectorEncoder(ImageEncoder):
    """Per-column min-max scaling of points (n_points, n_features) to [-1, 1], the condition
    encoding, and the way back (the encoder of :class:`seqgan.MLPGAN`)."""

    _noun = "points"

    def _read(self, X: Any) -> np.ndarray:
        return as_vectors("X", X, self.owner)
