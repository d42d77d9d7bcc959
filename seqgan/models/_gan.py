"""The GAN layer on top of :class:`~seqgan.models.Estimator`: the training options every GAN
shares (objective, penalties, spectral norm, EMA, TTUR, schedules, balance, the AIS/DRE update)
and the default two-player recipe (a generator against a discriminator) that most models use
as it is, adjusting it through a few small hooks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import torch
from torch import nn

from seqgan._validation import BOOL, NONE, InstanceOf, Interval, Options
from seqgan.ais import AISRuntime, AISUpdate
from seqgan.losses import Objective, mode_collapse_score, spectral_norm
from seqgan.models._adversarial import (
    SCHEDULES,
    Adversary,
    TrainingControls,
    build_optimizer,
)
from seqgan.models._base import DataSpec, Estimator
from seqgan.models._latent_view import latent_codec
from seqgan.models._missing import (
    add_pattern_term,
    observe_fakes,
    observe_real,
    recording_patterns,
)
from seqgan.training import (
    EMA,
    OPTIMIZERS,
    AdaptiveBalance,
    Batch,
    Phase,
    Recipe,
    Trainer,
    Update,
    chain_hooks,
)

#: What a discriminator sees of one side (real or fake): a tensor, or a tuple such as BiGAN's
#: ``(x, z)``; the critic is called as ``critic(*inputs)`` for tuples.
Inputs = torch.Tensor | tuple[torch.Tensor, ...]


class GANEstimator(Estimator):
    """Base class of the GANs: the shared training options and the adversarial wiring.

    On top of :class:`Estimator`'s hooks a GAN implements ``_latent_logits(module, latent,
    condition, seq_len)`` (the discriminator's logits of the samples of ``latent``: the
    density-ratio estimate of the AIS/DRE update and the discriminator-driven samplers) and
    either keeps the default two-player recipe (:meth:`_phases`; one ``"generator"`` against
    one ``"discriminator"``, adjusted by the hooks below) or writes its own ``_phases(module,
    spec, adversary)``. Either way, :class:`TrainingControls` (schedule, balance, weight
    averages, diagnostics, AIS) run after each iteration of the phase named
    ``_adversarial_phase``, after that phase's own ``after_iteration``.

    Hooks of the default recipe, each with a default for a plain G(z[, c]) vs D(x[, c]):

    - ``_fake_inputs(module, batch, latent)``: what D sees of fakes (before augmentation);
    - ``_real_inputs(module, batch)``: what D sees of real data;
    - ``_critic(module, batch)``: ``critic(*inputs) -> logits`` or ``(logits, extras)``;
    - ``_pair_logits(module, critic, real_in, fake_in, batch)``: both sides' outputs;
    - ``_discriminator_terms(...)`` / ``_generator_terms(...)``: extra loss terms;
    - ``_generator_real_pass``: when the generator step also looks at real data.
    """

    _param_rules: ClassVar[dict[str, list]] = {
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
        "generator_update": [InstanceOf(AISUpdate, "a seqgan.ais.AISUpdate"), NONE],
    }
    #: Network (key of the module) the discriminator options (spectral norm) apply to.
    _critic_network: ClassVar[str] = "discriminator"
    #: Optimizers whose learning rates the schedule and the balance control.
    _adversarial_optimizers: ClassVar[tuple[str, ...]] = ("generator", "discriminator")
    #: Arguments each optimizer gets by default in this model's paper, by optimizer name.
    _paper_optimizer_kwargs: ClassVar[dict[str, dict[str, Any]]] = {}
    #: Whether the weight average warms up (``min(ema, (1 + n) / (10 + n))`` at update n).
    _ema_warmup: ClassVar[bool] = False
    #: Name of the phase the training controls follow.
    _adversarial_phase: ClassVar[str] = "adversarial"
    #: When the default generator step also runs D on real data: "relativistic" (only for
    #: relativistic objectives, without gradients), or "always" with gradients (BiGAN's encoder
    #: learns through the real pair).
    _generator_real_pass: ClassVar[str] = "relativistic"

    # ------------------------------------------------------------------ options
    def _validate_params(self) -> None:
        super()._validate_params()
        self._adversary()
        balance = getattr(self, "balance", False)
        if isinstance(balance, dict):
            AdaptiveBalance(torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0),
                            **balance)

    def _privacy_refusals(self) -> list[str]:
        from seqgan.models._privacy import gan_refusals

        return [*super()._privacy_refusals(), *gan_refusals(self)]

    def _private_networks(self) -> tuple[str, ...]:
        """The discriminator sees real data; with a relativistic objective the generator's
        loss compares with real logits, so the generator is trained privately too."""
        if self._adversary().relativistic:
            return (self._critic_network, "generator")
        return (self._critic_network,)

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

    def _build_optimizers(self, module: nn.Module) -> dict[str, torch.optim.Optimizer]:
        return {
            "generator": self._optimizer("g", module["generator"].parameters(), self.lr_g),
            "discriminator": self._optimizer("d", module["discriminator"].parameters(),
                                             self.lr_d),
        }

    def _build_networks(self, spec: DataSpec) -> nn.ModuleDict:
        """``_build_module`` plus the shared options: spectral norm on the critic and the
        weight averages of the sampling networks (under ``"ema"``)."""
        module = self._build_module(spec)
        if getattr(self, "spectral_norm", False):
            spectral_norm(module[self._critic_network])
        if getattr(self, "ema", None) is not None:
            module["ema"] = nn.ModuleDict({name: EMA(module[name], self.ema,
                                                     warmup=self._ema_warmup)
                                           for name in self._sampling_networks
                                           if name in module})
        update = getattr(self, "generator_update", None)
        if update is not None:
            module["proposal"] = update.make_proposal(latent_codec(self, spec).dim)
        return module

    def _sampling_module(self) -> nn.ModuleDict:
        """The fitted networks, with the weight averages in place of the sampling networks."""
        module = self.module_
        if "ema" not in module:
            return module
        merged = dict(module.items())
        merged.update({name: average.shadow for name, average in module["ema"].items()})
        return nn.ModuleDict(merged)

    # ------------------------------------------------------------------ AIS / latents
    def _latent_logits(self, module: nn.Module, latent: tuple[torch.Tensor, ...],
                       condition: torch.Tensor | None, seq_len: int) -> torch.Tensor:
        """Discriminator logits (n,) or (n, seq_len) of the samples generated from ``latent``
        (the density-ratio estimate of the AIS/DRE update)."""
        raise NotImplementedError

    def _ais_runtime(self, module: nn.ModuleDict, spec: DataSpec) -> AISRuntime | None:
        update = getattr(self, "generator_update", None)
        if update is None:
            return None
        return AISRuntime(update, latent_codec(self, spec), module["proposal"],
                          lambda latent, condition: self._latent_logits(
                              module, latent, condition, spec.seq_len))

    def _proposal_latent(self, n: int, seq_len: int, generator: torch.Generator
                         ) -> tuple[torch.Tensor, ...]:
        name = type(self).__name__
        if "proposal" not in self.module_:
            raise ValueError(f"`from_proposal=True` needs a {name} trained with "
                             "generator_update=AISUpdate(...); this one has no proposal.")
        proposal = self.module_["proposal"]
        codec = latent_codec(self, self.spec_, seq_len)
        if codec.dim != proposal.dim:
            raise ValueError(f"The proposal was learned for sequences of {self.spec_.seq_len} "
                             f"steps; `from_proposal=True` cannot sample {seq_len} steps. Pass "
                             f"seq_len={self.spec_.seq_len} (or sample from the prior).")
        return codec.decode(proposal.sample(n, generator=generator, device="cpu").cpu())

    # ------------------------------------------------------------------ recipe
    @staticmethod
    def _diversity(trainer: Trainer) -> float:
        """Diagnostic: mode-collapse score of 64 fixed-noise fakes against 64 fixed reals
        (images and points: each sample as one vector)."""
        fake, real = trainer.sampler(64)
        if real.size < 2:
            return float("nan")
        if fake.dim() != 3:
            return float(mode_collapse_score(fake.flatten(1).unsqueeze(1),
                                             real.real.flatten(1).unsqueeze(1)))
        mask = None if real.fixed_length else real.mask
        return float(mode_collapse_score(fake, real.real, mask, mask))

    def _recipe(self, module: nn.Module, optimizers: dict[str, torch.optim.Optimizer],
                spec: DataSpec) -> Recipe:
        """The model's phases (:meth:`_phases`) with the training controls following the
        adversarial phase, and the controls' state to checkpoint."""
        adversary = self._adversary()
        adversary.ais = ais = self._ais_runtime(module, spec)
        phases = list(self._phases(module, spec, adversary))
        names = [p.name for p in phases]
        if self._adversarial_phase not in names:
            raise RuntimeError(f"{type(self).__name__}._phases() has no phase named "
                               f"{self._adversarial_phase!r} (_adversarial_phase); phases: "
                               f"{names}.")
        balance = None
        balance_arg = getattr(self, "balance", False)
        if balance_arg:
            kwargs = balance_arg if isinstance(balance_arg, dict) else {}
            balance = AdaptiveBalance(optimizers["discriminator"], **kwargs)
        controls = TrainingControls(
            optimizers=optimizers, adversarial_optimizers=self._adversarial_optimizers,
            schedule=getattr(self, "lr_schedule", None), balance=balance,
            ema=module["ema"] if "ema" in module else None, module=module,
            diagnostics_every=getattr(self, "diagnostics_every", None),
            diversity=self._diversity, ais=ais)
        index = names.index(self._adversarial_phase)
        phase = phases[index]
        phases[index] = Phase(phase.name, phase.iterations, phase.updates,
                              chain_hooks(phase.after_iteration, controls))
        state: dict[str, Any] = {"balance": balance} if balance is not None else {}
        if ais is not None:
            state["ais"] = ais

        def on_start(trainer: Trainer) -> None:
            if ais is not None and spec.condition_dim:
                ais.condition_source = _condition_source(trainer)

        return Recipe(phases, state, on_start)

    def _phases(self, module: nn.Module, spec: DataSpec, adversary: Adversary) -> list[Phase]:
        """The default two-player recipe: per iteration ``d_steps`` discriminator steps on real
        and generated data (the objective's loss plus its penalties), then ``g_steps``
        generator steps (the objective's generator loss, importance-weighted under the AIS/DRE
        update)."""
        discriminator = module[self._critic_network]
        device = next(module.parameters()).device

        def layout(batch: Batch) -> tuple[torch.Tensor | None, torch.Tensor | None]:
            return (None, None) if batch.fixed_length else (batch.lengths, batch.mask)

        def fakes(batch: Batch, for_generator: bool = False) -> Inputs:
            def draw() -> tuple[torch.Tensor, ...]:
                return self._draw_latent(spec, batch.size, batch.real.shape[1], device=device)
            latent = adversary.generator_latent(batch.size, draw) if for_generator else draw()
            return self._fake_inputs(module, batch, latent)

        def view(inputs: Inputs, mask: torch.Tensor | None) -> Inputs:
            if isinstance(inputs, tuple):
                return (adversary.view(inputs[0], mask), *inputs[1:])
            return adversary.view(inputs, mask)

        def discriminator_loss(batch: Batch) -> dict[str, Any]:
            _, mask = layout(batch)
            with torch.no_grad():
                fake = fakes(batch)
                real = self._real_inputs(module, batch)
            real_in, fake_in = view(real, mask), view(fake, mask)
            critic = self._critic(module, batch)
            real_out, fake_out = self._pair_logits(module, critic, real_in, fake_in, batch)
            real_logits, fake_logits = _logits(real_out), _logits(fake_out)
            out = adversary.discriminator_loss(real_logits, fake_logits,
                                               _step_mask(real_logits, mask))
            out = self._discriminator_terms(module, out, batch, critic, real_in, real_out,
                                            adversary)
            return adversary.add_penalties(out, _logits_only(critic), real_in, fake_in, mask)

        profile = getattr(self, "_pattern_profile", None)

        def generator_loss(batch: Batch) -> dict[str, Any]:
            _, mask = layout(batch)
            with recording_patterns() as patterns:
                fake = fakes(batch, for_generator=True)
            critic = self._critic(module, batch)
            real_out = None
            if self._generator_real_pass == "always":
                real_in = view(self._real_inputs(module, batch), mask)
                real_out, fake_out = self._pair_logits(module, critic, real_in, view(fake, mask),
                                                       batch)
            else:
                fake_out = _call(critic, view(fake, mask))
                if adversary.relativistic or self._generator_needs_real():
                    with torch.no_grad():
                        real_out = _call(critic, view(self._real_inputs(module, batch), mask))
            fake_logits = _logits(fake_out)
            real_logits = None if real_out is None else _logits(real_out)
            step_mask = _step_mask(fake_logits, mask)
            weights = adversary.generator_weights(fake_logits, step_mask)
            out = {"loss": adversary.generator_loss(fake_logits, real_logits, step_mask,
                                                    weights)}
            out = self._generator_terms(module, out, batch, fake_out, real_out, weights,
                                        adversary)
            if not patterns:  # no fakes with gaps (data without missing values)
                return out
            # the generated gaps: the data's number per step (seqgan/models/_missing.py)
            return add_pattern_term(out, torch.cat(patterns), profile,
                                    None if mask is None else mask.repeat(len(patterns), 1))

        clip = getattr(self, "clip_grad_norm", None)
        return [Phase(self._adversarial_phase, self.n_iter, [
            Update("discriminator", "discriminator", discriminator_loss, steps=self.d_steps,
                   clip_grad_norm=clip,
                   after_step=adversary.after_discriminator_step(discriminator)),
            Update("generator", "generator", generator_loss,
                   steps=getattr(self, "g_steps", 1), clip_grad_norm=clip),
        ])]

    # hooks of the default recipe ---------------------------------------------------------
    def _fake_inputs(self, module: nn.Module, batch: Batch,
                     latent: tuple[torch.Tensor, ...]) -> Inputs:
        """What the discriminator sees of the fakes of ``latent``: the sequences (zero past
        each length), paired with the generated static features when the model makes them."""
        out = self._generate(module, latent, batch.condition, batch.real.shape[1])
        fake, static = out if isinstance(out, tuple) else (out, None)
        if not batch.fixed_length:
            fake = fake * batch.mask.unsqueeze(-1)
        fake = observe_fakes(fake, batch.real, getattr(self, "_missing", ()),
                             None if batch.fixed_length else batch.mask)
        return fake if static is None else (fake, static)

    def _real_inputs(self, module: nn.Module, batch: Batch) -> Inputs:
        """What the discriminator sees of the real batch (with its static features)."""
        real = observe_real(batch.real, getattr(self, "_missing", ()),
                            None if batch.fixed_length else batch.mask)
        return real if batch.static is None else (real, batch.static)

    def _critic(self, module: nn.Module, batch: Batch) -> Callable[..., Any]:
        """``critic(*inputs)`` -> logits (or ``(logits, extras)``) for this batch."""
        raise NotImplementedError

    def _pair_logits(self, module: nn.Module, critic: Callable[..., Any], real_in: Inputs,
                     fake_in: Inputs, batch: Batch) -> tuple[Any, Any]:
        """The critic's outputs on both sides (default: one call each, real first)."""
        return _call(critic, real_in), _call(critic, fake_in)

    def _generator_needs_real(self) -> bool:
        """Whether the generator step needs the critic's output on real data (beyond
        relativistic objectives), e.g. for feature matching."""
        return False

    def _discriminator_terms(self, module: nn.Module, out: dict[str, Any], batch: Batch,
                             critic: Callable[..., Any], real_in: Inputs, real_out: Any,
                             adversary: Adversary) -> dict[str, Any]:
        """Extra discriminator loss terms, added to ``out["loss"]`` before the penalties."""
        return out

    def _generator_terms(self, module: nn.Module, out: dict[str, Any], batch: Batch,
                         fake_out: Any, real_out: Any, weights: torch.Tensor | None,
                         adversary: Adversary) -> dict[str, Any]:
        """Extra (or replacement) generator loss terms; ``out["loss"]`` is the adversarial
        loss."""
        return out


def _call(critic: Callable[..., Any], inputs: Inputs) -> Any:
    return critic(*inputs) if isinstance(inputs, tuple) else critic(inputs)


def _logits(out: Any) -> torch.Tensor:
    """Logits of a critic's output (critics may return ``(logits, features)``)."""
    return out[0] if isinstance(out, tuple) else out


def _logits_only(critic: Callable[..., Any]) -> Callable[..., torch.Tensor]:
    def logits(*inputs: torch.Tensor) -> torch.Tensor:
        return _logits(critic(*inputs))
    return logits


def _step_mask(logits: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor | None:
    """The step mask for per-step logits (batch, seq_len); None for per-sample logits."""
    return mask if logits.dim() == 2 else None


def _condition_source(trainer: Trainer) -> Any:
    """``(n, seed) -> conditions (n, c)`` of real training sequences, for AIS particles of
    conditional models (drawn apart from the training random stream)."""
    def source(n: int, seed: int) -> torch.Tensor:
        condition = trainer.fixed_batch(n, seed=seed).condition
        reps = -(-n // condition.shape[0])
        return condition.repeat(reps, 1)[:n]
    return source
