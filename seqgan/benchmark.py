"""The benchmark runner: models x datasets x seeds with the TimeGAN protocol.

``run_benchmark(config, out)`` trains every model on every dataset for every seed, samples as
many sequences as there are training windows, computes the configured metrics, and writes
``results.csv`` (one row per run), ``summary.md`` (mean ± 95% CI over seeds next to the
published numbers), ``run.json`` (command, date, machine, versions, config) and plots into
``out``. Two reference rows come with every dataset: ``real data`` (a held-out half of the real
windows scored against the other half: the floor no generator can beat) and ``VAR`` (a vector
autoregression, :class:`seqgan.baselines.VARBaseline`). Each run is a separate process, so
its peak memory is its own.

Configs are TOML files (see ``benchmarks/configs/``) or dicts::

    models = ["timegan", "rcgan"]          # or [models.timegan] tables with parameters
    datasets = ["sines", "stocks", "energy"]
    seeds = [0, 1, 2]
    seq_len = 24
    metrics = ["discriminative", "predictive"]
    [metric_options.discriminative]
    n_runs = 10
    [models_params.timegan]
    n_iter_joint = 2000
"""

from __future__ import annotations

import concurrent.futures
import datetime as _dt
import json
import logging
import math
import multiprocessing
import os
import platform
import resource
import sys
import time
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from seqgan._version import __version__

logger = logging.getLogger(__name__)

#: Published numbers (SPEC: sequence length 24; discriminative |acc - 0.5|, predictive MAE).
PUBLISHED: dict[str, dict[str, dict[str, float]]] = {
    "TimeGAN (paper)": {"sines": {"discriminative": .011, "predictive": .093},
                        "stocks": {"discriminative": .102, "predictive": .038},
                        "energy": {"discriminative": .236, "predictive": .273}},
    "RCGAN (TimeGAN paper)": {"sines": {"discriminative": .022, "predictive": .097},
                              "stocks": {"discriminative": .196, "predictive": .040},
                              "energy": {"discriminative": .336, "predictive": .292}},
    "C-RNN-GAN (TimeGAN paper)": {"sines": {"discriminative": .229, "predictive": .127},
                                  "stocks": {"discriminative": .399, "predictive": .038},
                                  "energy": {"discriminative": .499, "predictive": .483}},
    "Diffusion-TS (ICLR 2024)": {"sines": {"discriminative": .006, "predictive": .093},
                                 "stocks": {"discriminative": .067, "predictive": .036},
                                 "energy": {"discriminative": .122, "predictive": .250}},
    "real data (TimeGAN paper)": {"sines": {"predictive": .094},
                                  "stocks": {"predictive": .036},
                                  "energy": {"predictive": .250}},
}

REAL, VAR = "real data", "VAR"

#: Classifier steps per run of each metric at its defaults (the published protocol). A config
#: that gives a metric fewer than a quarter of them gets its values marked as not meaningful in
#: summary.md: the quick config's 50 steps score every method 0.000 on the discriminative
#: score, real data and a collapsed C-RNN-GAN alike (issue 23).
METRIC_STEPS = {"discriminative": 2000, "predictive": 5000, "strict_discriminative": 300}
#: Steps of a metric's ``fast`` mode (seqgan.metrics: 50 for the TimeGAN protocol, 100 strict).
FAST_STEPS = {"discriminative": 50, "predictive": 50, "strict_discriminative": 100}
TINY_MARK = "†"
#: Datasets of separate heartbeats (one fixed-length sequence each, not windows of one
#: series): loaded whole, and the strict classifier splits their beats at random ("iid").
BEATS = ("ecg5000", "mitdb")

#: The strict classifier needs the real windows' time order (and gives the real row its floor).
STRICT = "strict_discriminative"


