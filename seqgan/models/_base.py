"""The contract of every generative model of sequences: fit, sample, save, load.

Nothing adversarial lives here (that is :mod:`seqgan.models._gan`): a VAE, a diffusion baseline
or an autoregressive model subclasses :class:`Estimator` directly.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from torch import nn

from seqgan._device import resolve_device
from seqgan._validation import (
    BOOL,
    NONE,
    RANDOM_STATE,
    InstanceOf,
    Interval,
    Options,
    check_int,
    check_not_complex,
    check_random_state,
    seed_from,
    validate_params,
)
from seqgan.data import SequenceEncoder
from seqgan.data._encoder import check_missing_option
from seqgan.models._latent_view import LatentView
from seqgan.models._missing import observation_channels, observed_profile
from seqgan.training import Batch, Callback, DivergenceError, Phase, Recipe, Trainer

logger = logging.getLogger(__name__)

__all__ = ["DataSpec", "Estimator", "evaluating", "resolve_device"]

#: ``fit`` warns of mode collapse when the last diversity diagnostic is below this (about 1 is
#: healthy; the collapsed README demo of issue 23 ended at 0.009).
COLLAPSE_DIVERSITY = 0.1


@dataclass(frozen=True)
class DataSpec:
    """The shapes networks are built for (saved with the model so it can be rebuilt).

    ``n_channels`` counts encoded channels (one-hot categoricals widen it, and so do the
    observation channels of features with missing values, last); ``seq_len`` is the training
    length; ``condition_dim`` and ``n_static`` are 0 when unused; ``missing`` lists the value
    channels with missing values (one observation channel each). Image models use
    ``n_channels``, ``height`` and ``width`` (``seq_len`` 0).
    """

    n_channels: int
    seq_len: int
    condition_dim: int = 0
    n_static: int = 0
    height: int = 0
    width: int = 0
    missing: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "missing", tuple(int(j) for j in self.missing))

    def to_dict(self) -> dict[str, Any]:
        state = asdict(self)
        state["missing"] = list(self.missing)
        return state


class Estimator(BaseEstimator):
    """Base class of every seqgan model, in scikit-learn style.

    A subclass stores its hyperparameters in ``__init__`` (nothing else), lists their rules in
    ``_param_rules`` and implements:

    - ``_build_module(spec) -> nn.ModuleDict``: every network, built for the data's shapes;
    - ``_build_optimizers(module) -> {name: Optimizer}``;
    - ``_recipe(module, optimizers, spec) -> list[Phase] | Recipe``: what the Trainer runs;
    - ``_draw_latent(spec, n, seq_len, generator, device) -> tuple of tensors``: the random
      inputs of ``n`` samples (first axis: the sample), drawn once for all samples so that
      results do not depend on the sampling batch size;
    - ``_generate(module, latent, condition, seq_len) -> Tensor (n, seq_len, n_channels)``:
      scaled samples from those inputs;
    - ``_latent_kinds(spec)``: the prior of each latent tensor ("normal", "uniform" or
      "symmetric"), for :meth:`latent_view`.

    Fitted attributes: ``module_``, ``encoder_`` (data layout and scalers), ``scaler_``,
    ``history_`` (DataFrame, one row per iteration), ``n_features_in_``, ``feature_names_in_``,
    ``spec_``, ``device_``, ``stopped_early_``.
    """

    #: Rules checked by ``fit``: parameter name -> list of accepted rules (any may match).
    #: Rules of parameters a model does not have are ignored; subclasses add their own.
    _param_rules: ClassVar[dict[str, list]] = {
        "seq_len": [Interval(int, 1, None), NONE],
        "batch_size": [Interval(int, 1, None)],
        "n_iter": [Interval(int, 0, None)],
        "scaling": [Options(("minmax", "standard")), NONE],
        "device": [InstanceOf((str, torch.device), "a device string ('auto', 'cpu', 'cuda')")],
        "random_state": [RANDOM_STATE],
        "verbose": [BOOL],
        "privacy": [InstanceOf(dict, "a dict such as {'epsilon': 3.0, 'delta': 1e-5}"), NONE],
    }
    supports_condition: ClassVar[bool] = False
    supports_static: ClassVar[bool] = False
    #: Networks on the sampling path (a GAN's weight averages replace them when sampling).
    _sampling_networks: ClassVar[tuple[str, ...]] = ("generator",)

    # ------------------------------------------------------------------ subclass API
    def _build_module(self, spec: DataSpec) -> nn.Module:
        raise NotImplementedError

    def _build_optimizers(self, module: nn.Module) -> dict[str, torch.optim.Optimizer]:
        raise NotImplementedError

    def _recipe(self, module: nn.Module, optimizers: dict[str, torch.optim.Optimizer],
                spec: DataSpec) -> list[Phase] | Recipe:
        """The training recipe: phases of updates (and stateful parts to checkpoint)."""
        raise NotImplementedError

    def _draw_latent(self, spec: DataSpec, n: int, seq_len: int,
                     generator: torch.Generator | None = None,
                     device: torch.device | str = "cpu") -> tuple[torch.Tensor, ...]:
        """Latent inputs of ``n`` samples (each tensor's first axis is the sample)."""
        raise NotImplementedError

    def _generate(self, module: nn.Module, latent: tuple[torch.Tensor, ...],
                  condition: torch.Tensor | None, seq_len: int) -> torch.Tensor:
        """Scaled samples (n, seq_len, n_channels) from latents, on the module's device."""
        raise NotImplementedError

    def _latent_kinds(self, spec: DataSpec) -> tuple[str, ...]:
        """Prior of each latent tensor ("uniform", "normal" or "symmetric"), for the
        standard-normal base space of :meth:`latent_view`."""
        raise NotImplementedError

    @classmethod
    def get_test_params(cls) -> dict[str, Any]:
        """Settings for a fit of a few seconds on tiny data (CPU, tiny networks, a few
        iterations, no progress bars). The estimator contract suite
        (``tests/models/test_estimator_contract.py``) trains every registered sequence model
        with them; a model overrides it with its own small sizes."""
        return {"device": "cpu", "random_state": 0, "verbose": False}

    # ------------------------------------------------------------------ hooks with defaults
    def _build_networks(self, spec: DataSpec) -> nn.ModuleDict:
        """Every network of a model for ``spec`` (fit and load build the same)."""
        return self._build_module(spec)

    def _sampling_module(self) -> nn.ModuleDict:
        """The fitted networks that sampling uses."""
        return self.module_

    def _training_sampler(self, spec: DataSpec) -> Callable[..., tuple[torch.Tensor, Batch]]:
        """``sample(trainer, n, seed=0) -> (fake, real)``: ``n`` scaled fakes from the networks
        as they are now, generated from fixed noise (``seed``) with the conditions and lengths
        of ``n`` fixed real sequences, and those real sequences (a ``Batch``). The training
        random stream is untouched. Callbacks and diagnostics call it as
        ``trainer.sampler(n, seed)``."""
        def sample(trainer: Trainer, n: int, seed: int = 0) -> tuple[torch.Tensor, Batch]:
            real = trainer.fixed_batch(n)
            generator = torch.Generator().manual_seed(seed)
            latent = self._draw_latent(spec, real.size, real.real.shape[1], generator)
            latent = tuple(t.to(trainer.device) for t in latent)
            with evaluating(trainer.module):
                fake = self._generate(trainer.module, latent, real.condition,
                                      real.real.shape[1])
                if isinstance(fake, tuple):  # (sequences, static features)
                    fake = fake[0]
            if not real.fixed_length:
                fake = fake * real.mask.unsqueeze(-1)
            return fake, real
        return sample

    def _training_decoder(self, encoder: Any) -> Callable[[Trainer], Any] | None:
        """A factory ``trainer -> decoder`` of the networks being trained as an object with
        ``generate(latent, condition=None)`` (outputs in the user's units), ``latent_dim`` and
        ``prior``, for latent maps during training; None for models without one latent
        vector per sample."""
        return None

    # ------------------------------------------------------------------ fit
    def _all_rules(self) -> dict[str, list]:
        rules: dict[str, list] = {}
        for klass in reversed(type(self).__mro__):
            rules.update(getattr(klass, "_param_rules", {}))
        return {k: v for k, v in rules.items() if k in self.get_params(deep=False)}

    def _resume_mutable(self) -> tuple[str, ...]:
        """Parameters that may change when a run is resumed (see docs/training.md): iteration
        counts (train longer), ``verbose`` and ``device``."""
        return tuple(k for k in self.get_params(deep=False)
                     if k in ("n_iter", "verbose", "device") or k.startswith("n_iter_"))

    def _validate_params(self) -> None:
        validate_params(type(self).__name__, self.get_params(deep=False), self._all_rules())

    def fit(
        self,
        X: Any,
        y: Any = None,
        *,
        condition: Any = None,
        static: Any = None,
        id_column: str | None = None,
        time_column: str | None = None,
        categorical: Sequence[str] | None = None,
        static_columns: Sequence[str] | None = None,
        stride: int = 1,
        callbacks: Iterable[Callback] | None = None,
        checkpoint_dir: str | Path | None = None,
        checkpoint_every: int | None = None,
        resume: bool = False,
    ) -> Estimator:
        """Train on ``X``; return ``self``.

        Parameters
        ----------
        X : ndarray (n_sequences, seq_len, n_features), list of 2-D arrays, or DataFrame
            Training sequences. A list may hold sequences of different lengths. A DataFrame is
            long format (one row per step) when ``id_column`` is given, else one long series cut
            into windows of ``seq_len`` steps every ``stride`` rows.
        y : array-like, optional
            The condition of a conditional model (RCGAN, R3GAN): an alias of ``condition``.
            Ignored by unconditional models, by scikit-learn's convention for unsupervised
            estimators (so they work in ``Pipeline`` and model-selection tools); a ``y`` that
            is not None is ignored with a ``UserWarning`` there, since it conditions nothing.
        condition : array-like (n_sequences,) or (n_sequences, c), optional
            Class labels or vectors, for conditional models.
        static : array-like (n_sequences, n_static) or DataFrame, optional
            Per-sequence static features, for models that use them (TimeGAN, R3GAN). A
            DataFrame's text, category and boolean columns (and those named in
            ``categorical``) are categories: one-hot inside, categories in the samples.
        static_columns : list of str, optional
            Columns of a long DataFrame ``X`` (with ``id_column``) that are per-sequence
            attributes, constant within each id (numeric or categorical, as for ``static``):
            learned as static features, and written back into the long frames ``sample``
            returns. ``sample(n, static={column: category})`` fixes some of them.
        id_column, time_column, categorical, stride
            DataFrame layout; see ``docs/data.md``.
        callbacks : iterable of Callback, optional
        checkpoint_dir : path, optional
            Write ``checkpoint.pt`` here (every ``checkpoint_every`` iterations, on early stop
            or Ctrl-C, and at the end).
        resume : bool
            Continue from ``checkpoint_dir/checkpoint.pt`` if it exists; the result equals an
            uninterrupted run with the same ``random_state`` (on CPU).
        """
        self._validate_params()
        name = type(self).__name__
        if y is not None and not self.supports_condition:
            warnings.warn(f"{name} is unconditional: `y` is ignored (scikit-learn's convention "
                          "for unsupervised estimators). To condition samples on labels, use a "
                          "conditional model: RCGAN or R3GAN for sequences, CGAN for images.",
                          UserWarning, stacklevel=2)
            y = None
        if y is not None:
            if condition is not None:
                raise ValueError("Pass the condition once: as `y` or as `condition`, not both.")
            condition = y
        if condition is not None and not self.supports_condition:
            raise ValueError(f"{name} is unconditional and takes no `condition`; use a "
                             "conditional model: RCGAN or R3GAN for sequences, CGAN for images.")
        if static is not None and not self.supports_static:
            raise ValueError(f"{name} does not use static features; drop `static`.")
        if static_columns is not None and not self.supports_static:
            raise ValueError(f"{name} does not use static features (it neither generates nor "
                             "conditions on per-sequence attributes): use TimeGAN or R3GAN, "
                             "which generate them with the series, or drop `static_columns`.")
        if checkpoint_every is not None:
            check_int("checkpoint_every", checkpoint_every, low=1)
        if resume and checkpoint_dir is None:
            raise ValueError("`resume=True` needs `checkpoint_dir` (where the checkpoint is).")
        check_not_complex("X", X)
        check_not_complex("static", static)

        layout = {} if static_columns is None else {"static_columns": static_columns}
        encoder, data, spec = self._encode_training_data(
            X, condition=condition, static=static, id_column=id_column,
            time_column=time_column, categorical=categorical, stride=stride, **layout)
        privacy = None
        if getattr(self, "privacy", None) is not None:
            from seqgan.models import _privacy

            privacy = _privacy.check_private_fit(self, encoder, data)
            if privacy["bounds"] is not None:
                data = _privacy.apply_bounds(encoder, data, privacy["bounds"], self.scaling)
            _privacy.forget_counts(encoder)
        device = resolve_device(self.device)
        seed = seed_from(self.random_state)
        fork_devices = list(range(torch.cuda.device_count())) if device.type == "cuda" else []
        with torch.random.fork_rng(devices=fork_devices):
            torch.manual_seed(seed)
            module = self._build_networks(spec).to(device)
            if privacy is not None:
                private = _privacy.prepare_networks(self, module)
            optimizers = self._build_optimizers(module)
            recipe = self._recipe(module, optimizers, spec)
            if not isinstance(recipe, Recipe):
                recipe = Recipe(recipe)
            dpsgd = None
            if privacy is not None:
                dpsgd = _privacy.build_dpsgd(self, privacy, private, optimizers,
                                             recipe.phases, data.n_sequences)
                recipe = Recipe(recipe.phases, {**recipe.state_objects, "privacy": dpsgd},
                                recipe.on_start)
            trainer = Trainer(
                module, optimizers, recipe.phases,
                batch_size=self.batch_size, device=device, progress=self.verbose,
                callbacks=callbacks or (), checkpoint_dir=checkpoint_dir,
                checkpoint_every=checkpoint_every, fingerprint=_fingerprint(data, encoder),
                state_objects=recipe.state_objects, sampler=self._training_sampler(spec),
                decoder=self._training_decoder(encoder),
                config=_run_config(self), mutable=self._resume_mutable(), privacy=dpsgd,
            )
            if recipe.on_start is not None:
                recipe.on_start(trainer)
            if resume:
                trainer.resume_from(checkpoint_dir)
            try:
                trainer.fit(data)
            except DivergenceError:
                self._set_fitted(module, encoder, spec, device, trainer)
                self._set_privacy_spent(dpsgd)
                raise
            finally:
                if dpsgd is not None:
                    _privacy.use_torch_rnns([module])
        self._set_fitted(module, encoder, spec, device, trainer)
        self._set_privacy_spent(dpsgd)
        self._warn_if_collapsed()
        if trainer.stopped_early:
            logger.info("%s stopped early at phase %d, iteration %d.", name,
                        trainer.phase_index, trainer.iteration)
        return self

    def _set_privacy_spent(self, dpsgd: Any) -> None:
        """``privacy_spent_`` of a DP fit (the budget of the steps taken); none without DP."""
        if dpsgd is None:
            self.__dict__.pop("privacy_spent_", None)
            return
        self.privacy_spent_ = dpsgd.spent()
        logger.info("%s spent epsilon %.4g (delta %g) in %d DP-SGD steps.", type(self).__name__,
                    self.privacy_spent_["epsilon"], self.privacy_spent_["delta"],
                    self.privacy_spent_["steps"])

    def _privacy_refusals(self) -> list[str]:
        """Why this model's options would break the DP guarantee (empty: none); subclasses
        add their own reasons."""
        return []

    def _private_networks(self) -> tuple[str, ...]:
        """Keys of the networks that see real data, trained with DP-SGD under ``privacy``."""
        raise NotImplementedError(f"{type(self).__name__} does not support `privacy`.")

    def _warn_if_collapsed(self) -> None:
        """Log a warning when the last ``diagnostics/diversity`` of the history is near zero."""
        column = "diagnostics/diversity"
        if column not in self.history_:
            return
        values = self.history_[column].dropna()
        if values.empty or not float(values.iloc[-1]) < COLLAPSE_DIVERSITY:
            return
        when = (f" at iteration {int(self.history_.loc[values.index[-1], 'iteration'])}"
                if "iteration" in self.history_ else "")
        name = type(self).__name__
        other = ("" if name == "R3GAN" else
                 ", another loss (loss='rpgan', regularizers={'r1': 1.0, 'r2': 1.0}) or R3GAN, "
                 "the default model")
        logger.warning(
            "%s may have collapsed: the diversity of its samples%s is %.3g (the spread of 64 "
            "samples from fixed noise relative to 64 real sequences; about 1 is healthy, near 0 "
            "means the generator makes almost the same sequence whatever its noise). Try more "
            "iterations (`n_iter`), a lower generator learning rate (`lr_g`)%s; see "
            "docs/models.md. The history column 'diagnostics/diversity' shows when it "
            "happened.", name, when, float(values.iloc[-1]), other)

    def _encode_training_data(self, X: Any, *, condition: Any, static: Any,
                              id_column: str | None, time_column: str | None,
                              categorical: Sequence[str] | None, stride: int,
                              static_columns: Sequence[str] | None = None
                              ) -> tuple[Any, Any, DataSpec]:
        """The fitted data encoder, the training data and the shapes to build networks for."""
        encoder = SequenceEncoder(scaling=self.scaling, seq_len=self.seq_len,
                                  owner=type(self).__name__,
                                  find_copies=getattr(self, "privacy", None) is None)
        data = encoder.fit_transform(X, static=static, condition=condition, id_column=id_column,
                                     time_column=time_column, categorical=categorical,
                                     stride=stride, static_columns=static_columns)
        spec = DataSpec(data.n_channels, data.seq_len, encoder.condition_dim_, encoder.n_static_,
                        missing=tuple(encoder.missing_channels_))
        #: the value channels with missing values, for the fakes the discriminator sees
        self._missing = spec.missing
        #: the data's observed rate per step and feature, for the generator's pattern-count term
        self._pattern_profile = None
        if spec.missing:
            seen = observation_channels(data.n_channels, spec.missing)
            steps = np.arange(data.seq_len)[None, :] < np.asarray(data.lengths)[:, None]
            self._pattern_profile = observed_profile(
                torch.from_numpy(np.ascontiguousarray(data.values[..., seen])).float(),
                torch.from_numpy(steps))
        return encoder, data, spec

    @classmethod
    def _encoder_from_dict(cls, state: dict[str, Any]) -> Any:
        """The data encoder saved in a model file."""
        return SequenceEncoder.from_dict(state, owner=cls.__name__)

    def _set_fitted(self, module: nn.Module, encoder: Any, spec: DataSpec,
                    device: torch.device, trainer: Trainer | None) -> None:
        module.eval()
        self.module_, self.encoder_, self.scaler_ = module, encoder, encoder.scaler_
        self.spec_, self.device_ = spec, device
        self.n_features_in_ = len(encoder.feature_names_)
        if encoder.kind_ in ("long", "wide"):
            self.feature_names_in_ = np.asarray(encoder.feature_names_, dtype=object)
        if trainer is not None:
            self.history_ = trainer.history_frame
            self.stopped_early_ = trainer.stopped_early

    # ------------------------------------------------------------------ sample
    def _check_fitted(self) -> None:
        if not hasattr(self, "module_"):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet; call fit(X) "
                                 "first (or seqgan.load(path) a saved model).")

    def sample(self, n: int, *, condition: Any = None, seq_len: int | None = None,
               random_state: Any = None, batch_size: int | None = None,
               return_static: bool = False, from_proposal: bool = False,
               static: dict[str, Any] | None = None, missing: str = "none") -> Any:
        """Generate ``n`` sequences in the user's units and container type.

        Parameters
        ----------
        n : int
            Number of sequences.
        condition : array-like (n,) or (n, c), optional
            For conditional models: the class (or vector) of each sample; a single label is
            repeated. Unconditional models refuse it.
        seq_len : int, optional
            Length of every sample (RNN models can go past the training length). Default: the
            training length, or lengths drawn from the training length distribution when the
            training sequences had different lengths.
        random_state : int, numpy Generator or None
            Same seed, same samples (on the same machine and device).
        batch_size : int, optional
            Sequences generated per forward pass; the samples do not depend on it. Default:
            the model's fastest on this device (1024 for the recurrent models: as fast as 4096
            or faster, up to 1.5x for TimeGAN; R3GAN on the CPU about 8,192 steps per pass,
            e.g. 341 sequences of length 24 and 21 of length 384: 2.5x faster than 1024
            there).
        return_static : bool
            For models fitted with static features: also return the generated static features.
        from_proposal : bool
            For models trained with ``generator_update=AISUpdate(...)``: draw the latents from
            the learned proposal ``q`` (which approximates ``p(z) exp(beta d(G(z)))``) instead
            of the prior. Only at the training length.
        static : dict, optional
            For models fitted with categorical static attributes: ``{column: category}`` fixes
            those (e.g. ``{"ward": "ICU"}``); the other static attributes and the series are
            drawn from the model given them. Samples are drawn and kept when they match
            (rejection sampling: the model's own conditional distribution, at the cost of
            about ``1 / share`` draws per sample, where ``share`` is how often the model
            generates the combination); a ``ValueError`` says so when fewer than 1 in 100
            match.
        missing : {"none", "pattern"}
            For models fitted on data with missing values (NaN): ``"none"`` returns complete
            series (the model's values at every step); ``"pattern"`` writes NaN where the
            model generates a gap, so the samples are missing like the data (per-feature rates,
            bursts). Data without missing values gives complete series either way.

        Returns
        -------
        ndarray (n, seq_len, n_features), a list of arrays (variable lengths), or a DataFrame in
        long format, matching what ``fit`` received. With ``return_static``: a pair
        ``(sequences, static)``, static as an array (n, n_static) or, when ``fit`` got a
        DataFrame, a DataFrame (indexed by the new sequence ids for long-format data).
        """
        missing = check_missing_option(missing)
        if static is not None:
            return self._sample_given_static(n, static, condition, seq_len, random_state,
                                             batch_size, return_static, from_proposal, missing)
        plan = self._sampling_plan(n, condition, seq_len, random_state, batch_size,
                                   return_static, from_proposal)
        n, lengths, total = plan["n"], plan["lengths"], plan["total"]
        channels = self.spec_.n_channels
        encoder = self.encoder_
        direct = encoder.kind_ == "array" and not bool((lengths != total).any())
        if direct:  # the output itself, filled chunk by chunk in the user's dtype
            dtype = np.dtype(encoder.columns_[0]["dtype"])
            dtype = dtype if dtype.kind == "f" else np.dtype(np.float64)
            _check_fits(n * total * len(encoder.feature_names_) * max(dtype.itemsize, 4),
                        f"sample({n}) of sequences {total} x {len(encoder.feature_names_)}")
        else:  # scaled values, then one inverse transform (variable lengths, lists, frames)
            _check_fits(n * total * channels * 4 * 3,
                        f"sample({n}) of sequences {total} x {channels}")
        out, static_parts = None, []
        for start, values, static in self._scaled_chunks(plan, _SAMPLE_BLOCK):
            stop = start + len(values)
            if direct:
                part = encoder.inverse_transform(values, lengths[start:stop], missing=missing)
                if out is None:
                    out = np.empty((n, *part.shape[1:]), dtype=part.dtype)
                out[start:stop] = part
            else:
                if out is None:
                    out = np.empty((n, total, channels), dtype=np.float32)
                out[start:stop] = values
            if static is not None:
                static_parts.append(static)
        static_all = np.concatenate(static_parts, axis=0) if static_parts else None
        sequences = out if direct else encoder.inverse_transform(out, lengths, static_all,
                                                                 missing=missing)
        if not return_static:
            return sequences
        return sequences, encoder.inverse_static(static_all)

    def _sample_given_static(self, n: Any, request: Any, condition: Any, seq_len: Any,
                             random_state: Any, batch_size: Any, return_static: bool,
                             from_proposal: bool, missing: str = "none") -> Any:
        """``sample(n, static=request)`` by rejection: draw samples (static features and
        series together, as the model generates them), keep those whose categories match,
        until ``n`` are kept. Exact for the model's conditional distribution."""
        name = type(self).__name__
        self._check_fitted()
        if not self.supports_static:
            raise ValueError(f"{name} does not model static attributes, so it cannot fix them "
                             "in sample(): use TimeGAN or R3GAN fitted with "
                             "`static_columns=[...]` (or `static=`).")
        encoder = self.encoder_
        fixed = encoder.static_request(request)
        n = check_int("n", n, low=1)
        if batch_size is not None:
            batch_size = check_int("batch_size", batch_size, low=1)
        if seq_len is not None:
            seq_len = check_int("seq_len", seq_len, low=1)
        cond = self._encode_condition(condition, n)
        if cond is not None and not bool((cond == cond[:1]).all()):
            raise ValueError("sample() with `static` takes one condition for all samples (a "
                             "single label); for several classes call sample() once per class.")
        rng = check_random_state(random_state)
        budget = max(math.ceil(n / _MIN_ACCEPTANCE), 1000)
        kept: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        drawn = matched = 0
        size = max(n, 256)
        while matched < n:
            size = min(size, budget - drawn)
            plan = self._draw_plan(size, None if cond is None else cond[:1].expand(size, -1),
                                   seq_len, rng, batch_size, True, from_proposal)
            for start, values, static in self._scaled_chunks(plan, _SAMPLE_BLOCK):
                if static is None:
                    raise ValueError(f"{name} generated no static features to select by; fit "
                                     "it with `static_columns=[...]` (or `static=`).")
                keep = np.ones(len(values), dtype=bool)
                for a, b, index in fixed:
                    keep &= static[:, a:b].argmax(axis=1) == index
                lengths = plan["lengths"][start:start + len(values)]
                want = max(n - sum(len(k[0]) for k in kept), 0)
                where = np.flatnonzero(keep)[:want]
                kept.append((values[where], static[where], lengths[where]))
                matched += int(keep.sum())
            drawn += size
            if matched >= n:
                break
            if drawn >= budget:
                shares = encoder.static_frequency(request)
                seen = "; ".join(f"{k}={request[k]!r} in {v:.1%}" for k, v in shares.items())
                raise ValueError(
                    f"sample({n}, static={request!r}): {name} generated {matched} matching "
                    f"sample(s) in {drawn} draws ({matched / drawn:.2%}), fewer than 1 in "
                    f"{round(1 / _MIN_ACCEPTANCE)}. Samples with fixed static attributes are "
                    "drawn from the model and kept when they match, and the model rarely "
                    "generates this combination"
                    + (f" (training sequences: {seen})" if seen else "") + ". Train longer, "
                    "ask for fewer samples, or fit a model on the sequences that have these "
                    "attributes.")
            rate = max(matched, 1) / drawn
            size = math.ceil((n - matched) / rate * 1.1) + 16
        rate = matched / drawn
        logger.info("sample(%d, static=%r): %d of %d drawn samples matched (%.1f%%).", n,
                    request, matched, drawn, 100 * rate)
        if rate < 0.05:
            logger.warning("sample(static=%r): only %.1f%% of %s's samples have these static "
                           "attributes, so it drew %d samples for %d.", request, 100 * rate,
                           name, drawn, n)
        total = max(v.shape[1] for v, _, _ in kept)
        channels = self.spec_.n_channels
        _check_fits(n * total * channels * 4 * 3, f"sample({n}) of sequences {total} x "
                    f"{channels}")
        values = np.zeros((n, total, channels), dtype=np.float32)
        pos = 0
        for part, _, _ in kept:
            values[pos:pos + len(part), : part.shape[1]] = part
            pos += len(part)
        static_all = np.concatenate([s for _, s, _ in kept], axis=0)
        lengths = np.concatenate([length for _, _, length in kept])
        sequences = encoder.inverse_transform(values, lengths, static_all, missing=missing)
        if not return_static:
            return sequences
        return sequences, encoder.inverse_static(static_all)

    def sample_iter(self, n: int, *, chunk_size: int = 65536, condition: Any = None,
                    seq_len: int | None = None, random_state: Any = None,
                    batch_size: int | None = None, return_static: bool = False,
                    from_proposal: bool = False, missing: str = "none") -> Iterator[Any]:
        """Generate ``n`` sequences as a stream of chunks of at most ``chunk_size``, each in
        the container :meth:`sample` returns (arrays ``(chunk, seq_len, n_features)``, lists,
        or long DataFrames whose ids run on across chunks; with ``return_static`` pairs).

        Memory stays at one chunk whatever ``n``; concatenated, the chunks equal
        ``sample(n, ...)`` with the same arguments (same seed, same samples). For writing
        millions of samples to a file, e.g. ``for part in model.sample_iter(n, random_state=0):
        frame_of(part).to_csv(handle, header=first, index=False)``.
        """
        if type(self).sample is not Estimator.sample:
            raise NotImplementedError(
                f"sample_iter() streams sequence models; {type(self).__name__} samples in its "
                "own way: call sample(n) for each part, with a different random_state each.")
        chunk_size = check_int("chunk_size", chunk_size, low=1)
        missing = check_missing_option(missing)
        plan = self._sampling_plan(n, condition, seq_len, random_state, batch_size,
                                   return_static, from_proposal)
        encoder, lengths, n = self.encoder_, plan["lengths"], plan["n"]
        ids = None
        if encoder.kind_ == "long":
            from seqgan.data._encoder import _new_ids

            ids = _new_ids(n, encoder.id_dtype_)
        for start, values, static in self._scaled_chunks(plan, chunk_size):
            stop = start + len(values)
            part = encoder.inverse_transform(values, lengths[start:stop], static,
                                             missing=missing)
            if ids is not None:
                codes = pd.factorize(part[encoder.id_column_], sort=False)[0]
                part[encoder.id_column_] = ids[start + codes]
            if not return_static:
                yield part
                continue
            static_part = encoder.inverse_static(static)
            if ids is not None and isinstance(static_part, pd.DataFrame):
                static_part.index = pd.Index(ids[start:stop], name=encoder.id_column_)
            yield part, static_part

    def _sampling_plan(self, n: Any, condition: Any, seq_len: Any, random_state: Any,
                       batch_size: Any, return_static: bool, from_proposal: bool
                       ) -> dict[str, Any]:
        """Checked sampling arguments and everything drawn up front: encoded conditions
        (n, c), lengths (n,) and the generator of the latents (drawn in blocks later)."""
        self._check_fitted()
        n = check_int("n", n, low=1)
        if batch_size is not None:
            batch_size = check_int("batch_size", batch_size, low=1)
        if seq_len is not None:
            seq_len = check_int("seq_len", seq_len, low=1)
        if return_static and self.encoder_.n_static_ == 0:
            raise ValueError(f"This {type(self).__name__} was fitted without static features; "
                             "`return_static=True` needs fit(X, static=S).")
        cond = self._encode_condition(condition, n)
        return self._draw_plan(n, cond, seq_len, check_random_state(random_state), batch_size,
                               return_static, from_proposal)

    def _draw_plan(self, n: int, cond: torch.Tensor | None, seq_len: int | None,
                   rng: np.random.Generator, batch_size: int, return_static: bool,
                   from_proposal: bool) -> dict[str, Any]:
        """The plan of ``n`` samples from checked arguments: the generator of the latents
        (seeded from ``rng``) and the lengths (drawn from ``rng``)."""
        generator = torch.Generator().manual_seed(seed_from(rng))
        lengths = self.encoder_.sample_lengths(n, rng, seq_len)
        if batch_size is None:
            batch_size = self._sample_batch_size(int(lengths.max()))
        return {"n": n, "batch_size": batch_size, "cond": cond, "generator": generator,
                "lengths": lengths, "total": int(lengths.max()),
                "from_proposal": from_proposal, "return_static": return_static}

    def _sample_batch_size(self, seq_len: int) -> int:
        """Sequences per generator pass when ``sample(batch_size=None)``; models whose speed
        depends on the steps per pass override it."""
        return 1024

    def _latent_blocks(self, plan: dict[str, Any]) -> Iterator[tuple[torch.Tensor, ...]]:
        """The latents of all ``n`` samples, drawn in blocks of ``_SAMPLE_BLOCK`` samples from
        one generator (so they do not depend on batch or chunk sizes; up to one block, the
        same draw as all at once)."""
        n, total, generator = plan["n"], plan["total"], plan["generator"]
        for start in range(0, n, _SAMPLE_BLOCK):
            size = min(_SAMPLE_BLOCK, n - start)
            if plan["from_proposal"]:
                yield self._proposal_latent(size, total, generator)
            else:
                yield self._draw_latent(self.spec_, size, total, generator)

    def _scaled_chunks(self, plan: dict[str, Any], chunk_size: int
                       ) -> Iterator[tuple[int, np.ndarray, np.ndarray | None]]:
        """``(start, scaled values (chunk, T, channels) float32, static or None)`` for
        consecutive chunks of at most ``chunk_size`` samples, padding zeroed. The generator
        runs on the same batches of ``batch_size`` samples whatever ``chunk_size`` (the
        numbers of a forward pass depend on its batch size in the last float bits)."""
        n, total, lengths = plan["n"], plan["total"], plan["lengths"]
        passes = self._forward_passes(plan)
        values_left: list[np.ndarray] = []
        static_left: list[np.ndarray] = []
        have = 0
        steps = np.arange(total)[None, :, None]
        for start in range(0, n, chunk_size):
            want = min(chunk_size, n - start)
            while have < want:
                values, static = next(passes)
                values_left.append(values)
                if static is not None:
                    static_left.append(static)
                have += len(values)
            values_all = np.concatenate(values_left) if len(values_left) > 1 else values_left[0]
            values, rest = values_all[:want], values_all[want:]
            values_left, have = [rest], len(rest)
            chunk_static = None
            if static_left:
                static_all = np.concatenate(static_left)
                chunk_static, static_left = static_all[:want], [static_all[want:]]
            values = values * (steps < lengths[start:start + want, None, None])
            yield start, values, chunk_static

    def _forward_passes(self, plan: dict[str, Any]
                        ) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
        """Scaled samples and static features (or None) of consecutive generator passes over
        ``batch_size`` samples, in order."""
        n, total, batch_size, cond = plan["n"], plan["total"], plan["batch_size"], plan["cond"]
        blocks = self._latent_blocks(plan)
        pending: tuple[torch.Tensor, ...] | None = None
        self.module_.eval()
        module = self._sampling_module()
        for start in range(0, n, batch_size):
            want = min(batch_size, n - start)
            while pending is None or len(pending[0]) < want:
                block = next(blocks)
                pending = block if pending is None else tuple(
                    torch.cat([a, b]) for a, b in zip(pending, block, strict=True))
            z = tuple(t[:want].to(self.device_) for t in pending)
            pending = tuple(t[want:] for t in pending)
            c = None if cond is None else cond[start:start + want].to(self.device_)
            with torch.no_grad():
                out = self._generate(module, z, c, total)
            static = None
            if isinstance(out, tuple):  # (sequences, static features)
                out, static = out
                static = static.float().cpu().numpy()
            yield out.float().cpu().numpy(), static

    def _proposal_latent(self, n: int, seq_len: int, generator: torch.Generator
                         ) -> tuple[torch.Tensor, ...]:
        raise ValueError(f"`from_proposal=True` needs a model trained with "
                         f"generator_update=AISUpdate(...); {type(self).__name__} has none.")

    def _values_to_user(self, values: np.ndarray) -> Any:
        """Scaled full-length generator outputs (n, T, channels) -> the user's units and
        container (for samplers working on latents)."""
        return self.encoder_.inverse_transform(values, np.full(values.shape[0], values.shape[1]))

    def _user_to_scaled(self, X: Any) -> tuple[torch.Tensor, torch.Tensor]:
        """User data -> scaled values on the model's device and a mask of the same shape
        (1 on valid entries), for likelihoods."""
        self._check_fitted()
        data = self.encoder_.transform(X)
        x = torch.as_tensor(data.values, device=self.device_)
        mask = (torch.arange(x.shape[1], device=x.device)[None, :]
                < torch.as_tensor(data.lengths, device=x.device)[:, None])
        return x, mask.unsqueeze(-1).to(x.dtype).expand_as(x).contiguous()

    def _encode_condition(self, condition: Any, n: int) -> torch.Tensor | None:
        enc = self.encoder_.condition_encoder_
        if enc is None:
            if condition is not None:
                raise ValueError(f"This {type(self).__name__} was fitted without a condition; "
                                 "do not pass `condition` to sample().")
            return None
        if condition is None:
            raise ValueError(f"This {type(self).__name__} was fitted with a condition; pass "
                             "`condition` (one per sample) to sample().")
        return torch.as_tensor(enc.transform(condition, n))

    def latent_view(self, seq_len: int | None = None) -> LatentView:
        """The fitted model as a differentiable map from one standard-normal vector per sample
        to samples, for latent-space tools (AIS, rejection sampling, activations); see
        :class:`seqgan.models.LatentView`. ``seq_len``: the samples' length (default: the
        training length)."""
        self._check_fitted()
        return LatentView(self, seq_len)

    # ------------------------------------------------------------------ save / load
    def save(self, path: str | Path, *, private: bool = False) -> Path:
        """Write the fitted model to one file (safetensors weights + JSON metadata; no pickle).

        The file gets the permissions of the umask (0644 under umask 022); ``private=True``
        makes it 0600. Returns the path written. Load it with :func:`seqgan.load`.
        """
        from seqgan.models._persistence import save_model

        self._check_fitted()
        return save_model(self, path, private=private)

    def _file_state(self) -> dict[str, Any]:
        """What a model file stores besides parameters and weights."""
        return {"spec": self.spec_.to_dict(), "encoder": self.encoder_.to_dict()}

    @classmethod
    def _from_file_state(cls, params: dict[str, Any], state: dict[str, Any],
                         weights: dict[str, torch.Tensor], device: str | None) -> Estimator:
        """A fitted model rebuilt from a file's parameters, state and weights."""
        model = cls(**params)
        if device is None:
            device = model.device if (model.device != "cuda"
                                      or torch.cuda.is_available()) else "cpu"
        spec = DataSpec(**state["spec"])
        encoder = cls._encoder_from_dict(state["encoder"])
        module = model._build_networks(spec)
        module.load_state_dict(weights, strict=True)
        resolved = resolve_device(device)
        module.to(resolved)
        model._set_fitted(module, encoder, spec, resolved, trainer=None)
        model.stopped_early_ = False
        return model

    @property
    def history(self) -> pd.DataFrame:
        """Alias of ``history_``."""
        self._check_fitted()
        return self.history_


