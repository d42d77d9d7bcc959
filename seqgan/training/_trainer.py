"""The one training loop behind every model."""

from __future__ import annotations

import contextlib
import copy
import functools
import logging
import math
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn
from tqdm.auto import tqdm

from seqgan.data import ImageData, SequenceData
from seqgan.training._callbacks import Callback
from seqgan.training._checkpoint import CHECKPOINT_NAME, load_checkpoint, save_checkpoint
from seqgan.training._privacy import DPSGD
from seqgan.training._recipe import Batch, Phase, Update

logger = logging.getLogger(__name__)


#: A finite blow-up: the weights of an optimizer grew this many times over their norm at the
#: start of ``fit`` ...
WEIGHT_BLOWUP = 1e3
#: ... or an update's objective this many times over max(1, its first value in ``fit``).
LOSS_BLOWUP = 1e6


class DivergenceError(RuntimeError):
    """A loss became NaN or inf, or losses or weights blew up by orders of magnitude. The
    networks were restored to the last good state."""


_SHORT_NETWORKS = {"discriminator": "D", "generator": "G", "diagnostics": ""}


def progress_label(key: str) -> str:
    """The progress bar's name of a history column: ``"discriminator/grad_norm"`` ->
    ``"D/grad_norm"``, ``"generator/loss"`` -> ``"G/loss"``, ``"diagnostics/diversity"`` ->
    ``"diversity"``; other names are kept whole (nothing is cut)."""
    network, _, name = key.partition("/")
    short = _SHORT_NETWORKS.get(network, network)
    return f"{short}/{name}" if short else name


