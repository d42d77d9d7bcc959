"""The figures of docs/privacy.md: the privacy report of a small R3GAN on ECG5000 heartbeats,
and of a deliberately memorising "model" (its training beats plus tiny noise) beside it.

    OMP_NUM_THREADS=1 python benchmarks/figures/privacy_report.py

ECG5000's 500 beats (the data home's train split) are shuffled with seed 0 into 350 training
and 150 holdout beats. The model is trained once, at one thread, and kept in
runs/privacy_ecg5000/model.seqgan (a second run reuses it and only rewrites the reports).
Writes docs/figures/privacy/ecg5000/ and docs/figures/privacy/memorising/ (privacy_report.md
and two PNG figures each) and prints the numbers that docs/privacy.md quotes.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch

import seqgan
from seqgan.datasets import load_dataset
from seqgan.metrics import privacy_report

N_TRAIN = 350
N_ITER = 600


class Memorising:
    """A "model" that returns random training beats plus noise of 1% of the data's standard
    deviation: what a generator that memorised its data would do."""

    def __init__(self, X_train: np.ndarray) -> None:
        self.X_train = X_train

    def sample(self, n: int, random_state: int = 0) -> np.ndarray:
        rng = np.random.default_rng(random_state)
        idx = rng.integers(len(self.X_train), size=n)
        noise = 0.01 * self.X_train.std() * rng.normal(size=(n, *self.X_train.shape[1:]))
        return self.X_train[idx] + noise


def main(out: str = "docs/figures/privacy", run: str = "runs/privacy_ecg5000") -> None:
    torch.set_num_threads(1)
    X = load_dataset("ecg5000")
    order = np.random.default_rng(0).permutation(len(X))
    X_train, X_holdout = X[order[:N_TRAIN]], X[order[N_TRAIN:]]
    path = Path(run) / "model.seqgan"
    if path.exists():
        model = seqgan.load(path)
    else:
        started = time.perf_counter()
        model = seqgan.R3GAN(n_iter=N_ITER, random_state=0, verbose=False).fit(X_train)
        print(f"R3GAN trained on {N_TRAIN} beats in {time.perf_counter() - started:.0f} s "
              f"({N_ITER} iterations, one thread)")
        path.parent.mkdir(parents=True, exist_ok=True)
        model.save(path)
    for name, m in (("ecg5000", model), ("memorising", Memorising(X_train))):
        result = privacy_report(m, X_train, X_holdout, Path(out) / name, random_state=0)
        d = result.dcr
        print(f"{name}: DCR median synthetic {d['synthetic_median']:.3f}, holdout "
              f"{d['holdout_median']:.3f}, ratio {d['ratio_median']:.3f} (5th percentile "
              f"ratio {d['ratio_p5']:.3f}); MIA AUC {result.mia_auc:.3f} ± "
              f"{result.mia_auc_se:.3f}; copies flagged {result.n_copies} of "
              f"{result.n_synthetic} (expected {result.copies_expected:.1f}, p = "
              f"{result.copies_p_value:.2g}); written to {result.markdown_path}")


if __name__ == "__main__":
    main(*sys.argv[1:])
