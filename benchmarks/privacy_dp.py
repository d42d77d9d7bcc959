"""Differential privacy (issue 21, part 2): fidelity at epsilon 1, 3, 10 and without DP, and
the training-time overhead of DP-SGD per iteration.

For each dataset (ECG5000, stocks), seed and budget (none, then each epsilon, delta 1e-5),
R3GAN is trained with the settings DP accepts (``gamma=0``, ``discriminator_view="raw"``,
``n_positional=0``; the same settings without DP, so that DP is the only difference; and, for
reference, R3GAN's defaults without DP) and
scored with the TimeGAN protocol's discriminative and predictive scores (lower is better) on
data scaled to [0, 1] by the public bounds (the discriminative score also with a classifier
of 8 units: the protocol's max(1, n_features // 2) gives ECG5000's one feature one unit;
the predictive score needs at least two features, so ECG5000 has none). The overhead section
times a few iterations of each sequence model with and without DP (the recurrent ones then
run Opacus' DPGRU/DPLSTM).

Run at one thread (the numbers in benchmarks/results/privacy/ were made so)::

    OMP_NUM_THREADS=1 python benchmarks/privacy_dp.py --seeds 0 --n-iter 300

Rows are appended to ``results.csv`` as they finish (a stopped run keeps what it measured);
``summary.md`` is rewritten from that file at the end of every row.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

import seqgan
from seqgan import CRNNGAN, R3GAN, RCGAN, BiGAN, TimeGAN
from seqgan.datasets import load_dataset
from seqgan.metrics import discriminative_score, predictive_score

OUT = Path(__file__).parent / "results" / "privacy"
DELTA = 1e-5
#: Public bounds of each dataset: ECG5000 beats are z-normalised by the archive (values
#: outside +-5 are clipped); the stocks windows come in [0, 1] from the loader (see the note
#: in docs/privacy.md: the loader's min-max is itself fitted on the data).
BOUNDS = {"ecg5000": (-5.0, 5.0), "stocks": (0.0, 1.0)}
R3GAN_DP = {"gamma": 0.0, "discriminator_view": "raw", "n_positional": 0}


def load(name: str) -> np.ndarray:
    if name == "ecg5000":
        return np.asarray(load_dataset("ecg5000"), dtype=np.float64)
    return np.asarray(load_dataset("stocks"), dtype=np.float64)


def to_unit(X: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    lo, hi = bounds
    return (np.clip(X, lo, hi) - lo) / (hi - lo)


def fidelity_rows(args: argparse.Namespace) -> None:
    for dataset in args.datasets:
        X = load(dataset)
        bounds = BOUNDS[dataset]
        real_unit = to_unit(X, bounds)
        for seed in args.seeds:
            for epsilon in ["defaults", None, *args.epsilons]:
                privacy = (None if epsilon in (None, "defaults") else
                           {"epsilon": epsilon, "delta": DELTA, "bounds": bounds})
                settings = {} if epsilon == "defaults" else R3GAN_DP
                model = R3GAN(**settings, n_iter=args.n_iter, batch_size=args.batch_size,
                              scaling="minmax", device="cpu", random_state=seed,
                              verbose=False, privacy=privacy)
                start = time.perf_counter()
                model.fit(X)
                fit_s = time.perf_counter() - start
                fake = to_unit(model.sample(len(X), random_state=seed), bounds)
                metric = {"n_runs": args.metric_runs, "n_iter": args.metric_iter,
                          "random_state": seed, "device": "cpu"}
                disc = discriminative_score(real_unit, fake, **metric)
                # the protocol's classifier has int(n_features / 2) units: none to speak of
                # for one feature (ECG5000), so also one of 8 units
                disc8 = discriminative_score(real_unit, fake, hidden_dim=8, **metric)
                try:
                    pred = predictive_score(real_unit, fake, **metric).mean
                except ValueError:  # one feature: nothing to predict the last one from
                    pred = float("nan")
                spent = getattr(model, "privacy_spent_", None)
                row = {"dataset": dataset, "seed": seed,
                       "target_epsilon": ("none" if epsilon is None else
                                          "none, R3GAN defaults" if epsilon == "defaults"
                                          else epsilon),
                       "epsilon_spent": None if spent is None else spent["epsilon"],
                       "noise_multiplier": None if spent is None else spent["noise_multiplier"],
                       "dp_steps": None if spent is None else spent["steps"],
                       "discriminative": disc.mean, "discriminative_h8": disc8.mean,
                       "predictive": pred,
                       "n_iter": args.n_iter, "batch_size": args.batch_size,
                       "n_sequences": len(X), "fit_s": fit_s,
                       "ms_per_iteration": 1000 * fit_s / max(args.n_iter, 1)}
                append("results.csv", row)
                print(json.dumps(row), flush=True)


OVERHEAD_MODELS = {CRNNGAN: {}, RCGAN: {}, TimeGAN: {}, BiGAN: {}, R3GAN: R3GAN_DP}


def overhead_rows(args: argparse.Namespace) -> None:
    """ms per training iteration with and without DP for each model on stocks windows."""
    X = load("stocks")[: args.overhead_n]
    for cls, extra in OVERHEAD_MODELS.items():
        # TimeGAN's GRUs run seqgan's fused kernel without DP; "torch GRU" (fused off) separates
        # what leaving the fused kernel costs from what DP-SGD costs
        variants = [(False, ""), (False, "torch GRU"), (True, "")] if cls is TimeGAN \
            else [(False, ""), (True, "")]
        for private, variant in variants:
            if variant == "torch GRU":
                os.environ["SEQGAN_FUSED_GRU"] = "0"
            iters = args.overhead_iter
            counts = ({"n_iter_autoencoder": iters, "n_iter_supervisor": iters,
                       "n_iter_joint": iters} if cls is TimeGAN else {"n_iter": iters})
            privacy = {"epsilon": 3.0, "delta": DELTA, "bounds": (0.0, 1.0)} if private else None
            model = cls(**extra, **counts, batch_size=args.batch_size, device="cpu",
                        random_state=0, verbose=False, privacy=privacy,
                        **({"d_threshold": None} if cls is TimeGAN else {}))
            start = time.perf_counter()
            model.fit(X)
            fit_s = time.perf_counter() - start
            os.environ.pop("SEQGAN_FUSED_GRU", None)
            total = 3 * iters if cls is TimeGAN else iters
            name = f"{cls.__name__} ({variant})" if variant else cls.__name__
            row = {"model": name, "dp": private, "iterations": total,
                   "batch_size": args.batch_size, "n_sequences": len(X),
                   "ms_per_iteration": 1000 * fit_s / total}
            append("overhead.csv", row)
            print(json.dumps(row), flush=True)


def append(name: str, row: dict) -> None:
    path = OUT / name
    frame = pd.DataFrame([row])
    frame.to_csv(path, mode="a", header=not path.exists(), index=False)
    write_summary()


def markdown(frame: pd.DataFrame) -> str:
    """A pipe table (floats to 4 significant digits)."""
    def cell(v: object) -> str:
        return f"{v:.4g}" if isinstance(v, float) else str(v)
    rows = [[str(c) for c in frame.columns], ["---"] * frame.shape[1],
            *([cell(v) for v in row] for row in frame.itertuples(index=False))]
    return "\n".join("| " + " | ".join(r) + " |" for r in rows)


def write_summary() -> None:
    lines = ["# Differential privacy: measured (benchmarks/privacy_dp.py)", ""]
    path = OUT / "results.csv"
    if path.exists():
        frame = pd.read_csv(path)
        scores = ["discriminative", "discriminative_h8", "predictive"]
        order = {"none, R3GAN defaults": 0, "none": 1}
        frame["order"] = [order[str(t)] if str(t) in order else 2 + 1 / float(t)
                          for t in frame["target_epsilon"]]  # defaults, none, 10, 3, 1
        grouped = frame.groupby(["dataset", "order", "target_epsilon"], sort=True)
        table = grouped[scores].agg(lambda v: f"{v.mean():.3f} ± {v.std(ddof=0):.3f}"
                                    if v.notna().any() else "n/a")
        table["seeds"] = grouped["seed"].apply(lambda v: ",".join(map(str, sorted(v))))
        table["epsilon spent"] = grouped["epsilon_spent"].max().map(
            lambda v: "" if pd.isna(v) else f"{v:.3f}")
        table["ms/iteration"] = grouped["ms_per_iteration"].mean().map(lambda v: f"{v:.0f}")
        table = table.reset_index().drop(columns="order")
        lines += ["Fidelity (R3GAN, settings DP accepts; TimeGAN protocol, lower is better; "
                  "mean ± std over the seeds):", "", markdown(table), "",
                  "Every run:", "", markdown(frame.drop(columns="order")), ""]
    path = OUT / "overhead.csv"
    if path.exists():
        frame = pd.read_csv(path)
        wide = frame.pivot_table(index="model", columns="dp", values="ms_per_iteration")
        wide = wide.rename(columns={False: "ms/iteration without DP",
                                    True: "ms/iteration with DP"})
        if wide.shape[1] == 2:
            wide["DP / no DP"] = wide.iloc[:, 1] / wide.iloc[:, 0]
        lines += ["Training time per iteration (stocks windows, one thread):", "",
                  markdown(wide.reset_index()), ""]
    (OUT / "summary.md").write_text("\n".join(lines))


def main() -> None:
    global OUT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["ecg5000", "stocks"])
    parser.add_argument("--epsilons", nargs="+", type=float, default=[10.0, 3.0, 1.0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--n-iter", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--metric-runs", type=int, default=3)
    parser.add_argument("--metric-iter", type=int, default=500)
    parser.add_argument("--overhead-iter", type=int, default=10)
    parser.add_argument("--overhead-n", type=int, default=512)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--skip-fidelity", action="store_true")
    parser.add_argument("--skip-overhead", action="store_true")
    args = parser.parse_args()
    OUT = args.out
    torch.set_num_threads(1)
    OUT.mkdir(parents=True, exist_ok=True)
    record = {
        "args": {k: str(v) if isinstance(v, Path) else v
                 for k, v in vars(args).items()},
        "seqgan": seqgan.__version__, "torch": torch.__version__,
        "opacus": __import__("opacus").__version__, "python": platform.python_version(),
        "machine": platform.machine(), "threads": torch.get_num_threads()}
    # one record per section, so that a later run of one section keeps the other's
    path = OUT / "run.json"
    runs = json.loads(path.read_text()) if path.exists() else {}
    if "args" in runs:  # a record of one run of both sections
        runs = {"fidelity": runs} if runs["args"].get("skip_overhead") else {"both": runs}
    for section, skipped in (("fidelity", args.skip_fidelity),
                             ("overhead", args.skip_overhead)):
        if not skipped:
            runs[section] = record
    path.write_text(json.dumps(runs, indent=2))
    if not args.skip_overhead:
        overhead_rows(args)
    if not args.skip_fidelity:
        fidelity_rows(args)


if __name__ == "__main__":
    main()
