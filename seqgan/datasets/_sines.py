"""Multivariate sines, generated exactly as in the TimeGAN reference code."""

from __future__ import annotations

import numpy as np

from seqgan._validation import check_int, check_random_state
from seqgan.datasets._registry import register


@register("sines", "generated sines (TimeGAN recipe): (n_samples, seq_len, n_features) in [0, 1]",
          kind="generated")
def load_sines(
    n_samples: int = 10000,
    seq_len: int = 24,
    n_features: int = 5,
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Independent sines per sample and feature, as TimeGAN's ``sine_data_generation``.

    Each feature of each sample is ``x_t = (sin(f t + p) + 1) / 2`` for ``t = 0 .. seq_len-1``
    with frequency ``f`` and phase ``p`` drawn from ``U(0, 0.1)``; draws are made in the
    reference order (sample, then feature, then frequency before phase).

    Returns
    -------
    ndarray of shape (n_samples, seq_len, n_features), float64, values in [0, 1].
    """
    n_samples = check_int("n_samples", n_samples, low=1)
    seq_len = check_int("seq_len", seq_len, low=1)
    n_features = check_int("n_features", n_features, low=1)
    rng = check_random_state(random_state)
    draws = rng.uniform(0.0, 0.1, size=(n_samples, n_features, 2))
    freq, phase = draws[..., 0], draws[..., 1]
    t = np.arange(seq_len, dtype=np.float64)
    x = np.sin(freq[:, None, :] * t[None, :, None] + phase[:, None, :])
    return (x + 1.0) * 0.5
