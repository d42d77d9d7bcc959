"""A fitted model seen from its latent space: the public view that latent-space tools (AIS
log-likelihoods, rejection and Langevin sampling, layer activations) use instead of a model's
private hooks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from seqgan.ais import LatentCodec

if TYPE_CHECKING:
    from seqgan.models._base import DataSpec, Estimator


def latent_codec(model: Estimator, spec: DataSpec, seq_len: int | None = None) -> LatentCodec:
    """The model's latent at ``seq_len`` steps (default: the training length) as one
    standard-normal vector per sample."""
    probe = model._draw_latent(spec, 1, seq_len or spec.seq_len, torch.Generator())
    return LatentCodec([tuple(t.shape[1:]) for t in probe], model._latent_kinds(spec))


class LatentView:
    """A fitted model as a map from base latents ``u`` (n, dim), standard normal, to samples.

    Made by ``model.latent_view(seq_len)``. Every model's latent (per-step noise, a latent
    vector, several tensors) is mapped to and from one standard-normal vector per sample, so
    that samplers and likelihood estimators work the same for every model.

    Attributes
    ----------
    dim : int
        Size of a base latent.
    seq_len : int
        Length of the samples (0 for images and points).
    device : torch.device
        Where the networks are; put ``u`` there.
    codec : seqgan.ais.LatentCodec
        The map between base latents and the model's own latent tensors.
    """

    def __init__(self, model: Estimator, seq_len: int | None = None) -> None:
        model._check_fitted()
        self.model = model
        self.spec = model.spec_
        self.seq_len = int(seq_len or self.spec.seq_len)
        self.device = model.device_
        self.codec = latent_codec(model, self.spec, self.seq_len)
        self.dim = self.codec.dim
        self._module = model._sampling_module()

    @property
    def generator(self) -> nn.Module:
        """The generator network that sampling uses (its weight average when there is one)."""
        return self._module["generator"]

    def prior(self, n: int, generator: torch.Generator | None = None) -> tuple[torch.Tensor, ...]:
        """The model's own latent tensors of ``n`` samples, drawn from its prior (on the CPU)."""
        return self.model._draw_latent(self.spec, n, self.seq_len, generator)

    def decode(self, u: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Base latents (n, dim) -> the model's own latent tensors."""
        return self.codec.decode(u)

    def generate_from(self, latent: tuple[torch.Tensor, ...],
                      condition: torch.Tensor | None = None) -> torch.Tensor:
        """Scaled samples (n, seq_len, channels) from the model's own latent tensors, with
        gradients (wrap in ``torch.no_grad()`` when not needed)."""
        latent = tuple(t.to(self.device) for t in latent)
        out = self.model._generate(self._module, latent, condition, self.seq_len)
        return out[0] if isinstance(out, tuple) else out

    def generate(self, u: torch.Tensor, condition: torch.Tensor | None = None) -> torch.Tensor:
        """Scaled samples from base latents ``u`` (n, dim), differentiable in ``u``."""
        return self.generate_from(self.decode(u), condition)

    def logits(self, u: torch.Tensor, condition: torch.Tensor | None = None) -> torch.Tensor:
        """The discriminator's logits, (n,) or (n, seq_len), of the samples of ``u`` (GANs:
        the density-ratio estimate of DRS, DDLS and the AIS/DRE update)."""
        hook = getattr(self.model, "_latent_logits", None)
        if hook is None:
            raise TypeError(f"{type(self.model).__name__} has no discriminator; discriminator-"
                            "based samplers need a GAN.")
        return hook(self.model.module_, self.decode(u), condition, self.seq_len)

    def condition(self, condition: Any, n: int) -> torch.Tensor | None:
        """Encoded conditions of ``n`` samples on the model's device (None for unconditional
        models; errors as ``sample`` gives them)."""
        cond = self.model._encode_condition(condition, n)
        return None if cond is None else cond.to(self.device)

    def to_user(self, values: np.ndarray) -> Any:
        """Scaled full-length outputs (n, seq_len, channels) -> the user's units and
        container."""
        return self.model._values_to_user(values)

    def to_scaled(self, X: Any) -> tuple[torch.Tensor, torch.Tensor]:
        """User data -> scaled values on the model's device and a mask of the same shape
        (1 on valid entries)."""
        return self.model._user_to_scaled(X)
