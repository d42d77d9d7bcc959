"""The sources' question as an Optuna study: which hidden activation and which latent size
give the most realistic samples? (The thesis compares ReLU, LeakyReLU, PReLU and ELU with 2-,
3- and 4-dimensional latents on MNIST by hand.) Every combination (grid sampler) of
activation x latent dimension, for each seed (diversity guard off, diversity reported), with
``--model crnngan``: C-RNN-GAN on sines (2,000 x 24 x 5, latent = noise dimensions per step),
scored by the discriminative score on a held-out fifth; with ``--model dcgan``: DCGAN on MNIST
(the 10,000 test images, base_channels 32, batch 64), scored by the classifier-feature FID on a
held-out fifth (the thesis' own setting). The summary ranks the combinations by their mean
over seeds and shows the seed-to-seed spread, so that a ranking is only read where the
differences exceed it.

    python benchmarks/tuning/activations.py --out benchmarks/results/tuning --seeds 0 1
    SEQGAN_DATA_HOME=../shared/datasets python benchmarks/tuning/activations.py \
        --model dcgan --n-iter 1000 --out benchmarks/results/tuning_mnist --seeds 0
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import sys
import time
from pathlib import Path

import optuna
import pandas as pd
import torch

import seqgan
from seqgan.datasets import load_dataset
from seqgan.tuning import tune

ACTIVATIONS = ["relu", "leaky_relu", "prelu", "elu"]
LATENT_DIMS = [2, 3, 4]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--n-iter", type=int, default=400)
    parser.add_argument("--model", choices=["crnngan", "dcgan"], default="crnngan")
    parser.add_argument("--quick", action="store_true", help="tiny budgets (smoke test)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    torch.set_num_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    n_iter = 10 if args.quick else args.n_iter
    if args.model == "dcgan":
        X, labels = load_dataset("mnist", return_labels=True,
                                 n_samples=500 if args.quick else None, random_state=0)
        params = {"base_channels": 8 if args.quick else 32, "batch_size": 64, "n_iter": n_iter}
        metric, metric_options, data = "fid", {}, "MNIST"
        score = ("classifier-feature FID on a held-out fifth (an ImageClassifier trained on the "
                 "labelled training split; not Inception-FID; lower is better)")
    else:
        X, labels = load_dataset("sines", n_samples=200 if args.quick else 2000, seq_len=24,
                                 n_features=5, random_state=0), None
        params = {"hidden_dim": 32, "n_iter": n_iter}
        metric, data = "discriminative", "sines"
        metric_options = {"discriminative": {"n_runs": 1 if args.quick else 3,
                                             "fast": args.quick}}
        score = ("discriminative score on a held-out fifth (mean of 3 classifier runs; lower "
                 "is better)")
    space = {"activation": ACTIVATIONS, "latent_dim": LATENT_DIMS}
    grid = optuna.samplers.GridSampler(space, seed=0)
    frames = []
    for seed in args.seeds:
        started = time.perf_counter()
        study = tune(
            args.model, X, n_trials=len(ACTIVATIONS) * len(LATENT_DIMS), space=space,
            params={**params, "random_state": seed}, metric=metric,
            metric_options=metric_options, labels=labels,
            pruner="none", sampler=grid, random_state=seed, diversity_min=0.0,
            storage=f"sqlite:///{args.out / 'studies.db'}",
            study_name=f"{args.model}-{data.lower()}-activations-seed{seed}")
        table = study.trials_dataframe()
        table["seed"] = seed
        frames.append(table)
        logging.info("seed %d: %d trials in %.0f s", seed, len(table),
                     time.perf_counter() - started)
    trials = pd.concat(frames, ignore_index=True)
    # the training indices of each trial are the same split for every trial: leave them out
    trials.drop(columns=["user_attrs_train_index"], errors="ignore").to_csv(
        args.out / "trials.csv", index=False)
    done = trials[trials.state == "COMPLETE"]
    summary = (done.groupby(["params_activation", "params_latent_dim"])
               .agg(mean=("value", "mean"), std=("value", "std"), count=("value", "count"),
                    diversity=("user_attrs_diversity", "mean"))
               .sort_values("mean").reset_index())
    name = {"dcgan": "DCGAN", "crnngan": "C-RNN-GAN"}[args.model]
    lines = [f"# Which activation and latent size? {name} on {data}", "",
             f"Grid of {len(ACTIVATIONS)} activations x latent sizes {LATENT_DIMS}, seeds "
             f"{args.seeds}, {n_iter} iterations, {params}; {score}. "
             "The guard is off (diversity_min=0) so that every combination is ranked; "
             "the diversity column (samples' mean pairwise distance relative to the data's; "
             "below 0.5 = collapsed) says which scores come from collapsed generators.", "",
             "| activation | latent | mean | std over seeds | seeds | diversity |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r.params_activation} | {r.params_latent_dim} | {r['mean']:.3f} | "
              f"{r['std']:.3f} | {int(r['count'])} | {r['diversity']:.3f} |"
              for _, r in summary.iterrows()]
    by_act = done.groupby("params_activation")["value"].mean().sort_values()
    by_dim = done.groupby("params_latent_dim")["value"].mean().sort_values()
    lines += ["", "By activation (mean over latent sizes and seeds): "
              + ", ".join(f"{k} {v:.3f}" for k, v in by_act.items()),
              "", "By latent size: " + ", ".join(f"{k} {v:.3f}" for k, v in by_dim.items())]
    rejected = trials[trials.state != "COMPLETE"]
    if len(rejected):
        lines += ["", "Rejected or failed trials:", ""]
        lines += [f"- seed {r.seed}, {r.params_activation}, latent {r.params_latent_dim}: "
                  f"{r.get('user_attrs_rejected', r.state)}" for _, r in rejected.iterrows()]
    meta = {"command": " ".join(sys.argv), "python": platform.python_version(),
            "torch": torch.__version__, "seqgan": seqgan.__version__,
            "date": time.strftime("%Y-%m-%d %H:%M")}
    lines += ["", "```", json.dumps(meta, indent=1), "```", ""]
    (args.out / "summary.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
