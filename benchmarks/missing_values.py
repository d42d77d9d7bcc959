"""Missing values: R3GAN trained on sines with 30% of the values removed (at random, or in
bursts), scored on the complete ground truth, against the same model trained on the complete
data and against two ways of doing without missing-value support.

    python benchmarks/missing_values.py                # -> benchmarks/results/missing_values/
    python benchmarks/missing_values.py --quick        # a smoke run (seconds), into /tmp
    python benchmarks/missing_values.py --ecg          # ECG5000 -> docs/figures/missing/

Variants (each one R3GAN fit of ``--n-iter`` iterations per seed, one thread):

* ``complete``: the complete data (the reference);
* ``mask``: the data with NaN, as a user passes it (observation channels; the discriminator sees
  half of the generated batch through the real batch's observation pattern, half through the
  generated one: ``seqgan.models._missing``);
* ``channels``: the observation channels as plain extra features (every generated series seen
  through its own pattern: ``BORROWED_SHARE = 0``), the other candidate the issue names;
* ``interpolated``: NaN filled by linear interpolation in time (ends: nearest value) before
  fitting, what a user does without missing-value support;
* ``complete-minmax``, ``mask-minmax``: ``complete`` and ``mask`` with ``scaling="minmax"``
  instead of R3GAN's default "standard" (a linear output overshoots bounded data, and more so
  with gaps: see docs/data.md).

Scores of ``sample(len(X))`` (complete series, ``missing="none"``) against the complete
ground truth: the protocol's discriminative score and the strict one (2 classifier runs each),
and the roughness ratio (std of first differences against the data's, mean over features).
Missingness of ``sample(len(X), missing="pattern")`` against the data's: the share of missing
values per feature and the mean length of a gap (a run of missing steps).

``--ecg``: the medical case of docs/data.md. ECG5000's 500 training heartbeats (140 steps) with
30% of the steps removed in bursts of mean length 10 (a lead coming loose), R3GAN with its
defaults on the data with gaps against R3GAN on the complete beats, scored on the complete
beats; the figure (docs/figures/missing/ecg5000.png) shows beats with gaps, samples with their
generated gaps over the values the model filled in, the per-step mean and spread, the per-step
missing rate and the gap lengths.
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
import seqgan.models._missing as missing_module
from seqgan.datasets import load_dataset
from seqgan.metrics import discriminative_score, strict_discriminative_score

OUT = Path(__file__).resolve().parent / "results" / "missing_values"
FIGURES = Path(__file__).resolve().parents[1] / "docs" / "figures" / "missing"
RATE = 0.3
BURST_MEAN = 5.0  # mean gap length of the burst pattern, in steps


def remove(X: np.ndarray, kind: str, rng: np.random.Generator,
           burst_mean: float = BURST_MEAN) -> np.ndarray:
    """``X`` with ``RATE`` of its values set to NaN: independently per value ("random"), or in
    gaps of mean length ``burst_mean`` per feature (a two-state Markov chain, "bursts")."""
    out = X.astype(np.float64)
    if kind == "random":
        gone = rng.random(X.shape) < RATE
    else:
        leave = 1.0 / burst_mean  # P(missing -> observed)
        enter = RATE * leave / (1.0 - RATE)  # stationary share of missing steps = RATE
        gone = np.empty(X.shape, dtype=bool)
        gone[:, 0] = rng.random(X.shape[::2]) < RATE
        for t in range(1, X.shape[1]):
            u = rng.random(X.shape[::2])
            gone[:, t] = np.where(gone[:, t - 1], u >= leave, u < enter)
    out[gone] = np.nan
    return out


def interpolate(X: np.ndarray) -> np.ndarray:
    """NaN filled by linear interpolation along time, ends by the nearest observed value."""
    out = X.copy()
    for i in range(len(X)):
        frame = pd.DataFrame(X[i]).interpolate(limit_direction="both")
        out[i] = frame.to_numpy()
    return out


def gap_lengths(gone: np.ndarray) -> np.ndarray:
    """Lengths of the runs of True along axis 1 of ``gone`` (n, T, d), all pooled."""
    padded = np.pad(np.moveaxis(gone, 1, -1).reshape(-1, gone.shape[1]), ((0, 0), (1, 1)))
    edges = np.diff(padded.astype(np.int8), axis=1)
    return (np.argwhere(edges == -1)[:, 1] - np.argwhere(edges == 1)[:, 1]).astype(int)


def gap_statistics(S: np.ndarray) -> tuple[np.ndarray, float]:
    """Share of NaN per feature, and the mean length of a run of NaN steps."""
    gone = np.isnan(S)
    lengths = gap_lengths(gone)
    return gone.mean(axis=(0, 1)), float(lengths.mean()) if lengths.size else 0.0


def roughness(S: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Per feature: std of first differences of ``S`` over that of ``X`` (1 is the data's)."""
    return np.diff(S, axis=1).std(axis=(0, 1)) / np.diff(X, axis=1).std(axis=(0, 1))


