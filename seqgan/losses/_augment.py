"""Differentiable augmentation of sequences for the discriminator (DiffAugment / ADA)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from seqgan._validation import check_float

AUGMENTATIONS = ("jitter", "scaling", "timewarp", "masking")


class DiffAugment:
    """Random, differentiable transformations of real and fake sequences before the critic.

    With little data the discriminator memorises the training set. Augmenting *both* real and
    generated sequences (with the same policy, fresh random draws per sample) every time the
    discriminator sees them, in its own steps and in the generator's, regularises it without
    changing what the generator learns; since every transformation is differentiable with
    respect to its input, the generator's gradient flows through it. Transformations, applied
    in the order of ``policy``, each to a sample with probability ``p``:

    - ``"jitter"``: add Gaussian noise ``N(0, jitter_std^2)`` to every value;
    - ``"scaling"``: multiply the whole sequence by a factor ``~ N(1, scaling_std^2)``;
    - ``"timewarp"``: resample the sequence at smoothly warped times
      ``phi(u) = u + a sin(pi u)`` (``u`` the time in [0, 1] over the valid steps,
      ``|a| <= warp_strength / pi``, so ``phi`` is monotone and keeps both ends) by linear
      interpolation between neighbouring steps;
    - ``"masking"``: set a random contiguous span of ``round(mask_fraction * length)`` steps
      (at least one) to zero, all channels (time cutout).

    With a ``mask``, transformations only look at and change the valid steps: the warp and
    the span run over each sequence's own length, and padded steps come out as they went in.

    Parameters
    ----------
    policy : sequence of str
        Any of ``"jitter"``, ``"scaling"``, ``"timewarp"``, ``"masking"``.
    p : float in [0, 1]
        Probability of each transformation per sample. 1 is DiffAugment (always on); ADA
        (Karras et al.) keeps ``p`` below about 0.8 so that augmentations do not leak into the
        generated data; 0 turns augmentation off.
    jitter_std, scaling_std : float
        In units of the scaled data.
    warp_strength : float in [0, 1)
        Largest slope change of the warp (0: no warp; the warped clock runs between
        ``1 - s`` and ``1 + s`` times as fast).
    mask_fraction : float in (0, 1]
        Length of the zeroed span as a fraction of the sequence's length.

    References
    ----------
    Zhao, Liu, Lin, Zhu, Han, "Differentiable Augmentation for Data-Efficient GAN Training",
    NeurIPS 2020; Karras et al., "Training Generative Adversarial Networks with Limited Data"
    (ADA), NeurIPS 2020; Um et al., "Data Augmentation of Wearable Sensor Data for Parkinson's
    Disease Monitoring using Convolutional Neural Networks", ICMI 2017 (jitter, scaling, time
    warp for series).

    Examples
    --------
    >>> import torch
    >>> augment = DiffAugment(p=1.0)
    >>> real = torch.randn(4, 8, 2)
    >>> mask = torch.ones(4, 8)
    >>> augment(real, mask, generator=torch.Generator().manual_seed(0)).shape
    torch.Size([4, 8, 2])
    """

    def __init__(self, policy: Sequence[str] = AUGMENTATIONS, p: float = 0.5, *,
                 jitter_std: float = 0.03, scaling_std: float = 0.1,
                 warp_strength: float = 0.2, mask_fraction: float = 0.1) -> None:
        if isinstance(policy, str):
            policy = (policy,)
        policy = tuple(policy)
        unknown = [name for name in policy if name not in AUGMENTATIONS]
        if unknown:
            raise ValueError(f"Unknown augmentation {unknown[0]!r} in `policy`. Valid names: "
                             f"{', '.join(AUGMENTATIONS)}.")
        self.policy = policy
        self.p = check_float("p", p, low=0.0, high=1.0, owner="DiffAugment")
        self.jitter_std = check_float("jitter_std", jitter_std, low=0.0, owner="DiffAugment")
        self.scaling_std = check_float("scaling_std", scaling_std, low=0.0, owner="DiffAugment")
        self.warp_strength = check_float("warp_strength", warp_strength, low=0.0, high=1.0,
                                         closed="left", owner="DiffAugment")
        self.mask_fraction = check_float("mask_fraction", mask_fraction, low=0.0, high=1.0,
                                         closed="right", owner="DiffAugment")

    def _params(self) -> dict[str, object]:
        """Constructor arguments (model files store them)."""
        return {k: getattr(self, k) for k in ("policy", "p", "jitter_std", "scaling_std",
                                               "warp_strength", "mask_fraction")}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"DiffAugment({args})"

    def __call__(self, x: torch.Tensor, mask: torch.Tensor | None = None, *,
                 generator: torch.Generator | None = None) -> torch.Tensor:
        """Augment a batch.

        Parameters
        ----------
        x : Tensor (batch, seq_len, n_channels)
        mask : Tensor (batch, seq_len) or None
            1.0 on valid steps.
        generator : torch.Generator or None
            Source of the random draws (torch's default generator if None).

        Returns
        -------
        Tensor (batch, seq_len, n_channels)
            Differentiable with respect to ``x``.
        """
        if x.dim() != 3:
            raise ValueError("`x` must have shape (batch, seq_len, n_channels); got "
                             f"{tuple(x.shape)}.")
        if mask is not None and tuple(mask.shape) != tuple(x.shape[:2]):
            raise ValueError(f"`mask` must have shape {tuple(x.shape[:2])} (batch, seq_len); "
                             f"got {tuple(mask.shape)}.")
        if self.p == 0.0 or not self.policy:
            return x
        batch, seq_len, _ = x.shape
        m = (x.new_ones(batch, seq_len) if mask is None else mask.to(x.dtype))
        lengths = m.sum(1).round().long().clamp_min(1)
        for name in self.policy:
            on = self._draw_on(batch, x, generator)
            if name == "jitter":
                noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
                x = x + noise * (self.jitter_std * on).view(-1, 1, 1) * m.unsqueeze(-1)
            elif name == "scaling":
                factor = torch.randn(batch, generator=generator, device=x.device, dtype=x.dtype)
                x = x + x * (self.scaling_std * factor * on).view(-1, 1, 1) * m.unsqueeze(-1)
            elif name == "timewarp":
                x = self._timewarp(x, m, lengths, on, generator)
            else:
                x = self._masking(x, lengths, on, generator)
        return x

    def _draw_on(self, batch: int, x: torch.Tensor,
                 generator: torch.Generator | None) -> torch.Tensor:
        """1.0 for the samples this transformation applies to, else 0.0 (batch,)."""
        u = torch.rand(batch, generator=generator, device=x.device, dtype=x.dtype)
        return (u < self.p).to(x.dtype)

    def _timewarp(self, x, m, lengths, on, generator):
        batch, seq_len, n_channels = x.shape
        u = torch.rand(batch, generator=generator, device=x.device, dtype=x.dtype)
        amplitude = (2.0 * u - 1.0) * (self.warp_strength / math.pi) * on  # (batch,)
        span = (lengths - 1).clamp_min(1).to(x.dtype)  # (batch,)
        t = torch.arange(seq_len, device=x.device, dtype=x.dtype).expand(batch, seq_len)
        phase = (t / span.unsqueeze(1)).clamp(0.0, 1.0)
        source = t + (amplitude * span).unsqueeze(1) * torch.sin(math.pi * phase)
        source = torch.minimum(source.clamp_min(0.0), (lengths - 1).to(x.dtype).unsqueeze(1))
        low = source.floor()
        weight = (source - low).unsqueeze(-1)
        low = low.long()
        high = torch.minimum(low + 1, (lengths - 1).unsqueeze(1))

        def at(index: torch.Tensor) -> torch.Tensor:
            return x.gather(1, index.unsqueeze(-1).expand(-1, -1, n_channels))

        warped = at(low) * (1.0 - weight) + at(high) * weight
        return x + (warped - x) * m.unsqueeze(-1)

    def _masking(self, x, lengths, on, generator):
        batch, seq_len, _ = x.shape
        width = (self.mask_fraction * lengths.to(torch.float32)).round().long().clamp(1)
        width = torch.minimum(width, lengths)
        u = torch.rand(batch, generator=generator, device=x.device, dtype=torch.float32)
        start = (u * (lengths - width + 1).to(torch.float32)).floor().long()
        t = torch.arange(seq_len, device=x.device).expand(batch, seq_len)
        span = (t >= start.unsqueeze(1)) & (t < (start + width).unsqueeze(1))
        keep = 1.0 - span.to(x.dtype) * on.unsqueeze(1)
        return x * keep.unsqueeze(-1)
