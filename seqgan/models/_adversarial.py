"""What every adversarial model shares: the objective with its penalties and augmentation,
optimizers by name, and the per-iteration controls of the adversarial phase (learning-rate
schedule, adaptive balance, generator weight average, diagnostics)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import torch
from torch import nn

from seqgan.losses import (
    AUGMENTATIONS,
    DiffAugment,
    Objective,
    WeightClipping,
    build_regularizers,
    discriminator_accuracy,
    get_objective,
)
from seqgan.nn import twice_differentiable
from seqgan.training import AdaptiveBalance, make_optimizer

#: Learning-rate schedules over the adversarial phase: factor of the configured rate at
#: progress ``p`` in [0, 1).
SCHEDULES: dict[str, Callable[[float], float]] = {
    "constant": lambda p: 1.0,
    "linear": lambda p: 1.0 - p,
    "cosine": lambda p: 0.5 * (1.0 + math.cos(math.pi * p)),
}


def prior_latent(prior: str, n: int, dim: int, generator: torch.Generator | None = None,
                 device: Any = "cpu") -> torch.Tensor:
    """One latent vector per sample (n, dim): "uniform" on [-1, 1] (BiGAN, DCGAN) or
    "normal" (ALI)."""
    if prior == "uniform":
        return torch.rand(n, dim, generator=generator, device=device) * 2 - 1
    return torch.randn(n, dim, generator=generator, device=device)


def make_augment(augment: Any) -> DiffAugment | None:
    """``None``/``False`` -> no augmentation; ``True`` -> every transformation; a name or a
    list of names (see ``seqgan.losses.AUGMENTATIONS``) -> those; a DiffAugment as it is."""
    if augment is None or augment is False:
        return None
    if augment is True:
        return DiffAugment()
    if isinstance(augment, DiffAugment):
        return augment
    if isinstance(augment, str) or (isinstance(augment, Sequence)
                                    and all(isinstance(a, str) for a in augment)):
        return DiffAugment(augment)
    raise TypeError("`augment` must be None, True, a name or list of names from "
                    f"{', '.join(AUGMENTATIONS)}, or a DiffAugment; got {augment!r}.")


class Adversary:
    """The adversarial game of one model: objective, penalties, augmentation, weight clipping.

    Models compute logits with their own discriminators and call these helpers, so that every
    objective and regularizer works with per-sequence, per-step and pair discriminators.

    Parameters
    ----------
    loss : str or Objective
    regularizers : dict of str to float, list of Regularizer, or None
        Merged over the objective's defaults (WGAN-GP brings ``{"gp": 10}``).
    augment : see :func:`make_augment`
    """

    def __init__(self, loss: str | Objective, regularizers: Any = None,
                 augment: Any = None) -> None:
        self.objective = get_objective(loss)
        self.regularizers = build_regularizers(regularizers, objective=self.objective)
        self.augment = make_augment(augment)
        clip = self.objective.weight_clip
        self.clipping = WeightClipping(clip) if clip is not None else None
        #: The AIS/DRE generator update's fitted state (seqgan.ais.AISRuntime), set by fit.
        self.ais: Any = None

    @property
    def relativistic(self) -> bool:
        return self.objective.relativistic

    def view(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """What the discriminator sees of a sequence batch (batch, seq_len, channels):
        augmented when augmentation is on (real and fake alike, in D and G steps)."""
        return x if self.augment is None else self.augment(x, mask)

    def discriminator_loss(self, real_logits: torch.Tensor, fake_logits: torch.Tensor,
                           mask: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """``{"loss": objective's D loss, "accuracy": share of correct signs}``."""
        return {"loss": self.objective.discriminator_loss(real_logits, fake_logits, mask),
                "accuracy": discriminator_accuracy(real_logits, fake_logits, mask)}

    def generator_latent(self, n: int, draw_prior: Callable[[], tuple[torch.Tensor, ...]]
                         ) -> tuple[torch.Tensor, ...]:
        """Latents of a generator step: the model's prior draw, or the AIS proposal's."""
        return draw_prior() if self.ais is None else self.ais.draw(n, draw_prior)

    def generator_weights(self, fake_logits: torch.Tensor, mask: torch.Tensor | None = None
                          ) -> torch.Tensor | None:
        """Importance weights (batch,) of the fakes of the last :meth:`generator_latent`
        (None without an AIS update)."""
        return None if self.ais is None else self.ais.weights(fake_logits, mask)

    def generator_loss(self, fake_logits: torch.Tensor, real_logits: torch.Tensor | None = None,
                       mask: torch.Tensor | None = None,
                       weights: torch.Tensor | None = None) -> torch.Tensor:
        if weights is None:
            return self.objective.generator_loss(fake_logits, real_logits, mask=mask)
        try:
            return self.objective.generator_loss(fake_logits, real_logits, mask=mask,
                                                 weights=weights)
        except TypeError as error:
            if "weights" not in str(error):
                raise
            raise TypeError(f"The objective {type(self.objective).__name__} takes no `weights` "
                            "in generator_loss(), which the AIS generator update needs; add a "
                            "`weights=None` argument (see seqgan.losses.masked_mean).") from None

    def penalties(self, critic: Callable[..., torch.Tensor], real: Any, fake: Any,
                  mask: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Each regularizer's weighted penalty, by name (empty without regularizers).

        ``critic(*inputs) -> logits``; ``real``/``fake`` are what the discriminator saw (a
        tensor or a tuple such as BiGAN's ``(x, z)``).
        """
        if not self.regularizers:
            return {}
        with twice_differentiable():
            return {reg.name or type(reg).__name__: reg.penalty(critic, real, fake, mask=mask)
                    for reg in self.regularizers}

    def add_penalties(self, out: dict[str, torch.Tensor], critic: Callable[..., torch.Tensor],
                      real: Any, fake: Any, mask: torch.Tensor | None = None
                      ) -> dict[str, torch.Tensor]:
        """Add the penalties to ``out["loss"]`` and record each under its name."""
        for name, value in self.penalties(critic, real, fake, mask).items():
            out["loss"] = out["loss"] + value
            out[name] = value.detach()
        return out

    def after_discriminator_step(self, discriminator: nn.Module) -> Callable[[], None] | None:
        """Weight clipping after each D step, for the original WGAN."""
        if self.clipping is None:
            return None
        clipping = self.clipping
        return lambda: clipping.apply(discriminator)


def build_optimizer(name: str, params: Iterable[Any], lr: float,
                    paper_kwargs: Mapping[str, Mapping[str, Any]],
                    user_kwargs: Mapping[str, Any] | None) -> torch.optim.Optimizer:
    """An optimizer by name; the paper's arguments for that name (e.g. Adam betas) unless the
    user gives ``optimizer_kwargs``."""
    kwargs = dict(paper_kwargs.get(name, {})) if user_kwargs is None else dict(user_kwargs)
    try:
        return make_optimizer(name, params, lr, **kwargs)
    except TypeError as error:
        raise ValueError(f"`optimizer_kwargs` {dict(kwargs)} do not fit the {name!r} optimizer "
                         f"({error}).") from None


class TrainingControls:
    """Runs after every iteration of the adversarial phase (``Phase.after_iteration``).

    In order: adaptive balance of the discriminator's learning rate from its accuracy, the
    learning-rate schedule, the generator weight average, every ``diagnostics_every``
    iterations the diversity of a fixed-noise batch relative to a fixed real batch
    (``diagnostics/diversity``: about 1 healthy, near 0 mode collapse), and the AIS update's
    statistics and proposal refits.
    """

    def __init__(self, *, optimizers: Mapping[str, torch.optim.Optimizer],
                 adversarial_optimizers: Sequence[str], schedule: str | None,
                 balance: AdaptiveBalance | None, ema: nn.ModuleDict | None,
                 module: nn.Module, diagnostics_every: int | None,
                 diversity: Callable[[Any], float] | None, ais: Any = None) -> None:
        self.optimizers = {k: optimizers[k] for k in adversarial_optimizers}
        self.base_lr = {k: [g["lr"] for g in o.param_groups] for k, o in self.optimizers.items()}
        self.schedule = SCHEDULES[schedule] if schedule not in (None, "constant") else None
        self.balance = balance
        self.ema = ema
        self.module = module
        self.diagnostics_every = diagnostics_every
        self.diversity = diversity
        self.ais = ais

    def __call__(self, trainer: Any, row: dict[str, Any]) -> None:
        iteration = int(row["iteration"])
        if self.balance is not None and "discriminator/accuracy" in row:
            self.balance.step(row["discriminator/accuracy"])
        if self.schedule is not None or self.balance is not None:
            total = trainer.phases[trainer.phase_index].iterations
            factor = self.schedule(min(iteration / total, 1.0)) if self.schedule else 1.0
            for key, opt in self.optimizers.items():
                scale = self.balance.scale if (self.balance is not None
                                               and opt is self.balance.optimizer) else 1.0
                for group, base in zip(opt.param_groups, self.base_lr[key], strict=True):
                    group["lr"] = base * factor * scale
                row[f"{key}/lr"] = opt.param_groups[0]["lr"]
        if self.ema is not None:
            for name, average in self.ema.items():
                if int(average.num_updates) == 0:  # start from the weights, not the init
                    average.shadow.load_state_dict(self.module[name].state_dict())
                average.update(self.module[name])
        if self.diagnostics_every and self.diversity is not None and (
                iteration % self.diagnostics_every == 0 or iteration == 1):
            row["diagnostics/diversity"] = float(self.diversity(trainer))
        if self.ais is not None:
            self.ais.after_iteration(trainer, row)


__all__ = ["SCHEDULES", "Adversary", "TrainingControls", "build_optimizer",
           "make_augment", "prior_latent"]
