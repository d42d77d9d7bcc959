"""R3GAN conditional on the heartbeat class (issue 17's conditional ECG row): ECG5000, trained on
a stratified 70% of its 500 beats with their class, sampled with the same classes, and judged
on the 30% it never saw.

    python benchmarks/ecg_conditional.py                 # -> benchmarks/results/ecg_conditional/
    python benchmarks/ecg_conditional.py --quick         # a smoke run (seconds), into /tmp

Per seed (one thread):

* TSTR and TRTR (``seqgan.metrics.tstr_score``: a random forest on the flattened beats, trained
  on the synthetic beats, or on the real training beats, and tested on the held-out real beats);
  the target is TSTR >= 0.9 x TRTR;
* per class with at least ``MIN_CLASS`` training beats: the protocol's and the strict
  discriminative score of that class's synthetic beats against its real training beats, and the
  RMSE between the real and the synthetic per-step mean beat;
* the RMSE between the mean synthetic beats of classes 1 and 2 (against the real data's: the
  failure the issue saw in RCGAN was two identical class means), and the range of the values.

The figure (``docs/figures/ecg_conditional.png``, first seed) shows, per class, real and
synthetic beats and their per-step mean and spread.
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
from sklearn.model_selection import train_test_split

import seqgan
from seqgan.datasets import load_dataset
from seqgan.datasets._ecg import ECG5000_CLASSES
from seqgan.metrics import discriminative_score, strict_discriminative_score, tstr_score

OUT = Path(__file__).resolve().parent / "results" / "ecg_conditional"
FIGURE = Path(__file__).resolve().parents[1] / "docs" / "figures" / "ecg_conditional.png"
MIN_CLASS = 50  # training beats a class needs for its own discriminative scores


def _rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(((a - b) ** 2).mean()))


def run_seed(seed: int, args: argparse.Namespace) -> tuple[dict, dict]:
    X, y = load_dataset("ecg5000", return_labels=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=seed)
    model = seqgan.R3GAN(channels=args.channels, n_iter=args.n_iter, random_state=seed,
                         verbose=False)
    start = time.process_time()
    model.fit(X_train, condition=y_train)
    cpu = time.process_time() - start
    S = np.asarray(model.sample(len(y_train), condition=y_train, random_state=seed + 1))
    row = {"seed": seed, "n_iter": args.n_iter, "cpu_seconds": round(cpu, 1),
           **tstr_score(S, y_train, X_test, y_test, real_train=X_train,
                        real_train_labels=y_train, random_state=seed)}
    row["tstr_over_trtr"] = row["tstr"] / row["trtr"]
    means = {}
    for c in np.unique(y_train):
        real_c, syn_c = X_train[y_train == c], S[y_train == c]
        means[c] = (real_c.mean(0)[:, 0], syn_c.mean(0)[:, 0])
        row[f"mean_rmse_{c}"] = _rmse(*means[c])
        if len(real_c) < MIN_CLASS:
            continue
        row[f"disc_{c}"] = discriminative_score(real_c, syn_c, n_runs=args.n_runs,
                                                random_state=seed).mean
        row[f"strict_{c}"] = strict_discriminative_score(
            real_c, syn_c, real_order="iid", n_runs=args.n_runs, random_state=seed).mean
    row["class_mean_gap_real"] = _rmse(means[1][0], means[2][0])
    row["class_mean_gap_synthetic"] = _rmse(means[1][1], means[2][1])
    row["real_range"] = f"[{X_train.min():.2f}, {X_train.max():.2f}]"
    row["synthetic_range"] = f"[{S.min():.2f}, {S.max():.2f}]"
    return row, {"real": X_train, "synthetic": S, "labels": y_train}


def figure(data: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    classes = [c for c in np.unique(data["labels"]) if (data["labels"] == c).sum() >= MIN_CLASS]
    fig, axes = plt.subplots(3, len(classes), figsize=(5 * len(classes), 8), sharex=True,
                             squeeze=False)
    rng = np.random.default_rng(0)
    for j, c in enumerate(classes):
        keep = data["labels"] == c
        for i, (name, beats) in enumerate((("real", data["real"][keep]),
                                           ("synthetic", data["synthetic"][keep]))):
            ax = axes[i, j]
            for k in rng.choice(len(beats), min(12, len(beats)), replace=False):
                ax.plot(beats[k, :, 0], lw=0.8, alpha=0.7)
            ax.set_title(f"class {c} ({ECG5000_CLASSES[int(c)]}): {name}")
            ax = axes[2, j]
            mean, std = beats[:, :, 0].mean(0), beats[:, :, 0].std(0)
            ax.plot(mean, label=name, color="k" if name == "real" else "C3")
            ax.fill_between(np.arange(len(mean)), mean - std, mean + std, alpha=0.2,
                            color="k" if name == "real" else "C3")
        axes[2, j].set_title(f"class {c}: mean ± std per step")
        axes[2, j].legend()
        axes[2, j].set_xlabel("step")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny budgets, into a temp dir")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--n-iter", type=int, default=1000)
    parser.add_argument("--channels", default="32,64,64,64",
                        help="R3GAN widths, finest first (docs/models.md, 'Going longer')")
    parser.add_argument("--n-runs", type=int, default=3, help="classifier runs per score")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    args.channels = [int(c) for c in args.channels.split(",")]
    if args.quick:
        args.n_iter, args.channels, args.n_runs = 3, [4, 8], 1
    out = args.out or (Path(tempfile.mkdtemp()) if args.quick else OUT)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    rows = []
    for i, seed in enumerate(int(s) for s in args.seeds.split(",")):
        row, data = run_seed(seed, args)
        rows.append(row)
        print(pd.DataFrame([row]).T.to_string(), flush=True)
        if i == 0:
            figure(data, out / "ecg_conditional.png" if args.quick or args.out else FIGURE)
    table = pd.DataFrame(rows)
    table.to_csv(out / "results.csv", index=False)
    with open(out / "run.txt", "w") as handle:
        handle.write(f"{datetime.datetime.now(datetime.UTC).isoformat()}\n"
                     f"{platform.platform()}, Python {platform.python_version()}, torch "
                     f"{torch.__version__}, 1 thread\n{vars(args)}\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
