"""The model side of differentially private training: which networks and updates see real
data, what breaks the guarantee (refused before anything trains), scaling from user bounds,
and the DP-SGD engine of one fit (:class:`seqgan.training.DPSGD`)."""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from seqgan.data._scaling import FeatureScaler
from seqgan.training import DPSGD, Phase
from seqgan.training._privacy import check_privacy, require_opacus, use_dp_rnns, use_torch_rnns

__all__ = ["apply_bounds", "build_dpsgd", "check_private_fit", "forget_counts", "gan_refusals",
           "prepare_networks", "private_networks", "use_torch_rnns"]

if TYPE_CHECKING:
    from seqgan.models._base import Estimator

logger = logging.getLogger(__name__)

#: Why min-max or standard scaling fitted on the data is refused, and what to do instead.
_SCALING_HELP = (
    "its min-max/standard scaling is fitted on the data (each feature's min and max, or mean "
    "and std, are released in the model and move with single records); give the features' "
    "bounds, known without looking at the data: privacy={..., 'bounds': (lo, hi)} (numbers, "
    "or one per feature; values outside are clipped), or pass data already in a fixed range "
    "with scaling=None")


def check_private_fit(model: Estimator, encoder: Any, data: Any) -> dict[str, Any]:
    """The model's checked ``privacy`` option; raises when opacus is missing or when an option
    or the data would break the guarantee (every reason at once)."""
    name = type(model).__name__
    checked = check_privacy(model.privacy, name)
    require_opacus()
    reasons = list(model._privacy_refusals())
    if checked["bounds"] is None and model.scaling is not None:
        reasons.append(_SCALING_HELP)
    if not encoder.fixed_length_:
        reasons.append("the sequences have different lengths (masked means couple the "
                       "samples of a batch); cut or pad them to one length")
    if data.condition is not None:
        reasons.append("a `condition` is given (the generator would learn from the real "
                       "conditions); fit without it")
    if data.static is not None:
        reasons.append("`static` features are given (their scaling and categories are fitted "
                       "on the data); fit without them")
    if encoder.missing_channels_:
        reasons.append("X has missing values (the discriminator sees the real batch's "
                       "observation pattern on generated series, outside the per-sequence "
                       "clipping); impute them, or drop the incomplete sequences")
    if encoder._categorical_slices():
        reasons.append("X has categorical features (their categories are read from the data); "
                       "drop them or encode them with a fixed, public vocabulary as numbers")
    if reasons:
        raise ValueError(f"{name} cannot train with differential privacy (`privacy`) as set: "
                         + "; ".join(reasons) + ".")
    return checked


def gan_refusals(model: Any) -> list[str]:
    """What breaks the guarantee among the options every GAN shares."""
    reasons = []
    adversary = model._adversary()
    if adversary.regularizers:
        names = ", ".join(reg.name or type(reg).__name__ for reg in adversary.regularizers)
        hint = ("set gamma=0 (R3GAN's R1/R2) and regularizers=None" if hasattr(model, "gamma")
                and type(model).__name__ == "R3GAN" else "set regularizers=None, and a loss "
                "without a gradient penalty (not 'wgan-gp')")
        reasons.append(f"gradient penalties ({names}) take gradients of gradients, which "
                       "Opacus' per-sample gradients cannot clip (R1 on real data would "
                       f"escape the clipping and the noise); {hint}")
    if getattr(model, "balance", False):
        reasons.append("`balance` sets the learning rate from the discriminator's accuracy on "
                       "real batches, outside the noised steps; set balance=False")
    if getattr(model, "spectral_norm", False):
        reasons.append("`spectral_norm` reparametrises the weights, which Opacus' per-sample "
                       "gradients do not follow; set spectral_norm=False")
    if getattr(model, "generator_update", None) is not None:
        reasons.append("the AIS/DRE generator update is not supported with DP; set "
                       "generator_update=None")
    return reasons


