"""The one list of metrics by name, as benchmark configs (``metrics = [...]``) and tuning
(``tune(metric=...)``) spell them.

Each name is one :class:`MetricSpec` entry in ``BUILTIN``: the function (imported on first
use) and what a caller needs to call it by name: whether it takes ``random_state``, whether it
compares sequences or images, whether tuning offers it, and which further values it records.
A new metric is one entry.

>>> from seqgan.metrics import available_metrics, get_metric
>>> "discriminative" in available_metrics("sequences")
True
>>> get_metric("discriminative").function.__name__
'discriminative_score'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from seqgan.metrics._result import MetricResult

Data = Literal["sequences", "images"]


@dataclass(frozen=True)
class MetricSpec:
    """How to call one metric by name.

    Attributes
    ----------
    path : str
        ``"module:function"`` of the metric, ``function(real, synthetic, **options)``.
    data : "sequences" or "images"
        What it compares: sequences (n, seq_len, n_features) or images (n, C, H, W).
    seeded : bool
        Whether the function takes ``random_state`` (callers then pass their seed).
    tuning : bool
        Whether :func:`seqgan.tuning.tune` offers it as the objective (lower is better).
    extra : str or None
        ``"module:function"`` taking the same arguments and returning further named values
        (a dict of floats) that are recorded with the score, e.g. the image FID's precision
        and recall.
    """

    path: str
    data: Data = "sequences"
    seeded: bool = False
    tuning: bool = False
    extra: str | None = None

    @property
    def function(self) -> Callable[..., Any]:
        """The metric function itself (its own result: a float or a :class:`MetricResult`)."""
        return _resolve(self.path)

    def score(self, real: Any, synthetic: Any, options: Mapping[str, Any] | None = None, *,
              seed: Any = None) -> float:
        """The metric of ``synthetic`` against ``real`` as one float (a
        :class:`MetricResult` by its mean). ``options`` are keyword arguments of the function;
        a seeded metric gets ``random_state=seed`` unless ``options`` give one."""
        kwargs = dict(options or {})
        if self.seeded:
            kwargs.setdefault("random_state", seed)
        value = self.function(real, synthetic, **kwargs)
        return float(value.mean) if isinstance(value, MetricResult) else float(value)

    def details(self, real: Any, synthetic: Any, options: Mapping[str, Any] | None = None
                ) -> dict[str, float]:
        """The further values recorded with the score (``extra``); empty without one."""
        if self.extra is None:
            return {}
        values = _resolve(self.extra)(real, synthetic, **dict(options or {}))
        return {k: float(v) for k, v in values.items()}


#: Every metric by name (lower case), as benchmark configs and tuning spell them.
BUILTIN: dict[str, MetricSpec] = {
    "discriminative": MetricSpec("seqgan.metrics._timegan_protocol:discriminative_score",
                                 seeded=True, tuning=True),
    "predictive": MetricSpec("seqgan.metrics._timegan_protocol:predictive_score",
                             seeded=True, tuning=True),
    "context_fid": MetricSpec("seqgan.metrics._context_fid:context_fid", seeded=True,
                              tuning=True),
    "strict_discriminative": MetricSpec("seqgan.metrics._strict:strict_discriminative_score",
                                        seeded=True, tuning=True),
    "acd": MetricSpec("seqgan.metrics._features:acd"),
    "mdd": MetricSpec("seqgan.metrics._features:mdd"),
    "skewness": MetricSpec("seqgan.metrics._features:skewness_difference"),
    "kurtosis": MetricSpec("seqgan.metrics._features:kurtosis_difference"),
    "ed": MetricSpec("seqgan.metrics._features:euclidean_distance"),
    "dtw": MetricSpec("seqgan.metrics._features:dtw_distance"),
    "correlational": MetricSpec("seqgan.metrics._features:correlational_score"),
    "mmd": MetricSpec("seqgan.metrics._distances:mmd", seeded=True),
    "fid": MetricSpec("seqgan.metrics._image_features:image_fid", data="images", tuning=True,
                      extra="seqgan.metrics._image_features:image_precision_recall"),
}


def _resolve(path: str) -> Callable[..., Any]:
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


def available_metrics(data: Data | None = None) -> list[str]:
    """Names of every metric, sorted; ``data="sequences"`` or ``"images"`` keeps those that
    compare such data."""
    if data not in (None, "sequences", "images"):
        raise ValueError(f"`data` must be None, 'sequences' or 'images'; got {data!r}.")
    return sorted(name for name, spec in BUILTIN.items() if data is None or spec.data == data)


def get_metric(name: str) -> MetricSpec:
    """The :class:`MetricSpec` of a metric name (any case), e.g. ``get_metric("predictive")``.
    """
    if not isinstance(name, str):
        raise TypeError(f"A metric is named by a string such as 'discriminative'; got "
                        f"{name!r}.")
    spec = BUILTIN.get(name.lower())
    if spec is None:
        raise ValueError(f"Unknown metric {name!r}; known metrics: "
                         f"{', '.join(available_metrics())}.")
    return spec
