"""Fidelity, usefulness and privacy metrics for synthetic sequences.

- TimeGAN's protocol: :func:`discriminative_score`, :func:`predictive_score` (each returns a
  :class:`MetricResult` over independent runs);
- a stricter classifier that sees roughness and cross-feature structure, with real windows split
  in time blocks: :func:`strict_discriminative_score`, its real-vs-real
  :func:`strict_discriminative_floor`, and the per-feature :func:`roughness_ratio`;
- TSGBench's measures: :func:`acd`, :func:`mdd`, :func:`skewness_difference`,
  :func:`kurtosis_difference`, :func:`euclidean_distance`, :func:`dtw_distance`; Diffusion-TS's
  :func:`correlational_score`; :func:`mmd`; Context-FID (:func:`context_fid`, with our
  :class:`TS2Vec` encoder);
- usefulness and privacy: :func:`tstr_score`, :func:`distance_to_closest_record`,
  :func:`membership_inference_score`, and all of them with near copies in one
  :func:`privacy_report` (a :class:`PrivacyReport`, markdown and figures);
- images: classifier-feature :func:`image_fid` and :func:`image_precision_recall` with a
  small CNN (:class:`ImageClassifier`) trained on the real labelled images (not Inception-FID);
- points from a known mixture (rings, grids): :func:`mode_coverage`;
- by name, as benchmark configs and tuning spell them: :func:`get_metric`,
  :func:`available_metrics` (one :class:`MetricSpec` per name).

See ``docs/metrics.md``.
"""

from seqgan.metrics._context_fid import context_fid, frechet_distance
from seqgan.metrics._distances import (
    distance_to_closest_record,
    membership_inference_score,
    mmd,
    tstr_score,
)
from seqgan.metrics._features import (
    acd,
    correlational_score,
    dtw_distance,
    euclidean_distance,
    kurtosis_difference,
    mdd,
    skewness_difference,
)
from seqgan.metrics._image_features import (
    ImageClassifier,
    image_fid,
    image_precision_recall,
)
from seqgan.metrics._modes import mode_coverage
from seqgan.metrics._privacy import PrivacyReport, privacy_report
from seqgan.metrics._registry import MetricSpec, available_metrics, get_metric
from seqgan.metrics._result import MetricResult
from seqgan.metrics._strict import (
    roughness_ratio,
    strict_discriminative_floor,
    strict_discriminative_score,
)
from seqgan.metrics._timegan_protocol import discriminative_score, predictive_score
from seqgan.metrics._ts2vec import TS2Vec, hierarchical_contrastive_loss

__all__ = [
    "ImageClassifier",
    "MetricResult",
    "MetricSpec",
    "PrivacyReport",
    "TS2Vec",
    "acd",
    "available_metrics",
    "context_fid",
    "correlational_score",
    "discriminative_score",
    "distance_to_closest_record",
    "dtw_distance",
    "euclidean_distance",
    "frechet_distance",
    "get_metric",
    "hierarchical_contrastive_loss",
    "image_fid",
    "image_precision_recall",
    "kurtosis_difference",
    "mdd",
    "membership_inference_score",
    "mmd",
    "mode_coverage",
    "predictive_score",
    "privacy_report",
    "roughness_ratio",
    "skewness_difference",
    "strict_discriminative_floor",
    "strict_discriminative_score",
    "tstr_score",
]
