"""The estimator base class every GAN shares: fit, sample, save, load."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from torch import nn

from seqgan._validation import (
    BOOL,
    NONE,
    RANDOM_STATE,
    InstanceOf,
    Interval,
    Options,
    check_int,
    check_random_state,
    seed_from,
    validate_params,
)
from seqgan.ais import AISRuntime, AISUpdate, LatentCodec
from seqgan.data import SequenceEncoder
from seqgan.losses import EMA, AdaptiveBalance, Objective, mode_collapse_score, spectral_norm
from seqgan.models._adversarial import (
    OPTIMIZERS,
    SCHEDULES,
    Adversary,
    TrainingControls,
    build_optimizer,
)
from seqgan.training import Batch, Callback, DivergenceError, Phase, Trainer

logger = logging.getLogger(__name__)

MODEL_REGISTRY: dict[str, type[GANEstimator]] = {}


@dataclass(frozen=True)
class DataSpec:
    """The shapes networks are built for (saved with the model so it can be rebuilt).

    ``n_channels`` counts encoded channels (one-hot categoricals widen it); ``seq_len`` is the
    training length; ``condition_dim`` and ``n_static`` are 0 when unused. Image models use
    ``n_channels``, ``height`` and ``width`` (``seq_len`` 0).
    """

    n_channels: int
    seq_len: int
    condition_dim: int = 0
    n_static: int = 0
    height: int = 0
    width: int = 0


def resolve_device(device: str | torch.device) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; anything torch accepts otherwise."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"`device` must be 'auto', 'cpu', 'cuda' or 'cuda:N'; got {device!r} "
                         f"({exc}).") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"`device`={device!r} but CUDA is not available here; use 'auto' or "
                         "'cpu'.")
    return resolved


class GANEstimator(BaseEstimator):
    """Base class of every seqgan model, in scikit-learn style.

    Subclasses store their hyperparameters in ``__init__`` (nothing else), list their rules in
    ``_param_rules``, and implement: ``_build_module(spec)`` (all networks in one ``nn.Module``),
    ``_build_optimizers(module)``, ``_phases(module, spec)`` (the training recipe),
    ``_draw_latent(spec, n, seq_len, generator, device)`` and
    ``_generate(module, latent, condition, seq_len)``. Latents are drawn once for all samples,
    so results do not depend on the sampling batch size.

    Fitted attributes: ``module_``, ``encoder_`` (data layout and scalers), ``scaler_``,
    ``history_`` (DataFrame, one row per iteration), ``n_features_in_``, ``feature_names_in_``,
    ``spec_``, ``device_``, ``stopped_early_``.
    """

    #: Rules checked by ``fit``: parameter name -> list of accepted rules (any may match).
    #: Rules of parameters a model does not have are ignored.
    _param_rules: ClassVar[dict[str, list]] = {
        "seq_len": [Interval(int, 1, None), NONE],
        "batch_size": [Interval(int, 1, None)],
        "n_iter": [Interval(int, 0, None)],
        "loss": [InstanceOf((str, Objective), "a loss name or an Objective")],
        "regularizers": [InstanceOf((dict, list, tuple), "a dict {name: weight}"), NONE],
        "spectral_norm": [BOOL],
        "optimizer_g": [Options(tuple(OPTIMIZERS))],
        "optimizer_d": [Options(tuple(OPTIMIZERS))],
        "optimizer_kwargs": [InstanceOf(dict, "a dict of optimizer arguments"), NONE],
        "lr_g": [Interval(float, 0, None, closed="neither")],
        "lr_d": [Interval(float, 0, None, closed="neither")],
        "d_steps": [Interval(int, 1, None)],
        "g_steps": [Interval(int, 1, None)],
        "lr_schedule": [Options(tuple(SCHEDULES)), NONE],
        "balance": [BOOL, InstanceOf(dict, "a dict of AdaptiveBalance arguments")],
        "ema": [Interval(float, 0, 1, closed="left"), NONE],
        "diagnostics_every": [Interval(int, 1, None), NONE],
        "scaling": [Options(("minmax", "standard")), NONE],
        "device": [InstanceOf((str, torch.device), "a device string ('auto', 'cpu', 'cuda')")],
        "random_state": [RANDOM_STATE],
        "verbose": [BOOL],
        "generator_update": [InstanceOf(AISUpdate, "a seqgan.ais.AISUpdate"), NONE],
    }
    supports_condition: ClassVar[bool] = False
    supports_static: ClassVar[bool] = False
    #: Network (key of the module) the discriminator options (spectral norm) apply to.
    _critic_network: ClassVar[str] = "discriminator"
    #: Networks on the sampling path; ``ema`` averages them and sampling uses the averages.
    _sampling_networks: ClassVar[tuple[str, ...]] = ("generator",)
    #: Optimizers whose learning rates the schedule and the balance control.
    _adversarial_optimizers: ClassVar[tuple[str, ...]] = ("generator", "discriminator")
    #: Arguments each optimizer gets by default in this model's paper, by optimizer name.
    _paper_optimizer_kwargs: ClassVar[dict[str, dict[str, Any]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # abstract bases (``_abstract = True`` in their body) are not models users can load
        if not cls.__name__.startswith("_") and not cls.__dict__.get("_abstract", False):
            MODEL_REGISTRY[cls.__name__] = cls

    # ------------------------------------------------------------------ subclass API
    def _build_module(self, spec: DataSpec) -> nn.Module:
        raise NotImplementedError

    def _build_optimizers(self, module: nn.Module) -> dict[str, torch.optim.Optimizer]:
        raise NotImplementedError

    def _phases(self, module: nn.Module, spec: DataSpec, adversary: Adversary) -> list[Phase]:
        """The training recipe; the last phase is the adversarial one."""
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
        """Prior of each latent tensor ("uniform", "normal" or "symmetric"), for the AIS
        tools' standard-normal base space (``seqgan.ais.LatentCodec``)."""
        raise NotImplementedError

    def _latent_logits(self, module: nn.Module, latent: tuple[torch.Tensor, ...],
                       condition: torch.Tensor | None, seq_len: int) -> torch.Tensor:
        """Discriminator logits (n,) or (n, seq_len) of the samples generated from ``latent``
        (the density-ratio estimate of the AIS/DRE update)."""
        raise NotImplementedError

    def _latent_codec(self, spec: DataSpec, seq_len: int | None = None) -> LatentCodec:
        """The model's latent at ``seq_len`` steps as one standard-normal vector."""
        probe = self._draw_latent(spec, 1, seq_len or spec.seq_len, torch.Generator())
        return LatentCodec([tuple(t.shape[1:]) for t in probe], self._latent_kinds(spec))

    # ------------------------------------------------------------------ fit
    def _all_rules(self) -> dict[str, list]:
        rules: dict[str, list] = {}
        for klass in reversed(type(self).__mro__):
            rules.update(getattr(klass, "_param_rules", {}))
        return {k: v for k, v in rules.items() if k in self.get_params(deep=False)}

    def _validate_params(self) -> None:
        validate_params(type(self).__name__, self.get_params(deep=False), self._all_rules())
        self._adversary()
        balance = getattr(self, "balance", False)
        if isinstance(balance, dict):
            AdaptiveBalance(torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0),
                            **balance)

    def _adversary(self) -> Adversary:
        return Adversary(getattr(self, "loss", "non-saturating"),
                         getattr(self, "regularizers", None), getattr(self, "augment", None))

    def _optimizer(self, role: str, params: Iterable[Any], lr: float) -> torch.optim.Optimizer:
        """The optimizer of ``role`` ("g" or "d") by the model's ``optimizer_g``/``optimizer_d``
        and ``optimizer_kwargs``: one dict for both sides, or ``{"g": {...}, "d": {...}}``; the
        paper's arguments for a side without any."""
        name = getattr(self, f"optimizer_{role}")
        kwargs = getattr(self, "optimizer_kwargs", None)
        if kwargs and set(kwargs) <= {"g", "d"} and all(isinstance(v, dict)
                                                        for v in kwargs.values()):
            kwargs = kwargs.get(role)
        return build_optimizer(name, params, lr, self._paper_optimizer_kwargs, kwargs)

    def _build_networks(self, spec: DataSpec) -> nn.ModuleDict:
        """``_build_module`` plus the shared options: spectral norm on the critic and the
        weight averages of the sampling networks (under ``"ema"``)."""
        module = self._build_module(spec)
        if getattr(self, "spectral_norm", False):
            spectral_norm(module[self._critic_network])
        if getattr(self, "ema", None) is not None:
            module["ema"] = nn.ModuleDict({name: EMA(module[name], self.ema)
                                           for name in self._sampling_networks
                                           if name in module})
        update = getattr(self, "generator_update", None)
        if update is not None:
            module["proposal"] = update.make_proposal(self._latent_codec(spec).dim)
        return module

    def _ais_runtime(self, module: nn.ModuleDict, spec: DataSpec) -> AISRuntime | None:
        update = getattr(self, "generator_update", None)
        if update is None:
            return None
        return AISRuntime(update, self._latent_codec(spec), module["proposal"],
                          lambda latent, condition: self._latent_logits(
                              module, latent, condition, spec.seq_len))

    def _sampling_module(self) -> nn.ModuleDict:
        """The fitted networks, with the weight averages in place of the sampling networks."""
        module = self.module_
        if "ema" not in module:
            return module
        merged = dict(module.items())
        merged.update({name: average.shadow for name, average in module["ema"].items()})
        return nn.ModuleDict(merged)

    def _training_sampler(self, spec: DataSpec, trainer: Trainer) -> Any:
        """``sample(n, seed=0) -> (fake, real)``: ``n`` scaled fakes from the networks as they
        are now, generated from fixed noise (``seed``) with the conditions and lengths of ``n``
        fixed real sequences, and those real sequences (a ``Batch``). The training random
        stream is untouched. Set as ``trainer.sampler`` for callbacks and diagnostics."""
        def sample(n: int, seed: int = 0) -> tuple[torch.Tensor, Batch]:
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

    def _training_decoder(self, trainer: Trainer, encoder: Any) -> Any:
        """The networks being trained as an object with ``generate(latent, condition=None)``
        (outputs in the user's units), ``latent_dim`` and ``prior``, for latent maps during
        training; None for models without one latent vector per sample."""
        return None

    @staticmethod
    def _diversity(trainer: Trainer) -> float:
        """Diagnostic: mode-collapse score of 64 fixed-noise fakes against 64 fixed reals."""
        fake, real = trainer.sampler(64)
        if real.size < 2:
            return float("nan")
        mask = None if real.fixed_length else real.mask
        return float(mode_collapse_score(fake, real.real, mask, mask))

    def _controls(self, module: nn.Module, optimizers: dict[str, torch.optim.Optimizer],
                  spec: DataSpec, ais: AISRuntime | None = None
                  ) -> tuple[TrainingControls, dict[str, Any]]:
        balance_arg = getattr(self, "balance", False)
        balance = None
        if balance_arg:
            kwargs = balance_arg if isinstance(balance_arg, dict) else {}
            balance = AdaptiveBalance(optimizers["discriminator"], **kwargs)
        controls = TrainingControls(
            optimizers=optimizers, adversarial_optimizers=self._adversarial_optimizers,
            schedule=getattr(self, "lr_schedule", None), balance=balance,
            ema=module["ema"] if "ema" in module else None, module=module,
            diagnostics_every=getattr(self, "diagnostics_every", None),
            diversity=self._diversity, ais=ais)
        state = {"balance": balance} if balance is not None else {}
        if ais is not None:
            state["ais"] = ais
        return controls, state

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
        stride: int = 1,
        callbacks: Iterable[Callback] | None = None,
        checkpoint_dir: str | Path | None = None,
        checkpoint_every: int | None = None,
        resume: bool = False,
    ) -> GANEstimator:
        """Train on ``X``; return ``self``.

        Parameters
        ----------
        X : ndarray (n_sequences, seq_len, n_features), list of 2-D arrays, or DataFrame
            Training sequences. A list may hold sequences of different lengths. A DataFrame is
            long format (one row per step) when ``id_column`` is given, else one long series cut
            into windows of ``seq_len`` steps every ``stride`` rows.
        y : array-like, optional
            Alias of ``condition`` (scikit-learn convention).
        condition : array-like (n_sequences,) or (n_sequences, c), optional
            Class labels or vectors, for conditional models.
        static : array-like (n_sequences, n_static), optional
            Per-sequence static features, for models that use them.
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
        if y is not None:
            if condition is not None:
                raise ValueError("Pass the condition once: as `y` or as `condition`, not both.")
            condition = y
        if condition is not None and not self.supports_condition:
            raise ValueError(f"{name} is unconditional and takes no `condition`/`y`; use a "
                             "conditional model: RCGAN for sequences, CGAN for images.")
        if static is not None and not self.supports_static:
            raise ValueError(f"{name} does not use static features; drop `static`.")
        if checkpoint_every is not None:
            check_int("checkpoint_every", checkpoint_every, low=1)
        if resume and checkpoint_dir is None:
            raise ValueError("`resume=True` needs `checkpoint_dir` (where the checkpoint is).")

        encoder, data, spec = self._encode_training_data(
            X, condition=condition, static=static, id_column=id_column,
            time_column=time_column, categorical=categorical, stride=stride)
        device = resolve_device(self.device)
        seed = seed_from(self.random_state)
        fork_devices = list(range(torch.cuda.device_count())) if device.type == "cuda" else []
        with torch.random.fork_rng(devices=fork_devices):
            torch.manual_seed(seed)
            module = self._build_networks(spec).to(device)
            optimizers = self._build_optimizers(module)
            adversary = self._adversary()
            adversary.ais = self._ais_runtime(module, spec)
            phases = self._phases(module, spec, adversary)
            controls, state_objects = self._controls(module, optimizers, spec, adversary.ais)
            phases[-1] = replace(phases[-1], after_iteration=controls)
            trainer = Trainer(
                module, optimizers, phases,
                batch_size=self.batch_size, device=device, progress=self.verbose,
                callbacks=callbacks or (), checkpoint_dir=checkpoint_dir,
                checkpoint_every=checkpoint_every, fingerprint=_fingerprint(data, encoder),
                state_objects=state_objects,
            )
            trainer.sampler = self._training_sampler(spec, trainer)
            trainer.decoder = self._training_decoder(trainer, encoder)
            if adversary.ais is not None and spec.condition_dim:
                adversary.ais.condition_source = _condition_source(trainer)
            if resume:
                trainer.resume_from(checkpoint_dir)
            try:
                trainer.fit(data)
            except DivergenceError:
                self._set_fitted(module, encoder, spec, device, trainer)
                raise
        self._set_fitted(module, encoder, spec, device, trainer)
        if trainer.stopped_early:
            logger.info("%s stopped early at phase %d, iteration %d.", name,
                        trainer.phase_index, trainer.iteration)
        return self

    def _encode_training_data(self, X: Any, *, condition: Any, static: Any,
                              id_column: str | None, time_column: str | None,
                              categorical: Sequence[str] | None, stride: int
                              ) -> tuple[Any, Any, DataSpec]:
        """The fitted data encoder, the training data and the shapes to build networks for."""
        encoder = SequenceEncoder(scaling=self.scaling, seq_len=self.seq_len,
                                  owner=type(self).__name__)
        data = encoder.fit_transform(X, static=static, condition=condition, id_column=id_column,
                                     time_column=time_column, categorical=categorical,
                                     stride=stride)
        spec = DataSpec(data.n_channels, data.seq_len, encoder.condition_dim_, encoder.n_static_)
        return encoder, data, spec

    @classmethod
    def _encoder_from_dict(cls, state: dict[str, Any]) -> Any:
        """The data encoder saved in a model file."""
        return SequenceEncoder.from_dict(state, owner=cls.__name__)

    def _set_fitted(self, module: nn.Module, encoder: SequenceEncoder, spec: DataSpec,
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
               random_state: Any = None, batch_size: int = 1024,
               return_static: bool = False, from_proposal: bool = False) -> Any:
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
        batch_size : int
            Sequences generated per forward pass (1024: as fast as 4096 or faster for every
            sequence model here, up to 1.5x for TimeGAN; a step's data stays in the caches).
        return_static : bool
            For models fitted with static features: also return the generated static features.
        from_proposal : bool
            For models trained with ``generator_update=AISUpdate(...)``: draw the latents from
            the learned proposal ``q`` (which approximates ``p(z) exp(beta d(G(z)))``) instead
            of the prior. Only at the training length.

        Returns
        -------
        ndarray (n, seq_len, n_features), a list of arrays (variable lengths), or a DataFrame in
        long format, matching what ``fit`` received. With ``return_static``: a pair
        ``(sequences, static)``, static as an array (n, n_static) or, when ``fit`` got a
        DataFrame, a DataFrame (indexed by the new sequence ids for long-format data).
        """
        self._check_fitted()
        n = check_int("n", n, low=1)
        batch_size = check_int("batch_size", batch_size, low=1)
        if seq_len is not None:
            seq_len = check_int("seq_len", seq_len, low=1)
        if return_static and self.encoder_.n_static_ == 0:
            raise ValueError(f"This {type(self).__name__} was fitted without static features; "
                             "`return_static=True` needs fit(X, static=S).")
        cond = self._encode_condition(condition, n)
        rng = check_random_state(random_state)
        generator = torch.Generator().manual_seed(seed_from(rng))
        lengths = self.encoder_.sample_lengths(n, rng, seq_len)
        total = int(lengths.max())
        if from_proposal:
            latent = self._proposal_latent(n, total, generator)
        else:
            latent = self._draw_latent(self.spec_, n, total, generator)
        chunks, static_chunks = [], []
        self.module_.eval()
        module = self._sampling_module()
        with torch.no_grad():
            for start in range(0, n, batch_size):
                part = slice(start, min(start + batch_size, n))
                c = None if cond is None else cond[part].to(self.device_)
                z = tuple(t[part].to(self.device_) for t in latent)
                out = self._generate(module, z, c, total)
                if isinstance(out, tuple):  # (sequences, static features)
                    out, static = out
                    static_chunks.append(static.float().cpu().numpy())
                chunks.append(out.float().cpu().numpy())
        values = np.concatenate(chunks, axis=0)
        values *= np.arange(total)[None, :, None] < lengths[:, None, None]
        sequences = self.encoder_.inverse_transform(values, lengths)
        if not return_static:
            return sequences
        return sequences, self.encoder_.inverse_static(np.concatenate(static_chunks, axis=0))

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

    def _proposal_latent(self, n: int, seq_len: int, generator: torch.Generator
                         ) -> tuple[torch.Tensor, ...]:
        name = type(self).__name__
        if "proposal" not in self.module_:
            raise ValueError(f"`from_proposal=True` needs a {name} trained with "
                             "generator_update=AISUpdate(...); this one has no proposal.")
        proposal = self.module_["proposal"]
        codec = self._latent_codec(self.spec_, seq_len)
        if codec.dim != proposal.dim:
            raise ValueError(f"The proposal was learned for sequences of {self.spec_.seq_len} "
                             f"steps; `from_proposal=True` cannot sample {seq_len} steps. Pass "
                             f"seq_len={self.spec_.seq_len} (or sample from the prior).")
        return codec.decode(proposal.sample(n, generator=generator, device="cpu").cpu())

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

    # ------------------------------------------------------------------ save / load
    def save(self, path: str | Path) -> Path:
        """Write the fitted model to one file (safetensors weights + JSON metadata; no pickle).

        Returns the path written. Load it with :func:`seqgan.load`.
        """
        from seqgan._io import save_model

        self._check_fitted()
        return save_model(self, path)

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


def _fingerprint(data: Any, encoder: Any) -> str:
    """A short hash of the training data and its scaling, to refuse resuming on other data."""
    h = hashlib.sha256(json.dumps(encoder.to_dict(), sort_keys=True, default=str).encode())
    for arr in (data.values, data.lengths, data.static, data.condition):
        if arr is not None:
            h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()[:16]


def _condition_source(trainer: Trainer) -> Any:
    """``(n, seed) -> conditions (n, c)`` of real training sequences, for AIS particles of
    conditional models (drawn apart from the training random stream)."""
    def source(n: int, seed: int) -> torch.Tensor:
        condition = trainer.fixed_batch(n, seed=seed).condition
        reps = -(-n // condition.shape[0])
        return condition.repeat(reps, 1)[:n]
    return source


def spec_to_dict(spec: DataSpec) -> dict[str, int]:
    return asdict(spec)
