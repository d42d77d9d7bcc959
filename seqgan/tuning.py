"""Optuna studies over a model's hyperparameters, scored by a fidelity metric on held-out data.

```python
from seqgan.tuning import tune
study = tune("crnngan", X, n_trials=50, metric="discriminative",
             space={"activation": ["relu", "leaky_relu", "prelu", "elu"],
                    "latent_dim": (2, 64), "ais.schedule": ["linear", "geometric", "sigmoid"]},
             storage="sqlite:///studies.db", study_name="crnn-sines", timeout=3600)
best = study.best_model()
```

Each trial fits the model with the sampled parameters on a training split, samples as many
sequences as the validation split holds, and scores them against it (lower is better). A
diversity guard rejects collapsed generators (their trials are pruned, so they can never be
best). Intermediate fast discriminative scores during training feed Optuna's pruner.
Studies live in Optuna storage: in memory, SQLite, or any RDB URL shared by many workers
(failed or killed trials are detected by heartbeat and retried).
"""

from __future__ import annotations

import logging
import math
import os
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pandas as pd
import torch

from seqgan._validation import check_float, check_int, check_random_state, seed_from
from seqgan.ais import AISUpdate
from seqgan.losses import mode_collapse_score
from seqgan.metrics import available_metrics, get_metric
from seqgan.training import Callback, DivergenceError

logger = logging.getLogger(__name__)

#: Fidelity metrics a study can minimise (those of :func:`seqgan.metrics.get_metric` marked
#: ``tuning``): sequences ...
METRICS = tuple(name for name in available_metrics("sequences") if get_metric(name).tuning)
#: ... and images (FID in the feature space of an ImageClassifier trained on the labelled
#: training split; ``seqgan.metrics.image_fid``).
IMAGE_METRICS = tuple(name for name in available_metrics("images") if get_metric(name).tuning)
#: Pruners by name.
PRUNERS = ("median", "hyperband", "none")

_ACTIVATIONS = ["relu", "leaky_relu", "prelu", "elu"]
#: Search spaces used when ``space`` is None, by model class name. Lists are categorical;
#: ``(low, high)`` pairs are uniform integers (ints) or floats; a third element ``"log"``
#: samples on a log scale.
DEFAULT_SPACES: dict[str, dict[str, Any]] = {
    "CRNNGAN": {
        "activation": _ACTIVATIONS,
        "latent_dim": (2, 64),
        "hidden_dim": (16, 128),
        "lr_g": (1e-4, 3e-3, "log"),
        "lr_d": (1e-4, 3e-3, "log"),
    },
    "RCGAN": {"latent_dim": (2, 64), "hidden_dim": (16, 128), "lr_g": (1e-4, 3e-3, "log")},
    # R3GAN: the penalty weight matters most (Huang et al. 2024), then the learning rates
    "R3GAN": {
        "gamma": (0.05, 10.0, "log"),
        "lr_g": (5e-5, 1e-3, "log"),
        "lr_d": (5e-5, 1e-3, "log"),
        "noise_dim": (2, 32),
        "n_blocks": (1, 3),
    },
    "TimeGAN": {
        "latent_dim": (2, 64),
        "hidden_dim": (8, 64),
        "num_layers": (1, 3),
        "cell": ["gru", "lstm"],
    },
    "BiGAN": {
        "activation": _ACTIVATIONS,
        "latent_dim": (2, 64),
        "hidden_dim": (16, 128),
        "cycle_weight": (0.0, 10.0),
    },
    # the thesis' question: hidden activation and (small) latent dimension of image GANs
    "DCGAN": {"activation": _ACTIVATIONS, "latent_dim": (2, 128, "log")},
    "CGAN": {"activation": _ACTIVATIONS, "latent_dim": (2, 128, "log")},
    "ImageBiGAN": {"activation": _ACTIVATIONS, "latent_dim": (2, 128, "log")},
}
#: Prefix of the AIS/DRE update's parameters in a space (``"ais.schedule"``).
AIS_PREFIX = "ais."


def _model_class(model: Any) -> type:
    from seqgan.models._registry import get_model

    if isinstance(model, (str, type)):
        return get_model(model)
    raise TypeError(f"`model` must be a model name or class; got {model!r}.")


