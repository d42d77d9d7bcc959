"""Fidelity, usefulness and privacy metrics for synthetic sequences.

TimeGAN's protocol: :func:`discriminative_score`, :func:`predictive_score` (each returns a
:class:`MetricResult` over independent runs). See ``docs/metrics.md``.
"""

from seqgan.metrics._result import MetricResult
from seqgan.metrics._timegan_protocol import discriminative_score, predictive_score

__all__ = ["MetricResult", "discriminative_score", "predictive_score"]
