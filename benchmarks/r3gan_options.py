"""One R3GAN fit with the options given, scored on ``len(X)`` samples: the ablation tables of
docs/models.md ("R3GAN") came from this script, one run at a time.

    python benchmarks/r3gan_options.py sines 0 scaling=minmax      # dataset, seed, options
    python benchmarks/r3gan_options.py energy 0 "channels=[64, 128]" n_iter=5000

Options are ``name=value`` pairs of ``seqgan.R3GAN`` (values read as Python literals, else as
text); ``n_iter`` defaults to 2,000, one thread. sines: 2,000 windows of 24 x 5 (strict score
with ``real_order="iid"``); stocks and energy: the protocol's windows of 24 in time order (the
strict score's time blocks). Prints the CPU seconds of the fit, the protocol and strict
discriminative scores (2 classifier runs each), and per feature (synthetic over real): the
standard deviation of first differences (roughness), of the values (spread) and within a
window; then the share of values outside the training range.
"""

from __future__ import annotations

import ast
import sys
import time
from typing import Any

import numpy as np
import torch

import seqgan
from seqgan.datasets import load_dataset
from seqgan.metrics import discriminative_score, strict_discriminative_score


def parse_options(pairs: list[str]) -> dict[str, Any]:
    """``["n_iter=5000", "scaling=minmax"]`` -> ``{"n_iter": 5000, "scaling": "minmax"}``."""
    options: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name:
            raise SystemExit(f"Options are name=value pairs of seqgan.R3GAN; got {pair!r}.")
        try:
            options[name] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            options[name] = text
    return options


def _ratios(S: np.ndarray, X: np.ndarray) -> dict[str, list[float]]:
    def per_feature(f):
        return [round(float(v), 2) for v in f(S) / f(X)]
    return {"roughness": per_feature(lambda A: np.diff(A, axis=1).std(axis=(0, 1))),
            "spread": per_feature(lambda A: A.std(axis=(0, 1))),
            "within a window": per_feature(lambda A: A.std(axis=1).mean(axis=0))}


def main(name: str, seed: int, options: dict[str, Any]) -> None:
    torch.set_num_threads(1)
    if name == "sines":
        X = np.asarray(load_dataset("sines", n_samples=2000, seq_len=24, n_features=5,
                                    random_state=0))
        order = "iid"
    else:
        X = np.asarray(load_dataset(name, seq_len=24, shuffle=False), dtype=np.float32)
        order = "time"
    options = {"n_iter": 2000, **options}
    start = time.process_time()
    model = seqgan.R3GAN(random_state=seed, verbose=False, **options).fit(X)
    cpu = time.process_time() - start
    S = model.sample(len(X), random_state=1)
    scoring = {"n_runs": 2, "random_state": 0}
    low, high = X.min(axis=(0, 1)), X.max(axis=(0, 1))
    print(f"{name} seed {seed} {options}: cpu {cpu:.0f} s, protocol "
          f"{discriminative_score(X, S, **scoring).mean:.3f}, strict "
          f"{strict_discriminative_score(X, S, real_order=order, **scoring).mean:.3f}")
    for label, values in _ratios(S, X).items():
        print(f"  {label}: median {np.median(values):.2f}, {values}")
    print(f"  outside the range: {((S < low) | (S > high)).mean():.2%}")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], int(sys.argv[2]), parse_options(sys.argv[3:]))