def _check_space(cls: type, space: Mapping[str, Any]) -> None:
    valid = set(cls().get_params(deep=False))
    ais_valid = set(AISUpdate()._params())
    for name, values in space.items():
        if name.startswith(AIS_PREFIX):
            if "generator_update" not in valid:
                raise ValueError(f"{cls.__name__} takes no generator_update; drop {name!r}.")
            if name[len(AIS_PREFIX) :] not in ais_valid:
                raise ValueError(
                    f"Unknown AIS parameter {name!r} in `space`; use one of "
                    f"{', '.join(sorted(AIS_PREFIX + k for k in ais_valid))}."
                )
        elif name not in valid:
            raise ValueError(
                f"Unknown parameter {name!r} in `space` for {cls.__name__}; "
                f"valid: {', '.join(sorted(valid))}, or 'ais.<name>' for the "
                "AIS/DRE update."
            )
        if isinstance(values, list):
            if not values:
                raise ValueError(f"`space[{name!r}]` is an empty list of choices.")
        elif isinstance(values, tuple) and len(values) in (2, 3):
            low, high = values[:2]
            if not (
                isinstance(low, (int, float)) and isinstance(high, (int, float)) and low <= high
            ):
                raise ValueError(
                    f"`space[{name!r}]` must be (low, high) with low <= high; got {values!r}."
                )
            if len(values) == 3 and (values[2] != "log" or low <= 0):
                raise ValueError(
                    f"`space[{name!r}]`: the third element may only be 'log', "
                    f"with low > 0; got {values!r}."
                )
        else:
            raise ValueError(
                f"`space[{name!r}]` must be a list of choices or a (low, high[, "
                f"'log']) tuple; got {values!r}."
            )


def _suggest(trial: optuna.Trial, name: str, values: Any) -> Any:
    if isinstance(values, list):
        return trial.suggest_categorical(name, values)
    low, high = values[:2]
    log = len(values) == 3
    if isinstance(low, int) and isinstance(high, int) and not isinstance(low, bool):
        return trial.suggest_int(name, low, high, log=log)
    return trial.suggest_float(name, float(low), float(high), log=log)


