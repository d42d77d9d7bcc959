"""The result of a metric that is repeated over independent runs."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class MetricResult:
    """Summary of a metric computed in several independent runs.

    Metrics with randomness in them (a trained classifier or predictor, random subsets) return
    this; deterministic measures return a plain ``float``.

    Attributes
    ----------
    mean : float
        Mean over runs: the number papers report.
    std : float
        Sample standard deviation over runs (``ddof=1``); NaN for a single run.
    ci95 : float
        Half-width of the 95% confidence interval of the mean from the t-distribution,
        ``t_{0.975, n-1} * std / sqrt(n)``, as Diffusion-TS reports it ("mean ± ci95"); NaN for
        a single run.
    values : tuple of float
        The score of every run, in run order.

    Examples
    --------
    >>> from seqgan.metrics import MetricResult
    >>> result = MetricResult.from_values([0.10, 0.12, 0.11])
    >>> round(result.mean, 3), len(result.values)
    (0.11, 3)
    >>> print(result)
    0.1100 ± 0.0248
    """

    mean: float
    std: float
    ci95: float
    values: tuple[float, ...]

    @classmethod
    def from_values(cls, values: Iterable[float]) -> MetricResult:
        """Summarise the per-run scores ``values`` (at least one)."""
        vals = tuple(float(v) for v in values)
        if not vals:
            raise ValueError("`values` must hold at least one score; got none.")
        n = len(vals)
        mean = float(np.mean(vals))
        if n == 1:
            return cls(mean, math.nan, math.nan, vals)
        std = float(np.std(vals, ddof=1))
        ci95 = float(stats.t.ppf(0.975, n - 1) * std / math.sqrt(n))
        return cls(mean, std, ci95, vals)

    @property
    def n_runs(self) -> int:
        """Number of runs."""
        return len(self.values)

    def __float__(self) -> float:
        return self.mean

    def __str__(self) -> str:
        return f"{self.mean:.4f} ± {self.ci95:.4f}"
