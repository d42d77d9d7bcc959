"""Mode coverage of samples from a known mixture (rings and grids of Gaussians)."""

from __future__ import annotations

from typing import Any

import numpy as np


def mode_coverage(samples: Any, centres: Any, std: float, *, n_std: float = 3.0,
                  min_share: float = 0.01) -> dict[str, float]:
    """How many modes of a known isotropic Gaussian mixture the samples cover, and how well.

    A sample is *high quality* when it lies within ``n_std`` standard deviations of its
    nearest mean; a mode is *covered* when it holds at least ``min_share`` of all samples as
    high-quality samples (Srivastava et al. 2017, VEEGAN; Lin et al. 2018, PacGAN).

    Parameters
    ----------
    samples : array (n, d)
    centres : array (n_modes, d)
        The mixture's means (``load_dataset("ring", return_centres=True)``).
    std : float
        The mixture's standard deviation.

    Returns
    -------
    dict with ``modes`` (number covered), ``high_quality`` (share of high-quality samples)
    and ``kl`` (KL divergence from the high-quality samples' distribution over modes to the
    uniform one, in nats; 0 is balanced, log(n_modes) is a single mode; NaN without
    high-quality samples).
    """
    x = np.asarray(samples, dtype=np.float64)
    c = np.asarray(centres, dtype=np.float64)
    if x.ndim != 2 or c.ndim != 2 or x.shape[1] != c.shape[1]:
        raise ValueError(f"`samples` (n, d) and `centres` (n_modes, d) must be 2-D with the "
                         f"same d; got {x.shape} and {c.shape}.")
    if len(x) == 0 or not np.isfinite(x).all():
        raise ValueError("`samples` must be non-empty and finite.")
    if not std > 0:
        raise ValueError(f"`std` must be positive; got {std!r}.")
    dist = np.sqrt(((x[:, None, :] - c[None]) ** 2).sum(-1))
    near = dist.min(1) < n_std * std
    counts = np.bincount(dist.argmin(1)[near], minlength=len(c))
    share = counts / max(counts.sum(), 1)
    kl = (float(np.sum(share[share > 0] * np.log(share[share > 0] * len(c))))
          if counts.sum() else float("nan"))
    return {"modes": float((counts >= min_share * len(x)).sum()),
            "high_quality": float(near.mean()), "kl": kl}