def run(variant: str, kind: str, X: np.ndarray, X_missing: np.ndarray, seed: int,
        n_iter: int, n_runs: int, quick: bool) -> dict:
    base, _, scaling = variant.partition("-")
    data = {"complete": X, "interpolated": interpolate(X_missing)}.get(base, X_missing)
    missing_module.BORROWED_SHARE = 0.0 if base == "channels" else 0.5
    model = seqgan.R3GAN(n_iter=n_iter, random_state=seed, verbose=False,
                         **({"scaling": scaling} if scaling else {}))
    start = time.process_time()
    model.fit(data)
    cpu = time.process_time() - start
    missing_module.BORROWED_SHARE = 0.5
    S = model.sample(len(X), random_state=seed + 1)
    options = {"n_runs": n_runs, "random_state": 0, **({"n_iter": 5} if quick else {})}
    row = {"variant": variant, "missing": "none" if base == "complete" else kind,
           "seed": seed, "cpu_seconds": round(cpu, 1),
           "discriminative": float(discriminative_score(X, S, **options).mean),
           "strict_discriminative": float(strict_discriminative_score(
               X, S, real_order="iid", **options).mean),
           "roughness": round(float(roughness(S, X).mean()), 3)}
    if base in ("mask", "channels"):
        rates, gap = gap_statistics(model.sample(len(X), random_state=seed + 2,
                                                 missing="pattern"))
        data_rates, data_gap = gap_statistics(X_missing)
        row.update(missing_rate=float(rates.mean()),
                   max_rate_error=float(np.abs(rates - data_rates).max()),
                   mean_gap=round(gap, 2), data_rate=float(data_rates.mean()),
                   data_mean_gap=round(data_gap, 2))
    print(row, flush=True)
    return row


def _markdown(table: pd.DataFrame) -> str:
    cells = [["" if pd.isna(v) else f"{v:.3f}" if isinstance(v, float) else str(v)
              for v in row] for row in table.itertuples(index=False)]
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in cells]) + "\n"


