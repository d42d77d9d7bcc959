"""A model's training recipe as data: phases of updates, each a loss on a batch."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

LossFn = Callable[["Batch"], Mapping[str, torch.Tensor]]


@dataclass(frozen=True)
class Batch:
    """One minibatch of real data, on the training device.

    Attributes
    ----------
    real : Tensor (batch, seq_len, n_channels) or (batch, channels, height, width)
        Scaled real sequences, zero past each length; or scaled images.
    lengths : Tensor (batch,), int64, or None for images
    mask : Tensor (batch, seq_len), float, or None for images
        1.0 on valid steps, 0.0 on padding.
    condition : Tensor (batch, condition_dim) or None
    static : Tensor (batch, n_static) or None
    """

    real: torch.Tensor
    lengths: torch.Tensor | None
    mask: torch.Tensor | None
    condition: torch.Tensor | None = None
    static: torch.Tensor | None = None

    @property
    def size(self) -> int:
        return self.real.shape[0]

    @property
    def fixed_length(self) -> bool:
        """True when no sequence in the batch has padding (masks can be skipped); always for
        images."""
        return bool(self._fixed)

    def __post_init__(self) -> None:
        fixed = self.lengths is None or bool((self.lengths == self.real.shape[1]).all())
        object.__setattr__(self, "_fixed", fixed)


@dataclass(frozen=True)
class Update:
    """One optimizer step type inside a phase.

    Parameters
    ----------
    name : str
        Label in the history (``"<name>/<loss key>"`` columns), e.g. ``"discriminator"``.
    optimizer : str
        Key of the optimizer (and so the parameters) this update moves.
    loss : callable
        ``loss(batch) -> {name: scalar tensor}``; the first entry is minimised, the others are
        recorded. Losses compute only: the Trainer calls ``backward()`` and ``step()``.
    steps : int
        Steps per iteration, each on a fresh batch.
    skip_if : callable or None
        ``skip_if(losses) -> bool`` on this step's losses (as floats), before backward: when
        true the step is not taken (TimeGAN skips the discriminator while its loss is < 0.15).
        Skipped steps are counted in the ``<name>/skipped`` history column.
    clip_grad_norm : float or None
        Clip the gradient norm of the updated parameters before the step.
    fresh_batch : bool
        Draw a new batch for each step (default). False reuses the batch of the step before
        (TimeGAN's generator and embedder steps share one batch).
    after_step : callable or None
        ``after_step()`` runs after every step taken (weight clipping, EMA updates).
    track : tuple of parameters
        While ``loss`` runs, the Trainer turns gradients off for every parameter this
        update's optimizer does not move (so no weight gradients are computed for them),
        except these: for a graph that a later update reuses (TimeGAN's embedder step reuses
        the embedding its generator step computed on the same batch).

    Notes
    -----
    The same ``name`` may appear several times in a phase (e.g. G, E, G, E): its history
    columns hold the mean over all its steps in the iteration.
    """

    name: str
    optimizer: str
    loss: LossFn
    steps: int = 1
    skip_if: Callable[[Mapping[str, float]], bool] | None = None
    clip_grad_norm: float | None = None
    fresh_batch: bool = True
    after_step: Callable[[], None] | None = None
    track: tuple[torch.Tensor, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Phase:
    """A named block of ``iterations``, each running every update in order.

    ``after_iteration(trainer, row)``, when given, runs after each iteration with the history
    row of that iteration, which it may extend (learning-rate control, weight averages and
    diagnostics live there).
    """

    name: str
    iterations: int
    updates: tuple[Update, ...] = field(default_factory=tuple)
    after_iteration: Callable[[Any, dict[str, Any]], None] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "updates", tuple(self.updates))


@dataclass(frozen=True)
class Recipe:
    """Everything an estimator hands the Trainer about how to train.

    ``phases`` run in order; ``state_objects`` are stateful parts of training besides the
    networks and optimizers (``state_dict()``/``load_state_dict()``: saved in checkpoints,
    restored by the divergence guard); ``on_start(trainer)``, when given, runs once the Trainer
    exists, before the first iteration.
    """

    phases: tuple[Phase, ...]
    state_objects: Mapping[str, Any] = field(default_factory=dict)
    on_start: Callable[[Any], None] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "phases", tuple(self.phases))


def chain_hooks(*hooks: Callable[[Any, dict[str, Any]], None] | None
                ) -> Callable[[Any, dict[str, Any]], None] | None:
    """One ``after_iteration`` hook that runs each given hook in order (None when none)."""
    present = [h for h in hooks if h is not None]
    if len(present) <= 1:
        return present[0] if present else None

    def run_all(trainer: Any, row: dict[str, Any]) -> None:
        for hook in present:
            hook(trainer, row)
    return run_all
