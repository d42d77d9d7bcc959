"""The honest experiment for the AIS/DRE generator update (issue "AIS/DRE ... tested honestly").

Same architecture and budget with and without the wrapper, several seeds, paired:

- ``baseline``: the plain model, samples from the prior;
- ``baseline + DRS`` and ``baseline + DDLS``: post-hoc samplers on the baseline checkpoint
  (discriminator rejection sampling; latent Langevin on ``E(z) = -log p(z) - d(G(z))``);
- ``AIS (prior)`` and ``AIS (q)``: the wrapped model, sampling from the prior and from its
  learned proposal.

Datasets: ``sines`` (TimeGAN's recipe, 2,000 x 24 x 5; discriminative and predictive scores;
the default); ``ring`` and ``grid`` (``load_dataset("ring")``: 8 Gaussians on a circle of
radius 2, std 0.05; ``"grid"``: 25 on a 5 x 5 grid; modes covered, share of high-quality
samples and KL of the mode histogram to uniform, ``seqgan.metrics.mode_coverage``) with
``--model mlpgan`` (its defaults: 3 x 128 units, latent 2, 5,000 iterations); C-RNN-GAN
(sequences of one step) does not learn the ring at its budget with or without the update (0 of
8 modes). ``digits`` (``--model dcgan --datasets digits``): DCGAN on
scikit-learn's 8 x 8 digits (1,797 images; 1,397 to train, 400 held out), scored by the
classifier-feature FID, precision and recall against the held-out images (one ImageClassifier
trained on the training images' labels, the same for every run) and the number of digit
classes holding at least 5% of the samples. ``stocks`` (``--model r3gan --datasets stocks
--no-loglik``): TimeGAN's 3,661 stocks windows in time order, R3GAN at its defaults (2,000
iterations), scored by the protocol's discriminative and predictive scores and the strict
discriminative score (time-block split); no likelihoods (no held-out windows outside the
protocol's).
Per metric: mean over seeds and the mean and 95% t-interval of the paired difference to the
baseline. AIS log-likelihood (Wu et al. 2017) of held-out data for both trained models, with
sigma^2 chosen on validation data of the first seed's baseline and then fixed, and the BDMC gap
of that baseline.

    python benchmarks/ais/run.py --out benchmarks/results/ais            # about 40 min, 1 core
    python benchmarks/ais/run.py --out benchmarks/results/ais_r3gan --model r3gan \
        --datasets stocks --no-loglik                                    # about 60 min, 1 core

On two cores, split the seeds into two runs at once and merge them (same arguments, one
thread each):

    python benchmarks/ais/run.py --out /tmp/a --seeds 3 ... &
    python benchmarks/ais/run.py --out /tmp/b --seeds 2 --start-seed 3 ...
    python benchmarks/ais/run.py --out benchmarks/results/ais_r3gan --model r3gan \
        --combine /tmp/a /tmp/b
    python benchmarks/ais/run.py --out /tmp/ais-quick --quick            # a minute, numbers
                                                                         # meaningless
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy import stats

import seqgan
from seqgan import CRNNGAN, DCGAN, MLPGAN, R3GAN, TimeGAN
from seqgan.ais import (
    AISUpdate,
    ais_log_likelihood,
    bdmc,
    choose_sigma2,
    discriminator_rejection_sample,
    latent_langevin_sample,
)
from seqgan.datasets import load_dataset
from seqgan.metrics import (
    ImageClassifier,
    discriminative_score,
    image_fid,
    image_precision_recall,
    mode_coverage,
    predictive_score,
    strict_discriminative_score,
)

logger = logging.getLogger("benchmarks.ais")

MIXTURE_STD = 0.05


def mixture(name: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, 2) points of the ring or grid of Gaussians, and the mixture's centres."""
    return load_dataset(name, n_samples=n, std=MIXTURE_STD, return_centres=True,
                        random_state=seed)


def mixture_metrics(samples: np.ndarray, centres: np.ndarray) -> dict[str, float]:
    """Modes covered, high-quality share and mode KL (``mode_coverage``, 3 std)."""
    return mode_coverage(samples.reshape(len(samples), -1), centres, MIXTURE_STD)


def protocol_scores(X: np.ndarray, samples: np.ndarray, seed: int, n_runs: int, quick: bool,
                    strict: bool) -> dict[str, float]:
    """The TimeGAN protocol's discriminative and predictive scores of ``samples`` against
    ``X`` (n, T, d), and with ``strict`` the strict discriminative score."""
    kwargs = {"n_runs": n_runs, "random_state": seed, "fast": quick}
    metrics = {"discriminative": discriminative_score}
    if strict:
        metrics["strict_discriminative"] = strict_discriminative_score
    metrics["predictive"] = predictive_score
    return {name: metric(X, samples, **kwargs).mean for name, metric in metrics.items()}


