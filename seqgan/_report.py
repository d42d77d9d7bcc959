"""``seqgan.report``: one self-contained HTML page that says whether a model's samples look
like its training data (figures and metrics, each metric beside its real-data floor).

See ``docs/report.md``.
"""

from __future__ import annotations

import base64
import html
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_METRICS", "MetricRow", "report"]

#: What ``report`` computes by default (context-FID only without ``fast``: it trains an
#: encoder).
DEFAULT_METRICS = ("discriminative", "strict_discriminative", "predictive", "context_fid",
                   "acd", "mdd", "diversity", "dcr")
#: Metrics computed here rather than through :func:`seqgan.metrics.get_metric`.
_OWN = ("diversity", "dcr")
#: Sequences used for the metrics (and figures) with ``fast=True``.
FAST_CAP = 400
HTML_FILE = "report.html"


@dataclass(frozen=True)
class MetricRow:
    """One row of the report's table: the model's value, the real-data floor (a random half
    of the real data scored against the other half) and a plain reading."""

    name: str
    value: float
    floor: float
    reading: str
    better: str


def _pct(score: float) -> float:
    """``|accuracy - 0.5|`` -> the accuracy in percent."""
    return 100 * (0.5 + score)


def _readings() -> dict[str, tuple[str, str, Callable[[float, float], str]]]:
    """Metric -> (title, which way is better, reading of (value, floor))."""
    return {
        "discriminative": (
            "Discriminative score (TimeGAN protocol)", "lower",
            lambda v, f: f"a small GRU classifier tells synthetic from real {_pct(v):.0f}% of "
                         f"the time; 50% would be indistinguishable (real vs real: "
                         f"{_pct(f):.0f}%)."),
        "strict_discriminative": (
            "Strict discriminative score", "lower",
            lambda v, f: f"a convolutional classifier that sees roughness tells synthetic from "
                         f"real {_pct(v):.0f}% of the time (balanced); 50% would be "
                         f"indistinguishable (real vs real: {_pct(f):.0f}%)."),
        "predictive": (
            "Predictive score (train on synthetic, test on real)", "lower",
            lambda v, f: f"a next-step predictor trained on synthetic series forecasts real "
                         f"ones with mean absolute error {v:.3f} (in [0, 1] units); trained on "
                         f"real data: {f:.3f}."),
        "context_fid": (
            "Context-FID", "lower",
            lambda v, f: f"distance between learned embeddings of real and synthetic windows: "
                         f"{v:.3g} (real vs real: {f:.3g}; 0 is identical)."),
        "acd": (
            "Autocorrelation difference (ACD)", "lower",
            lambda v, f: f"the autocorrelation functions differ by {v:.3g} (real vs real: "
                         f"{f:.3g}); larger means the temporal rhythm is off."),
        "mdd": (
            "Marginal distribution difference (MDD)", "lower",
            lambda v, f: f"histograms of values at each step differ by {v:.3g} on average "
                         f"(real vs real: {f:.3g})."),
        "diversity": (
            "Diversity", "about 1",
            lambda v, f: f"synthetic series are {v:.2f} times as spread out among themselves "
                         f"as real ones (real vs real: {f:.2f}); near 0 is mode collapse."),
        "dcr": (
            "Distance to closest record (median)", "not much below the floor",
            lambda v, f: f"a synthetic series lies {v:.3g} from its nearest real series; a real "
                         f"series lies {f:.3g} from its nearest other real one "
                         f"({'much closer: copying?' if v < 0.5 * f else 'no sign of copying'})."),
    }


def _arrays(data: Any, model: Any, name: str) -> Any:
    """Arrays (n, seq_len, n_features) or lists of (seq_len_i, n_features) arrays as they are;
    a long DataFrame becomes one array per id (its numeric columns but id and time)."""
    import pandas as pd

    if isinstance(data, tuple):  # (sequences, static) from return_static
        data = data[0]
    if isinstance(data, pd.DataFrame):
        encoder = getattr(model, "encoder_", None)
        id_column = getattr(encoder, "id_column_", None)
        time_column = getattr(encoder, "time_column_", None)
        numeric = [c for c in data.columns if c not in (id_column, time_column)
                   and pd.api.types.is_numeric_dtype(data[c])
                   and not pd.api.types.is_bool_dtype(data[c])]
        if not numeric:
            raise ValueError(f"`{name}` has no numeric columns to compare; got columns "
                             f"{list(data.columns)}.")
        if id_column is None or id_column not in data:
            return data[numeric].to_numpy(float)[None]
        return [g[numeric].to_numpy(float) for _, g in data.groupby(id_column, sort=False)]
    return data


