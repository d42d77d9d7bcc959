"""DCGAN vs WGAN-GP on MNIST after the same number of generator updates, several seeds:
classifier-feature FID and precision/recall (seqgan.metrics.image_fid, not Inception-FID).

    SEQGAN_DATA_HOME=../shared/datasets python benchmarks/images/fid.py \
        --out benchmarks/results/images_fid --seeds 0 1 2 --n-iter 1500

Protocol: the MNIST test set (10,000 images) is split once (seed 0) into 8,000 training
images and 2,000 held-out images. A feature classifier (ImageClassifier, 5 epochs) is trained
on the 8,000 labelled training images; every GAN trains on the same 8,000 images (labels
unused) for ``--n-iter`` generator updates; FID, precision and recall (k=3) compare 2,000
generated images with the 2,000 held-out ones. The "real" row (2,000 training images against
the held-out ones) is the floor. WGAN-GP uses its paper's settings (5 critic steps, Adam
1e-4, betas (0, 0.9), lambda 10); DCGAN the DCGAN paper's (Adam 2e-4, beta1 0.5).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seqgan import DCGAN
from seqgan.datasets import load_dataset
from seqgan.metrics import ImageClassifier, image_fid, image_precision_recall

MODELS = {
    "dcgan": {},
    "wgan-gp": {"loss": "wgan-gp", "d_steps": 5, "lr_g": 1e-4, "lr_d": 1e-4,
                "optimizer_kwargs": {"betas": (0.0, 0.9)}},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--n-iter", type=int, default=1500)
    parser.add_argument("--latent-dim", type=int, default=100)
    parser.add_argument("--base-channels", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)

    X, y = load_dataset("mnist", return_labels=True)
    order = np.random.default_rng(0).permutation(len(X))
    train, held = order[:8000], order[8000:]
    t0 = time.perf_counter()
    clf = ImageClassifier(n_epochs=5, random_state=0).fit(X[train], y[train])
    clf_seconds = time.perf_counter() - t0
    clf_accuracy = clf.score(X[held], y[held])
    rows = [{"model": "real", "seed": 0, "fid": image_fid(X[train[:2000]], X[held],
                                                          classifier=clf),
             **image_precision_recall(X[train[:2000]], X[held], classifier=clf)}]
    for seed in args.seeds:
        for name, options in MODELS.items():
            model = DCGAN(latent_dim=args.latent_dim, base_channels=args.base_channels,
                          n_iter=args.n_iter, batch_size=64, random_state=seed, verbose=False,
                          device="cpu", **options)
            t0 = time.perf_counter()
            model.fit(X[train])
            seconds = time.perf_counter() - t0
            fake = model.sample(2000, random_state=seed)
            rows.append({"model": name, "seed": seed, "fit_seconds": seconds,
                         "fid": image_fid(fake, X[held], classifier=clf),
                         **image_precision_recall(fake, X[held], classifier=clf),
                         "class_share_max": float(np.bincount(clf.predict(fake),
                                                              minlength=10).max() / 2000)})
            print(json.dumps(rows[-1]), flush=True)
            pd.DataFrame(rows).to_csv(args.out / "results.csv", index=False)
    frame = pd.DataFrame(rows)
    summary = frame.groupby("model", sort=False)[["fid", "precision", "recall",
                                                 "fit_seconds"]].agg(["mean", "std"])
    lines = [f"# DCGAN vs WGAN-GP on MNIST ({args.n_iter} generator updates, "
             f"{len(args.seeds)} seeds)", "",
             f"Feature classifier: held-out accuracy {clf_accuracy:.4f}, trained in "
             f"{clf_seconds:.1f} s. FID is in this classifier's feature space (not "
             "comparable to Inception-FID).", "",
             "Values: mean ± standard deviation over seeds.", "",
             "| model | FID | precision | recall | fit seconds |", "|---|---|---|---|---|"]
    def cell(row: pd.Series, metric: str, digits: int = 3) -> str:
        mean, std = row[(metric, "mean")], row[(metric, "std")]
        if np.isnan(mean):
            return "-"
        return f"{mean:.{digits}f}" + ("" if np.isnan(std) else f" ± {std:.{digits}f}")

    for model, row in summary.iterrows():
        lines.append(f"| {model} | {cell(row, 'fid', 2)} | {cell(row, 'precision')} | "
                     f"{cell(row, 'recall')} | {cell(row, 'fit_seconds', 0)} |")
    pivot = frame[frame.model != "real"].pivot_table(index="seed", columns="model",
                                                     values="fid")
    diff = (pivot["wgan-gp"] - pivot["dcgan"]).dropna()
    if len(diff) > 1:
        from scipy import stats

        half = stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff))
        lines += ["", f"Paired by seed, FID(WGAN-GP) - FID(DCGAN) = {diff.mean():+.2f} ± "
                  f"{half:.2f} (95% t-interval, {len(diff)} seeds)."]
    (args.out / "summary.md").write_text("\n".join(lines) + "\n")
    (args.out / "run.json").write_text(json.dumps(vars(args), default=str, indent=1))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
