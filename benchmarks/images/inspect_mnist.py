"""The figures of docs/inspect.md: a short DCGAN run on MNIST with a 2-D latent (the thesis'
setting), watched with every inspection tool, and a CGAN's per-class latent maps.

    SEQGAN_DATA_HOME=../shared/datasets python benchmarks/images/inspect_mnist.py \
        --out docs/figures/inspect
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from seqgan import CGAN, DCGAN
from seqgan.datasets import load_dataset
from seqgan.inspect import (
    ClassifierProbe,
    Snapshots,
    latent_class_map,
    make_gif,
    plot_activations,
    plot_interpolation,
    plot_latent_map,
)
from seqgan.metrics import ImageClassifier, image_fid
from seqgan.plots import plot_history, plot_images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n-iter", type=int, default=1500)
    parser.add_argument("--every", type=int, default=150)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    frames = Path(f"{out}_frames")  # the per-snapshot PNGs stay out of the docs

    X, y = load_dataset("mnist", return_labels=True)
    t0 = time.perf_counter()
    clf = ImageClassifier(n_epochs=5, random_state=0).fit(X, y)
    log = {"classifier_seconds": time.perf_counter() - t0}

    snaps = Snapshots(frames, every=args.every, n=64,
                      latent_map={"classifier": clf, "resolution": 30})
    probe = ClassifierProbe(every=args.every // 2, n=256, n_final=1000)
    t0 = time.perf_counter()
    model = DCGAN(latent_dim=2, base_channels=32, n_iter=args.n_iter, batch_size=64,
                  random_state=0, verbose=False).fit(X, callbacks=[snaps, probe])
    log["dcgan_fit_seconds"] = time.perf_counter() - t0
    # smaller copies for the docs
    make_gif(sorted(frames.glob("snapshot_*.png")), out / "dcgan_training.gif", width=240,
             duration=0.6)
    make_gif(sorted(frames.glob("latent_map_*.png")), out / "dcgan_latent_map.gif", width=300)
    model.history_.to_csv(out / "dcgan_history.csv", index=False)
    plot_history(model.history_, columns=["discriminator/loss", "generator/loss",
                                          "diagnostics/diversity", "probe/accuracy"],
                 smooth=1, path=out / "dcgan_history.png")
    plot_images(model.sample(64, random_state=0), title="DCGAN, 2-D latent",
                path=out / "dcgan_samples.png")
    plot_latent_map(latent_class_map(model, clf, resolution=40),
                    title=f"DCGAN latent map after {args.n_iter} iterations",
                    path=out / "dcgan_latent_map.png")
    plot_interpolation(model, [-2.0, -2.0], [2.0, 2.0], steps=10,
                       path=out / "dcgan_interpolation.png")
    plot_activations(model, latent=[0.5, -0.5], path=out / "dcgan_activations.png")
    log["probe_accuracy"] = probe.accuracies_
    log["probe_final_accuracy"] = probe.final_accuracy_
    log["dcgan_fid_vs_mnist"] = image_fid(model.sample(2000, random_state=1), X[:2000],
                                          classifier=clf)

    t0 = time.perf_counter()
    cgan = CGAN(latent_dim=2, base_channels=32, n_iter=args.n_iter, batch_size=64,
                random_state=0, verbose=False).fit(X, y)
    log["cgan_fit_seconds"] = time.perf_counter() - t0
    labels = np.repeat(np.arange(10), 100)
    log["cgan_class_accuracy"] = float(
        (clf.predict(cgan.sample(1000, condition=labels, random_state=0)) == labels).mean())
    plot_images(cgan.sample(100, condition=np.repeat(np.arange(10), 10), random_state=0),
                title="CGAN: one row per class", path=out / "cgan_samples.png")
    plot_latent_map(latent_class_map(cgan, clf, resolution=30),
                    title="CGAN: one latent map per class", path=out / "cgan_latent_maps.png")
    (out / "run.json").write_text(json.dumps(log, indent=1, default=float))
    print(json.dumps(log, indent=1, default=float))


if __name__ == "__main__":
    main()
