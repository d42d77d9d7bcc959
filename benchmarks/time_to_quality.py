"""Time to quality: discriminative scores against training CPU-seconds, R3GAN and TimeGAN side by
side, on stocks and energy (TimeGAN's protocol: windows of 24, stride 1, min-max scaling; kept
in time order so that the strict classifier splits the real windows in time blocks).

    python benchmarks/time_to_quality.py                 # -> benchmarks/results/time_to_quality/
    python benchmarks/time_to_quality.py --quick         # a smoke run (seconds), into /tmp

Each model is trained in segments through the public API: ``fit`` with the largest budget, a
checkpoint and a ``StopAt`` callback at the first budget, then ``fit(..., resume=True)`` with
the next ``StopAt`` (resume continues exactly as one run would), so after each segment the
model is a fitted estimator to sample from. The x axis is the CPU
time of the ``fit`` calls only (process time, one thread, so it equals the work done; sampling
and scoring are not counted). After each segment: ``len(X)`` samples scored with the
protocol's discriminative score (2 classifier runs) and the strict one (2 runs). TimeGAN's
first two phases (autoencoder, supervisor) are pre-training; its points are taken during the
joint phase, so its first point already includes them. One training seed per model and
dataset; the CSV has every point.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

import seqgan
from seqgan.datasets import load_dataset
from seqgan.metrics import discriminative_score, strict_discriminative_score
from seqgan.training import StopAt

OUT = Path(__file__).resolve().parent / "results" / "time_to_quality"

#: (estimator factory of the last budget, the phase the budgets count, budgets): R3GAN's
#: iterations; TimeGAN's joint iterations after 1,000 autoencoder and 1,000 supervisor
#: iterations (as timegan_protocol.toml).
PLANS = {
    "R3GAN": (lambda k, seed: seqgan.R3GAN(n_iter=k, random_state=seed, verbose=False),
              "adversarial", [250, 1000, 2000, 4000]),
    "TimeGAN": (lambda k, seed: seqgan.TimeGAN(n_iter_autoencoder=1000, n_iter_supervisor=1000,
                                               n_iter_joint=k, random_state=seed,
                                               verbose=False),
                "joint", [250, 1000, 3000]),
}
QUICK = {"R3GAN": [5, 10], "TimeGAN": [2, 4]}


def run(model: str, dataset: str, budgets: list[int], seed: int, quick: bool,
        n_runs: int) -> list[dict]:
    # the protocol's windows in time order (not shuffled), so that the strict classifier's
    # default real_order="time" splits them in time blocks
    X = np.asarray(load_dataset(dataset, seq_len=24, shuffle=False), dtype=np.float32)
    if quick:
        X = X[:256]
    factory, phase = PLANS[model][:2]
    rows, cpu = [], 0.0
    with tempfile.TemporaryDirectory() as ckpt:
        for i, budget in enumerate(budgets):
            estimator = factory(budgets[-1], seed)
            if quick and model == "TimeGAN":
                estimator.set_params(n_iter_autoencoder=3, n_iter_supervisor=3)
            start = time.process_time()
            estimator.fit(X, checkpoint_dir=ckpt, resume=i > 0,
                          callbacks=[StopAt(phase, budget)])
            cpu += time.process_time() - start
            S = estimator.sample(len(X), random_state=seed + 1)
            options = {"n_runs": n_runs, "random_state": 0}
            if quick:
                options["n_iter"] = 5
            disc = discriminative_score(X, S, **options)
            strict = strict_discriminative_score(X, S, **options)
            rows.append({"model": model, "dataset": dataset, "seed": seed, "iterations": budget,
                         "cpu_seconds": round(cpu, 1), "discriminative": float(disc.mean),
                         "strict_discriminative": float(strict.mean)})
            print(rows[-1], flush=True)
    return rows


def plot(table: pd.DataFrame, path: Path) -> None:
    import matplotlib
    import matplotlib.ticker
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = list(dict.fromkeys(table["dataset"]))
    fig, axes = plt.subplots(1, len(datasets), figsize=(5.5 * len(datasets), 4), squeeze=False)
    styles = {"discriminative": "-o", "strict_discriminative": "--s"}
    colours = {"R3GAN": "tab:blue", "TimeGAN": "tab:orange"}
    for ax, dataset in zip(axes[0], datasets, strict=True):
        part = table[table["dataset"] == dataset]
        for (model, frame) in part.groupby("model", sort=False):
            for metric, style in styles.items():
                label = f"{model}, {'protocol' if metric == 'discriminative' else 'strict'}"
                ax.plot(frame["cpu_seconds"], frame[metric], style, color=colours.get(model),
                        label=label)
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.set_ylim(0, 0.52)
        ax.set_xlabel("training CPU-seconds (one thread)")
        ax.set_ylabel("|accuracy - 0.5| (lower is better)")
        ax.set_title(f"{dataset} (24 steps)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _markdown(table: pd.DataFrame) -> str:
    cells = [[f"{v:.3f}" if isinstance(v, float) and c.endswith("discriminative") else str(v)
              for c, v in row.items()] for _, row in table.iterrows()]
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in cells]) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny budgets, into a temp dir")
    parser.add_argument("--datasets", default="stocks,energy")
    parser.add_argument("--models", default="R3GAN,TimeGAN")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-runs", type=int, default=2, help="classifier runs per score")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    out = args.out or (Path(tempfile.mkdtemp()) if args.quick else OUT)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for dataset in args.datasets.split(","):
        for model in args.models.split(","):
            budgets = QUICK[model] if args.quick else PLANS[model][2]
            rows += run(model, dataset, budgets, args.seed, args.quick, args.n_runs)
            table = pd.DataFrame(rows)
            table.to_csv(out / "results.csv", index=False)
    plot(table, out / "time_to_quality.png")
    (out / "README.md").write_text(
        f"# Time to quality ({datetime.date.today()})\n\nCommand: `python "
        f"benchmarks/time_to_quality.py{' --quick' if args.quick else ''}`; machine: "
        f"{platform.machine()}, {torch.get_num_threads()} thread, torch {torch.__version__}. "
        "See the script's docstring for the method.\n\n" + _markdown(table)
        + "\n![time to quality](time_to_quality.png)\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