def paired(df: pd.DataFrame, metric: str, variant: str) -> tuple[float, float, float]:
    """Mean over seeds of ``variant``, and the mean and 95% half-width of its paired
    difference to the baseline."""
    table = df.pivot_table(index="seed", columns="variant", values=metric, dropna=False)
    diff = (table[variant] - table["baseline"]).dropna()
    n = len(diff)
    half = (float(stats.t.ppf(0.975, n - 1) * diff.std(ddof=1) / math.sqrt(n))
            if n > 1 else math.nan)
    return float(table[variant].mean()), float(diff.mean()), half


def run(out: Path, seeds: list[int], quick: bool, datasets: list[str],
        model_name: str = "crnngan", loglik: bool = True, threads: int = 1) -> None:
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(threads)
    model_cls = {"crnngan": CRNNGAN, "timegan": TimeGAN, "dcgan": DCGAN,
                 "mlpgan": MLPGAN, "r3gan": R3GAN}[model_name]
    if (model_name == "dcgan") != (datasets == ["digits"]):
        raise SystemExit("--model dcgan goes with --datasets digits (and only it).")
    points = {"ring", "grid"}
    if (model_name == "mlpgan") != bool(points & set(datasets)) or (
            model_name == "mlpgan" and not points >= set(datasets)):
        raise SystemExit("--model mlpgan goes with --datasets ring/grid (and only them).")
    if loglik and "stocks" in datasets:
        raise SystemExit("The AIS log-likelihood is not set up for stocks (no held-out "
                         "windows outside the protocol's); add --no-loglik.")
    rows: list[dict] = []
    ll_rows: list[dict] = []
    ais = AISUpdate() if not quick else AISUpdate(every=5, n_temperatures=5, n_particles=64)
    budgets = {
        "ring": {"hidden_dim": 32, "num_layers": 1, "feed_previous": False,
                 "n_iter": 40 if quick else 1500, "batch_size": 128},
        "grid": {},
        "sines": {"hidden_dim": 32, "n_iter": 20 if quick else 600},
        "stocks": {"hidden_dim": 32, "n_iter": 20 if quick else 600},
        "digits": {"latent_dim": 8, "base_channels": 32, "batch_size": 64,
                   "n_iter": 20 if quick else 1000},
    }
    if model_name in ("mlpgan", "r3gan"):  # the model's defaults
        budgets = {name: {"n_iter": 40} if quick else {} for name in budgets}
    if model_name == "timegan":  # the reference architecture, a short budget
        steps = 10 if quick else 500
        budgets = {name: {"n_iter_autoencoder": steps, "n_iter_supervisor": steps,
                          "n_iter_joint": steps} for name in budgets}
    n_runs = 1 if quick else 3
    ll_temps = 20 if quick else 200
    sigma2: dict[str, float] = {}

    def record(dataset, seed, variant, fit_s, values):
        rows.append({"dataset": dataset, "seed": seed, "variant": variant,
                     "fit_s": fit_s, **values})
        pd.DataFrame(rows).to_csv(out / "results.csv", index=False)
        logger.info("%s seed %d %s: %s", dataset, seed, variant,
                    {k: round(v, 4) for k, v in values.items()})

    if "digits" in datasets:
        images, labels = load_dataset("digits", return_labels=True)
        order = np.random.default_rng(0).permutation(len(images))
        digits_train, digits_test = images[order[:-400]], images[order[-400:]]
        classifier = ImageClassifier(random_state=0).fit(digits_train, labels[order[:-400]])

        def digit_scores(samples):
            classes = np.bincount(classifier.predict(samples), minlength=10) / len(samples)
            return {"fid": image_fid(digits_test, samples, classifier=classifier),
                    **image_precision_recall(digits_test, samples, classifier=classifier),
                    "classes": float((classes >= 0.05).sum())}
    for dataset in datasets:
        for seed in seeds:
            if dataset == "digits":
                X, X_test = digits_train, digits_test[:100]
                score = digit_scores
            elif dataset in ("ring", "grid"):
                X, centres = mixture(dataset, 500 if quick else 2000, seed)
                X_test = mixture(dataset, 200, 1000 + seed)[0]
                if model_name != "mlpgan":  # sequences of one step
                    X, X_test = X[:, None, :], X_test[:, None, :]

                def score(samples, centres=centres):
                    return mixture_metrics(samples, centres)
            elif dataset == "stocks":  # TimeGAN's windows in time order, as the protocol
                X = np.asarray(load_dataset("stocks", seq_len=24, shuffle=False),
                               dtype=np.float32)
                X = X[:300] if quick else X

                def score(samples, X=X, seed=seed):
                    return protocol_scores(X, samples, seed, n_runs, quick, strict=True)
            else:
                X = load_dataset("sines", n_samples=200 if quick else 2000, seq_len=24,
                                 n_features=5, random_state=seed)
                X_test = load_dataset("sines", n_samples=50, seq_len=24, n_features=5,
                                      random_state=1000 + seed)

                def score(samples, X=X, seed=seed):
                    return protocol_scores(X, samples, seed, n_runs, quick, strict=False)
            n = {"sines": len(X), "stocks": len(X), "digits": 400}.get(dataset, 2500)
            params = {**budgets[dataset], "random_state": seed, "verbose": False}
            models = {}
            for name, update in (("baseline", None), ("AIS", ais)):
                start = time.perf_counter()
                models[name] = model_cls(**params, generator_update=update).fit(X)
                fit_s = time.perf_counter() - start
                models[name].save(out / f"{dataset}-{name}-{seed}.seqgan")
                if name == "baseline":
                    record(dataset, seed, "baseline", fit_s,
                           score(models[name].sample(n, random_state=seed)))
                    drs, acceptance = discriminator_rejection_sample(
                        models[name], n, burn_in=2000 if quick else 10000, random_state=seed)
                    record(dataset, seed, "baseline + DRS", math.nan,
                           {**score(drs), "acceptance": acceptance})
                    record(dataset, seed, "baseline + DDLS", math.nan,
                           score(latent_langevin_sample(models[name], n,
                                                        n_steps=10 if quick else 100,
                                                        step_size=0.01, random_state=seed)))
                else:
                    history = models[name].history_
                    extra = {"batch_ess": float(history["ais/ess"].mean()),
                             "refit_ess": float(history["ais/refit_ess"].mean())}
                    record(dataset, seed, "AIS (prior)", fit_s,
                           {**score(models[name].sample(n, random_state=seed)), **extra})
                    record(dataset, seed, "AIS (q)", math.nan,
                           score(models[name].sample(n, random_state=seed,
                                                     from_proposal=True)))
            # AIS log-likelihood of held-out data, sigma^2 fixed from the first seed
            if not loglik:
                continue
            if dataset not in sigma2:
                X_val = (mixture(dataset, 100, 2000)[0].reshape((100, *X.shape[1:]))
                         if dataset in ("ring", "grid") else digits_test[-30:]
                         if dataset == "digits" else load_dataset(
                             "sines", n_samples=30, seq_len=24, n_features=5,
                             random_state=2000))
                # up to 1: earlier runs (digits, C-RNN-GAN sines) chose 0.1, the top of a
                # grid that ended there
                grid = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)
                sigma2[dataset], scores = choose_sigma2(
                    models["baseline"], X_val, grid=grid, n_temperatures=ll_temps // 2,
                    n_chains=4, random_state=0)
                gap = bdmc(models["baseline"], 16, sigma2=sigma2[dataset],
                           n_temperatures=ll_temps, n_chains=4, random_state=0)
                ll_rows.append({"dataset": dataset, "seed": seed, "variant": "BDMC baseline",
                                "sigma2": sigma2[dataset], "ll": float(gap.lower.mean()),
                                "upper": float(gap.upper.mean()), "gap": gap.gap,
                                "sigma2_scores": json.dumps(scores)})
            for name, model in models.items():
                start = time.perf_counter()
                ll = ais_log_likelihood(model, X_test, sigma2=sigma2[dataset],
                                        n_temperatures=ll_temps, n_chains=8, random_state=0)
                ll_rows.append({"dataset": dataset, "seed": seed, "variant": name,
                                "sigma2": sigma2[dataset], "ll": ll.mean,
                                "ll_stderr": ll.stderr, "acceptance": ll.acceptance,
                                "seconds": time.perf_counter() - start})
                pd.DataFrame(ll_rows).to_csv(out / "loglik.csv", index=False)
    summarise(out, pd.DataFrame(rows), pd.DataFrame(ll_rows), seeds, quick, model_cls.__name__)


