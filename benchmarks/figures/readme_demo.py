"""The README's figure: the model of the README's first command against its data.

    seqgan fit --data sines --out runs/demo
    python benchmarks/figures/readme_demo.py runs/demo docs/figures/readme_demo.png
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import seqgan
from seqgan.datasets import load_dataset
from seqgan.metrics import roughness_ratio
from seqgan.plots import plot_comparison


def main(run: str = "runs/demo", out: str = "docs/figures/readme_demo.png") -> None:
    model = seqgan.load(Path(run) / "model.seqgan")
    X = load_dataset("sines", random_state=0)  # the data `seqgan fit --data sines` trains on
    S = model.sample(1000, random_state=0)
    plot_comparison(X, S, feature=0, n=12, path=out)
    spread = S.std(0).mean() / X.std(0).mean()
    print(f"{out}: roughness ratio per feature {np.round(roughness_ratio(X, S), 2)}, "
          f"spread across samples (synthetic / real) {spread:.2f}")


if __name__ == "__main__":
    main(*sys.argv[1:])
