"""Convolutional networks of the image GANs (DCGAN layout, Radford et al. 2016): a generator
of transposed convolutions with batch norm and a tanh output, a strided-convolution
discriminator with LeakyReLU, both optionally conditioned on a label vector."""

from __future__ import annotations

import torch
from torch import nn

from seqgan.nn._activations import make_activation

NORMS = ("batch", "layer", "none")


def upsampling_plan(height: int, width: int) -> tuple[int, int, int]:
    """``(base_height, base_width, n_up)``: the image is ``base`` x 2^n_up; sizes are halved
    while both are even and above 4 (28 -> 7 x 4, 32 -> 4 x 8, 8 -> 4 x 2)."""
    n_up = 0
    while height % 2 == 0 and width % 2 == 0 and min(height, width) > 4:
        height, width, n_up = height // 2, width // 2, n_up + 1
    return height, width, n_up


def _norm2d(kind: str, channels: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "layer":  # layer norm over (C, H, W), as the WGAN-GP critic
        return nn.GroupNorm(1, channels)
    return nn.Identity()


class ConvGenerator(nn.Module):
    """z (batch, latent_dim) [+ condition (batch, condition_dim)] -> images (batch, C, H, W).

    A dense layer to ``width * base_h * base_w``, then ``n_up`` transposed convolutions
    (kernel 4, stride 2) that halve the channels and double the size, batch norm and
    ``activation`` after every hidden layer, tanh on the output. The condition enters through
    a learned embedding concatenated to z (Mirza & Osindero 2014). Hidden layers are kept in
    order in ``self.layers`` so their activations can be inspected.
    """

    def __init__(self, latent_dim: int, out_channels: int, height: int, width: int, *,
                 base_channels: int = 64, activation: str = "relu", condition_dim: int = 0,
                 embed_dim: int = 32) -> None:
        super().__init__()
        self.base_h, self.base_w, n_up = upsampling_plan(height, width)
        self.width0 = base_channels * 2 ** max(n_up - 1, 0)
        self.embed = (nn.Linear(condition_dim, embed_dim, bias=False) if condition_dim
                      else None)
        inputs = latent_dim + (embed_dim if condition_dim else 0)
        layers: list[nn.Module] = [nn.Sequential(
            nn.Linear(inputs, self.width0 * self.base_h * self.base_w, bias=False),
            nn.BatchNorm1d(self.width0 * self.base_h * self.base_w),
            make_activation(activation),
            nn.Unflatten(1, (self.width0, self.base_h, self.base_w)))]
        channels = self.width0
        for i in range(n_up):
            last = i == n_up - 1
            out = out_channels if last else channels // 2
            step: list[nn.Module] = [nn.ConvTranspose2d(channels, out, 4, 2, 1, bias=last)]
            if not last:
                step += [nn.BatchNorm2d(out), make_activation(activation)]
            layers.append(nn.Sequential(*step))
            channels = out
        if n_up == 0:
            layers.append(nn.Conv2d(channels, out_channels, 3, 1, 1))
        self.layers = nn.ModuleList(layers)

    def forward(self, z: torch.Tensor, condition: torch.Tensor | None = None) -> torch.Tensor:
        h = z if self.embed is None else torch.cat([z, self.embed(condition)], dim=1)
        for layer in self.layers:
            h = layer(h)
        return torch.tanh(h)


class ConvFeatures(nn.Module):
    """images (batch, C, H, W) -> features (batch, feature_dim): strided convolutions
    (kernel 4, stride 2) that double the channels, ``activation`` after each, the chosen
    normalisation on all but the first (DCGAN), then flattened."""

    def __init__(self, in_channels: int, height: int, width: int, *, base_channels: int = 64,
                 activation: str = "leaky_relu", norm: str = "batch") -> None:
        super().__init__()
        if norm not in NORMS:
            raise ValueError(f"Unknown normalisation {norm!r}; use one of {NORMS}.")
        base_h, base_w, n_down = upsampling_plan(height, width)
        layers: list[nn.Module] = []
        channels = in_channels
        for i in range(max(n_down, 1)):
            out = base_channels * 2 ** i
            if n_down == 0:
                conv = nn.Conv2d(channels, out, 3, 1, 1)
            else:
                conv = nn.Conv2d(channels, out, 4, 2, 1, bias=(i == 0 or norm == "none"))
            norm_layer = nn.Identity() if i == 0 else _norm2d(norm, out)
            layers.append(nn.Sequential(conv, norm_layer, make_activation(activation)))
            channels = out
        self.layers = nn.ModuleList(layers)
        self.feature_dim = channels * base_h * base_w

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x)
        return x.flatten(1)


class ConvDiscriminator(nn.Module):
    """images (batch, C, H, W) [+ condition] -> (logits (batch,), features (batch, f)).

    The condition enters as a projection (Miyato & Koyama 2018): ``logit = w.h + b +
    <embed(c), h>``, which works with one-hot labels and continuous vectors alike.
    """

    def __init__(self, in_channels: int, height: int, width: int, *, base_channels: int = 64,
                 activation: str = "leaky_relu", norm: str = "batch",
                 condition_dim: int = 0) -> None:
        super().__init__()
        self.body = ConvFeatures(in_channels, height, width, base_channels=base_channels,
                                 activation=activation, norm=norm)
        self.out = nn.Linear(self.body.feature_dim, 1)
        self.project = (nn.Linear(condition_dim, self.body.feature_dim, bias=False)
                        if condition_dim else None)

    def forward(self, x: torch.Tensor, condition: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(x)
        logits = self.out(h).squeeze(-1)
        if self.project is not None:
            logits = logits + (self.project(condition) * h).sum(1)
        return logits, h
