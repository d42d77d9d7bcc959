"""Classifier-feature FID, precision and recall for images.

The feature extractor is a small CNN (:class:`ImageClassifier`) that the library trains on
the real labelled training images; no pretrained network is downloaded. Its penultimate
layer (``feature_dim`` units) gives the features:

- :func:`image_fid`: the Fréchet distance between the Gaussians fitted to the features of
  real and generated images (the FID formula, on our features);
- :func:`image_precision_recall`: the improved precision and recall of Kynkäänniemi et al.
  (NeurIPS 2019): each set's manifold is the union of balls around its feature vectors,
  each ball reaching the ``k``-th nearest other vector of the set.

The values are NOT comparable to Inception-FID or to published numbers, and only
comparable to each other when computed with the same fitted classifier.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from scipy.linalg import LinAlgWarning
from scipy.spatial.distance import cdist
from sklearn.exceptions import NotFittedError
from torch import nn

from seqgan._validation import check_float, check_int, check_random_state, seed_from
from seqgan.data import as_images
from seqgan.metrics._context_fid import frechet_distance

logger = logging.getLogger(__name__)

_MIN_SIZE = 8
_POOLED = 4  # the convolutional maps are average-pooled to a 4 x 4 grid before the dense layer


class _SmallCNN(nn.Module):
    """conv 3x3 (32) + batch norm -> max-pool 2 -> conv 3x3 (64) + batch norm -> adaptive
    average pool to 4x4 -> dense ``feature_dim`` (ReLU: the features) -> linear to the classes."""

    def __init__(self, channels: int, feature_dim: int, n_classes: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 32, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(64)
        self.dense = nn.Linear(64 * _POOLED * _POOLED, feature_dim)
        self.head = nn.Linear(feature_dim, n_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2, ceil_mode=True)
        x = F.adaptive_avg_pool2d(F.relu(self.bn2(self.conv2(x))), _POOLED)
        return F.relu(self.dense(x.flatten(1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def _as_images(name: str, X: Any) -> np.ndarray:
    """``X`` as a finite float32 array (n, C, H, W); (n, H, W) gets a channel axis."""
    return as_images(name, X, "ImageClassifier").astype(np.float32)


class ImageClassifier:
    """A small CNN trained on labelled images, whose penultimate layer gives image features.

    conv 3x3 (32 channels, batch norm, ReLU) -> max-pool 2 -> conv 3x3 (64, batch norm, ReLU)
    -> adaptive average pool to 4x4 -> dense ``feature_dim`` with ReLU (:meth:`features`) ->
    linear to the classes. Works for any image of at least 8x8 pixels (square or not).
    Inputs are standardised per channel with the training data's mean and std, so any pixel
    range works. Trained with Adam and cross-entropy for ``n_epochs`` epochs; deterministic
    given ``random_state`` (the global torch RNG is left untouched).

    Parameters
    ----------
    feature_dim : int
        Width of the penultimate layer, the feature dimension of :func:`image_fid`.
    n_epochs, batch_size : int
    lr : float
        Adam learning rate.
    device : str or torch.device
    random_state : int, numpy Generator or None
    verbose : bool
        Log the training loss of each epoch at INFO level (else DEBUG).
    """

    def __init__(self, *, feature_dim: int = 64, n_epochs: int = 5, batch_size: int = 128,
                 lr: float = 1e-3, device: Any = "cpu", random_state: Any = None,
                 verbose: bool = False) -> None:
        owner = "ImageClassifier"
        self.feature_dim = check_int("feature_dim", feature_dim, low=1, owner=owner)
        self.n_epochs = check_int("n_epochs", n_epochs, low=1, owner=owner)
        self.batch_size = check_int("batch_size", batch_size, low=1, owner=owner)
        self.lr = check_float("lr", lr, low=0, closed="neither", owner=owner)
        self.device = torch.device(device)
        self.random_state = random_state
        self.verbose = bool(verbose)

    # ------------------------------------------------------------------ fit
    def fit(self, X: Any, y: Any) -> ImageClassifier:
        """Train on images X (n, C, H, W) or (n, H, W) with labels y (n,); returns self."""
        X = _as_images("X", X)
        y = np.asarray(y.detach().cpu().numpy() if isinstance(y, torch.Tensor) else y)
        if y.ndim != 1:
            raise ValueError(f"`y` must be a 1-D array of labels (n,); got shape {y.shape}.")
        if len(y) != len(X):
            raise ValueError(f"`X` has {len(X)} images but `y` has {len(y)} labels; give one "
                             "label per image.")
        if y.dtype.kind == "f":
            if not np.isfinite(y).all() or not np.all(y == np.round(y)):
                raise ValueError("`y` must hold integer class labels; got non-integer floats.")
            y = y.astype(np.int64)
        if min(X.shape[2:]) < _MIN_SIZE:
            raise ValueError(f"Images must be at least {_MIN_SIZE}x{_MIN_SIZE} pixels; got "
                             f"{X.shape[2]}x{X.shape[3]}. Upsample or pad them first.")
        classes, codes = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(f"`y` must contain at least 2 classes to train a classifier; got "
                             f"only {classes.tolist()}.")
        mean = X.mean(axis=(0, 2, 3), dtype=np.float64)
        std = X.std(axis=(0, 2, 3), dtype=np.float64)
        std[std < 1e-8] = 1.0
        self.mean_, self.std_ = mean.astype(np.float32), std.astype(np.float32)
        self.classes_, self.n_classes_ = classes, len(classes)
        self.input_shape_ = tuple(int(s) for s in X.shape[1:])

        seed = seed_from(check_random_state(self.random_state))
        devices = [self.device] if self.device.type == "cuda" else []
        level = logging.INFO if self.verbose else logging.DEBUG
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            generator = torch.Generator().manual_seed(seed)
            net = _SmallCNN(X.shape[1], self.feature_dim, len(classes)).to(self.device)
            optimizer = torch.optim.Adam(net.parameters(), lr=self.lr)
            data = torch.as_tensor(self._standardise(X), device=self.device)
            target = torch.as_tensor(codes.astype(np.int64), device=self.device)
            net.train()
            for epoch in range(self.n_epochs):
                order = torch.randperm(len(X), generator=generator).to(self.device)
                total = 0.0
                for start in range(0, len(X), self.batch_size):
                    idx = order[start:start + self.batch_size]
                    loss = F.cross_entropy(net(data[idx]), target[idx])
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    optimizer.step()
                    total += float(loss.detach()) * len(idx)
                logger.log(level, "ImageClassifier epoch %d/%d: loss %.4f", epoch + 1,
                           self.n_epochs, total / len(X))
        self.network_ = net.eval()
        return self

    # ------------------------------------------------------------------ inference
    def _standardise(self, X: np.ndarray) -> np.ndarray:
        return (X - self.mean_[:, None, None]) / self.std_[:, None, None]

    def _check(self, X: Any, name: str = "X") -> np.ndarray:
        if not hasattr(self, "network_"):
            raise NotFittedError("This ImageClassifier is not fitted yet; call "
                                 "fit(X_real, y_real) first.")
        X = _as_images(name, X)
        if tuple(X.shape[1:]) != self.input_shape_:
            raise ValueError(f"`{name}` has images of shape {tuple(X.shape[1:])} but the "
                             f"classifier was fitted on {self.input_shape_} (C, H, W); give "
                             "images of the training shape.")
        return X

    def _run(self, X: np.ndarray, what: str, batch_size: int = 1024) -> np.ndarray:
        out = []
        with torch.no_grad():
            for start in range(0, len(X), batch_size):
                x = torch.as_tensor(self._standardise(X[start:start + batch_size]),
                                    device=self.device)
                z = self.network_.features(x)
                if what == "proba":
                    z = torch.softmax(self.network_.head(z), dim=1)
                out.append(z.cpu().numpy())
        width = self.feature_dim if what == "features" else self.n_classes_
        return (np.concatenate(out) if out else np.empty((0, width))).astype(np.float64)

    def features(self, X: Any) -> np.ndarray:
        """Penultimate-layer features (n, feature_dim), float64."""
        return self._run(self._check(X), "features")

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (n, n_classes), columns in the order of ``classes_``."""
        return self._run(self._check(X), "proba")

    def predict(self, X: Any) -> np.ndarray:
        """Predicted labels (n,), in the original label values."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def score(self, X: Any, y: Any) -> float:
        """Accuracy of :meth:`predict` on images X and labels y."""
        y = np.asarray(y.detach().cpu().numpy() if isinstance(y, torch.Tensor) else y)
        pred = self.predict(X)
        if y.shape != pred.shape:
            raise ValueError(f"`X` has {len(pred)} images but `y` has shape {y.shape}; give "
                             "one label per image.")
        return float(np.mean(pred == y))


# ---------------------------------------------------------------------- metrics
def _paired_features(real: Any, fake: Any, classifier: Any, owner: str, min_samples: int,
                     why: str = "") -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(classifier, ImageClassifier):
        raise TypeError(f"{owner} needs `classifier=`, a fitted seqgan.metrics.ImageClassifier "
                        f"(e.g. ImageClassifier(random_state=0).fit(X_real, y_real)); got "
                        f"{type(classifier).__name__}.")
    fr, ff = classifier.features(real), classifier.features(fake)
    for name, f in (("real", fr), ("fake", ff)):
        if len(f) < min_samples:
            raise ValueError(f"{owner} needs at least {min_samples} images in `{name}`{why}; "
                             f"got {len(f)}.")
    return fr, ff


def image_fid(real: Any, fake: Any, *, classifier: ImageClassifier) -> float:
    """Fréchet distance between the classifier features of real and fake images (lower is
    better, about 0 for identical sets).

    ``real`` and ``fake`` are images (n, C, H, W) or (n, H, W), numpy arrays or torch
    tensors, in the units the classifier was fitted on; ``classifier`` a fitted
    :class:`ImageClassifier`. Not Inception-FID: only comparable under the same classifier.
    """
    fr, ff = _paired_features(real, fake, classifier, "image_fid", 2)
    with warnings.catch_warnings():
        # ReLU units that never fire make the covariances singular, which sqrtm warns about;
        # frechet_distance already regularises a product whose square root is not finite.
        warnings.simplefilter("ignore", LinAlgWarning)
        value = frechet_distance(fr.mean(0), np.cov(fr, rowvar=False), ff.mean(0),
                                 np.cov(ff, rowvar=False))
    return max(value, 0.0)  # round-off can give -1e-10 for identical sets


def _kth_radii(features: np.ndarray, k: int, chunk: int) -> np.ndarray:
    """Distance from each row to its k-th nearest other row (n,)."""
    radii = np.empty(len(features))
    for start in range(0, len(features), chunk):
        d = cdist(features[start:start + chunk], features)
        # index k of the sorted row: index 0 is the point itself (distance 0)
        radii[start:start + chunk] = np.partition(d, k, axis=1)[:, k]
    return radii


def _inside(points: np.ndarray, centres: np.ndarray, radii: np.ndarray,
            chunk: int) -> np.ndarray:
    """Whether each point lies in the union of the balls (centres, radii)."""
    out = np.empty(len(points), dtype=bool)
    for start in range(0, len(points), chunk):
        d = cdist(points[start:start + chunk], centres)
        out[start:start + chunk] = (d <= radii[None, :]).any(axis=1)
    return out


def image_precision_recall(real: Any, fake: Any, *, classifier: ImageClassifier,
                           k: int = 3) -> dict[str, float]:
    """Improved precision and recall (Kynkäänniemi et al., 2019) in classifier-feature space.

    Each set's manifold is the union of balls centred on its feature vectors, with radius the
    distance to the ``k``-th nearest other vector of the same set. Precision is the share of
    fake images inside the real manifold (fidelity); recall the share of real images inside
    the fake manifold (coverage). Both in [0, 1], higher is better.

    Returns ``{"precision": float, "recall": float}``.
    """
    k = check_int("k", k, low=1, owner="image_precision_recall")
    fr, ff = _paired_features(real, fake, classifier, "image_precision_recall", k + 1,
                              f" (k + 1 with k={k})")
    chunk = 512
    precision = _inside(ff, fr, _kth_radii(fr, k, chunk), chunk).mean()
    recall = _inside(fr, ff, _kth_radii(ff, k, chunk), chunk).mean()
    return {"precision": float(precision), "recall": float(recall)}
