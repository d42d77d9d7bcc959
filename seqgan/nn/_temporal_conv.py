"""Temporal convolutional networks of R3GAN for sequences.

A 1-D transcription of the R3GAN architecture (Huang, Gokaslan, Kuleshov, Tompkin, "The GAN is
dead; long live the GAN! A Modern GAN Baseline", NeurIPS 2024): residual blocks without any
normalisation layer, each an inverted bottleneck (1x1 expand, depthwise or grouped
``kernel_size`` conv over time, 1x1 project back) whose last layer starts at zero (fix-up
initialisation, so a fresh network is a chain of identities and the residual stream is well
scaled at any depth); stages at resolutions ``T, T/2, T/4, ...`` joined by fixed-filter
(linear-interpolation) resampling and 1x1 width changes. Every step is computed in parallel
and the cost is linear in the sequence length.

Shapes follow the library, channels last: sequences and hidden features are
``(batch, steps, channels)`` throughout, so every 1x1 convolution is a :class:`torch.nn.Linear`
(on CPU about 7 times faster than ``conv1d`` with kernel 1, measured at 1,000 x 24 x 32) and
the temporal convolution of the blocks is depthwise by default (sums of shifted slices, 5
times faster than a grouped ``conv1d``). ``channels[i]`` is the width at resolution
``seq_len / 2**i`` in both networks, so ``channels=(32, 64)`` has one resampling stage.
Lengths that are not a multiple of ``2**(len(channels) - 1)`` are padded at the end and
cropped (generator) or masked out (discriminator), so both networks take any ``seq_len``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["Resample1d", "ResidualBlock1d", "SeriesView", "TemporalConvDiscriminator",
           "TemporalConvGenerator", "TemporalMix", "minibatch_std", "step_features"]

_SLOPE = 0.2  # LeakyReLU slope of R3GAN
_LEAKY_GAIN = math.sqrt(2.0 / (1.0 + _SLOPE ** 2))


# ---------------------------------------------------------------------------- helpers
def _widths(channels: int | Sequence[int], owner: str) -> tuple[int, ...]:
    widths = (channels,) if isinstance(channels, int) else tuple(channels)
    if not widths or not all(isinstance(c, int) and not isinstance(c, bool) and c >= 1
                             for c in widths):
        raise ValueError(f"`channels` of {owner} must be an int >= 1 or a non-empty sequence "
                         f"of them (the width at each resolution); got {channels!r}.")
    return widths


def _per_stage(value: int | Sequence[int], n_stages: int, name: str, low: int,
               owner: str) -> tuple[int, ...]:
    values = (value,) * n_stages if isinstance(value, int) else tuple(value)
    if len(values) != n_stages or not all(isinstance(v, int) and v >= low for v in values):
        raise ValueError(f"`{name}` of {owner} must be an int >= {low} or one per stage "
                         f"({n_stages}); got {value!r}.")
    return values


def _init(layer: nn.Module, gain: float, scale: float = 1.0) -> None:
    """He-style normal init ``std = gain * scale / sqrt(fan_in)``, zero bias."""
    fan_in = layer.weight[0].numel()
    nn.init.normal_(layer.weight, 0.0, gain * scale / math.sqrt(fan_in))
    if layer.bias is not None:
        nn.init.zeros_(layer.bias)


def _pad_time(x: torch.Tensor, left: int, right: int, mode: str) -> torch.Tensor:
    """Pad axis 1 (time) of (batch, steps, channels) with zeros or the edge values."""
    if not (left or right):
        return x
    if mode == "zeros":
        return F.pad(x, (0, 0, left, right))
    n, _, c = x.shape
    return torch.cat([x[:, :1].expand(n, left, c), x, x[:, -1:].expand(n, right, c)], 1)


def _space_to_depth(x: torch.Tensor, factor: int) -> torch.Tensor:
    """(batch, steps, d) with ``steps % factor == 0`` -> (batch, steps // factor, factor * d)."""
    n, steps, d = x.shape
    return x.reshape(n, steps // factor, factor * d)


def step_features(steps: int, n_features: int, *, stride: int = 1, like: torch.Tensor
                  ) -> torch.Tensor:
    """Sine/cosine features of the absolute step index, (1, steps, n_features).

    Step ``j`` of a stream at ``1 / stride`` resolution sits at fine position
    ``stride * j + (stride - 1) / 2``; the periods run geometrically from 4 to 256 fine steps.
    A feature of step ``t`` does not depend on the sequence length, so longer sequences keep the
    dynamics of their first steps.
    """
    n_freq = max(n_features // 2, 1)
    periods = 4.0 * 64.0 ** (torch.arange(n_freq, dtype=like.dtype, device=like.device)
                             / max(n_freq - 1, 1))
    t = torch.arange(steps, dtype=like.dtype, device=like.device) * stride + (stride - 1) / 2
    angles = 2 * math.pi * t[:, None] / periods
    return torch.cat([angles.sin(), angles.cos()], 1)[None, :, :n_features]


def _pool_mask(mask: torch.Tensor) -> torch.Tensor:
    """(batch, steps, 1) -> (batch, steps // 2, 1): a coarse step is valid if either fine one
    is (so a prefix of ``L`` valid steps becomes one of ``ceil(L / 2)``)."""
    n, steps, _ = mask.shape
    return mask.reshape(n, steps // 2, 2).amax(2, keepdim=True)


def minibatch_std(h: torch.Tensor, mask: torch.Tensor | None = None,
                  group_size: int = 4) -> torch.Tensor:
    """Mean standard deviation of features across a group of samples (Karras et al. 2018).

    Parameters
    ----------
    h : Tensor (batch, steps, channels)
    mask : Tensor (batch, steps, 1) or None
        Valid steps (1) and padding (0); padded features are zeroed and left out of the mean.
    group_size : int
        Samples per group; the whole batch is one group when ``batch % group_size != 0``.

    Returns
    -------
    Tensor (batch, 1)
        The group's statistic, repeated for each of its members.
    """
    n = h.shape[0]
    group = group_size if n % group_size == 0 else n
    if mask is not None:
        h = h * mask
    grouped = h.reshape(group, n // group, *h.shape[1:])  # member, group, steps, C
    std = (grouped.var(0, unbiased=False) + 1e-8).sqrt().mean(2)  # (n_groups, steps)
    if mask is None:
        stat = std.mean(1)
    else:
        valid = mask.reshape(group, n // group, -1).amax(0)  # (n_groups, steps)
        stat = (std * valid).sum(1) / valid.sum(1).clamp_min(1.0)
    return stat.repeat(group).unsqueeze(1)


# ---------------------------------------------------------------------------- blocks
class Resample1d(nn.Module):
    """Fixed-filter resampling by 2 over time, per channel (no parameters).

    ``down``: low-pass with the normalised filter ``taps`` then keep every second step
    ``(batch, L, C) -> (batch, L // 2, C)``; ``up``: insert zeros and low-pass with the filter
    times 2 ``(batch, L, C) -> (batch, 2 L, C)``. The default ``(1, 3, 3, 1)`` is linear
    interpolation at half-step alignment (the 1-D "bilinear" filter of R3GAN/StyleGAN): coarse
    step ``j`` sits between fine steps ``2j`` and ``2j + 1``. Borders are zero-padded or repeat
    the edge value (``padding_mode="replicate"``: no dip at the ends of a generated series).

    Parameters
    ----------
    direction : {"down", "up"}
    taps : sequence of float
        An even number of filter taps (2 is box/nearest, 4 linear).
    padding_mode : {"zeros", "replicate"}

    Examples
    --------
    >>> import torch
    >>> Resample1d("up")(torch.ones(1, 3, 1)).flatten()
    tensor([0.7500, 1.0000, 1.0000, 1.0000, 1.0000, 0.7500])
    """

    def __init__(self, direction: Literal["down", "up"],
                 taps: Sequence[float] = (1.0, 3.0, 3.0, 1.0), *,
                 padding_mode: Literal["zeros", "replicate"] = "zeros") -> None:
        super().__init__()
        if direction not in ("down", "up"):
            raise ValueError(f"`direction` must be 'down' or 'up'; got {direction!r}.")
        given = tuple(float(t) for t in taps)
        if len(given) % 2 or len(given) < 2 or sum(given) <= 0:
            raise ValueError("`taps` must be an even number (>= 2) of filter taps with a "
                             f"positive sum; got {given!r}.")
        if padding_mode not in ("zeros", "replicate"):
            raise ValueError("`padding_mode` must be 'zeros' or 'replicate'; got "
                             f"{padding_mode!r}.")
        self.direction, self.padding_mode = direction, padding_mode
        gain = 2.0 if direction == "up" else 1.0
        # plain floats, not a buffer: the filter is fixed and dtype/device free
        self.taps = tuple(t / sum(given) * gain for t in given)
        self.padding = (len(given) - 2) // 2

    def extra_repr(self) -> str:
        return f"{self.direction!r}, taps={len(self.taps)}, {self.padding_mode}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k, mode = len(self.taps), self.padding_mode
        if self.direction == "down":
            n_out = x.shape[1] // 2
            padded = _pad_time(x, self.padding, self.padding, mode)
            return sum(w * padded[:, i: i + 2 * n_out - 1: 2] for i, w in enumerate(self.taps))
        n, steps, c = x.shape
        # pad the coarse input (by enough for the filter), insert zeros, crop, filter
        extra = -(-(k - 1) // 2)
        wide = _pad_time(x, extra, extra, mode)
        zeros = torch.stack([wide, torch.zeros_like(wide)], 2).reshape(n, -1, c)
        padded = zeros[:, 2 * extra - (k - 1 - self.padding):]
        return sum(w * padded[:, i: i + 2 * steps] for i, w in enumerate(reversed(self.taps)))


class TemporalMix(nn.Module):
    """A convolution over time, (batch, steps, channels) -> same; depthwise or grouped.

    ``groups=None`` (depthwise, one filter per channel) runs as ``kernel_size`` shifted
    multiply-adds in the channels-last layout; other ``groups`` use a grouped ``conv1d``.

    Parameters
    ----------
    channels, kernel_size : int
        ``kernel_size`` odd, "same" padding.
    groups : int or None
        Must divide ``channels`` (lowered to the largest divisor when it does not).
    padding_mode : {"zeros", "replicate"}
    """

    def __init__(self, channels: int, kernel_size: int = 3, groups: int | None = None,
                 padding_mode: Literal["zeros", "replicate"] = "zeros") -> None:
        super().__init__()
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"`kernel_size` must be an odd int >= 1; got {kernel_size!r}.")
        self.groups = channels if groups is None else math.gcd(channels, max(int(groups), 1))
        self.kernel_size, self.padding_mode = kernel_size, padding_mode
        self.weight = nn.Parameter(torch.empty(channels, channels // self.groups, kernel_size))
        self.bias = nn.Parameter(torch.zeros(channels))

    def extra_repr(self) -> str:
        return (f"{self.weight.shape[0]}, kernel_size={self.kernel_size}, groups={self.groups},"
                f" {self.padding_mode}")

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        k, steps = self.kernel_size, h.shape[1]
        padded = _pad_time(h, k // 2, k // 2, self.padding_mode)
        if self.groups == h.shape[2]:  # depthwise
            taps = self.weight[:, 0, :]  # (C, k)
            out = self.bias + padded[:, :steps] * taps[:, 0]
            for i in range(1, k):
                out = torch.addcmul(out, padded[:, i: i + steps], taps[:, i])
            return out
        out = F.conv1d(padded.transpose(1, 2), self.weight, self.bias, groups=self.groups)
        return out.transpose(1, 2)


class ResidualBlock1d(nn.Module):
    """``h + branch(h)``: an inverted-bottleneck residual block without normalisation.

    branch = 1x1 conv (``channels -> expansion * channels``), LeakyReLU(0.2), temporal conv
    (``kernel_size``, depthwise or ``groups``), LeakyReLU(0.2), 1x1 conv back to ``channels``.
    The last layer starts at zero (the fresh block is the identity); the first two are
    He-initialised and scaled by ``n_blocks ** (-1 / 4)`` (fix-up: ``L ** (-1 / (2 m - 2))``
    for ``m = 3`` layers per branch and ``L`` blocks in the network), as in R3GAN.

    Parameters
    ----------
    channels : int
    expansion : int
        Width of the branch's hidden layers relative to ``channels``.
    groups : int or None
        Groups of the temporal conv; None: depthwise (the fastest on CPU). R3GAN uses groups
        of 16 channels (``groups = expansion * channels // 16``).
    kernel_size : int
        Odd; the receptive field grows by ``kernel_size - 1`` steps per block.
    n_blocks : int
        Residual blocks in the whole network (the fix-up scale).
    padding_mode : {"zeros", "replicate"}
        Of the temporal conv at the ends of the series ("replicate" in the generator, so the
        ends are not pulled towards zero).

    Shapes
    ------
    ``forward(h (batch, steps, channels), mask (batch, steps, 1) or None) -> same as h``; with
    a mask, hidden features at padded steps are zeroed after each activation so that nothing
    computed there reaches valid steps.
    """

    def __init__(self, channels: int, *, expansion: int = 2, groups: int | None = None,
                 kernel_size: int = 3, n_blocks: int = 1,
                 padding_mode: Literal["zeros", "replicate"] = "zeros") -> None:
        super().__init__()
        hidden = channels * expansion
        self.expand = nn.Linear(channels, hidden)
        self.mix = TemporalMix(hidden, kernel_size, groups, padding_mode)
        self.project = nn.Linear(hidden, channels)
        scale = max(n_blocks, 1) ** (-0.25)
        _init(self.expand, _LEAKY_GAIN, scale)
        _init(self.mix, _LEAKY_GAIN, scale)
        nn.init.zeros_(self.project.weight)
        nn.init.zeros_(self.project.bias)

    def forward(self, h: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        y = F.leaky_relu(self.expand(h), _SLOPE)
        if mask is not None:
            y = y * mask
        y = F.leaky_relu(self.mix(y), _SLOPE)
        if mask is not None:
            y = y * mask
        out = h + self.project(y)
        return out if mask is None else out * mask


class _Stage(nn.Module):
    def __init__(self, channels: int, n_blocks: int, total_blocks: int, **block) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(
            ResidualBlock1d(channels, n_blocks=total_blocks, **block) for _ in range(n_blocks))

    def forward(self, h: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        for block in self.blocks:
            h = block(h, mask)
        return h


def _check_vectors(given: list[tuple[torch.Tensor | None, int, str]], n: int,
                   dtype: torch.dtype) -> torch.Tensor | None:
    """The per-sequence inputs whose dims are > 0, checked and concatenated, (batch, sum)."""
    parts = []
    for value, dim, name in given:
        if not dim:
            continue
        if value is None or tuple(value.shape) != (n, dim):
            got = None if value is None else tuple(value.shape)
            raise ValueError(f"`{name}` must have shape (batch, {dim}) = ({n}, {dim}); got "
                             f"{got}.")
        parts.append(value.to(dtype))
    return torch.cat(parts, 1) if parts else None


ViewMode = Literal["standardised", "whitened", "raw"]
#: Relative variance floor of each view (measured on stocks: whitening floored at 1e-6 let the
#: generator collapse; 1e-3 trained).
_VIEW_FLOOR = {"standardised": 1e-6, "whitened": 1e-3, "raw": 0.0}


class SeriesView(nn.Module):
    """Sequences -> the normalised series and its normalised differences up to ``differences``.

    ``(batch, T, d) -> (batch, T, (differences + 1) d)``: ``[(x - center) @ maps[0],
    (diff x) @ maps[1], (diff diff x) @ maps[2]]`` up to the order asked for, where ``diff x``
    is ``x_t - x_{t-1}``, 0 at the first step and wherever a step or its predecessor is
    padding (so the second difference is 0 at the first two valid steps). ``mode`` sets the
    maps from the training data (:meth:`set_statistics`; buffers, saved with the weights):

    - ``"standardised"``: ``diag(1 / std)`` per channel, of the values and of each difference;
    - ``"whitened"``: ZCA, ``C^{-1/2}`` of the channels' covariance;
    - ``"raw"``: the identity (``center`` 0): the series as scaled, its plain differences.

    R3GAN's discriminator reads this view and its R1/R2 penalties are taken with respect to
    it, so that ``gamma`` means the same for every dataset and for values and differences
    alike. Measured on min-max-scaled stocks: the first differences are about 20 times smaller
    than the values, and with penalties on the raw series the discriminator could not afford
    the steep response needed to see them: the generator drew five loosely related price
    curves (first-difference correlations .1-.75 against .7-1.0) that a strict classifier told
    from real ones every time (strict score .50; standardised: .35).
    """

    center: torch.Tensor
    maps: torch.Tensor

    def __init__(self, n_channels: int, *, differences: int = 1,
                 mode: ViewMode = "standardised", floor: float | None = None) -> None:
        super().__init__()
        if mode not in ("standardised", "whitened", "raw"):
            raise ValueError("`mode` must be 'standardised', 'whitened' or 'raw'; got "
                             f"{mode!r}.")
        if int(differences) not in (0, 1, 2):
            raise ValueError(f"`differences` must be 0, 1 or 2; got {differences!r}.")
        self.n_channels, self.differences = n_channels, int(differences)
        self.mode = mode
        self.floor = float(floor) if floor is not None else _VIEW_FLOOR[mode]
        self.register_buffer("center", torch.zeros(n_channels))
        self.register_buffer("maps", torch.eye(n_channels).repeat(self.differences + 1, 1, 1))

    def extra_repr(self) -> str:
        return f"{self.n_channels}, {self.mode}, differences={self.differences}"

    @property
    def n_outputs(self) -> int:
        return self.n_channels * (self.differences + 1)

    @torch.no_grad()
    def set_statistics(self, values: torch.Tensor, mask: torch.Tensor | None = None) -> None:
        """Set the maps from training data: ``values`` (n, T, d), ``mask`` (n, T) of valid
        steps. A variance (or eigenvalue) below ``floor`` times the largest (a channel that is
        constant within each series, or collinear channels) is raised to it (default 1e-6
        standardised, 1e-3 whitened). A channel whose values never vary (a constant feature or
        a copy of another, which the data encoder sets to 0 and decodes without the network)
        is left out of every part: its map is 0, so the discriminator does not see what the
        generator puts there (raised to the floor, the view multiplied it by about 1,000 and
        the generator collapsed: energy, strict score .50)."""
        if self.mode == "raw":
            return
        x = values.to(torch.float64)
        m = (torch.ones(x.shape[:2], dtype=x.dtype) if mask is None else mask.to(x.dtype))
        m = m.unsqueeze(-1)
        center = (x * m).sum((0, 1)) / m.sum().clamp_min(1.0)
        self.center.copy_(center)
        parts, valids = self._parts(x - center, m)
        live = (parts[0] != 0).flatten(0, 1).any(0)  # channels whose values vary
        for k, (part, valid) in enumerate(zip(parts, valids, strict=True)):
            self.maps[k].zero_()
            if live.any():
                self.maps[k][live.outer(live)] = self._map(
                    part[..., live], valid.sum()).flatten().to(self.maps.dtype)

    def _map(self, centred: torch.Tensor, count: torch.Tensor) -> torch.Tensor:
        """(d, d) map of rows (..., d) (zero where masked; ``count`` valid rows)."""
        flat = centred.reshape(-1, centred.shape[-1])
        cov = flat.T @ flat / count.clamp_min(1.0)
        if self.mode == "standardised":  # per channel: the eigenbasis is the identity
            variances, vectors = cov.diagonal(), torch.eye(cov.shape[0], dtype=cov.dtype)
        else:
            variances, vectors = torch.linalg.eigh(cov)
        top = float(variances.max()) if variances.numel() else 0.0
        if top <= 0:  # every value is 0: nothing to scale
            return torch.eye(cov.shape[0], dtype=cov.dtype)
        return (vectors * variances.clamp_min(top * self.floor).rsqrt()) @ vectors.T

    def _parts(self, x: torch.Tensor, m: torch.Tensor | None
               ) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """``[x, diff x, diff diff x]`` up to ``differences``, each (batch, T, d) and 0 where
        not defined, and where each is defined, (batch, T, 1)."""
        valid = x.new_ones(x.shape[0], x.shape[1], 1) if m is None else m
        parts, valids = [x * valid], [valid]
        for _ in range(self.differences):
            valid = valid * F.pad(valid[:, :-1], (0, 0, 1, 0))  # this step and the one before
            previous = parts[-1]
            parts.append(F.pad(previous[:, 1:] - previous[:, :-1], (0, 0, 1, 0)) * valid)
            valids.append(valid)
        return parts, valids

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """``x`` (batch, T, d), ``mask`` (batch, T) or None -> (batch, T, n_outputs)."""
        m = None if mask is None else mask.to(x.dtype).unsqueeze(-1)
        parts, _ = self._parts(x - self.center, m)
        return torch.cat([part @ self.maps[k] for k, part in enumerate(parts)], 2)


# ---------------------------------------------------------------------------- networks
class TemporalConvGenerator(nn.Module):
    """Noise sequences (batch, T, noise_dim) -> sequences (batch, T, n_channels), for any T.

    Coarse to fine: the stage at resolution ``T / 2**i`` receives the per-step noise folded to
    its resolution (space-to-depth: ``2**i`` consecutive noise vectors side by side) and the
    global vector ``[global_noise, condition, static]``, each through a learned projection
    (1x1 conv / linear) added to the residual stream (broadcast over time; the projections of
    all but the coarsest stage start at zero, so a fresh generator is the smooth upsampling of
    its coarsest stream and step-to-step detail is learned, not white noise); then its residual
    blocks; then a 1x1 conv to the next width and a fixed-filter upsampling by 2 (edges
    replicated). The coarsest stage also receives ``n_positional`` sine/cosine features of the
    step index (see :func:`step_features`): without them nothing tells the steps apart (the
    edges are replicated), and a trend common to all series, such as sines that all start at
    their minimum, could not be drawn. A 1x1 conv reads the finest stream out. ``T`` not a
    multiple of ``2**(len(channels) - 1)`` is padded at the end with zero noise and the output
    cropped.

    Parameters
    ----------
    n_channels : int
        Features per step of the output.
    noise_dim : int
        Per-step noise features ``d_step``.
    global_noise_dim, condition_dim, static_dim : int
        Features of the per-sequence noise, the condition (class one-hot or vector) and the
        static code; 0 for none.
    channels : int or sequence of int
        Width at resolution ``T / 2**i`` (finest first); ``len(channels) - 1`` upsamplings.
    n_blocks : int or sequence of int
        Residual blocks per stage (finest first).
    expansion, groups, kernel_size
        Of the residual blocks (see :class:`ResidualBlock1d`).
    resample_filter : sequence of float
        Taps of the fixed upsampling filter (see :class:`Resample1d`).
    output_activation : {"sigmoid", "linear"}
        ``"sigmoid"`` bounds the output to (0, 1), the range of min-max-scaled data.
    n_positional : int
        Step-index features at the coarsest stage; 0 for none.

    Examples
    --------
    >>> import torch
    >>> generator = TemporalConvGenerator(3, noise_dim=4, global_noise_dim=2, channels=(8, 16))
    >>> generator(torch.randn(5, 11, 4), torch.randn(5, 2)).shape
    torch.Size([5, 11, 3])
    """

    def __init__(self, n_channels: int, *, noise_dim: int = 8, global_noise_dim: int = 8,
                 condition_dim: int = 0, static_dim: int = 0,
                 channels: int | Sequence[int] = (32, 64), n_blocks: int | Sequence[int] = 1,
                 expansion: int = 2, groups: int | None = None, kernel_size: int = 3,
                 resample_filter: Sequence[float] = (1.0, 3.0, 3.0, 1.0),
                 output_activation: Literal["sigmoid", "linear"] = "sigmoid",
                 n_positional: int = 8) -> None:
        super().__init__()
        owner = type(self).__name__
        widths = _widths(channels, owner)
        blocks = _per_stage(n_blocks, len(widths), "n_blocks", 0, owner)
        self.n_positional = int(n_positional)
        if output_activation not in ("sigmoid", "linear"):
            raise ValueError("`output_activation` must be 'sigmoid' or 'linear'; got "
                             f"{output_activation!r}.")
        self.n_channels, self.noise_dim = n_channels, noise_dim
        self.global_noise_dim, self.condition_dim = global_noise_dim, condition_dim
        self.static_dim, self.output_activation = static_dim, output_activation
        self.factor = 2 ** (len(widths) - 1)
        global_dim = global_noise_dim + condition_dim + static_dim
        total = max(sum(blocks), 1)
        block = {"expansion": expansion, "groups": groups, "kernel_size": kernel_size,
                 "padding_mode": "replicate"}
        coarse_first = list(reversed(range(len(widths))))
        self.noise_in = nn.ModuleList(nn.Linear(noise_dim * 2 ** i, widths[i])
                                      for i in coarse_first)
        self.global_in = nn.ModuleList(nn.Linear(global_dim, widths[i]) if global_dim else
                                       nn.Identity() for i in coarse_first)
        self.stages = nn.ModuleList(_Stage(widths[i], blocks[i], total, **block)
                                    for i in coarse_first)
        self.transitions = nn.ModuleList(nn.Linear(widths[i], widths[i - 1])
                                         for i in coarse_first[:-1])
        self.upsample = Resample1d("up", resample_filter, padding_mode="replicate")
        self.out = nn.Linear(widths[0], n_channels)
        self.position_in = (nn.Linear(self.n_positional, widths[-1]) if self.n_positional
                            else None)
        n_inputs = (2 if global_dim else 1) + (1 if self.n_positional else 0)
        if self.position_in is not None:
            _init(self.position_in, 1.0, n_inputs ** -0.5)
        for k, layer in enumerate([*self.noise_in, *self.global_in]):
            if isinstance(layer, nn.Identity):
                continue
            _init(layer, 1.0, n_inputs ** -0.5)
            if k % len(widths):  # finer stages: injections start at zero (smooth fresh output)
                nn.init.zeros_(layer.weight)
        for layer in [*self.transitions, self.out]:
            _init(layer, 1.0)

    def padded_length(self, seq_len: int) -> int:
        """The length the networks compute at: ``seq_len`` rounded up to the resampling
        factor (the output is cropped back to ``seq_len``)."""
        return -(-seq_len // self.factor) * self.factor

    def forward(self, noise: torch.Tensor, global_noise: torch.Tensor | None = None,
                condition: torch.Tensor | None = None, static: torch.Tensor | None = None
                ) -> torch.Tensor:
        """Generate sequences.

        Parameters
        ----------
        noise : Tensor (batch, seq_len, noise_dim)
        global_noise : Tensor (batch, global_noise_dim) or None
        condition : Tensor (batch, condition_dim) or None
        static : Tensor (batch, static_dim) or None

        Returns
        -------
        Tensor (batch, seq_len, n_channels)
        """
        n, seq_len, _ = noise.shape
        g = _check_vectors([(global_noise, self.global_noise_dim, "global_noise"),
                            (condition, self.condition_dim, "condition"),
                            (static, self.static_dim, "static")], n, noise.dtype)
        pad = self.padded_length(seq_len) - seq_len
        if pad:
            noise = F.pad(noise, (0, 0, 0, pad))
        h = None
        for k, stage in enumerate(self.stages):
            level = len(self.stages) - 1 - k
            injected = self.noise_in[k](_space_to_depth(noise, 2 ** level))
            if g is not None:
                injected = injected + self.global_in[k](g).unsqueeze(1)
            if k == 0 and self.position_in is not None:
                injected = injected + self.position_in(step_features(
                    injected.shape[1], self.n_positional, stride=2 ** level, like=injected))
            h = injected if h is None else h + injected
            h = stage(h)
            if k < len(self.transitions):
                h = self.upsample(self.transitions[k](h))
        out = self.out(h[:, :seq_len])
        return torch.sigmoid(out) if self.output_activation == "sigmoid" else out


class TemporalConvDiscriminator(nn.Module):
    """Sequences (batch, T, n_channels) -> logits (batch,), for any T and with a mask.

    The input channels are the series, optionally its first differences ``x_t - x_{t-1}`` (0 at
    the first step and wherever a step or its predecessor is padding) and a validity channel
    (the mask). Fine to coarse: a 1x1 stem, the residual blocks of each stage, and between
    stages a fixed-filter downsampling by 2 then a 1x1 conv to the next width. Optionally the
    minibatch standard deviation of the coarsest features is appended; the features are
    averaged over valid steps, and a linear layer gives the logit, plus the projection
    ``<embed(condition), features>`` when conditioned (Miyato & Koyama 2018).

    Padding never reaches the logit: inputs are multiplied by the mask, features at padded
    steps are zeroed after every layer and the pooling counts valid steps only, so a sequence
    padded to any length (with its mask) gets the logit it has unpadded. Lengths that are not
    a multiple of ``2**(len(channels) - 1)`` are padded and masked the same way.

    Parameters
    ----------
    n_channels : int
        Features per step of the input.
    condition_dim, static_dim : int
        Features of the condition and of the static code (concatenated, then projected); 0 for
        none.
    channels : int or sequence of int
        Width at resolution ``T / 2**i`` (finest first); ``len(channels) - 1`` downsamplings.
    n_blocks : int or sequence of int
        Residual blocks per stage (finest first).
    expansion, groups, kernel_size
        Of the residual blocks (see :class:`ResidualBlock1d`).
    differences : bool
        Also show first differences (measured: much smoother, more realistic generators).
    max_pool : bool
        Also pool the coarsest features by their maximum over valid steps (beside the mean).
    minibatch_std_group : int
        Group size of the minibatch-std feature; 0 for none.
    resample_filter : sequence of float
        Taps of the fixed downsampling filter (see :class:`Resample1d`).

    Examples
    --------
    >>> import torch
    >>> discriminator = TemporalConvDiscriminator(3, channels=(8, 16))
    >>> mask = torch.ones(5, 11)
    >>> mask[:, 7:] = 0
    >>> discriminator(torch.rand(5, 11, 3), mask=mask).shape
    torch.Size([5])
    """

    def __init__(self, n_channels: int, *, condition_dim: int = 0, static_dim: int = 0,
                 channels: int | Sequence[int] = (32, 64), n_blocks: int | Sequence[int] = 1,
                 expansion: int = 2, groups: int | None = None, kernel_size: int = 3,
                 differences: bool = True, minibatch_std_group: int = 0,
                 max_pool: bool = False,
                 resample_filter: Sequence[float] = (1.0, 3.0, 3.0, 1.0)) -> None:
        super().__init__()
        owner = type(self).__name__
        widths = _widths(channels, owner)
        blocks = _per_stage(n_blocks, len(widths), "n_blocks", 0, owner)
        self.n_channels, self.condition_dim = n_channels, condition_dim
        self.static_dim = static_dim
        self.differences, self.minibatch_std_group = bool(differences), int(minibatch_std_group)
        self.max_pool = bool(max_pool)
        self.factor = 2 ** (len(widths) - 1)
        total = max(sum(blocks), 1)
        block = {"expansion": expansion, "groups": groups, "kernel_size": kernel_size}
        inputs = n_channels * (2 if differences else 1) + 1
        self.stem = nn.Linear(inputs, widths[0])
        self.stages = nn.ModuleList(_Stage(w, b, total, **block)
                                    for w, b in zip(widths, blocks, strict=True))
        self.downsample = Resample1d("down", resample_filter)
        self.transitions = nn.ModuleList(nn.Linear(widths[i], widths[i + 1])
                                         for i in range(len(widths) - 1))
        features = widths[-1] * (2 if self.max_pool else 1) + (1 if self.minibatch_std_group
                                                                else 0)
        self.out = nn.Linear(features, 1)
        cond = condition_dim + static_dim
        self.embed = nn.Linear(cond, features, bias=False) if cond else None
        for layer in [self.stem, *self.transitions]:
            _init(layer, 1.0)
        _init(self.out, _LEAKY_GAIN)
        if self.embed is not None:
            _init(self.embed, 1.0, features ** -0.5)

    def forward(self, x: torch.Tensor, condition: torch.Tensor | None = None,
                mask: torch.Tensor | None = None, static: torch.Tensor | None = None
                ) -> torch.Tensor:
        """Score sequences.

        Parameters
        ----------
        x : Tensor (batch, seq_len, n_channels)
        condition : Tensor (batch, condition_dim) or None
        mask : Tensor (batch, seq_len) or None
            1 at valid steps, 0 at padding; None: all steps are valid.
        static : Tensor (batch, static_dim) or None

        Returns
        -------
        Tensor (batch,)
            Logits (unbounded; higher is more real).
        """
        n, seq_len, _ = x.shape
        cond = _check_vectors([(condition, self.condition_dim, "condition"),
                               (static, self.static_dim, "static")], n, x.dtype)
        m = (x.new_ones(n, seq_len, 1) if mask is None else
             mask.to(x.dtype).reshape(n, seq_len, 1))
        h = x * m
        parts = [h]
        if self.differences:
            diff = F.pad(h[:, 1:] - h[:, :-1], (0, 0, 1, 0))
            parts.append(diff * m * F.pad(m[:, :-1], (0, 0, 1, 0)))
        parts.append(m)
        h = torch.cat(parts, 2)
        pad = -(-seq_len // self.factor) * self.factor - seq_len
        if pad:
            h, m = F.pad(h, (0, 0, 0, pad)), F.pad(m, (0, 0, 0, pad))
        h = self.stem(h) * m
        for k, stage in enumerate(self.stages):
            h = stage(h, m)
            if k < len(self.transitions):
                m = _pool_mask(m)
                h = self.transitions[k](self.downsample(h)) * m
        h = F.leaky_relu(h, _SLOPE) * m
        pooled = h.sum(1) / m.sum(1).clamp_min(1.0)
        if self.max_pool:
            pooled = torch.cat([pooled, h.masked_fill(m == 0, float("-inf")).amax(1)], 1)
        if self.minibatch_std_group:
            pooled = torch.cat([pooled, minibatch_std(h, m, self.minibatch_std_group)], 1)
        logits = self.out(pooled).squeeze(1)
        if self.embed is not None:
            logits = logits + (self.embed(cond) * pooled).sum(1)
        return logits