def _without_gaps(real: Any) -> tuple[Any, str]:
    """The real sequences the metrics can compare with (they need complete series): all of
    them without missing values; with NaN, the complete ones when there are at least 4, else
    every sequence with its gaps filled by linear interpolation in time. Returns them and a
    note for the report ("" when nothing was missing)."""
    import pandas as pd

    seqs = list(real)
    gappy = np.array([bool(np.isnan(np.asarray(s, dtype=float)).any()) for s in seqs])
    if not gappy.any():
        return real, ""
    keep = np.flatnonzero(~gappy)
    if len(keep) >= 4:
        return _subset(real, keep), (f"; the {len(keep)} complete ones are compared "
                                     f"({int(gappy.sum())} with missing values left out)")
    filled = [pd.DataFrame(np.asarray(s, dtype=float).reshape(len(s), -1))
              .interpolate(limit_direction="both").to_numpy() for s in seqs]
    if isinstance(real, np.ndarray):
        filled = np.stack(filled)
    return filled, "; gaps filled by linear interpolation for the metrics (fewer than 4 " \
                   "complete sequences)"


def _unit_scale(real: Any, synthetic: Any) -> tuple[Any, Any]:
    """Both sets min-max scaled per feature by the real data's range (the protocol's units)."""
    from seqgan.metrics._input import as_pair

    r, s = as_pair(real, synthetic)
    values = r.values[r.mask()]
    low, high = values.min(0), values.max(0)
    span = np.where(high > low, high - low, 1.0)

    def scaled(seq: Any) -> Any:
        out = (seq.values - low) / span
        if not seq.variable_length:
            return out
        return [out[i, : seq.lengths[i]] for i in range(seq.n_sequences)]

    return scaled(r), scaled(s)


def _subset(data: Any, idx: np.ndarray) -> Any:
    return data[idx] if isinstance(data, np.ndarray) else [data[i] for i in idx]