def summarise(out: Path, df: pd.DataFrame, ll: pd.DataFrame, seeds: list[int],
              quick: bool, model: str = "CRNNGAN") -> None:
    lines = ["# AIS/DRE generator update: paired comparison with the plain update", "",
             f"{model}, same architecture and budget, seeds {seeds}. Difference = variant "
             "minus baseline of the same seed; ± is the 95% t-interval of the mean paired "
             "difference. An improvement is real only if the interval excludes 0 in the "
             "better direction.", ""]
    if quick:
        lines += ["**Quick run: budgets too small for the numbers to mean anything.**", ""]
    better = {"modes": "higher", "high_quality": "higher", "kl": "lower",
              "discriminative": "lower", "strict_discriminative": "lower",
              "predictive": "lower", "fid": "lower", "precision": "higher",
              "recall": "higher", "classes": "higher"}
    for dataset, metrics in (("ring", ["modes", "high_quality", "kl"]),
                             ("grid", ["modes", "high_quality", "kl"]),
                             ("sines", ["discriminative", "predictive"]),
                             ("stocks", ["discriminative", "strict_discriminative",
                                         "predictive"]),
                             ("digits", ["fid", "precision", "recall", "classes"])):
        part = df[df.dataset == dataset]
        if part.empty:
            continue
        lines += [f"## {dataset}", "", "| variant | " + " | ".join(
            f"{m} ({better[m]} is better) | Δ vs baseline" for m in metrics) + " |",
                  "|---|" + "---|---|" * len(metrics)]
        for variant in part.variant.unique():
            cells = []
            for m in metrics:
                mean, dmean, half = paired(part, m, variant)
                cells += [f"{mean:.3f}", "" if variant == "baseline"
                          else f"{dmean:+.3f} ± {half:.3f}"]
            lines.append(f"| {variant} | " + " | ".join(cells) + " |")
        lines.append("")
    if not ll.empty:
        lines += ["## AIS log-likelihood of held-out data (nats per sample, scaled space)",
                  "", "| dataset | variant | sigma2 | mean over seeds | per seed |",
                  "|---|---|---|---|---|"]
        for (dataset, variant), g in ll.groupby(["dataset", "variant"], sort=False):
            extra = (f" (upper {g.upper.mean():.2f}, BDMC gap {g.gap.mean():.3f})"
                     if variant.startswith("BDMC") else "")
            lines.append(f"| {dataset} | {variant} | {g.sigma2.iloc[0]:g} | "
                         f"{g.ll.mean():.2f}{extra} | "
                         + ", ".join(f"{v:.2f}" for v in g.ll) + " |")
        lines.append("")
    meta = {"command": " ".join(sys.argv), "python": platform.python_version(),
            "torch": torch.__version__, "seqgan": seqgan.__version__,
            "machine": platform.machine(), "date": time.strftime("%Y-%m-%d %H:%M")}
    lines += ["```", json.dumps(meta, indent=1), "```", ""]
    (out / "summary.md").write_text("\n".join(lines))