def apply_bounds(encoder: Any, data: Any, bounds: Any, scaling: str | None) -> Any:
    """Rescale ``data`` with scalers made from the user's ``bounds`` instead of the data (the
    data-fitted scaler is dropped): values clipped to [lo, hi], then min-max to [0, 1],
    standard to [-1, 1] (centre and half range), or kept as they are (``scaling=None``).
    Returns the new data; ``encoder.scaler_`` is replaced."""
    n = data.n_channels
    lo, hi = (np.broadcast_to(np.asarray(b, dtype=np.float64), (n,)).copy()
              if np.ndim(b) in (0, 1) and np.size(b) in (1, n) else None for b in bounds)
    if lo is None or hi is None:
        raise ValueError(f"`privacy['bounds']` must be (lo, hi), each a number or {n} numbers "
                         f"(one per feature); got {bounds!r}.")
    if not (np.isfinite(lo).all() and np.isfinite(hi).all() and (lo < hi).all()):
        raise ValueError(f"`privacy['bounds']` must be finite with lo < hi for every feature; "
                         f"got {bounds!r}.")
    raw = np.clip(encoder.scaler_.inverse_transform(data.values), lo, hi)
    scaler = FeatureScaler(scaling)
    if scaling == "standard":
        scaler.offset_, scaler.scale_ = (lo + hi) / 2, (hi - lo) / 2
    elif scaling == "minmax":
        scaler.offset_, scaler.scale_ = lo, hi - lo
    else:
        scaler.offset_, scaler.scale_ = np.zeros(n), np.ones(n)
    encoder.scaler_ = scaler
    return dataclasses.replace(data, values=scaler.transform(raw))


def forget_counts(encoder: Any) -> None:
    """Drop what the encoder counted of the data (the number of sequences of each length: with
    one length, the number of sequences), which the model file would release."""
    encoder.length_counts_ = [1 for _ in encoder.length_values_]


def private_networks(model: Any, module: nn.ModuleDict) -> dict[str, nn.Module]:
    """The networks trained with DP-SGD: the model's ``_private_networks()``."""
    return {name: module[name] for name in model._private_networks() if name in module}


def prepare_networks(model: Any, module: nn.ModuleDict) -> dict[str, nn.Module]:
    """Swap the private networks' recurrent layers to Opacus' DP layers (before the
    optimizers are built) and refuse layers Opacus cannot train privately (batch statistics:
    BatchNorm); returns the private networks."""
    from opacus.validators import ModuleValidator

    networks = private_networks(model, module)
    # weight averages of private networks (under "ema") follow them name by name: same layers
    shadows = [average.shadow for name, average in module["ema"].items()
               if name in networks] if "ema" in module else []
    use_dp_rnns([*networks.values(), *shadows])
    problems = []
    for name, network in networks.items():
        for error in ModuleValidator.validate(network, strict=False):
            problems.append(f"{name}: {error}")
    if problems:
        raise ValueError(f"{type(model).__name__} cannot train with differential privacy: its "
                         "networks that see real data have layers Opacus cannot train "
                         "privately (batch statistics mix the samples of a batch): "
                         + "; ".join(problems) + ".")
    return networks


def build_dpsgd(model: Any, checked: dict[str, Any], networks: dict[str, nn.Module],
                optimizers: dict[str, torch.optim.Optimizer], phases: Any,
                n_sequences: int) -> DPSGD:
    """The DP-SGD engine: private optimizers are those moving a private network's weights
    (each must move private networks only); every step of their updates is counted."""
    private_ids = {id(p) for net in networks.values() for p in net.parameters()}
    private = set()
    for key, optimizer in optimizers.items():
        params = [p for g in optimizer.param_groups for p in g["params"]]
        inside = [id(p) in private_ids for p in params]
        if any(inside) and not all(inside):
            raise RuntimeError(f"Optimizer {key!r} of {type(model).__name__} moves private and "
                               "public networks together; list all of them in "
                               "_private_networks().")
        if any(inside):
            private.add(key)
    planned = sum(phase.iterations * update.steps for phase in phases
                  if isinstance(phase, Phase)
                  for update in phase.updates if update.optimizer in private)
    sample_rate = min(1.0, model.batch_size / n_sequences)
    if sample_rate >= 1.0:
        logger.warning("%s: batch_size %d >= %d sequences: every step sees all the data "
                       "(sample rate 1, no amplification by subsampling); the noise needed "
                       "for the target epsilon is large. Lower batch_size.",
                       type(model).__name__, model.batch_size, n_sequences)
    return DPSGD(networks=networks, private_optimizers=private, epsilon=checked["epsilon"],
                 delta=checked["delta"], max_grad_norm=checked["max_grad_norm"],
                 sample_rate=sample_rate, n_sequences=n_sequences, planned_steps=planned)