@dataclass
class BenchmarkConfig:
    """What to run. ``models`` maps a label to model parameters; the label is the model's
    name (``seqgan fit --model`` names) or, for variants, any name with a ``model`` entry
    (``{"crnngan-hinge": {"model": "crnngan", "loss": "hinge"}}``). The reference rows ``real
    data`` and ``VAR`` are added unless ``references`` is false."""

    models: dict[str, dict[str, Any]]
    datasets: list[str]
    seeds: list[int] = field(default_factory=lambda: [0, 1, 2])
    seq_len: int = 24
    metrics: list[str] = field(default_factory=lambda: ["discriminative", "predictive"])
    metric_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    dataset_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    max_windows: int | None = None
    plots: bool = True
    references: bool = True
    workers: int = 1
    threads: int | None = None

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> BenchmarkConfig:
        raw = dict(raw)
        models = raw.pop("models", None)
        if isinstance(models, list):
            params = raw.pop("models_params", {})
            models = {name: dict(params.get(name, {})) for name in models}
        else:
            raw.pop("models_params", None)
        if not models:
            raise ValueError("A benchmark config needs `models`: a list of model names or a "
                             "table of model name -> parameters.")
        known = {f.name for f in cls.__dataclass_fields__.values()}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ValueError(f"Unknown benchmark config keys: {', '.join(unknown)}. Valid: "
                             f"{', '.join(sorted(known | {'models_params'}))}.")
        if "datasets" not in raw:
            raise ValueError("A benchmark config needs `datasets`, e.g. ['sines'].")
        return cls(models=models, **raw)

    @classmethod
    def from_file(cls, path: str | Path) -> BenchmarkConfig:
        with open(path, "rb") as handle:
            return cls.from_mapping(tomllib.load(handle))


# ---------------------------------------------------------------------------- metrics
def available_metrics() -> list[str]:
    """Names usable in a config's ``metrics``: the sequence metrics of
    :func:`seqgan.metrics.available_metrics`."""
    from seqgan.metrics import available_metrics as metric_names

    return metric_names("sequences")


# ---------------------------------------------------------------------------- one run
def _load(dataset: str, config: BenchmarkConfig, seed: int) -> tuple[np.ndarray, Any]:
    """The real sequences and their order for the strict classifier: "iid" for generated data
    and heartbeats (``BEATS``), else each window's time position (windows cut from one series
    are shuffled by the TimeGAN protocol with ``random_state=seed``; the same permutation gives
    their order)."""
    from seqgan._validation import check_random_state
    from seqgan.datasets import load_dataset

    options = dict(config.dataset_options.get(dataset, {}))
    if dataset in BEATS:  # fixed-length beats: no windows, no protocol, ``seq_len`` ignored
        X = np.asarray(load_dataset(dataset, random_state=seed, **options), dtype=np.float64)
        return _kept(X, "iid", config, seed)
    if dataset == "sines":
        options.setdefault("n_samples", 10000)
        options.setdefault("n_features", 5)
    else:
        options.setdefault("protocol", "timegan")
    options.setdefault("seq_len", config.seq_len)
    X = np.asarray(load_dataset(dataset, random_state=seed, **options), dtype=np.float64)
    order: Any = "iid"
    if dataset != "sines":
        shuffled = options.get("shuffle")
        if shuffled is None:
            shuffled = options["protocol"] == "timegan"
        order = (check_random_state(seed).permutation(len(X)) if shuffled
                 else np.arange(len(X)))
    return _kept(X, order, config, seed)


def _kept(X: np.ndarray, order: Any, config: BenchmarkConfig,
          seed: int) -> tuple[np.ndarray, Any]:
    """At most ``config.max_windows`` sequences, a random subset of seed ``seed``."""
    if config.max_windows is not None and len(X) > config.max_windows:
        keep = np.random.default_rng(seed).permutation(len(X))[: config.max_windows]
        X = X[keep]
        order = order if isinstance(order, str) else order[keep]
    return X, order