@contextmanager
def evaluating(module: nn.Module) -> Iterator[None]:
    """Eval mode and no gradients for a look at networks in the middle of training; the
    training mode is restored afterwards."""
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        module.train(was_training)


#: Samples whose latents are drawn at once (sampling memory holds at most one block of latents).
_SAMPLE_BLOCK = 65536

#: ``sample(n, static=...)`` gives up when fewer than this share of the samples drawn match
#: (after drawing ``n / _MIN_ACCEPTANCE`` samples, at least 1000).
_MIN_ACCEPTANCE = 0.01


def _available_memory() -> float:
    """Bytes this process may still allocate, as far as the system says (inf if unknown):
    MemAvailable, a cgroup (v2) limit, and the address-space rlimit."""
    limits = [math.inf]
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    limits.append(int(line.split()[1]) * 1024)
    except OSError:
        pass
    try:
        with open("/sys/fs/cgroup/memory.max") as handle:
            raw = handle.read().strip()
        if raw != "max":
            with open("/sys/fs/cgroup/memory.current") as handle:
                limits.append(int(raw) - int(handle.read().strip()))
    except (OSError, ValueError):
        pass
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft != resource.RLIM_INFINITY:
            with open("/proc/self/statm") as handle:
                used = int(handle.read().split()[0]) * resource.getpagesize()
            limits.append(soft - used)
    except (ImportError, OSError, ValueError):
        pass
    return float(min(limits))