def combine(out: Path, parts: list[Path], model_name: str, quick: bool) -> None:
    """The results of runs over disjoint seeds (``parts``, each an ``--out``) merged into
    ``out`` and summarised as one run."""
    def read(name: str) -> pd.DataFrame:
        frames = [pd.read_csv(part / name) for part in parts if (part / name).exists()]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    df, ll = read("results.csv"), read("loglik.csv")
    if df.empty:
        raise SystemExit(f"No results.csv in {', '.join(map(str, parts))}.")
    if df.duplicated(["dataset", "seed", "variant"]).any():
        raise SystemExit("The runs to combine share seeds; give each its own --start-seed.")
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / "results.csv", index=False)
    if not ll.empty:
        ll.to_csv(out / "loglik.csv", index=False)
    name = {"crnngan": "CRNNGAN", "timegan": "TimeGAN", "dcgan": "DCGAN", "mlpgan": "MLPGAN",
            "r3gan": "R3GAN"}[model_name]
    summarise(out, df, ll, sorted(int(s) for s in df.seed.unique()), quick, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seeds", type=int, default=5, help="number of seeds")
    parser.add_argument("--start-seed", type=int, default=0,
                        help="first seed (to add seeds to an earlier run)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--datasets", nargs="+", default=["sines"],
                        choices=["sines", "stocks", "ring", "grid", "digits"])
    parser.add_argument("--model", default="crnngan",
                        choices=["crnngan", "timegan", "dcgan", "mlpgan", "r3gan"])
    parser.add_argument("--no-loglik", action="store_true", help="skip the AIS likelihoods")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--combine", nargs="+", type=Path, metavar="DIR",
                        help="merge the results of runs over other seeds (each its own "
                             "--out, run at the same time) into --out and summarise; trains "
                             "nothing")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.combine:
        combine(args.out, args.combine, args.model, args.quick)
        return
    run(args.out, list(range(args.start_seed, args.start_seed + args.seeds)), args.quick,
        args.datasets, args.model,
        not args.no_loglik, args.threads)


if __name__ == "__main__":
    main()
