"""Two-dimensional mixtures of Gaussians: the mode-collapse benchmarks of the GAN literature
(a ring of 8 modes, a 5 x 5 grid; VEEGAN, PacGAN, Unrolled GAN, DRS)."""

from __future__ import annotations

from typing import Any

import numpy as np

from seqgan._validation import check_int, check_random_state
from seqgan.datasets._registry import register


def _check_scale(name: str, value: float) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
        raise ValueError(f"`{name}` must be a positive number; got {value!r}.")
    return float(value)


def _draw(centres: np.ndarray, n_samples: int, std: float, random_state: Any,
          return_labels: bool, return_centres: bool) -> Any:
    n_samples = check_int("n_samples", n_samples, low=1)
    rng = check_random_state(random_state)
    labels = rng.integers(len(centres), size=n_samples)
    points = centres[labels] + std * rng.normal(size=(n_samples, 2))
    out: tuple = (points,)
    if return_labels:
        out += (labels,)
    if return_centres:
        out += (centres,)
    return out[0] if len(out) == 1 else out


@register("ring", "generated ring of 8 Gaussians (radius 2, std 0.05): (n_samples, 2)",
          kind="generated")
def load_ring(n_samples: int = 2000, *, n_modes: int = 8, radius: float = 2.0,
              std: float = 0.05, return_labels: bool = False, return_centres: bool = False,
              random_state: int | np.random.Generator | None = None) -> Any:
    """Points of an equal mixture of ``n_modes`` Gaussians (isotropic, ``std``) whose means lie
    evenly on a circle of ``radius``, the first at angle 0.

    Returns
    -------
    X : ndarray (n_samples, 2), float64
    labels : ndarray (n_samples,) of mode indices, if ``return_labels``
    centres : ndarray (n_modes, 2), if ``return_centres`` (for
        :func:`seqgan.metrics.mode_coverage`)
    """
    n_modes = check_int("n_modes", n_modes, low=1)
    radius, std = _check_scale("radius", radius), _check_scale("std", std)
    angle = 2 * np.pi * np.arange(n_modes) / n_modes
    centres = radius * np.stack([np.cos(angle), np.sin(angle)], 1)
    return _draw(centres, n_samples, std, random_state, return_labels, return_centres)


@register("grid", "generated 5 x 5 grid of Gaussians (spacing 2, std 0.05): (n_samples, 2)",
          kind="generated")
def load_grid(n_samples: int = 2000, *, size: int = 5, spacing: float = 2.0,
              std: float = 0.05, return_labels: bool = False, return_centres: bool = False,
              random_state: int | np.random.Generator | None = None) -> Any:
    """Points of an equal mixture of ``size`` x ``size`` Gaussians (isotropic, ``std``) on a
    square grid centred on 0 with ``spacing`` between neighbouring means (VEEGAN: -4 .. 4).

    Returns as :func:`load_ring`.
    """
    size = check_int("size", size, low=1)
    spacing, std = _check_scale("spacing", spacing), _check_scale("std", std)
    ticks = (np.arange(size) - (size - 1) / 2) * spacing
    centres = np.stack(np.meshgrid(ticks, ticks, indexing="ij"), -1).reshape(-1, 2)
    return _draw(centres, n_samples, std, random_state, return_labels, return_centres)