def ecg(out: Path, figure: Path, n_iter: int, seed: int, quick: bool) -> None:
    """The ECG5000 case (see the module docstring): a table and the figure."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X = np.asarray(load_dataset("ecg5000"), dtype=np.float64)
    if quick:
        X = X[:64]
    X_missing = remove(X, "bursts", np.random.default_rng(100 + seed), burst_mean=10.0)
    options = {"n_runs": 2, "random_state": 0, **({"n_iter": 5} if quick else {})}
    rows, samples = [], {}
    for variant, data in (("complete", X), ("mask", X_missing)):
        model = seqgan.R3GAN(n_iter=n_iter, random_state=seed, verbose=False)
        start = time.process_time()
        model.fit(data)
        cpu = time.process_time() - start
        S = model.sample(len(X), random_state=seed + 1)
        samples[variant] = S
        row = {"variant": variant, "seed": seed, "cpu_seconds": round(cpu, 1),
               "discriminative": float(discriminative_score(X, S, **options).mean),
               "strict_discriminative": float(strict_discriminative_score(
                   X, S, real_order="iid", **options).mean),
               "roughness": round(float(roughness(S, X).mean()), 3)}
        if variant == "mask":
            P = model.sample(len(X), random_state=seed + 1, missing="pattern")
            samples["pattern"] = P
            rates, gap = gap_statistics(P)
            data_rates, data_gap = gap_statistics(X_missing)
            row.update(missing_rate=float(rates.mean()), data_rate=float(data_rates.mean()),
                       mean_gap=round(gap, 2), data_mean_gap=round(data_gap, 2))
        rows.append(row)
        print(row, flush=True)
    table = pd.DataFrame(rows)
    table.to_csv(out / "ecg5000.csv", index=False)
    (out / "ecg5000.md").write_text(
        f"Run {datetime.date.today()} on {platform.machine()}, torch {torch.__version__}, one "
        f"thread; ECG5000 train split {X.shape[0]} x {X.shape[1]}, {int(RATE * 100)}% removed "
        f"in bursts of mean length 10, R3GAN n_iter={n_iter}, seed {seed}; scores against the "
        f"complete beats.\n\n" + _markdown(table))

    t = np.arange(X.shape[1])
    fig, axes = plt.subplots(2, 3, figsize=(15, 7.5))
    for k in range(3):
        axes[0, 0].plot(t, X_missing[k, :, 0] + 4 * k, color="black", lw=1)
        axes[0, 1].plot(t, samples["mask"][k, :, 0] + 4 * k, color="tab:blue", lw=0.8,
                        alpha=0.35)
        axes[0, 1].plot(t, samples["pattern"][k, :, 0] + 4 * k, color="tab:blue", lw=1.2)
        axes[0, 2].plot(t, samples["mask"][k + 3, :, 0] + 4 * k, color="tab:blue", lw=1)
    axes[0, 0].set_title("real beats, 30% removed in bursts (the training data)")
    axes[0, 1].set_title('samples: missing="pattern" (bold) over the values filled in')
    axes[0, 2].set_title('samples: missing="none" (complete)')
    for name, S, colour in (("real (complete)", X, "black"),
                            ("trained on data with gaps", samples["mask"], "tab:blue"),
                            ("trained on complete data", samples["complete"], "tab:orange")):
        mean, std = S[..., 0].mean(0), S[..., 0].std(0)
        axes[1, 0].plot(t, mean, color=colour, label=name)
        axes[1, 0].fill_between(t, mean - std, mean + std, color=colour, alpha=0.12)
    axes[1, 0].set_title("mean and spread per step")
    axes[1, 0].legend(fontsize=8)
    axes[1, 1].plot(t, np.isnan(X_missing[..., 0]).mean(0), color="black", label="data")
    axes[1, 1].plot(t, np.isnan(samples["pattern"][..., 0]).mean(0), color="tab:blue",
                    label="samples")
    axes[1, 1].set_ylim(0, 0.6)
    axes[1, 1].set_title("share missing per step")
    axes[1, 1].legend(fontsize=8)
    bins = np.arange(1, 42, 2)
    axes[1, 2].hist([np.clip(gap_lengths(np.isnan(X_missing)), 1, 40),
                     np.clip(gap_lengths(np.isnan(samples["pattern"])), 1, 40)], bins=bins,
                    density=True, color=["black", "tab:blue"], label=["data", "samples"])
    axes[1, 2].set_title("gap lengths (steps; 40 = 40 or more)")
    axes[1, 2].legend(fontsize=8)
    for ax in axes[0]:
        ax.set_yticks([])
    fig.tight_layout()
    figure.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(figure, dpi=100)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny budgets, into a temp dir")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--n-iter", type=int, default=1500)
    parser.add_argument("--n-runs", type=int, default=2, help="classifier runs per score")
    parser.add_argument("--variants", help="comma-separated; a suffix '-minmax' fits with "
                        "scaling='minmax'", default="complete,mask,channels,interpolated,"
                        "complete-minmax,mask-minmax")
    parser.add_argument("--kinds", default="random,bursts")
    parser.add_argument("--ecg", action="store_true", help="the ECG5000 case and its figure")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    out = args.out or (Path(tempfile.mkdtemp()) if args.quick else OUT)
    out.mkdir(parents=True, exist_ok=True)
    if args.ecg:
        figure = (out if args.quick else FIGURES) / "ecg5000.png"
        ecg(out, figure, 5 if args.quick else 2000, int(args.seeds.split(",")[0]), args.quick)
        return
    n = 128 if args.quick else 2000
    n_iter = 5 if args.quick else args.n_iter
    X = np.asarray(load_dataset("sines", n_samples=n, seq_len=24, n_features=5,
                                random_state=0))
    rows = []
    for seed in (int(s) for s in args.seeds.split(",")):
        for kind in args.kinds.split(","):
            X_missing = remove(X, kind, np.random.default_rng(100 + seed))
            for variant in args.variants.split(","):
                if variant.startswith("complete") and kind != args.kinds.split(",")[0]:
                    continue
                rows.append(run(variant, kind, X, X_missing, seed, n_iter, args.n_runs,
                                args.quick))
                pd.DataFrame(rows).to_csv(out / "results.csv", index=False)
    table = pd.DataFrame(rows)
    meta = (f"Run {datetime.date.today()} on {platform.machine()}, torch "
            f"{torch.__version__}, one thread, one job at a time; sines n={n} x 24 x 5, "
            f"R3GAN n_iter={n_iter}, {int(RATE * 100)}% missing.\n\n")
    (out / "summary.md").write_text(meta + _markdown(table))
    print(table.to_string())


if __name__ == "__main__":
    main()