class Trainer:
    """Runs a model's phases of updates; owns everything that is the same for all models.

    The Trainer draws minibatches, calls each update's loss, backpropagates into the updated
    optimizer's parameters only, steps, and records every loss in ``history``. It also handles
    progress bars, callbacks, atomic checkpoints with exact resume, and the divergence guard.
    Randomness comes from torch's default generator; the caller seeds it (estimators do so inside
    :func:`torch.random.fork_rng`, so the user's global state is untouched) and the Trainer saves
    and restores its state in checkpoints.

    Parameters
    ----------
    module : nn.Module
        All networks of the model (already on ``device``).
    optimizers : dict of str to Optimizer
        Named optimizers; an :class:`Update` refers to one by name.
    phases : sequence of Phase
        The training recipe.
    batch_size : int
        Sequences per batch (all of them if the data has fewer).
    device : torch.device
    progress : bool
        Show a tqdm bar per phase.
    callbacks : iterable of Callback
    checkpoint_dir : path or None
        Where ``checkpoint.pt`` is written: every ``checkpoint_every`` iterations, when training
        stops early, and at the end.
    checkpoint_every : int or None
    guard_every : int
        Iterations between in-memory snapshots of the last good state (the divergence guard
        rolls back to the latest one). The guard stops on a NaN or inf loss at once, and on a
        finite blow-up: an update's objective growing past ``LOSS_BLOWUP`` (1e6) times
        max(1, its first value), checked every iteration, or an optimizer's weights growing
        past ``WEIGHT_BLOWUP`` (1e3) times their norm at the start of ``fit``, checked at each
        snapshot.
    fingerprint : str or None
        Identifies the training data; a checkpoint of other data is refused on resume.
    state_objects : dict of str to object, optional
        Other stateful parts of training (``state_dict()``/``load_state_dict()``, e.g. a
        learning-rate balancer), saved in checkpoints and restored by the divergence guard.
    sampler : callable or None
        ``sampler(trainer, n, seed) -> (fake, real batch)``; callbacks call it as
        ``trainer.sampler(n, seed=0)``.
    decoder : callable or None
        ``decoder(trainer) -> object`` with ``generate(latent, condition=None)``, for latent
        maps during training (``trainer.decoder``).
    config : dict or None
        The run's hyperparameters as plain JSON values, saved in checkpoints. On resume, a
        checkpoint whose config differs in any key outside ``mutable`` is refused with the list
        of differences (a resumed run continues exactly the run that was started).
    mutable : collection of str
        Config keys that may change on resume (e.g. iteration counts, verbosity, device). A
        phase's iteration count may change only while that phase has not ended, and not below
        the iterations it has run.
    privacy : DPSGD or None
        Differentially private training: every step of an update whose optimizer is private
        draws its own Poisson batch of real sequences and is taken with clipped, noised
        per-sample gradients (:class:`seqgan.training.DPSGD`); the other updates get a public
        batch of ``batch_size`` zero sequences of the data's shape (so they cannot see real
        data). Pass the DPSGD in ``state_objects`` too, so checkpoints keep its step count.

    Notes
    -----
    Every update's gradient norm (before clipping) is recorded as ``<update>/grad_norm``.
    """

    def __init__(
        self,
        module: nn.Module,
        optimizers: Mapping[str, torch.optim.Optimizer],
        phases: Sequence[Phase],
        *,
        batch_size: int,
        device: torch.device,
        progress: bool = True,
        callbacks: Iterable[Callback] = (),
        checkpoint_dir: str | Path | None = None,
        checkpoint_every: int | None = None,
        guard_every: int = 10,
        fingerprint: str | None = None,
        state_objects: Mapping[str, Any] | None = None,
        sampler: Callable[..., Any] | None = None,
        decoder: Callable[[Trainer], Any] | None = None,
        config: Mapping[str, Any] | None = None,
        mutable: Iterable[str] = (),
        privacy: DPSGD | None = None,
    ) -> None:
        self.module = module
        self.optimizers = dict(optimizers)
        self.phases = list(phases)
        for phase in self.phases:
            for update in phase.updates:
                if update.optimizer not in self.optimizers:
                    raise KeyError(
                        f"Update {update.name!r} of phase {phase.name!r} uses "
                        f"optimizer {update.optimizer!r}; known: "
                        f"{sorted(self.optimizers)}."
                    )
        self.batch_size = batch_size
        self.device = device
        self.progress = progress
        self.callbacks = list(callbacks)
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir is not None else None
        self.checkpoint_every = checkpoint_every
        self.guard_every = guard_every
        self.fingerprint = fingerprint
        self.state_objects = dict(state_objects or {})
        self.config = None if config is None else dict(config)
        self.mutable = frozenset(mutable)
        self.privacy = privacy
        #: ``sampler(n, seed=0) -> (fake, real batch)``: fakes from the current networks on
        #: fixed noise, for callbacks (pruning, snapshots) and diagnostics (None without one).
        self.sampler: Callable[..., Any] | None = (
            None if sampler is None else functools.partial(sampler, self)
        )
        #: Image models: the current networks with ``generate(latent, condition=None)``
        #: (outputs in the user's units), ``latent_dim`` and ``prior`` (latent maps).
        self.decoder: Any = None if decoder is None else decoder(self)
        self.history: list[dict[str, Any]] = []
        self.should_stop = False
        self.stopped_early = False
        self.phase_index, self.iteration = 0, 0  # next iteration to run
        self._params = {
            name: [p for g in opt.param_groups for p in g["params"]]
            for name, opt in self.optimizers.items()
        }
        # Per update, the trainable module parameters its optimizer does not move (less those
        # it tracks): frozen while it computes its loss, so that no weight gradients are
        # computed for them (backward(inputs=...) drops such gradients but does not avoid
        # computing them inside custom autograd functions such as the fused GRU).
        trainable = [p for p in module.parameters() if p.requires_grad]
        self._frozen = {}
        for phase in self.phases:
            for update in phase.updates:
                keep = {id(p) for p in (*self._params[update.optimizer], *update.track)}
                self._frozen[id(update)] = [p for p in trainable if id(p) not in keep]

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly: weights, optimizer states, RNG, counters."""
        state = {
            "phase_index": self.phase_index,
            "iteration": self.iteration,
            "phases": [p.name for p in self.phases],
            "phase_iterations": [p.iterations for p in self.phases],
            "config": self.config,
            "module": self.module.state_dict(),
            "optimizers": {k: o.state_dict() for k, o in self.optimizers.items()},
            "rng_cpu": torch.get_rng_state(),
            "history": list(self.history),
            "fingerprint": self.fingerprint,
            "state_objects": {k: o.state_dict() for k, o in self.state_objects.items()},
        }
        if torch.cuda.is_available():
            state["rng_cuda"] = torch.cuda.get_rng_state_all()
        return state

    def load_state_dict(self, state: Mapping[str, Any], source: str = "The checkpoint") -> None:
        """Continue from ``state`` (a :meth:`state_dict`); ``source`` names it in errors."""
        names = [p.name for p in self.phases]
        if list(state["phases"]) != names:
            raise ValueError(
                f"{source} was written by a run with phases {state['phases']}, "
                f"this model has {names}."
            )
        self._check_config(state, source)
        if self.fingerprint is not None and state.get("fingerprint") not in (
            None,
            self.fingerprint,
        ):
            raise ValueError(
                "The checkpoint was written while training on other data; resume "
                "with the same X (and condition/static), or start a new run."
            )
        self.module.load_state_dict(state["module"])
        for key, opt in self.optimizers.items():
            opt.load_state_dict(state["optimizers"][key])
        saved = state.get("state_objects", {})
        for key, obj in self.state_objects.items():
            if key not in saved:
                raise ValueError(
                    f"The checkpoint has no state for {key!r}: it was written by a "
                    "run with other training options; start a new run."
                )
            obj.load_state_dict(saved[key])
        torch.set_rng_state(state["rng_cpu"])
        if "rng_cuda" in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["rng_cuda"])
        self.history = list(state["history"])
        self.phase_index, self.iteration = int(state["phase_index"]), int(state["iteration"])

    def resume_from(self, checkpoint_dir: str | Path) -> bool:
        """Load ``checkpoint_dir/checkpoint.pt`` if it exists; return whether it did."""
        path = Path(checkpoint_dir) / CHECKPOINT_NAME
        if not path.is_file():
            return False
        self.load_state_dict(load_checkpoint(path), source=f"The checkpoint {str(path)!r}")
        logger.info(
            "Resuming from %s at phase %d, iteration %d.", path, self.phase_index, self.iteration
        )
        return True

    def _check_config(self, state: Mapping[str, Any], source: str) -> None:
        """Refuse a checkpoint of a run with other hyperparameters (outside ``mutable``), or
        with iteration counts it cannot honour."""
        saved = state.get("config")
        if self.config is None:
            return
        if saved is None:
            logger.warning(
                "%s was written by an older seqgan that did not store the run's "
                "hyperparameters; they were not checked against this model's.",
                source,
            )
            return
        diffs = [
            f"{k}={_show(saved.get(k, '(absent)'))} in the checkpoint, {_show(v)} now"
            for k in sorted(set(saved) | set(self.config))
            if k not in self.mutable
            for v in [self.config.get(k, "(absent)")]
            if v != saved.get(k, "(absent)")
        ]
        ran = state.get("phase_iterations")
        done, at = int(state["phase_index"]), int(state["iteration"])
        for i, phase in enumerate(self.phases):
            if ran is not None and i < done and phase.iterations != ran[i]:
                diffs.append(
                    f"phase {phase.name!r} ran {ran[i]} iterations and has ended; "
                    f"{phase.iterations} now"
                )
            elif i == done and phase.iterations < at:
                diffs.append(
                    f"phase {phase.name!r} has run {at} iterations already; {phase.iterations} now"
                )
        if diffs:
            may = ", ".join(sorted(self.mutable)) or "nothing"
            raise ValueError(
                f"{source} was written by a run with other training parameters: "
                + "; ".join(diffs)
                + ". A resumed run continues the checkpoint's run exactly, "
                f"so only these may change: {may} (iteration counts of phases not yet ended, "
                "to at least the iterations run). Set the parameters back to the checkpoint's "
                "values, or start afresh: fit without resume=True, use a new checkpoint_dir, "
                "or delete the checkpoint."
            )

    def save_checkpoint(self) -> Path | None:
        if self.checkpoint_dir is None:
            return None
        path = self.checkpoint_dir / CHECKPOINT_NAME
        save_checkpoint(path, self.state_dict())
        return path

    @property
    def history_frame(self) -> pd.DataFrame:
        """The loss history: one row per iteration, ``<update>/<loss>`` columns."""
        return pd.DataFrame(self.history)

    @property
    def finished(self) -> bool:
        return self.phase_index >= len(self.phases)

    # ------------------------------------------------------------------ data
    def _prepare(self, data: SequenceData | ImageData) -> None:
        def put(a: np.ndarray | None) -> torch.Tensor | None:
            return None if a is None else torch.as_tensor(a).to(self.device)

        self._values = put(data.values)
        self._lengths = put(data.lengths)
        self._mask = None if data.lengths is None else put(data.mask().astype(np.float32))
        self._condition = put(data.condition)
        self._static = put(data.static)
        self._n = data.n_sequences

    def _batch(self, idx: torch.Tensor) -> Batch:
        """The sequences at ``idx`` (on the device), every field that the data has."""
        idx = idx.to(self.device)

        def take(t: torch.Tensor | None) -> torch.Tensor | None:
            return None if t is None else t.index_select(0, idx)

        return Batch(take(self._values), take(self._lengths), take(self._mask),
                     take(self._condition), take(self._static))

    def next_batch(self, private: bool = False) -> Batch:
        """A batch of distinct sequences drawn uniformly (as the TimeGAN reference code).

        Under DP-SGD (``privacy``): for a private update a Poisson batch (each sequence with
        probability ``batch_size / n``, as the accountant assumes; its size varies, possibly
        0); for any other update a public batch of zeros (no real data)."""
        if self.privacy is not None:
            if private:
                return self._batch(self.privacy.poisson_indices(self._n))
            return self._public_batch()
        if self._n <= self.batch_size:
            idx = torch.randperm(self._n)
        else:
            idx = torch.randperm(self._n)[: self.batch_size]
        return self._batch(idx)

    def _public_batch(self) -> Batch:
        """``batch_size`` full-length sequences of zeros, shaped like the data (with DP, what
        updates that must not see real data get)."""
        n = min(self.batch_size, self._n)
        real = self._values.new_zeros((n, *self._values.shape[1:]))
        lengths = (None if self._lengths is None else
                   torch.full((n,), real.shape[1], dtype=self._lengths.dtype,
                              device=self.device))
        mask = None if self._mask is None else real.new_ones((n, real.shape[1]))
        return Batch(real, lengths, mask)

    def fixed_batch(self, n: int, seed: int = 0) -> Batch:
        """The same ``n`` sequences every time (drawn with their own generator, so the training
        random stream is untouched); for diagnostics."""
        idx = torch.randperm(self._n, generator=torch.Generator().manual_seed(seed))[:n]
        return self._batch(idx)

    # ------------------------------------------------------------------ loop
    def fit(self, data: SequenceData | ImageData) -> None:
        """Run (or continue) the phases on ``data`` (sequences, or images without lengths)."""
        self._prepare(data)
        self.should_stop = self.stopped_early = False
        for cb in self.callbacks:
            cb.on_train_begin(self)
        self._first_loss: dict[tuple[str, str], float] = {}
        self._start_norms = {name: _norm(params) for name, params in self._params.items()}
        self._snapshot()
        if self.privacy is not None:
            self.privacy.attach()
        try:
            with _StopOnInterrupt(self):
                while not self.finished and not self.should_stop:
                    self._run_phase(self.phases[self.phase_index])
        finally:
            if self.privacy is not None:
                self.privacy.detach()
        self.stopped_early = not self.finished
        self.save_checkpoint()
        for cb in self.callbacks:
            cb.on_train_end(self)

    def _run_phase(self, phase: Phase) -> None:
        bar = tqdm(
            total=phase.iterations,
            initial=self.iteration,
            desc=phase.name,
            disable=not self.progress,
            leave=False,
            dynamic_ncols=True,
        )
        try:
            while self.iteration < phase.iterations:
                row = self._run_iteration(phase)
                self.iteration += 1
                if phase.after_iteration is not None:
                    phase.after_iteration(self, row)
                self.history.append(row)
                bar.update(1)
                if self.progress and self.iteration % 10 == 0:
                    bar.set_postfix(
                        {
                            progress_label(k): f"{v:.3g}"
                            for k, v in row.items()
                            if "/" in k and "skip" not in k
                        },
                        refresh=False,
                    )
                for cb in self.callbacks:
                    cb.on_iteration_end(self, phase, self.iteration, row)
                if self.iteration % self.guard_every == 0:
                    self._snapshot()
                if self.should_stop:
                    return
                if self.checkpoint_every and self.iteration % self.checkpoint_every == 0:
                    self.save_checkpoint()
        finally:
            bar.close()
        self.phase_index, self.iteration = self.phase_index + 1, 0
        self._snapshot()
        for cb in self.callbacks:
            cb.on_phase_end(self, phase)

    def _run_iteration(self, phase: Phase) -> dict[str, Any]:
        totals: dict[str, dict[str, float]] = {}
        counts: dict[str, int] = {}
        skipped: dict[str, int] = {}
        taken: dict[str, int] = {}
        batch = None
        for update in phase.updates:
            sums = totals.setdefault(update.name, {})
            private = self.privacy is not None and self.privacy.is_private(update.optimizer)
            for _ in range(update.steps):
                if batch is None or update.fresh_batch or self.privacy is not None:
                    batch = self.next_batch(private)  # with DP: never a batch of another update
                if self.privacy is not None:  # per-sample gradients of this step's loss only
                    self.privacy.activate(self._params[update.optimizer] if private else ())
                if private:
                    if batch.size == 0:  # an empty Poisson batch: a step of noise alone
                        self._step(update, None, private_batch=0)
                        continue
                with _no_grad_for(self._frozen[id(update)]):
                    losses = update.loss(batch)
                values = {k: float(v.detach()) for k, v in losses.items()}
                bad = [k for k, v in values.items() if not math.isfinite(v)]
                if bad:
                    self._diverged(phase, update, bad[0], values[bad[0]])
                self._check_loss_growth(phase, update, losses, values)
                for k, v in values.items():
                    sums[k] = sums.get(k, 0.0) + v
                counts[update.name] = counts.get(update.name, 0) + 1
                if update.skip_if is not None:
                    skipped.setdefault(update.name, 0)
                    if update.skip_if(values):
                        skipped[update.name] += 1
                        continue
                norm = self._step(update, next(iter(losses.values())),
                                  private_batch=batch.size if private else None)
                sums["grad_norm"] = sums.get("grad_norm", 0.0) + norm
                taken[update.name] = taken.get(update.name, 0) + 1
        row: dict[str, Any] = {"phase": phase.name, "iteration": self.iteration + 1}
        for name, sums in totals.items():
            for k, v in sums.items():
                n = taken.get(name, 0) if k == "grad_norm" else counts[name]
                if n:
                    row[f"{name}/{k}"] = v / n
            if name in skipped:
                row[f"{name}/skipped"] = skipped[name]
        return row

    def _step(self, update: Update, objective: torch.Tensor | None,
              private_batch: int | None = None) -> float:
        """Backward, clip, step; return the gradient norm before clipping. ``private_batch``:
        the size of the Poisson batch of a DP-SGD step (the gradient is then the noisy mean
        of clipped per-sample gradients, and its norm is the one returned)."""
        optimizer, params = self.optimizers[update.optimizer], self._params[update.optimizer]
        optimizer.zero_grad(set_to_none=True)
        if objective is not None:
            # Gradients flow only into the parameters this update moves (no wasted grads).
            objective.backward(inputs=params)
        if private_batch is not None:
            self.privacy.privatize(params, private_batch)
        max_norm = update.clip_grad_norm if update.clip_grad_norm is not None else math.inf
        norm = float(nn.utils.clip_grad_norm_(params, max_norm))
        optimizer.step()
        if update.after_step is not None:
            update.after_step()
        return norm

    # ------------------------------------------------------------------ guard
    def _check_loss_growth(
        self, phase: Phase, update: Update, losses: Mapping[str, Any], values: Mapping[str, float]
    ) -> None:
        key = next(iter(losses))  # the objective (the other entries are statistics)
        first = self._first_loss.setdefault((update.name, key), abs(values[key]))
        limit = LOSS_BLOWUP * max(1.0, first)
        if abs(values[key]) > limit:
            self._restore(
                f"Training diverged: the {update.name!r} loss {key!r} blew up to "
                f"{values[key]:.3g} at iteration {self.iteration + 1} of phase {phase.name!r}, "
                f"more than {LOSS_BLOWUP:g} times its first value ({first:.3g}) in this fit."
            )

    def _blown_up_weights(self) -> str | None:
        for name, params in self._params.items():
            start, now = self._start_norms[name], _norm(params)
            if now > WEIGHT_BLOWUP * max(start, 1e-3):
                return (
                    f"the weights moved by optimizer {name!r} grew from norm {start:.3g} "
                    f"to {now:.3g} ({now / max(start, 1e-12):.2g} times) since training "
                    "started"
                )
        return None

    def _snapshot(self) -> None:
        if not all(torch.isfinite(p).all() for p in self.module.parameters()):
            return  # never keep a bad state as "good"
        blown = self._blown_up_weights() if hasattr(self, "_good") else None
        if blown is not None:
            if self.iteration == 0 and self.phase_index > 0:
                where = f"at the end of phase {self.phases[self.phase_index - 1].name!r}"
            else:
                where = (
                    f"at iteration {self.iteration} of phase "
                    f"{self.phases[self.phase_index].name!r}"
                )
            self._restore(f"Training diverged: {blown}, {where}.")
        self._good = {
            "module": copy.deepcopy(self.module.state_dict()),
            "optimizers": {k: copy.deepcopy(o.state_dict()) for k, o in self.optimizers.items()},
            "state_objects": {
                k: copy.deepcopy(o.state_dict()) for k, o in self.state_objects.items()
            },
            "rng_cpu": torch.get_rng_state(),
            "history_len": len(self.history),
            "position": (self.phase_index, self.iteration),
        }

    def _diverged(self, phase: Phase, update: Update, key: str, value: float) -> None:
        self._restore(
            f"Training diverged: the {update.name!r} loss {key!r} became {value} at iteration "
            f"{self.iteration + 1} of phase {phase.name!r}."
        )

    def _restore(self, what: str) -> None:
        """Roll back to the last good snapshot and raise a DivergenceError saying ``what``."""
        good = self._good
        self.module.load_state_dict(good["module"])
        for k, opt in self.optimizers.items():
            opt.load_state_dict(good["optimizers"][k])
        for k, obj in self.state_objects.items():
            obj.load_state_dict(good["state_objects"][k])
        torch.set_rng_state(good["rng_cpu"])
        del self.history[good["history_len"] :]
        self.phase_index, self.iteration = good["position"]
        good_phase = self.phases[min(self.phase_index, len(self.phases) - 1)].name
        raise DivergenceError(
            f"{what} The networks were restored to the last good "
            f"state (phase {good_phase!r}, iteration {self.iteration}) and are usable as they "
            "are. To go on, lower the learning rates, clip gradients, or use a regularized loss "
            "(e.g. loss='wgan-gp')."
        )


def _norm(params: Sequence[torch.Tensor]) -> float:
    """The 2-norm of all ``params`` together."""
    with torch.no_grad():
        return math.sqrt(sum(float(p.detach().double().pow(2).sum()) for p in params))


def _show(value: Any) -> str:
    return value if isinstance(value, str) and value == "(absent)" else repr(value)


class _StopOnInterrupt:
    """While training, Ctrl-C asks for a clean stop after the current iteration (so the
    checkpoint is consistent); a second Ctrl-C interrupts at once."""

    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer
        self.previous: Any = None

    def __enter__(self) -> _StopOnInterrupt:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.getsignal(signal.SIGINT)
            signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.trainer.should_stop:
            raise KeyboardInterrupt
        logger.warning(
            "Interrupted: stopping after this iteration (press Ctrl-C again to abort at once)."
        )
        self.trainer.should_stop = True

    def __exit__(self, *exc: Any) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


@contextlib.contextmanager
def _no_grad_for(params: Sequence[torch.Tensor]) -> Iterator[None]:
    """Turn ``requires_grad`` off for ``params`` (all of which have it on) inside the block."""
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)