def _diversity(real: Any, synthetic: Any, random_state: int) -> float:
    import torch

    from seqgan.losses._diagnostics import mode_collapse_score
    from seqgan.metrics._input import as_pair

    r, s = as_pair(real, synthetic)
    rng = np.random.default_rng(random_state)
    ir = rng.permutation(r.n_sequences)[:256]
    is_ = rng.permutation(s.n_sequences)[:256]
    length = min(r.seq_len, s.seq_len)

    def tensor(values: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(values[:, :length], dtype=torch.float32)

    return float(mode_collapse_score(tensor(s.values[is_]), tensor(r.values[ir]),
                                     tensor(r.mask()[ir].astype(float)),
                                     tensor(s.mask()[is_].astype(float))))


def _score(name: str, real: Any, synthetic: Any, *, fast: bool, seed: int,
           options: dict[str, Any]) -> float:
    """One metric of ``synthetic`` against ``real`` (both in [0, 1] units)."""
    if name == "diversity":
        return _diversity(real, synthetic, seed)
    from seqgan.metrics import get_metric

    spec = get_metric(name)
    kwargs = dict(options)
    if fast and name in ("discriminative", "predictive", "strict_discriminative",
                         "context_fid"):
        kwargs.setdefault("fast", True)
    if name == "strict_discriminative":
        kwargs.setdefault("real_order", "iid")
    return spec.score(real, synthetic, kwargs, seed=seed)


def _floor(name: str, real: Any, half_a: Any, half_b: Any, *, fast: bool, seed: int,
           options: dict[str, Any]) -> float:
    if name == "strict_discriminative":
        from seqgan.metrics import strict_discriminative_floor

        kwargs = {"real_order": "iid", **options}
        if fast:
            kwargs.setdefault("fast", True)
        return strict_discriminative_floor(real, random_state=seed, **kwargs).mean
    return _score(name, half_a, half_b, fast=fast, seed=seed, options=options)


def _metric_rows(real: Any, synthetic: Any, metrics: Sequence[str], *, fast: bool, seed: int,
                 options: dict[str, dict[str, Any]]) -> tuple[list[MetricRow], dict[str, str]]:
    """The table (in [0, 1] units) and, for metrics that could not be computed, why."""
    from seqgan.metrics import distance_to_closest_record
    from seqgan.metrics._input import as_sequences

    readings = _readings()
    real_u, synth_u = _unit_scale(real, synthetic)
    n = as_sequences("X", real_u).n_sequences
    order = np.random.default_rng(seed).permutation(n)
    half_a, half_b = _subset(real_u, order[: n // 2]), _subset(real_u, order[n // 2:])
    rows, skipped = [], {}
    for name in metrics:
        started = time.perf_counter()
        title, better, read = readings[name]
        try:
            if name == "dcr":
                values = distance_to_closest_record(half_a, synth_u, half_b)
                value, floor = values["synthetic_median"], values["holdout_median"]
            else:
                opts = dict(options.get(name) or {})
                value = _score(name, real_u, synth_u, fast=fast, seed=seed, options=opts)
                floor = _floor(name, real_u, half_a, half_b, fast=fast, seed=seed,
                               options=opts)
        except ValueError as exc:  # e.g. predictive needs 2 features, ACD equal lengths
            skipped[title] = str(exc)
            logger.warning("report: %s not computed: %s", name, exc)
            continue
        rows.append(MetricRow(title, value, floor, read(value, floor), better))
        logger.debug("report: %s = %.4g (floor %.4g) in %.1f s", name, value, floor,
                    time.perf_counter() - started)
    return rows, skipped


def _figures(real: Any, synthetic: Any, history: Any, folder: Path, seed: int, fast: bool
             ) -> tuple[dict[str, tuple[Path, str]], dict[str, str]]:
    """Each figure as ``folder/<name>.png`` -> {name: (path, caption)}, and why any failed."""
    from matplotlib.figure import Figure

    from seqgan import plots
    from seqgan.metrics._input import as_pair

    r, s = as_pair(real, synthetic)
    diff_r = [np.diff(r.values[i, : r.lengths[i]], axis=0) for i in range(r.n_sequences)]
    diff_s = [np.diff(s.values[i, : s.lengths[i]], axis=0) for i in range(s.n_sequences)]
    n_embed = 200 if fast else 1000
    makers: dict[str, tuple[str, Callable[[], Figure]]] = {
        "series": ("Real (left) beside synthetic (right) series, up to three features.",
                   lambda: plots.plot_samples(real, synthetic, random_state=seed)),
        "differences": ("First differences (step-to-step changes), real beside synthetic: "
                        "jitter or over-smoothness shows here.",
                        lambda: plots.plot_samples(diff_r, diff_s, random_state=seed)),
        "overview": ("Feature 0 as an analyst checks it: series, differences, marginals of "
                     "values and differences, autocorrelation of differences and their "
                     "spread.", lambda: plots.plot_comparison(real, synthetic,
                                                               random_state=seed)),
        "marginals": ("Marginal distribution of every feature's values.",
                      lambda: plots.plot_marginals(real, synthetic)),
        "autocorrelation": ("Autocorrelation of every feature (mean over series).",
                            lambda: plots.plot_autocorrelation(real, synthetic)),
        "pca": ("PCA of the series (each reduced to its mean over features per step), fitted "
                "on the real ones: synthetic points should cover the real cloud.",
                lambda: plots.plot_embedding(real, synthetic, method="pca", n=n_embed,
                                             random_state=seed)),
        "tsne": ("t-SNE of real and synthetic series together: separate islands mean the "
                 "two sets differ.",
                 lambda: plots.plot_embedding(real, synthetic, method="tsne", n=n_embed,
                                              random_state=seed)),
    }
    if history is not None and len(history) and "phase" in history:
        columns = [c for c in history.columns if c.endswith("/loss")]
        columns += [c for c in ("diagnostics/diversity",) if c in history]
        smooth = max(1, len(history) // 100)
        makers["training"] = ("Training curves from the model's history_ (rolling mean; "
                              "dotted lines separate phases).",
                              lambda: plots.plot_history(history, columns=columns or None,
                                                         smooth=smooth))
    done, failed = {}, {}
    for name, (caption, make) in makers.items():
        try:
            fig = make()
        except ValueError as exc:  # e.g. embeddings need one sequence length
            failed[name] = str(exc)
            logger.warning("report: figure %s not drawn: %s", name, exc)
            continue
        if name == "differences":
            fig.suptitle("first differences", fontsize=10)
            fig.tight_layout()
        path = folder / f"{name}.png"
        fig.savefig(path, dpi=100)
        done[name] = (path, caption)
    return done, failed


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;
max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{border:1px solid #ddd;padding:.35em .6em;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums;
white-space:nowrap}.note{color:#8a4b00;background:#fff6e5;padding:.5em .8em;
border-left:4px solid #f0a030}figure{margin:1.2em 0}figure img{max-width:100%;
display:block;border:1px solid #eee}figcaption{color:#555;font-size:.9em;margin-top:.3em}
table.meta{width:auto}.meta td{border:none;padding:.1em .8em .1em 0}
"""


def _html(title: str, meta: dict[str, str], rows: list[MetricRow], skipped: dict[str, str],
          figures: dict[str, tuple[Path, str]], failed: dict[str, str], fast: bool) -> str:
    esc = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{esc(title)}</h1>", '<table class="meta">']
    parts += [f"<tr><td><b>{esc(k)}</b></td><td>{esc(v)}</td></tr>" for k, v in meta.items()]
    parts.append("</table>")
    if fast:
        parts.append('<p class="note">Built with <code>fast=True</code>: the classifiers '
                     "trained for a few dozen steps on a few hundred series and context-FID "
                     "was left out, so the scores only show that the report works. Run "
                     "without <code>--fast</code> for numbers that mean something.</p>")
    parts += ['<h2 id="metrics">Metrics</h2>',
              "<p>Every metric is computed on data min-max scaled to [0, 1] per feature by "
              "the real data's range. The <b>real-data floor</b> scores a random half of the "
              "real data against the other half: what data as good as the real data itself "
              "gets, so read each value against its floor, not against 0.</p>",
              '<table id="metric-table"><tr><th>metric</th><th>synthetic</th>'
              "<th>real-data floor</th><th>better</th><th>reading</th></tr>"]
    for row in rows:
        parts.append(f'<tr><td>{esc(row.name)}</td><td class="num">{row.value:.4g}</td>'
                     f'<td class="num floor">{row.floor:.4g}</td><td>{esc(row.better)}</td>'
                     f"<td>{esc(row.reading)}</td></tr>")
    parts.append("</table>")
    for name, reason in skipped.items():
        parts.append(f"<p><b>{esc(name)}</b> not computed: {esc(reason)}</p>")
    parts.append('<h2 id="figures-title">Figures</h2><section id="figures">')
    for name, (path, caption) in figures.items():
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        parts.append(f'<figure id="figure-{name}"><img alt="{esc(name)}" '
                     f'src="data:image/png;base64,{data}"><figcaption><b>{esc(name)}</b>: '
                     f"{esc(caption)} ({esc(path.name)})</figcaption></figure>")
    parts.append("</section>")
    for name, reason in failed.items():
        parts.append(f"<p><b>{esc(name)}</b> not drawn: {esc(reason)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def report(model: Any, X: Any, out_dir: str | Path, *, n_samples: int | None = None,
           metrics: Sequence[str] | None = None, random_state: int = 0, fast: bool = False,
           metric_options: dict[str, dict[str, Any]] | None = None) -> Path:
    """Write a report of how a fitted model's samples compare with its training data.

    ``out_dir`` gets ``report.html`` (one self-contained page, the figures embedded as base64
    PNG) and every figure as a PNG: real beside synthetic series, first differences, an
    overview of feature 0, marginal distributions, autocorrelation, PCA and t-SNE overlays
    and the training curves of ``model.history_``; and a table of metrics, each beside its
    real-data floor (a random half of ``X`` scored against the other half) with a one-line
    plain reading.

    Parameters
    ----------
    model : fitted seqgan estimator
        Anything with ``sample(n, random_state=...)`` (and ``history_`` for the curves).
    X : array (n, seq_len, n_features), list of (seq_len_i, n_features) arrays, or DataFrame
        The data the model was trained on (a long DataFrame is split by the model's id
        column; its numeric columns are compared).
    out_dir : path
        Folder to write (created).
    n_samples : int or None
        Synthetic sequences to draw (default: as many as ``X`` has; with ``fast`` at most
        400, and ``X`` is subsampled to 400 too).
    metrics : sequence of str or None
        Names among ``DEFAULT_METRICS`` (default: all of them, without ``context_fid`` when
        ``fast``).
    random_state : int
        Seeds the samples, the real-data halves, the classifiers and the figures.
    fast : bool
        Tiny classifier budgets and fewer sequences: seconds, for tests and demos; the
        scores then mean nothing.
    metric_options : dict of str to dict, optional
        Keyword arguments of each metric function, e.g.
        ``{"strict_discriminative": {"real_order": "time"}}`` for windows in time order
        (the default here is ``"iid"``: independent or shuffled sequences).

    Returns
    -------
    Path
        The HTML page (``out_dir / "report.html"``).

    Examples
    --------
    >>> import seqgan
    >>> from seqgan.datasets import load_dataset
    >>> X = load_dataset("sines", n_samples=64, seq_len=8, n_features=2, random_state=0)
    >>> model = seqgan.R3GAN(n_iter=300, random_state=0).fit(X)  # doctest: +SKIP
    >>> seqgan.report(model, X, "report_dir")  # doctest: +SKIP
    PosixPath('report_dir/report.html')
    """
    started = time.perf_counter()
    if not hasattr(model, "sample"):
        raise TypeError(f"`model` must be a fitted seqgan model (with `sample`); got "
                        f"{type(model).__name__}.")
    if metrics is None:
        metrics = [m for m in DEFAULT_METRICS if not (fast and m == "context_fid")]
    elif isinstance(metrics, str):
        raise TypeError(f"`metrics` must be a list of names such as ['discriminative', "
                        f"'acd']; got the string {metrics!r}.")
    metrics = list(metrics)
    unknown = [m for m in metrics if m not in DEFAULT_METRICS]
    if unknown:
        raise ValueError(f"Unknown report metrics {unknown}; valid: "
                         f"{', '.join(DEFAULT_METRICS)}.")
    if n_samples is not None and (isinstance(n_samples, bool) or not isinstance(
            n_samples, (int, np.integer)) or n_samples < 2):
        raise ValueError(f"`n_samples` must be an int >= 2 or None; got {n_samples!r}.")
    from seqgan.metrics._input import as_sequences

    real, gaps_note = _without_gaps(_arrays(X, model, "X"))
    n_real = as_sequences("X", real).n_sequences
    if n_real < 4:
        raise ValueError(f"`X` must hold at least 4 sequences (two halves for the real-data "
                         f"floors); got {n_real}.")
    if fast and n_real > FAST_CAP:
        real = _subset(real, np.random.default_rng(random_state).permutation(n_real)[:FAST_CAP])
        n_real = FAST_CAP
    n = n_samples if n_samples is not None else n_real
    if fast:
        n = min(n, FAST_CAP)
    synthetic = _arrays(model.sample(int(n), random_state=random_state), model, "samples")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    history = getattr(model, "history_", None)
    figures, failed = _figures(real, synthetic, history, out, random_state, fast)
    rows, skipped = _metric_rows(real, synthetic, metrics, fast=fast, seed=random_state,
                                 options=dict(metric_options or {}))
    seq = as_sequences("X", real)
    seconds = time.perf_counter() - started
    meta = {"model": type(model).__name__,
            "real series": f"{seq.n_sequences} of {seq.seq_len} steps x {seq.n_channels} "
                           "features" + (" (variable lengths)" if seq.variable_length else "")
                           + gaps_note,
            "synthetic series": str(n), "seed": str(random_state),
            "built in": f"{seconds:.1f} s" + (" (fast)" if fast else "")}
    if history is not None and len(history):
        meta["trained"] = f"{len(history)} iterations"
    page = out / HTML_FILE
    page.write_text(_html(f"seqgan report: {type(model).__name__}", meta, rows, skipped,
                          figures, failed, fast), encoding="utf-8")
    logger.info("report written to %s in %.1f s", page, seconds)
    return page


def headline(model: Any, X: Any, *, random_state: int = 0) -> list[MetricRow]:
    """Three quick numbers for the command line (fast budgets on at most 400 series, a few
    seconds): the strict discriminative score (the protocol's classifier tells nothing at a
    fast budget), ACD and the diversity, each with its real-data floor."""
    from seqgan.metrics._input import as_sequences

    real, _ = _without_gaps(_arrays(X, model, "X"))
    n_real = as_sequences("X", real).n_sequences
    if n_real > FAST_CAP:
        real = _subset(real, np.random.default_rng(random_state).permutation(n_real)[:FAST_CAP])
        n_real = FAST_CAP
    synthetic = _arrays(model.sample(n_real, random_state=random_state), model, "samples")
    rows, _ = _metric_rows(real, synthetic, ["strict_discriminative", "acd", "diversity"],
                           fast=True, seed=random_state, options={})
    return rows
