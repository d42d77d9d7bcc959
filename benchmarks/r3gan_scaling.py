"""R3GAN with ``scaling="minmax"`` (sigmoid output) against ``"standard"`` (linear output): one
fit of 2,000 iterations, one thread, scored on ``len(X)`` samples.

    python benchmarks/r3gan_scaling.py sines standard 0      # dataset, scaling, seed

sines: 2,000 windows of 24 x 5 (strict score with real_order="iid"); stocks and energy: the
protocol's windows of 24 in time order (strict score's time blocks). Prints the protocol and
strict discriminative scores (2 classifier runs each), the roughness ratio and the spread per
feature (synthetic over real std of first differences and of values), and the share of values
outside the training range. The table in docs/models.md ("R3GAN") came from these commands,
one at a time.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import torch

import seqgan
from seqgan.datasets import load_dataset
from seqgan.metrics import discriminative_score, strict_discriminative_score


def main(name: str, scaling: str, seed: int) -> None:
    torch.set_num_threads(1)
    if name == "sines":
        X = np.asarray(load_dataset("sines", n_samples=2000, seq_len=24, n_features=5,
                                    random_state=0))
        order = "iid"
    else:
        X = np.asarray(load_dataset(name, seq_len=24, shuffle=False), dtype=np.float32)
        order = "time"
    start = time.process_time()
    model = seqgan.R3GAN(n_iter=2000, random_state=seed, verbose=False, scaling=scaling).fit(X)
    cpu = time.process_time() - start
    S = model.sample(len(X), random_state=1)
    options = {"n_runs": 2, "random_state": 0}
    low, high = X.min(axis=(0, 1)), X.max(axis=(0, 1))
    rough = np.diff(S, axis=1).std(axis=(0, 1)) / np.diff(X, axis=1).std(axis=(0, 1))
    spread = S.std(axis=(0, 1)) / X.std(axis=(0, 1))
    print(f"{name} {scaling} seed {seed}: cpu {cpu:.0f} s, protocol "
          f"{discriminative_score(X, S, **options).mean:.3f}, strict "
          f"{strict_discriminative_score(X, S, real_order=order, **options).mean:.3f}, "
          f"roughness {np.round(rough, 2).tolist()}, spread {np.round(spread, 2).tolist()}, "
          f"outside the range {((S < low) | (S > high)).mean():.2%}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