def _run_one(task: dict[str, Any]) -> dict[str, Any]:
    """Train (or fit the reference), sample, score: one row of results.csv."""
    import torch

    from seqgan.baselines import VARBaseline
    from seqgan.metrics import get_metric
    from seqgan.models._registry import available_models, get_model

    config = BenchmarkConfig(**task["config"])
    torch.set_num_threads(threads_per_run(config))
    method, dataset, seed = task["method"], task["dataset"], task["seed"]
    X, order = _load(dataset, config, seed)
    row: dict[str, Any] = {"method": method, "dataset": dataset, "seed": seed,
                           "n_windows": len(X), "seq_len": X.shape[1], "n_features": X.shape[2]}
    rng = np.random.default_rng(seed)
    real = X
    start = time.perf_counter()
    if method == REAL:
        halves = rng.permutation(len(X))  # the protocol scores: one random half against the other
        half = len(X) // 2
        real, synthetic = X[halves[:half]], X[halves[half:]]
        row["fit_seconds"] = 0.0
        row["sample_seconds"] = 0.0
    else:
        if method == VAR:
            model: Any = VARBaseline(random_state=seed)
        else:
            params = dict(config.models.get(method, {}))
            name = params.pop("model", method)  # a label may name a variant of a model
            if name not in available_models():
                raise ValueError(f"Unknown model {name!r}. Valid: "
                                 f"{', '.join(available_models())}.")
            model = get_model(name)(**{"random_state": seed, "verbose": False, **params})
            torch.manual_seed(seed)
        model.fit(X)
        row["fit_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        synthetic = np.asarray(model.sample(len(X), random_state=seed + 1))
        row["sample_seconds"] = time.perf_counter() - start
    row["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for name in config.metrics:
        start = time.perf_counter()
        options = dict(config.metric_options.get(name) or {})
        if name == STRICT:
            options.setdefault("real_order", order)
        if name == STRICT and method == REAL:  # two disjoint time blocks of the real data
            from seqgan.metrics import strict_discriminative_floor

            row[name] = strict_discriminative_floor(X, random_state=seed, **options).mean
        else:
            row[name] = get_metric(name).score(real, synthetic, options, seed=seed)
        row[f"{name}_seconds"] = time.perf_counter() - start
    if config.plots and seed == config.seeds[0] and method != REAL:
        _plots(Path(task["out"]) / "plots", method, dataset, real, synthetic, seed)
    return row


def _plots(folder: Path, method: str, dataset: str, real: np.ndarray, synthetic: np.ndarray,
           seed: int) -> None:
    try:
        from seqgan import plots
    except ImportError:  # plots are optional for the runner
        return
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{method.replace(' ', '_')}_{dataset}"
    plots.plot_samples(real, synthetic, path=folder / f"{stem}_samples.png")
    plots.plot_embedding(real, synthetic, method="pca", random_state=seed,
                         path=folder / f"{stem}_pca.png")
    plots.plot_embedding(real, synthetic, method="tsne", random_state=seed,
                         path=folder / f"{stem}_tsne.png")


# ---------------------------------------------------------------------------- the runner
def run_benchmark(config: BenchmarkConfig | Mapping[str, Any] | str | Path,
                  out: str | Path, *, command: str | None = None) -> pd.DataFrame:
    """Run the benchmark and write its results into ``out``; return the per-run table.

    Parameters
    ----------
    config : BenchmarkConfig, dict or path of a TOML file
    out : path
        Results folder (created): results.csv, summary.md, run.json, plots/.
    command : str, optional
        The command line recorded in run.json and summary.md.

    Raises
    ------
    RuntimeError
        When runs failed, naming each with its error, after the other runs finished and their
        rows, summary and run.json were written.
    """
    if isinstance(config, (str, Path)):
        config = BenchmarkConfig.from_file(config)
    elif not isinstance(config, BenchmarkConfig):
        config = BenchmarkConfig.from_mapping(config)
    unknown = sorted(set(config.metrics) - set(available_metrics()))
    if unknown:
        raise ValueError(f"Unknown metrics {', '.join(unknown)}. Valid: "
                         f"{', '.join(available_metrics())}.")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    methods = list(config.models)
    if config.references:
        methods += [m for m in (REAL, VAR) if m not in methods]
    tasks = [{"config": asdict(config), "method": m, "dataset": d, "seed": s, "out": str(out)}
             for d in config.datasets for m in methods for s in config.seeds]
    rows, failures = [], []
    csv_path = out / "results.csv"
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=config.workers, mp_context=context,
                                                max_tasks_per_child=1) as pool:
        futures = {pool.submit(_run_one, task): task for task in tasks}
        for i, future in enumerate(concurrent.futures.as_completed(futures), 1):
            task = futures[future]
            name = f"{task['method']} on {task['dataset']}, seed {task['seed']}"
            try:
                rows.append(future.result())
            except Exception as error:  # one failed run must not lose the others' rows
                failures.append(f"{name}: {type(error).__name__}: {error}")
                logger.error("benchmark %d/%d failed: %s", i, len(tasks), failures[-1])
                continue
            logger.info("benchmark %d/%d done: %s", i, len(tasks), name)
            pd.DataFrame(rows).to_csv(csv_path, index=False)  # partial results survive
    if failures:
        message = (f"{len(failures)} of {len(tasks)} benchmark runs failed (the {len(rows)} "
                   f"others are in {out}):\n" + "\n".join(failures))
        if not rows:
            raise RuntimeError(message)
    order = {(t["dataset"], t["method"], t["seed"]): i for i, t in enumerate(tasks)}
    table = pd.DataFrame(sorted(rows, key=lambda r: order[(r["dataset"], r["method"],
                                                           r["seed"])]))
    table.to_csv(csv_path, index=False)
    meta = {"command": command, "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "seqgan": __version__, "machine": machine_description(threads_per_run(config)),
            "config": asdict(config)}
    (out / "run.json").write_text(json.dumps(meta, indent=2, default=str))
    (out / "summary.md").write_text(summary_markdown(table, config, meta))
    if failures:
        raise RuntimeError(message)
    return table


def threads_per_run(config: BenchmarkConfig) -> int:
    """Torch threads of each run: ``config.threads``, else the cores shared among the workers
    (several processes with several threads each would wait on each other at every small
    operation)."""
    return config.threads or max(1, (os.cpu_count() or 1) // config.workers)


def machine_description(torch_threads: int) -> dict[str, Any]:
    """Where the runs ran; ``torch_threads``: the threads each run had."""
    import torch

    return {"python": sys.version.split()[0], "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(), "torch": torch.__version__,
            "torch_threads": torch_threads,
            "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
            "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}


def _mean_ci(values: pd.Series) -> str:
    from scipy import stats

    v = values.dropna().to_numpy(dtype=float)
    if len(v) == 0:
        return ""
    if len(v) == 1:
        return f"{v[0]:.3f}"
    half = stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v))
    return f"{v.mean():.3f} ± {half:.3f}"


def tiny_budget(metric: str, options: Mapping[str, Any]) -> str | None:
    """Why the values of ``metric`` computed with ``options`` mean nothing, or None: its
    classifier trained fewer than a quarter of the steps of the metric's defaults."""
    default = METRIC_STEPS.get(metric)
    if default is None:
        return None
    steps = options.get("n_iter")
    if steps is None and options.get("fast"):
        steps = FAST_STEPS[metric]
    if steps is None or steps * 4 >= default:
        return None
    return (f"the {metric} classifier trained {steps} steps per run (its default: {default}); "
            "at this budget it tells neither noise nor a collapsed generator from real data, "
            "so these values only show that the runner works. Raise "
            f"`metric_options.{metric}.n_iter` for numbers that mean something.")


def summary_markdown(table: pd.DataFrame, config: BenchmarkConfig,
                     meta: Mapping[str, Any]) -> str:
    """Markdown: for each metric, methods x datasets as mean ± 95% CI half-width over seeds,
    then the published rows, then timings."""
    datasets = list(dict.fromkeys(table["dataset"]))
    methods = list(dict.fromkeys(table["method"]))
    lines = [f"# Benchmark results (seqgan {meta['seqgan']}, {meta['date']})", ""]
    if meta.get("command"):
        lines += [f"Command: `{meta['command']}`", ""]
    machine = meta["machine"]
    lines += [f"Machine: {machine['processor']}, {machine['cpu_count']} CPUs, "
              f"{machine['platform']}, Python {machine['python']}, torch {machine['torch']}"
              f" ({machine['torch_threads']} threads per run, {config.workers} run(s) at a "
              f"time). Seeds: {config.seeds}. Values: mean ± "
              "95% CI half-width over seeds (t-distribution); lower is better.", ""]
    for metric in config.metrics:
        tiny = tiny_budget(metric, config.metric_options.get(metric) or {})
        lines += [f"## {metric}", ""]
        if tiny:
            lines += [f"**Not meaningful ({TINY_MARK}):** {tiny}", ""]
        lines += ["| method | " + " | ".join(datasets) + " |",
                  "|---" * (len(datasets) + 1) + "|"]
        for method in methods:
            cells = [_mean_ci(table[(table["method"] == method) & (table["dataset"] == d)]
                              [metric]) for d in datasets]
            if tiny:
                cells = [f"{c} {TINY_MARK}" if c else c for c in cells]
            lines.append(f"| {method} | " + " | ".join(cells) + " |")
        for name, numbers in PUBLISHED.items():
            cells = [f"{numbers[d][metric]:.3f}" if metric in numbers.get(d, {}) else ""
                     for d in datasets]
            if any(cells):
                lines.append(f"| *{name}* | " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["## Time and memory (mean over seeds)", "",
              "| method | dataset | fit s | sample s | peak RSS MB |", "|---|---|---|---|---|"]
    for (method, dataset), group in table.groupby(["method", "dataset"], sort=False):
        lines.append(f"| {method} | {dataset} | {group['fit_seconds'].mean():.1f} | "
                     f"{group['sample_seconds'].mean():.2f} | {group['peak_rss_mb'].mean():.0f} |")
    return "\n".join(lines) + "\n"
