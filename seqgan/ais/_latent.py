"""A model's latent inputs as one standard-normal vector per sample.

Every model draws its noise as a tuple of tensors (uniform or Gaussian, per step or per
sequence). The AIS tools work in one base space for all of them: ``u`` (n, dim) with prior
N(0, I), mapped to the model's noise by the normal CDF for uniform noise. The change of
variables leaves the distribution of generated data unchanged, so densities and importance
weights computed on ``u`` are those of the model's own latent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

#: How a base coordinate u ~ N(0, 1) becomes a noise coordinate, by the noise's prior.
LATENT_KINDS = ("normal", "uniform", "symmetric")

_LOG_2PI = math.log(2 * math.pi)


def standard_normal_log_prob(u: torch.Tensor) -> torch.Tensor:
    """log N(u; 0, I) of each row: (n, dim) -> (n,)."""
    return -0.5 * (u.pow(2).sum(-1) + u.shape[-1] * _LOG_2PI)


class LatentCodec:
    """Splits a base vector (n, dim) into a model's latent tuple.

    Parameters
    ----------
    shapes : sequence of tuple of int
        Shape of each latent tensor without the sample axis, e.g. ``[(24, 5), (5,)]``.
    kinds : sequence of str
        Prior of each tensor: "normal" (N(0, 1)), "uniform" (U(0, 1), as ``Phi(u)``) or
        "symmetric" (U(-1, 1), as ``2 Phi(u) - 1``).
    """

    def __init__(self, shapes: Sequence[tuple[int, ...]], kinds: Sequence[str]) -> None:
        if len(shapes) != len(kinds):
            raise ValueError(f"One kind per latent tensor: {len(shapes)} shapes, "
                             f"{len(kinds)} kinds.")
        for kind in kinds:
            if kind not in LATENT_KINDS:
                raise ValueError(f"Unknown latent kind {kind!r}; use one of {LATENT_KINDS}.")
        self.shapes = [tuple(int(d) for d in s) for s in shapes]
        self.kinds = tuple(kinds)
        self.sizes = [math.prod(s) for s in self.shapes]

    @property
    def dim(self) -> int:
        """Length of the base vector."""
        return sum(self.sizes)

    def decode(self, u: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Base vectors (n, dim) -> the model's latent tuple (each (n, *shape))."""
        if u.dim() != 2 or u.shape[1] != self.dim:
            raise ValueError(f"Base latents must have shape (n, {self.dim}); got "
                             f"{tuple(u.shape)}.")
        out = []
        for part, shape, kind in zip(u.split(self.sizes, dim=1), self.shapes, self.kinds,
                                     strict=True):
            if kind == "uniform":
                part = torch.special.ndtr(part)
            elif kind == "symmetric":
                part = 2 * torch.special.ndtr(part) - 1
            out.append(part.reshape(u.shape[0], *shape))
        return tuple(out)

    def __repr__(self) -> str:
        return f"LatentCodec(shapes={self.shapes}, kinds={self.kinds})"
