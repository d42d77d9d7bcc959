"""Fully connected networks of the point GAN (:class:`seqgan.MLPGAN`): the generator and
discriminator of the original GAN and of the mixture-of-Gaussians experiments (VEEGAN,
PacGAN, Unrolled GAN), optionally conditioned on a label vector."""

from __future__ import annotations

import torch
from torch import nn

from seqgan.nn._activations import make_activation

NORMS = ("batch", "layer", "none")


def _norm1d(kind: str, width: int) -> nn.Module:
    if kind not in NORMS:
        raise ValueError(f"Unknown normalisation {kind!r}; use one of {NORMS}.")
    if kind == "batch":
        return nn.BatchNorm1d(width)
    if kind == "layer":
        return nn.LayerNorm(width)
    return nn.Identity()


def _hidden_layers(inputs: int, width: int, depth: int, activation: str,
                   norm: str) -> nn.ModuleList:
    """``depth`` blocks of Linear -> norm -> activation, kept in order (for inspection)."""
    layers = []
    for _ in range(depth):
        layers.append(nn.Sequential(nn.Linear(inputs, width), _norm1d(norm, width),
                                    make_activation(activation)))
        inputs = width
    return nn.ModuleList(layers)


class MLPGenerator(nn.Module):
    """z (batch, latent_dim) [+ condition (batch, condition_dim)] -> points (batch, out_dim).

    ``num_layers`` hidden layers of ``hidden_dim`` units with ``activation`` (and ``norm``),
    then a linear output (points are not bounded like pixels). The condition enters through a
    learned embedding concatenated to z.
    """

    def __init__(self, latent_dim: int, out_dim: int, *, hidden_dim: int = 128,
                 num_layers: int = 3, activation: str = "relu", norm: str = "none",
                 condition_dim: int = 0, embed_dim: int = 16) -> None:
        super().__init__()
        self.embed = (nn.Linear(condition_dim, embed_dim, bias=False) if condition_dim
                      else None)
        inputs = latent_dim + (embed_dim if condition_dim else 0)
        self.layers = _hidden_layers(inputs, hidden_dim, num_layers, activation, norm)
        self.out = nn.Linear(hidden_dim if num_layers else inputs, out_dim)

    def forward(self, z: torch.Tensor, condition: torch.Tensor | None = None) -> torch.Tensor:
        h = z if self.embed is None else torch.cat([z, self.embed(condition)], dim=1)
        for layer in self.layers:
            h = layer(h)
        return self.out(h)


class MLPDiscriminator(nn.Module):
    """points (batch, in_dim) [+ condition] -> (logits (batch,), features (batch, hidden_dim)).

    ``num_layers`` hidden layers with ``activation`` (LeakyReLU 0.2 by default) and ``norm``;
    the condition enters as a projection term ``<embed(c), features>`` (Miyato & Koyama 2018).
    """

    def __init__(self, in_dim: int, *, hidden_dim: int = 128, num_layers: int = 3,
                 activation: str = "leaky_relu", norm: str = "none",
                 condition_dim: int = 0) -> None:
        super().__init__()
        self.layers = _hidden_layers(in_dim, hidden_dim, num_layers, activation, norm)
        width = hidden_dim if num_layers else in_dim
        self.head = nn.Linear(width, 1)
        self.project = nn.Linear(condition_dim, width, bias=False) if condition_dim else None

    def forward(self, x: torch.Tensor, condition: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        h = x
        for layer in self.layers:
            h = layer(h)
        logit = self.head(h).squeeze(-1)
        if self.project is not None:
            logit = logit + (self.project(condition) * h).sum(-1)
        return logit, h
