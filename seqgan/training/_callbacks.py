"""Hooks the Trainer calls while it runs: logging, snapshots, early stopping, pruning."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from seqgan.training._recipe import Phase
    from seqgan.training._trainer import Trainer

logger = logging.getLogger(__name__)


class Callback:
    """Base class: override the hooks you need. Set ``trainer.should_stop = True`` to end
    training cleanly after the current iteration (a checkpoint is written if enabled)."""

    def on_train_begin(self, trainer: Trainer) -> None:
        """Before the first iteration (also when resuming)."""

    def on_iteration_end(self, trainer: Trainer, phase: Phase, iteration: int,
                         logs: Mapping[str, float]) -> None:
        """After every iteration; ``iteration`` counts from 1 within the phase; ``logs`` holds
        this iteration's history row (entries a callback adds become history columns)."""

    def on_phase_end(self, trainer: Trainer, phase: Phase) -> None:
        """After the last iteration of a phase."""

    def on_train_end(self, trainer: Trainer) -> None:
        """After training ends, normally or by ``should_stop``."""


class LambdaCallback(Callback):
    """A callback from a function ``fn(trainer, phase, iteration, logs)`` called every
    ``every`` iterations."""

    def __init__(self, fn: Callable[..., None], every: int = 1) -> None:
        self.fn, self.every = fn, every

    def on_iteration_end(self, trainer, phase, iteration, logs) -> None:
        if iteration % self.every == 0:
            self.fn(trainer, phase, iteration, logs)


class StopAt(Callback):
    """Stop after ``iteration`` iterations of ``phase`` (for pausing a run to resume later)."""

    def __init__(self, phase: str, iteration: int) -> None:
        self.phase, self.iteration = phase, iteration

    def on_iteration_end(self, trainer, phase, iteration, logs) -> None:
        if phase.name == self.phase and iteration >= self.iteration:
            trainer.should_stop = True


class EarlyStopping(Callback):
    """Stop a phase's run when ``monitor`` (a history column) has not improved by ``min_delta``
    for ``patience`` iterations. Only watches iterations of ``phase`` (None: every phase)."""

    def __init__(self, monitor: str, *, patience: int = 100, min_delta: float = 0.0,
                 mode: str = "min", phase: str | None = None) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"`mode` must be 'min' or 'max'; got {mode!r}.")
        self.monitor, self.patience, self.min_delta = monitor, patience, min_delta
        self.mode, self.phase = mode, phase
        self.best, self.wait = math.inf, 0

    def on_iteration_end(self, trainer, phase, iteration, logs) -> None:
        if (self.phase is not None and phase.name != self.phase) or self.monitor not in logs:
            return
        value = logs[self.monitor] if self.mode == "min" else -logs[self.monitor]
        if value < self.best - self.min_delta:
            self.best, self.wait = value, 0
            return
        self.wait += 1
        if self.wait >= self.patience:
            logger.info("Early stopping: %s did not improve for %d iterations.",
                        self.monitor, self.patience)
            trainer.should_stop = True
