"""Differentially private training (DP-SGD) of the updates that see real data, through Opacus.

What the Trainer needs and nothing model-specific: Poisson sampling of the real batches of
private updates, per-sample gradients (Opacus' ``GradSampleModule`` hooks; recurrent layers
swapped to Opacus' ``DPGRU``/``DPLSTM``, whose parameters keep ``nn.GRU``/``nn.LSTM``'s names),
per-sample clipping, Gaussian noise calibrated by Opacus' accountant, and one count of every
step that touched real data. Opacus is imported here only, when a private fit starts.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import torch
from torch import nn

logger = logging.getLogger(__name__)

#: Per-sample gradient norm bound of DP-SGD when ``privacy`` gives no ``max_grad_norm``.
DEFAULT_MAX_GRAD_NORM = 1.0
#: The keys a ``privacy`` dict may have.
PRIVACY_KEYS = ("epsilon", "delta", "max_grad_norm", "bounds")
#: Accountant used to calibrate the noise and to report the epsilon spent.
ACCOUNTANT = "rdp"
#: Renyi orders of the accountant: Opacus' defaults and larger ones (short runs with little
#: noise reach their best bound beyond 63; the bound is the minimum over the orders).
ALPHAS = [1 + x / 10.0 for x in range(1, 100)] + list(range(12, 64)) + [80, 96, 128, 192, 256,
                                                                        512, 1024]

_INSTALL = "pip install seqgan[privacy]"


def require_opacus() -> Any:
    """The ``opacus`` module; an ImportError naming the extra to install when it is missing."""
    try:
        import opacus
    except ImportError:
        raise ImportError(
            "Differentially private training (`privacy=...`) needs Opacus, which is not "
            f"installed: {_INSTALL} (or pip install 'opacus>=1.5')."
        ) from None
    return opacus


def check_privacy(privacy: Any, owner: str) -> dict[str, Any]:
    """``privacy`` checked, with the defaults filled in: ``{"epsilon": float, "delta": float,
    "max_grad_norm": float, "bounds": None or (lo, hi)}`` (``lo``/``hi`` floats or lists)."""
    if not isinstance(privacy, Mapping):
        raise TypeError(f"`privacy` of {owner} must be None or a dict such as "
                        f"{{'epsilon': 3.0, 'delta': 1e-5}}; got {privacy!r}.")
    unknown = sorted(set(privacy) - set(PRIVACY_KEYS))
    if unknown:
        raise ValueError(f"`privacy` of {owner} has unknown key(s) {unknown}; known: "
                         f"{list(PRIVACY_KEYS)}.")
    for key in ("epsilon", "delta"):
        if key not in privacy:
            raise ValueError(f"`privacy` of {owner} needs {key!r}, e.g. "
                             "{'epsilon': 3.0, 'delta': 1e-5}.")
    epsilon, delta = privacy["epsilon"], privacy["delta"]
    norm = privacy.get("max_grad_norm", DEFAULT_MAX_GRAD_NORM)
    if not _real(epsilon) or not epsilon > 0 or not math.isfinite(epsilon):
        raise ValueError(f"`privacy['epsilon']` must be a float in (0, inf); got {epsilon!r}.")
    if not _real(delta) or not 0 < delta < 1:
        raise ValueError(f"`privacy['delta']` must be a float in (0, 1) (below 1/n_sequences, "
                         f"e.g. 1e-5); got {delta!r}.")
    if not _real(norm) or not norm > 0 or not math.isfinite(norm):
        raise ValueError(f"`privacy['max_grad_norm']` must be a float in (0, inf); got "
                         f"{norm!r}.")
    bounds = privacy.get("bounds")
    if bounds is not None:
        if (not isinstance(bounds, Sequence) or isinstance(bounds, str) or len(bounds) != 2):
            raise ValueError("`privacy['bounds']` must be (lo, hi): two numbers, or two lists "
                             f"with one number per feature; got {bounds!r}.")
        bounds = tuple(bounds)
    return {"epsilon": float(epsilon), "delta": float(delta), "max_grad_norm": float(norm),
            "bounds": bounds}


def _real(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# ---------------------------------------------------------------------- recurrent layers
def use_dp_rnns(networks: Iterable[nn.Module]) -> int:
    """Swap every ``nn.GRU``/``nn.LSTM`` inside ``networks`` for Opacus' ``DPGRU``/``DPLSTM``
    with the same weights (per-sample gradients need them); returns how many were swapped.
    Call it before the optimizers are built (they must hold the new parameters)."""
    from opacus.layers import DPGRU, DPLSTM

    return _swap_rnns(networks, {nn.GRU: DPGRU, nn.LSTM: DPLSTM})


def use_torch_rnns(networks: Iterable[nn.Module]) -> None:
    """Swap Opacus' DP recurrent layers back to ``nn.GRU``/``nn.LSTM`` (same weights): the
    fitted model samples with the fast layers and saves the same file as without privacy."""
    from opacus.layers import DPGRU, DPLSTM

    _swap_rnns(networks, {DPGRU: nn.GRU, DPLSTM: nn.LSTM})


def _swap_rnns(networks: Iterable[nn.Module], classes: dict[type, type]) -> int:
    """Replace every recurrent layer whose exact type is a key of ``classes`` by the value's
    class with the same shape, weights, device and mode; returns how many were swapped."""
    swapped = 0
    for network in networks:
        for parent in list(network.modules()):
            for name, child in list(parent.named_children()):
                cls = classes.get(type(child))
                if cls is None:
                    continue
                layer = cls(child.input_size, child.hidden_size, child.num_layers,
                            bias=child.bias, batch_first=child.batch_first,
                            dropout=child.dropout, bidirectional=child.bidirectional)
                layer.load_state_dict(child.state_dict())
                layer.to(next(child.parameters()).device).train(child.training)
                setattr(parent, name, layer)
                swapped += 1
    return swapped


# ---------------------------------------------------------------------- DP-SGD
class DPSGD:
    """DP-SGD of the private updates of one fit, with one privacy account over all of them.

    Every step of an update whose optimizer is in ``private_optimizers`` draws its own Poisson
    batch (each real sequence in it with probability ``sample_rate``), computes per-sample
    gradients, clips each sample's gradient (all parameters of the optimizer together) to
    ``max_grad_norm``, adds Gaussian noise of standard deviation
    ``noise_multiplier * max_grad_norm`` and divides by the expected batch size. Each such step
    is one subsampled Gaussian mechanism; the accountant composes all of them.

    Parameters
    ----------
    networks : dict of str to nn.Module
        The networks the private optimizers move (per-sample gradients are taken there).
    private_optimizers : collection of str
    epsilon, delta : float
        Target budget; the noise multiplier is calibrated so that ``planned_steps`` steps spend
        at most ``epsilon``.
    max_grad_norm : float
    sample_rate : float
        Poisson sampling rate: ``batch_size / n_sequences`` (at most 1).
    n_sequences : int
    planned_steps : int
        Private steps the recipe takes (every iteration of every private update).

    Notes
    -----
    The clipping and noise are Opacus' ``DPOptimizer`` arithmetic, written out here because a
    network may see a batch several times in one loss (real and fake halves concatenated,
    TimeGAN's three-way discriminator batch): Opacus' per-sample gradients then have ``k * n``
    rows, and row ``r`` belongs to sample ``r % n``. The rows of one sample are summed before
    clipping, so that a real sequence, with the fakes that share its index, moves the sum of
    clipped gradients by at most ``max_grad_norm``.
    """

    def __init__(self, *, networks: Mapping[str, nn.Module], private_optimizers: Iterable[str],
                 epsilon: float, delta: float, max_grad_norm: float, sample_rate: float,
                 n_sequences: int, planned_steps: int) -> None:
        require_opacus()
        from opacus.accountants.utils import get_noise_multiplier

        self.networks = dict(networks)
        self.private_optimizers = frozenset(private_optimizers)
        self.epsilon, self.delta = float(epsilon), float(delta)
        self.max_grad_norm = float(max_grad_norm)
        self.sample_rate = float(min(1.0, sample_rate))
        self.n_sequences = int(n_sequences)
        self.planned_steps = int(planned_steps)
        self.expected_batch_size = self.sample_rate * self.n_sequences
        if self.planned_steps > 0:
            self.noise_multiplier = float(get_noise_multiplier(
                target_epsilon=self.epsilon, target_delta=self.delta,
                sample_rate=self.sample_rate, steps=self.planned_steps, accountant=ACCOUNTANT,
                alphas=ALPHAS))
        else:
            self.noise_multiplier = 0.0
        self.steps = 0
        self._hooked: list[Any] = []
        logger.info("DP-SGD: %d private steps at sample rate %.4g, noise multiplier %.4g, "
                    "max_grad_norm %g, target epsilon %g (delta %g).", self.planned_steps,
                    self.sample_rate, self.noise_multiplier, self.max_grad_norm, self.epsilon,
                    self.delta)

    def is_private(self, optimizer: str) -> bool:
        return optimizer in self.private_optimizers

    # per-sample gradient hooks --------------------------------------------------------
    def attach(self) -> None:
        """Start recording per-sample gradients in the private networks."""
        from opacus import GradSampleModule

        if self._hooked:
            return
        # Opacus' hooks on a first layer, whose input needs no gradient, make torch warn at
        # every backward that the hook sees output gradients only: what they are meant to see.
        warnings.filterwarnings("ignore", category=UserWarning,
                                message="Full backward hook is firing when gradients are "
                                        "computed with respect to module outputs")
        for network in self.networks.values():
            hooked = GradSampleModule(network, batch_first=True, loss_reduction="sum",
                                      strict=False)
            hooked.disable_hooks()
            self._hooked.append(hooked)

    def activate(self, params: Sequence[torch.Tensor] = ()) -> None:
        """Record per-sample gradients only in the networks that ``params`` belong to (the
        others may run frozen inside the loss: their hooks are off); forget earlier ones."""
        ids = {id(p) for p in params}
        for hooked, network in zip(self._hooked, self.networks.values(), strict=True):
            if any(id(p) in ids for p in network.parameters()):
                hooked.enable_hooks()
            else:
                hooked.disable_hooks()
        self.reset()

    def detach(self) -> None:
        """Remove the hooks and every per-sample gradient (the networks are as before)."""
        self.reset()
        for hooked in self._hooked:
            hooked._close()
        self._hooked = []

    def reset(self) -> None:
        """Forget recorded activations and per-sample gradients (before and after a step)."""
        for network in self.networks.values():
            for module in network.modules():
                for attr in ("activations", "max_batch_len"):
                    if hasattr(module, attr):
                        delattr(module, attr)
            for p in network.parameters():
                for attr in ("grad_sample", "_current_grad_sample"):
                    if getattr(p, attr, None) is not None:
                        setattr(p, attr, None)
                if hasattr(p, "_forward_counter"):
                    p._forward_counter = 0

    # sampling ---------------------------------------------------------------------------
    def poisson_indices(self, n: int) -> torch.Tensor:
        """Each of ``n`` sequences independently with probability ``sample_rate``."""
        return torch.nonzero(torch.rand(n) < self.sample_rate).flatten()

    # the step ---------------------------------------------------------------------------
    def privatize(self, params: Sequence[torch.Tensor], batch_size: int) -> None:
        """Replace each parameter's ``grad`` by the noisy mean of clipped per-sample gradients
        of the last backward pass over a Poisson batch of ``batch_size`` real sequences
        (``batch_size`` 0: noise only)."""
        per_sample = []
        if batch_size > 0:
            for p in params:
                gs = getattr(p, "grad_sample", None)
                if gs is None:
                    per_sample.append(None)
                    continue
                if isinstance(gs, list):
                    gs = torch.stack(gs).sum(0)
                rows = gs.shape[0]
                if rows % batch_size:
                    raise RuntimeError(
                        f"A private network saw a batch of {rows} rows for {batch_size} real "
                        "sequences: under DP-SGD a network may only see whole copies of the "
                        "batch (real and fakes of the same size, concatenated in order).")
                gs = gs.reshape(rows // batch_size, batch_size, *gs.shape[1:]).sum(0)
                # the losses are batch means: one sample's own gradient is n times its row
                per_sample.append(gs * batch_size)
            present = [g for g in per_sample if g is not None]
            if present:
                norms = torch.stack([g.flatten(1).norm(dim=1) for g in present]).norm(dim=0)
                factor = (self.max_grad_norm / (norms + 1e-6)).clamp(max=1.0)
            else:
                factor = None
        std = self.noise_multiplier * self.max_grad_norm
        for i, p in enumerate(params):
            g = per_sample[i] if per_sample else None
            if g is None:
                summed = torch.zeros_like(p)
            else:
                summed = torch.einsum("i,i...->...", factor, g)
            noise = torch.normal(0.0, std, size=p.shape, device=p.device) if std else 0.0
            p.grad = ((summed + noise) / self.expected_batch_size).to(p.dtype)
        self.steps += 1
        self.reset()

    # accounting -------------------------------------------------------------------------
    def spent(self) -> dict[str, Any]:
        """The budget spent by the steps taken so far: ``{"epsilon", "delta", "steps",
        "noise_multiplier", "max_grad_norm"}`` (plain floats and ints)."""
        from opacus.accountants import RDPAccountant

        epsilon = 0.0
        if self.steps and self.noise_multiplier > 0:
            accountant = RDPAccountant()
            accountant.history = [(self.noise_multiplier, self.sample_rate, self.steps)]
            epsilon = float(accountant.get_epsilon(self.delta, alphas=ALPHAS))
        return {"epsilon": epsilon, "delta": self.delta, "steps": int(self.steps),
                "noise_multiplier": self.noise_multiplier,
                "max_grad_norm": self.max_grad_norm}

    def state_dict(self) -> dict[str, Any]:
        return {"steps": self.steps}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        # Never fewer than taken: the divergence guard rolls the networks back, not the budget.
        self.steps = max(self.steps, int(state["steps"]))