def model_params(
    params: Mapping[str, Any], fixed: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Constructor arguments from a trial's flat parameters: ``ais.*`` entries become one
    ``generator_update=AISUpdate(...)`` (on top of a fixed AISUpdate, if any)."""
    out = dict(fixed or {})
    ais = {k[len(AIS_PREFIX) :]: v for k, v in params.items() if k.startswith(AIS_PREFIX)}
    out.update({k: v for k, v in params.items() if not k.startswith(AIS_PREFIX)})
    if ais:
        base = out.get("generator_update")
        base_params = base._params() if isinstance(base, AISUpdate) else {}
        out["generator_update"] = AISUpdate(**{**base_params, **ais})
    return out


class _PruningCallback(Callback):
    """Reports a fast discriminative score of fixed-noise fakes every ``every`` iterations of
    the adversarial (last) phase; raises ``TrialPruned`` when the pruner says so."""

    def __init__(self, trial: optuna.Trial, every: int, n: int = 128) -> None:
        self.trial, self.every, self.n = trial, every, n

    def on_iteration_end(self, trainer, phase, iteration, logs) -> None:
        if trainer.phase_index != len(trainer.phases) - 1 or iteration % self.every:
            return
        from seqgan.metrics import discriminative_score

        fake, real = trainer.sampler(self.n)
        if fake.dim() == 4:  # images: held-out accuracy of a logistic-regression probe
            from seqgan.inspect._probe import _holdout_accuracy

            value = _holdout_accuracy(real.real.cpu().numpy(), fake.cpu().numpy(), 0) - 0.5
            self._report(value, iteration, "probe accuracy - 0.5")
            return
        lengths = real.lengths.cpu().numpy()
        to_list = [a[:k] for a, k in zip(real.real.cpu().numpy(), lengths, strict=True)]
        fakes = [a[:k] for a, k in zip(fake.cpu().numpy(), lengths, strict=True)]
        value = discriminative_score(to_list, fakes, fast=True, random_state=0).mean
        self._report(value, iteration, "fast discriminative score")

    def _report(self, value: float, iteration: int, what: str) -> None:
        self.trial.report(value, iteration)
        if self.trial.should_prune():
            raise optuna.TrialPruned(f"pruned at iteration {iteration} ({what} {value:.3f})")


def _score(
    metric: str | Mapping[str, float],
    real: Any,
    synthetic: Any,
    options: Mapping[str, Any],
    seed: int,
) -> tuple[float, dict[str, float]]:
    weights = {metric: 1.0} if isinstance(metric, str) else dict(metric)
    parts = {}
    for name in weights:
        spec = get_metric(name)
        parts[name] = spec.score(real, synthetic, options.get(name), seed=seed)
        parts.update(spec.details(real, synthetic, options.get(name)))
    return float(sum(w * parts[k] for k, w in weights.items())), parts


def _image_classifier(options: dict[str, Any], X: Any, labels: Any, seed: int) -> None:
    """Put a feature classifier for the image FID into ``options["fid"]``: the user's, or an
    ImageClassifier trained on the labelled training split."""
    from seqgan.metrics import ImageClassifier

    fid = dict(options.get("fid", {}))
    if "classifier" not in fid:
        if labels is None:
            raise ValueError(
                "metric='fid' compares images in the feature space of a classifier "
                "trained on labelled real images: pass `labels` (one class per "
                "image; a CGAN's condition is used when it holds labels) or "
                "metric_options={'fid': {'classifier': fitted_ImageClassifier}}."
            )
        fid["classifier"] = ImageClassifier(random_state=seed).fit(X, labels)
    options["fid"] = fid


@dataclass
class TuningStudy:
    """A finished (or resumed) study and how to get its best model.

    Attributes
    ----------
    study : optuna.Study
    model_class : type
    X, fit_kwargs
        The data and ``fit`` arguments the trials used (for refits).
    fixed_params : dict
        Model parameters every trial shared.
    """

    study: optuna.Study
    model_class: type
    X: Any
    fit_kwargs: dict[str, Any]
    fixed_params: dict[str, Any]

    def _best(self) -> optuna.trial.FrozenTrial:
        states = [t.state.name.lower() for t in self.study.get_trials(deepcopy=False)]
        if "complete" not in states:
            counts = ", ".join(f"{states.count(k)} {k}" for k in sorted(set(states)))
            raise ValueError(
                f"No trial of the study completed ({counts or 'no trials'}); "
                "see trials_dataframe() (user_attrs_rejected tells collapsed "
                "trials) and give more trials, a larger budget or a lower "
                "`diversity_min`."
            )
        if len(self.study.directions) > 1:
            raise ValueError(
                "A multi-objective study has no single best trial; pick one from "
                "study.best_trials (the Pareto front)."
            )
        return self.study.best_trial

    @property
    def best_params(self) -> dict[str, Any]:
        """The best trial's sampled parameters (flat, ``ais.*`` names as in the space)."""
        return dict(self._best().params)

    @property
    def best_value(self) -> float:
        return float(self._best().value)

    def best_model(self) -> Any:
        """The best trial's fitted model: loaded from its checkpoint when the study saved one,
        else refitted on the trial's training split with the same parameters and seed."""
        import seqgan

        trial = self._best()
        path = trial.user_attrs.get("model_path")
        if path and Path(path).is_file():
            return seqgan.load(path)
        params = model_params(trial.params, self.fixed_params)
        model = self.model_class(**params)
        train_idx = np.asarray(trial.user_attrs["train_index"])
        return model.fit(_take(self.X, train_idx), **_take_kwargs(self.fit_kwargs, train_idx))

    def trials_dataframe(self) -> pd.DataFrame:
        """One row per trial: number, state, value(s), parameters, fit time, metric parts."""
        return self.study.trials_dataframe()

    def report(self, out: str | Path) -> list[Path]:
        """Save the trials table (CSV) and Optuna's matplotlib figures (history, parameter
        importances, slices) as PNG files in ``out``; returns the paths written."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from optuna.visualization import matplotlib as vis

        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / "trials.csv"]
        self.trials_dataframe().to_csv(paths[0], index=False)
        complete = [t for t in self.study.trials if t.state == optuna.trial.TrialState.COMPLETE]
        plots = {"history": vis.plot_optimization_history, "slice": vis.plot_slice}
        if len(complete) >= 2 and len(self.study.directions) == 1:
            plots["importances"] = vis.plot_param_importances
        if len(self.study.directions) > 1:
            plots = {"pareto": vis.plot_pareto_front}
        for name, plot in plots.items():
            try:
                with warnings.catch_warnings():  # optuna marks its matplotlib plots experimental
                    warnings.simplefilter("ignore")
                    result = plot(self.study)
            except (ValueError, RuntimeError) as error:  # e.g. too few trials
                logger.warning("Skipped the %s plot: %s", name, error)
                continue
            axes = result if not isinstance(result, np.ndarray) else result.ravel()[0]
            figure = axes.figure if hasattr(axes, "figure") else plt.gcf()
            path = out / f"{name}.png"
            figure.savefig(path, dpi=100, bbox_inches="tight")
            plt.close(figure)
            paths.append(path)
        return paths


def _take(X: Any, idx: np.ndarray) -> Any:
    if isinstance(X, pd.DataFrame):
        raise TypeError(
            "tune() takes sequences as an array or a list of arrays; convert a "
            "DataFrame with the model's encoder first."
        )
    if isinstance(X, np.ndarray):
        return X[idx]
    return [X[i] for i in idx]


def _take_kwargs(kwargs: Mapping[str, Any], idx: np.ndarray) -> dict[str, Any]:
    return {k: (np.asarray(v)[idx] if v is not None else None) for k, v in kwargs.items()}


def _storage(storage: Any, heartbeat_interval: int, grace_period: int) -> Any:
    if isinstance(storage, str) and "://" in storage:
        with warnings.catch_warnings():  # heartbeats are "experimental" in optuna
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.storages.RDBStorage(
                storage,
                heartbeat_interval=heartbeat_interval,
                grace_period=grace_period,
                heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(
                    max_retry=2
                ),
            )
    return storage


def _pruner(pruner: str | optuna.pruners.BasePruner | None) -> optuna.pruners.BasePruner:
    if isinstance(pruner, optuna.pruners.BasePruner):
        return pruner
    if pruner in (None, "none"):
        return optuna.pruners.NopPruner()
    if pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1)
    if pruner == "hyperband":
        return optuna.pruners.HyperbandPruner()
    raise ValueError(
        f"Unknown pruner {pruner!r}; use one of {', '.join(PRUNERS)} or an optuna pruner."
    )


def tune(
    model: str | type,
    X: Any,
    *,
    n_trials: int = 50,
    metric: Any = "discriminative",
    space: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    condition: Any = None,
    validation_size: float = 0.2,
    storage: Any = None,
    study_name: str | None = None,
    timeout: float | None = None,
    pruner: Any = "median",
    prune_every: int | None = None,
    diversity_min: float = 0.5,
    multi_objective: bool = False,
    metric_options: Mapping[str, Mapping[str, Any]] | None = None,
    checkpoint_dir: str | Path | None = None,
    heartbeat_interval: int = 60,
    grace_period: int = 180,
    sampler: optuna.samplers.BaseSampler | None = None,
    labels: Any = None,
    random_state: int = 0,
    n_jobs: int = 1,
) -> TuningStudy:
    """Search a model's hyperparameters with Optuna; returns a :class:`TuningStudy`.

    Parameters
    ----------
    model : str or model class
        "crnngan", "rcgan", "timegan", "bigan", "dcgan", "cgan", "imagebigan" (or the class).
    X : ndarray (n, seq_len, n_features) or list of 2-D arrays; images (n, C, H, W)
    n_trials : int
        Trials the study should hold in the end (complete or pruned), counted over every
        worker sharing the study; a resumed study only runs the missing ones.
    metric : "discriminative", "predictive", "context_fid", or a dict of weights
        Fidelity on the validation split, minimised; e.g.
        ``{"discriminative": 0.5, "predictive": 0.5}``. Image models: "fid" (the default for
        them), FID in the feature space of an :class:`seqgan.metrics.ImageClassifier` trained
        on the labelled training split (precision and recall are recorded too).
    space : dict, optional
        Parameter -> list of choices or ``(low, high[, "log"])``; ``"ais.<name>"`` tunes the
        AIS/DRE update (:class:`seqgan.ais.AISUpdate`). Default: ``DEFAULT_SPACES``.
    params : dict, optional
        Fixed model parameters of every trial (``n_iter``, ``random_state``, ...).
    condition : array-like, optional
        Conditions of ``X`` for conditional models.
    validation_size : float
        Share of the sequences held out for scoring (split once, by ``random_state``).
    storage : None, str or optuna storage
        None: in memory. "sqlite:///studies.db" or any RDB URL: persistent, shareable by
        several processes or machines (heartbeat every ``heartbeat_interval`` s; a trial
        silent for ``grace_period`` s is marked failed and its parameters retried, twice).
    study_name : str, optional
        Required to share or resume a stored study.
    timeout : float, optional
        Seconds for this call.
    pruner : "median", "hyperband", "none" or an optuna pruner
    prune_every : int, optional
        Iterations of the adversarial phase between intermediate reports (a fast
        discriminative score of 128 fixed-noise fakes); default a fifth of the phase.
    diversity_min : float
        Trials whose samples have a diversity (mean pairwise distance relative to the
        validation data, :func:`seqgan.losses.mode_collapse_score`) below this are rejected as
        collapsed (pruned, with the reason in ``user_attrs["rejected"]``).
    multi_objective : bool
        Minimise (fidelity, fit seconds) jointly; no pruning then.
    metric_options : dict, optional
        Keyword arguments per metric, e.g. ``{"discriminative": {"n_runs": 3}}``.
    checkpoint_dir : path, optional
        Save each trial's model as ``trial-<number>.seqgan`` here, so the best needs no refit.
    sampler : optuna sampler, optional
        Default: TPE (with ``constant_liar``, so that parallel workers avoid each other's
        running trials) seeded per trial from ``random_state`` and the trial's number: each
        trial of any worker draws its own suggestions, and a study run by one worker is
        reproducible. E.g. ``optuna.samplers.GridSampler`` to try every combination of
        categorical choices (a sampler given here is used as it is).
    labels : array-like (n,), optional
        Class labels of image ``X`` for the FID's feature classifier (a CGAN's label
        condition serves when omitted).
    random_state : int
        Seed of the split and of the default sampler.
    n_jobs : int
        Worker processes on this machine (1: trials run in this process). With ``n_jobs > 1``
        the study needs a ``storage`` and ``study_name`` the processes share; each worker gets
        the CPU cores divided among the workers (``torch.set_num_threads``), and ``tune``
        returns when the study holds ``n_trials`` trials. Which trial a worker runs depends on
        timing, so only ``n_jobs=1`` is reproducible trial by trial.

    Notes
    -----
    Several workers (processes or machines) may call ``tune`` on one stored study at once:
    creating the storage and the study is safe to race, and a worker returns only when the
    study holds ``n_trials`` complete or pruned trials (or ``timeout`` passed), after failing
    and retrying any trial left running by a killed worker. See docs/tuning.md.

    For image models the intermediate pruning value is the held-out accuracy of a logistic
    regression telling 128 fixed-noise fakes from real images, minus 0.5.
    """
    cls = _model_class(model)
    n_trials = check_int("n_trials", n_trials, low=1)
    n_jobs = check_int("n_jobs", n_jobs, low=1)
    if n_jobs > 1:
        if storage is None or study_name is None:
            raise ValueError(f"`n_jobs`={n_jobs} runs worker processes that share the study "
                             "through its storage: pass `storage` (e.g. "
                             "'sqlite:///studies.db') and `study_name`.")
        arguments = dict(n_trials=n_trials, metric=metric, space=space, params=params,
                         condition=condition, validation_size=validation_size,
                         storage=storage, study_name=study_name, timeout=timeout,
                         pruner=pruner, prune_every=prune_every, diversity_min=diversity_min,
                         multi_objective=multi_objective, metric_options=metric_options,
                         checkpoint_dir=checkpoint_dir, heartbeat_interval=heartbeat_interval,
                         grace_period=grace_period, sampler=sampler, labels=labels,
                         random_state=random_state)
        _run_workers(cls, X, arguments, n_jobs)
        # the study is complete now (or the workers' time ran out): load it, run nothing more
        arguments["timeout"] = 0.0 if timeout is not None else None
        return tune(cls, X, **arguments)
    validation_size = check_float(
        "validation_size", validation_size, low=0.0, high=1.0, closed="neither"
    )
    check_float("diversity_min", diversity_min, low=0.0)
    space = dict(DEFAULT_SPACES.get(cls.__name__, {}) if space is None else space)
    if not space:
        raise ValueError(f"No search space for {cls.__name__}; pass `space`.")
    _check_space(cls, space)
    fixed = dict(params or {})
    _check_space(cls, {k: [v] for k, v in fixed.items()})
    fixed.setdefault("verbose", False)
    from seqgan.models._image_base import ImageGANEstimator

    images = issubclass(cls, ImageGANEstimator)
    if images and metric == "discriminative":
        metric = "fid"
    weights = {metric: 1.0} if isinstance(metric, str) else dict(metric)
    allowed = IMAGE_METRICS if images else METRICS
    for name in weights:
        if name not in allowed:
            raise ValueError(
                f"Unknown metric {name!r} for {cls.__name__}; use one of "
                f"{', '.join(allowed)} or a dict of weights over them."
            )
    options = {k: dict(v) for k, v in (metric_options or {}).items()}
    if isinstance(X, pd.DataFrame):
        _take(X, np.arange(1))
    n = len(X)
    rng = check_random_state(random_state)
    order = rng.permutation(n)
    n_val = max(2, round(validation_size * n))
    if n - n_val < 2:
        raise ValueError(f"X has {n} sequences: too few to hold out {n_val} for validation.")
    val_idx, train_idx = np.sort(order[:n_val]), np.sort(order[n_val:])
    fit_kwargs = {"condition": condition} if condition is not None else {}
    X_train, X_val = _take(X, train_idx), _take(X, val_idx)
    cond_val = None if condition is None else np.asarray(condition)[val_idx]
    train_kwargs = _take_kwargs(fit_kwargs, train_idx)
    if "fid" in weights:
        if labels is None and condition is not None and np.asarray(condition).ndim == 1:
            labels = condition
        _image_classifier(
            options,
            X_train,
            None if labels is None else np.asarray(labels)[train_idx],
            seed_from(random_state),
        )
    checkpoint = Path(checkpoint_dir) if checkpoint_dir is not None else None
    if checkpoint is not None:
        checkpoint.mkdir(parents=True, exist_ok=True)

    directions = ["minimize", "minimize"] if multi_objective else ["minimize"]
    study = _create_study(
        storage,
        heartbeat_interval,
        grace_period,
        study_name=study_name,
        load_if_exists=study_name is not None,
        directions=directions,
        sampler=sampler or PerTrialSeed(seed_from(random_state)),
        pruner=_pruner(None if multi_objective else pruner),
    )

    def objective(trial: optuna.Trial) -> Any:
        sampled = {name: _suggest(trial, name, values) for name, values in space.items()}
        kwargs = model_params(sampled, fixed)
        trial.set_user_attr("train_index", train_idx.tolist())
        estimator = cls(**kwargs)
        callbacks = []
        if not multi_objective:
            phase_iters = kwargs.get("n_iter", kwargs.get("n_iter_joint"))
            every = prune_every or max(1, int(phase_iters or 1000) // 5)
            callbacks.append(_PruningCallback(trial, every))
        start = time.perf_counter()
        estimator.fit(X_train, callbacks=callbacks, **train_kwargs)
        seconds = time.perf_counter() - start
        trial.set_user_attr("fit_seconds", seconds)
        trial.set_user_attr("pid", os.getpid())
        trial.set_user_attr("torch_threads", torch.get_num_threads())
        synthetic = estimator.sample(
            len(val_idx), condition=cond_val, random_state=seed_from(random_state) + trial.number
        )
        diversity = _diversity(synthetic, X_val)
        trial.set_user_attr("diversity", diversity)
        if not diversity >= diversity_min:
            reason = f"collapsed: diversity {diversity:.3f} < {diversity_min}"
            trial.set_user_attr("rejected", reason)
            raise optuna.TrialPruned(reason)
        value, parts = _score(weights, X_val, synthetic, options, seed_from(random_state))
        for name, v in parts.items():
            trial.set_user_attr(name, v)
        if checkpoint is not None:
            path = estimator.save(checkpoint / f"trial-{trial.number}.seqgan")
            trial.set_user_attr("model_path", str(path))
        return (value, seconds) if multi_objective else value

    _run_until_complete(study, objective, n_trials, timeout, heartbeat_interval)
    return TuningStudy(study, cls, X, fit_kwargs, {k: v for k, v in fixed.items()})


def _run_workers(cls: type, X: Any, arguments: dict[str, Any], n_jobs: int) -> None:
    """Run ``tune(cls, X, **arguments)`` in ``n_jobs`` fresh processes at once, each with the
    cores divided among them (threads of several processes would wait on each other)."""
    import concurrent.futures
    import multiprocessing

    threads = max(1, (os.cpu_count() or 1) // n_jobs)
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=n_jobs, mp_context=context,
                                                initializer=torch.set_num_threads,
                                                initargs=(threads,)) as pool:
        futures = [pool.submit(_tune_worker, cls, X, arguments) for _ in range(n_jobs)]
        for future in futures:
            future.result()  # (a worker's error is raised here)


def _tune_worker(cls: type, X: Any, arguments: dict[str, Any]) -> None:
    """One worker of ``tune(..., n_jobs=k)``; returns nothing (the study is in the storage)."""
    tune(cls, X, **arguments)


_State = optuna.trial.TrialState
#: Trials that count as done ...
_DONE = (_State.COMPLETE, _State.PRUNED)
#: ... and those that hold a place in the budget (no worker starts a trial beyond it).
_HELD = (_State.COMPLETE, _State.PRUNED, _State.RUNNING, _State.WAITING)


def _run_until_complete(
    study: optuna.Study,
    objective: Any,
    n_trials: int,
    timeout: float | None,
    heartbeat_interval: int,
) -> None:
    """Run trials until the study holds ``n_trials`` done ones (over every worker), or
    ``timeout`` passed. Running and waiting trials hold their place in the budget; a running
    trial whose worker died (no heartbeat for the grace period) is failed and retried, so a
    killed and restarted worker never leaves it RUNNING forever."""
    deadline = None if timeout is None else time.monotonic() + timeout
    from optuna.storages._heartbeat import is_heartbeat_enabled

    heartbeats = is_heartbeat_enabled(study._storage)
    idle_rounds = 0
    while True:
        if heartbeats:
            with warnings.catch_warnings():  # "experimental" in optuna
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                optuna.storages.fail_stale_trials(study)
        trials = study.get_trials(deepcopy=False)
        done = sum(t.state in _DONE for t in trials)
        held = sum(t.state in _HELD for t in trials)
        waiting = sum(t.state == _State.WAITING for t in trials)
        running = sum(t.state == _State.RUNNING for t in trials)
        left = None if deadline is None else deadline - time.monotonic()
        if done >= n_trials or (left is not None and left <= 0):
            return
        if held < n_trials or waiting:
            study.optimize(
                objective,
                n_trials=max(1, n_trials - held) + waiting,
                timeout=left,
                callbacks=[optuna.study.MaxTrialsCallback(n_trials, states=_HELD)],
                catch=(DivergenceError, FloatingPointError),
                gc_after_trial=True,
            )
            now_done = sum(t.state in _DONE for t in study.get_trials(deepcopy=False))
            idle_rounds = idle_rounds + 1 if now_done == done else 0
            if idle_rounds >= 3:  # every trial fails: report rather than loop forever
                logger.warning(
                    "The last trials of study %r all failed; stopping with %d of %d trials done.",
                    study.study_name,
                    now_done,
                    n_trials,
                )
                return
        elif running and heartbeats:
            # The rest of the budget is held by running trials: of live workers, or of dead
            # ones whose heartbeat has not gone stale yet. Wait, then look again.
            time.sleep(heartbeat_interval if left is None else min(heartbeat_interval, left))
        else:
            return


class PerTrialSeed(optuna.samplers.BaseSampler):
    """TPE seeded afresh for every trial from ``seed`` and the trial's number.

    Trial numbers are unique in a study (the storage assigns them), so parallel and restarted
    workers never replay each other's random draws, while one worker running a study from
    the start makes the same suggestions every time.
    """

    def __init__(self, seed: int, **tpe_options: Any) -> None:
        self.seed = int(seed)
        self.tpe_options = {"constant_liar": True, **tpe_options}
        self._sampler = self._for(0)

    def _for(self, number: int) -> optuna.samplers.TPESampler:
        mixed = np.random.SeedSequence([self.seed, number]).generate_state(1)[0]
        with warnings.catch_warnings():  # constant_liar is "experimental" in optuna
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.samplers.TPESampler(seed=int(mixed), **self.tpe_options)

    def before_trial(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        self._sampler = self._for(trial.number)
        self._sampler.before_trial(study, trial)

    def infer_relative_search_space(
        self, study: optuna.Study, trial: optuna.trial.FrozenTrial
    ) -> dict[str, Any]:
        return self._sampler.infer_relative_search_space(study, trial)

    def sample_relative(
        self, study: optuna.Study, trial: optuna.trial.FrozenTrial, search_space: dict[str, Any]
    ) -> dict[str, Any]:
        return self._sampler.sample_relative(study, trial, search_space)

    def sample_independent(
        self,
        study: optuna.Study,
        trial: optuna.trial.FrozenTrial,
        param_name: str,
        param_distribution: Any,
    ) -> Any:
        return self._sampler.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(
        self,
        study: optuna.Study,
        trial: optuna.trial.FrozenTrial,
        state: optuna.trial.TrialState,
        values: Any,
    ) -> None:
        self._sampler.after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        self._sampler.reseed_rng()


def _create_study(
    storage: Any, heartbeat_interval: int, grace_period: int, **options: Any
) -> optuna.Study:
    """Create or load the study; safe when several workers start together on a new storage
    (SQLite: under a file lock beside the database; any RDB: retried on the errors a race of
    table or study creation gives)."""
    import sqlalchemy.exc

    with _sqlite_lock(storage):
        for attempt in range(10):
            try:
                return optuna.create_study(
                    storage=_storage(storage, heartbeat_interval, grace_period), **options
                )
            except (
                sqlalchemy.exc.IntegrityError,
                sqlalchemy.exc.OperationalError,
                optuna.exceptions.DuplicatedStudyError,
            ) as error:
                if attempt == 9 or (
                    isinstance(error, optuna.exceptions.DuplicatedStudyError)
                    and not options.get("load_if_exists")
                ):
                    raise
                logger.info(
                    "Creating the study raced another worker (%s); retrying.", type(error).__name__
                )
                time.sleep(0.05 * (attempt + 1) + np.random.default_rng().uniform(0, 0.05))
    raise AssertionError("unreachable")  # pragma: no cover


class _sqlite_lock:
    """An exclusive lock on ``<database>.lock`` while a SQLite study is created."""

    def __init__(self, storage: Any) -> None:
        self.path = None
        if isinstance(storage, str) and storage.startswith("sqlite:///"):
            database = storage[len("sqlite:///") :].split("?")[0]
            if database and database != ":memory:":
                self.path = Path(database).with_name(Path(database).name + ".lock")
        self.handle: Any = None

    def __enter__(self) -> _sqlite_lock:
        if self.path is None:
            return self
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: retries only
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "a")
        fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.handle is not None:
            self.handle.close()  # releases the lock


def _diversity(synthetic: Any, real: Any) -> float:
    from seqgan.metrics._input import as_sequences

    if np.ndim(synthetic) == 4:  # images: each one vector
        f = torch.as_tensor(np.asarray(synthetic, dtype=np.float32)).flatten(1).unsqueeze(1)
        r = torch.as_tensor(np.asarray(real, dtype=np.float32)).flatten(1).unsqueeze(1)
        value = float(mode_collapse_score(f, r))
        return value if math.isfinite(value) else 0.0

    fake, ref = as_sequences("synthetic", synthetic), as_sequences("real", real)
    f = torch.as_tensor(fake.values, dtype=torch.float32)
    r = torch.as_tensor(ref.values, dtype=torch.float32)
    fm = torch.as_tensor(fake.mask(), dtype=torch.float32)
    rm = torch.as_tensor(ref.mask(), dtype=torch.float32)
    if f.shape[1] != r.shape[1]:
        length = min(f.shape[1], r.shape[1])
        f, r, fm, rm = f[:, :length], r[:, :length], fm[:, :length], rm[:, :length]
    value = float(mode_collapse_score(f, r, rm, fm))
    return value if math.isfinite(value) else 0.0


__all__ = [
    "AIS_PREFIX",
    "DEFAULT_SPACES",
    "IMAGE_METRICS",
    "METRICS",
    "PRUNERS",
    "TuningStudy",
    "model_params",
    "tune",
]