def _check_fits(nbytes: float, what: str) -> None:
    """Refuse before allocating ``nbytes`` that the system cannot give."""
    available = _available_memory()
    if nbytes > available:
        raise MemoryError(
            f"{what} needs about {nbytes / 1e9:.1f} GB for its output, more than the "
            f"{max(available, 0) / 1e9:.1f} GB of memory available. Draw fewer at once, or "
            "stream them: model.sample_iter(n, chunk_size=...) yields chunks (memory of one "
            "chunk), e.g. to write them to a file."
        )


def _run_config(model: Estimator) -> dict[str, Any]:
    """The model's hyperparameters as plain JSON values, stored in checkpoints so that resume
    can refuse a run with other ones (values a file cannot store are compared by ``repr``)."""
    from seqgan._io import encode_param

    config = {}
    for name, value in model.get_params(deep=False).items():
        if isinstance(value, np.random.Generator):
            config[name] = "<numpy Generator>"
            continue
        try:
            config[name] = json.loads(json.dumps(encode_param(name, value)))
        except (TypeError, ValueError):
            config[name] = repr(value)
    return config


def _fingerprint(data: Any, encoder: Any) -> str:
    """A short hash of the training data and its scaling, to refuse resuming on other data."""
    h = hashlib.sha256(json.dumps(encoder.to_dict(), sort_keys=True, default=str).encode())
    for arr in (data.values, data.lengths, data.static, data.condition):
        if arr is not None:
            h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()[:16]
