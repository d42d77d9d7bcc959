"""R3GAN for sequences (after Huang, Gokaslan, Kuleshov, Tompkin, NeurIPS 2024): the
relativistic pairing loss with zero-centred R1 and R2 penalties, and modern residual networks
without normalisation, here 1-D convolutions over time that compute every step in parallel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from seqgan._validation import BOOL, NONE, InstanceOf, Interval, Options
from seqgan.ais import AISUpdate
from seqgan.losses import Objective
from seqgan.models._adversarial import Adversary
from seqgan.models._base import DataSpec
from seqgan.models._gan import GANEstimator
from seqgan.models._missing import observation_channels, observe_real
from seqgan.nn._temporal_conv import SeriesView, TemporalConvDiscriminator, TemporalConvGenerator

#: Steps (sequences x length) per generator pass when sampling on the CPU.
_STEPS_PER_SAMPLE_PASS = 8192

#: Width at each resolution (finest first): a rule that accepts an int or a list of ints.
_WIDTHS = [Interval(int, 1, None), InstanceOf((list, tuple), "a list of widths, finest first")]


class _StaticGenerator(nn.Module):
    """Global noise (batch, d) -> static features (batch, n_static): a two-layer perceptron
    (sigmoid output for min-max-scaled statics)."""

    def __init__(self, noise_dim: int, hidden_dim: int, n_static: int, sigmoid: bool) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(noise_dim, hidden_dim), nn.LeakyReLU(0.2),
                                 nn.Linear(hidden_dim, n_static))
        self.sigmoid = sigmoid

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        y = self.net(z)
        return torch.sigmoid(y) if self.sigmoid else y


class R3GAN(GANEstimator):
    """R3GAN for sequences: a fast, modern GAN for realistic series, and the default model.

    Loss: RpGAN (the relativistic pairing game, ``softplus(d(fake) - d(real))``) with
    zero-centred gradient penalties on real (R1) and generated (R2) data, both ``gamma / 2 *
    E||grad d||^2``, which makes the game locally convergent (Huang et al. 2024). Optimizer:
    Adam with ``betas = (0, 0.99)`` and equal learning rates; sampling uses an exponential
    moving average of the generator's weights (``ema``).

    Networks (``seqgan/nn/_temporal_conv.py``): residual 1-D convolution blocks without
    normalisation (inverted bottleneck, depthwise temporal convolution, the last layer of every
    branch initialised at zero), at resolutions ``T, T/2, ...`` joined by fixed-filter
    resampling, so that a step costs the same at any length and long sequences are cheap. The
    generator takes per-step noise (``noise_dim``) and a global noise vector
    (``global_noise_dim``) broadcast over time, plus the condition and the static features when
    given; the discriminator sees the series, its first differences (``differences``) and
    which steps are valid, and pools over valid steps only (variable lengths are exact).

    Conditional when ``fit`` gets a ``condition`` (class labels or vectors; projection
    discriminator); with ``static=`` the model also generates the static features (a
    perceptron from the global noise) and ``sample(n, return_static=True)`` returns them.

    Parameters
    ----------
    seq_len : int or None
        Training length (None: the longest training sequence).
    channels : int or list of int
        Width of both networks at each resolution, finest first; ``[32, 64]`` has one
        down/up-sampling stage. Longer sequences take more stages (e.g. ``[32, 64, 64, 128]``).
    n_blocks : int
        Residual blocks per stage in each network.
    expansion : int
        Inverted-bottleneck expansion of each block.
    kernel_size : int
        Temporal kernel of each block (odd).
    noise_dim, global_noise_dim : int
        Per-step and per-sequence noise features (standard normal).
    n_positional : int
        Sine/cosine features of the step index given to the generator's coarsest stage (a
        trend shared by all series needs them; 0: none).
    differences : int
        Orders of differences the discriminator sees beside the values: 1 (default) the
        first differences (smooth, realistic series; measured in ``docs/models.md``), 2 also
        the second differences (measured on sines: too strong a discriminator, strict .457
        against .383, series 0.64 of the data's roughness), 0 none. ``True``/``False`` are 1/0.
    discriminator_view : {"standardised", "whitened", "raw"}
        How the discriminator sees the series and its differences, and what R1/R2 are taken
        with respect to (``SeriesView`` in ``seqgan/nn/_temporal_conv.py``): each channel of the
        values and of the differences divided by its standard deviation in the training data
        ("standardised"), both whitened across channels ("whitened"), or as scaled ("raw").
        Measured on stocks (docs/models.md): "raw" lets the price channels drift apart.
    minibatch_std : int
        Group size of the discriminator's minibatch standard deviation feature (0: none).
    max_pool : bool
        The discriminator pools its last features by their maximum over time as well as their
        mean.
    gamma : float
        Weight of R1 and R2 (``regularizers`` None); measured on stocks: 10 was no better
        than 1, and 0.1 did not change sines.
    loss : str or Objective
        Adversarial objective ("rpgan" is R3GAN's).
    regularizers : dict or None
        None: ``{"r1": gamma, "r2": gamma}``; a dict replaces them.
    augment, spectral_norm, optimizer_kwargs, lr_schedule, balance, diagnostics_every
        Training options shared by every model; see ``docs/training.md``. With
        ``spectral_norm`` the discriminator's zero-initialised layers start from PyTorch's
        default initialisation instead (a zero matrix has no spectral norm).
    ema : float or None
        Decay of the generator's weight average used for sampling (None: the raw weights);
        it warms up as ``min(ema, (1 + n) / (10 + n))`` over the first updates.
    generator_update : seqgan.ais.AISUpdate or None
        Importance-weighted generator updates (the AIS/DRE update); see ``docs/ais.md``.
    n_iter : int
        Iterations of ``d_steps`` discriminator and ``g_steps`` generator steps.
    batch_size : int
    lr_g, lr_d : float
    optimizer_g, optimizer_d : {"adam", "adamw", "rmsprop", "sgd"}
    d_steps, g_steps : int
    scaling : {"standard", "minmax", None}
        Per-feature scaling; "standard" (the default) with a linear generator output. With
        "minmax" the output is a sigmoid, which saturates at the ends of the range: on sines
        the curves that reach the top stayed flat (strict score .35 and .31 over two seeds
        against .06 and .08 with "standard"), in exchange for samples that never leave the
        training range (with "standard", 3.6-5.4% of sines values fall outside it, 0.4-1.5%
        by more than 4% of the range).
    device, random_state, verbose
        As every model.
    privacy : dict or None
        Differential privacy, e.g. ``{"epsilon": 3.0, "delta": 1e-5}``: DP-SGD (Opacus) on the
        discriminator and, since the relativistic generator loss compares with real logits,
        on the generator. Needs ``gamma=0`` (R1 is a gradient penalty on real data that
        per-sample clipping cannot cover), ``discriminator_view="raw"`` (the other views are
        standardised with statistics of the data) and ``minibatch_std=0``. See
        ``docs/privacy.md``. None: no DP.

    Examples
    --------
    >>> from seqgan import R3GAN
    >>> from seqgan.datasets import load_dataset
    >>> X = load_dataset("sines", n_samples=64, seq_len=8, n_features=2, random_state=0)
    >>> m = R3GAN(channels=8, n_iter=3, random_state=0, verbose=False).fit(X)
    >>> m.sample(4, random_state=0).shape
    (4, 8, 2)
    """

    supports_condition = True
    supports_static = True
    _sampling_networks = ("generator", "static_generator")
    _ema_warmup = True
    _paper_optimizer_kwargs: ClassVar[dict[str, dict[str, Any]]] = {
        "adam": {"betas": (0.0, 0.99)}, "adamw": {"betas": (0.0, 0.99)}}
    _param_rules: ClassVar[dict[str, list]] = {
        "channels": _WIDTHS,
        "n_blocks": [Interval(int, 0, None)],
        "expansion": [Interval(int, 1, None)],
        "kernel_size": [Interval(int, 1, None)],
        "noise_dim": [Interval(int, 1, None)],
        "global_noise_dim": [Interval(int, 0, None)],
        "n_positional": [Interval(int, 0, None)],
        "differences": [Interval(int, 0, 2), BOOL],
        "discriminator_view": [Options(("standardised", "whitened", "raw"))],
        "minibatch_std": [Interval(int, 0, None)],
        "max_pool": [BOOL],
        "gamma": [Interval(float, 0, None), NONE],
    }

    def __init__(
        self,
        *,
        seq_len: int | None = None,
        channels: int | Sequence[int] = (32, 64),
        n_blocks: int = 1,
        expansion: int = 2,
        kernel_size: int = 3,
        noise_dim: int = 8,
        global_noise_dim: int = 8,
        n_positional: int = 8,
        differences: int = 1,
        discriminator_view: str = "standardised",
        minibatch_std: int = 0,
        max_pool: bool = True,
        gamma: float = 1.0,
        loss: str | Objective = "rpgan",
        regularizers: dict[str, float] | None = None,
        spectral_norm: bool = False,
        augment: Any = None,
        ema: float | None = 0.998,
        n_iter: int = 2000,
        batch_size: int = 64,
        lr_g: float = 1e-3,
        lr_d: float = 1e-3,
        optimizer_g: str = "adam",
        optimizer_d: str = "adam",
        d_steps: int = 1,
        g_steps: int = 1,
        optimizer_kwargs: dict[str, Any] | None = None,
        lr_schedule: str | None = None,
        balance: bool | dict[str, Any] = False,
        diagnostics_every: int | None = 50,
        generator_update: AISUpdate | None = None,
        scaling: str | None = "standard",
        device: str = "auto",
        random_state: int | None = None,
        verbose: bool = True,
        privacy: dict[str, Any] | None = None,
    ) -> None:
        self.seq_len = seq_len
        self.channels = channels
        self.n_blocks = n_blocks
        self.expansion = expansion
        self.kernel_size = kernel_size
        self.noise_dim = noise_dim
        self.global_noise_dim = global_noise_dim
        self.n_positional = n_positional
        self.differences = differences
        self.discriminator_view = discriminator_view
        self.minibatch_std = minibatch_std
        self.max_pool = max_pool
        self.gamma = gamma
        self.loss = loss
        self.regularizers = regularizers
        self.spectral_norm = spectral_norm
        self.augment = augment
        self.ema = ema
        self.n_iter = n_iter
        self.batch_size = batch_size
        self.lr_g = lr_g
        self.lr_d = lr_d
        self.optimizer_g = optimizer_g
        self.optimizer_d = optimizer_d
        self.d_steps = d_steps
        self.g_steps = g_steps
        self.optimizer_kwargs = optimizer_kwargs
        self.lr_schedule = lr_schedule
        self.balance = balance
        self.diagnostics_every = diagnostics_every
        self.generator_update = generator_update
        self.scaling = scaling
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.privacy = privacy

    @classmethod
    def get_test_params(cls) -> dict[str, Any]:
        return {**super().get_test_params(), "channels": [4, 8], "noise_dim": 2,
                "global_noise_dim": 2, "n_iter": 3, "batch_size": 8}

    # ------------------------------------------------------------------ options
    def _adversary(self) -> Adversary:
        """R1 and R2 of weight ``gamma`` unless ``regularizers`` says otherwise."""
        regularizers = self.regularizers
        if regularizers is None and self.gamma:
            regularizers = {"r1": self.gamma, "r2": self.gamma}
        return Adversary(self.loss, regularizers, self.augment)

    def _privacy_refusals(self) -> list[str]:
        reasons = super()._privacy_refusals()
        if self.discriminator_view != "raw":
            reasons.append(f"discriminator_view={self.discriminator_view!r} standardises the "
                           "discriminator's input with per-channel statistics of the training "
                           "data (released in the model); set discriminator_view='raw'")
        if self.n_positional and self._adversary().relativistic:
            reasons.append("the positional features enter the generator once for the whole "
                           "batch, so the per-sample gradients of the generator (trained "
                           "privately with a relativistic loss, which compares with real "
                           "logits) cannot be separated; set n_positional=0, or a "
                           "non-relativistic loss (e.g. loss='hinge': the generator then "
                           "never sees real data)")
        if self.minibatch_std:
            reasons.append("`minibatch_std` gives the discriminator a statistic of the whole "
                           "batch (the samples are no longer separable); set minibatch_std=0")
        return reasons

    def _widths(self) -> list[int]:
        return [self.channels] if isinstance(self.channels, int) else list(self.channels)

    # ------------------------------------------------------------------ networks
    def _build_module(self, spec: DataSpec) -> nn.ModuleDict:
        blocks = {"channels": self._widths(), "n_blocks": self.n_blocks,
                  "expansion": self.expansion, "kernel_size": self.kernel_size}
        view = SeriesView(spec.n_channels, differences=int(self.differences),
                          mode=self.discriminator_view)
        statistics = self.__dict__.pop("_view_statistics", None)
        if statistics is not None:  # fitting (a loaded model gets them from its weights)
            view.set_statistics(*statistics)
        module = nn.ModuleDict({
            "generator": TemporalConvGenerator(
                spec.n_channels, noise_dim=self.noise_dim,
                global_noise_dim=self.global_noise_dim, condition_dim=spec.condition_dim,
                n_positional=self.n_positional,
                static_dim=spec.n_static,
                output_activation="sigmoid" if self.scaling == "minmax" else "linear",
                **blocks),
            "view": view,
            "discriminator": TemporalConvDiscriminator(
                view.n_outputs, condition_dim=spec.condition_dim, static_dim=spec.n_static,
                differences=False, minibatch_std_group=self.minibatch_std,
                max_pool=self.max_pool, **blocks),
        })
        if self.spectral_norm:  # a zero matrix has no spectral norm: no fix-up zeros in D
            for layer in module["discriminator"].modules():
                if isinstance(layer, (nn.Linear, nn.Conv1d)) and not layer.weight.any():
                    layer.reset_parameters()
        if spec.n_static:
            if not self.global_noise_dim:
                raise ValueError("R3GAN generates static features from the global noise: "
                                 "`global_noise_dim` must be at least 1 with `static`.")
            module["static_generator"] = _StaticGenerator(
                self.global_noise_dim, max(self._widths()[0], 2 * spec.n_static),
                spec.n_static, sigmoid=self.scaling == "minmax")
        return module

    def _build_optimizers(self, module: nn.Module) -> dict[str, torch.optim.Optimizer]:
        """The generator's optimizer also trains the static generator (with ``static=``):
        without it the static features kept their initial distribution."""
        params = [p for name in ("generator", "static_generator") if name in module
                  for p in module[name].parameters()]
        return {"generator": self._optimizer("g", params, self.lr_g),
                "discriminator": self._optimizer("d", module["discriminator"].parameters(),
                                                 self.lr_d)}

    def _draw_latent(self, spec, n, seq_len, generator=None, device="cpu"):
        """Per-step noise (n, seq_len, noise_dim) and global noise (n, global_noise_dim), both
        standard normal."""
        return (torch.randn(n, seq_len, self.noise_dim, generator=generator, device=device),
                torch.randn(n, self.global_noise_dim, generator=generator, device=device))

    def _sample_batch_size(self, seq_len: int) -> int:
        """About 8,192 steps per pass on the CPU (16 to 1024 sequences): convolutions over a
        long batch leave the caches. 10,000 samples of length 384 (two threads): 7.9 s at 1024,
        2.9-3.3 s at 21; lengths 24 and 96 about the same either way. Accelerators keep
        1024."""
        if torch.device(self.device_).type != "cpu":
            return 1024
        return max(16, min(1024, _STEPS_PER_SAMPLE_PASS // max(seq_len, 1)))

    def _latent_kinds(self, spec):
        return ("normal", "normal")

    def _generate(self, module, latent, condition, seq_len):
        noise, global_noise = latent
        global_noise = global_noise if self.global_noise_dim else None
        if "static_generator" not in module:
            return self._observation_probabilities(
                module["generator"](noise, global_noise, condition))
        static = module["static_generator"](global_noise)
        x = module["generator"](noise, global_noise, condition, static)
        return self._observation_probabilities(x), static

    def _observation_probabilities(self, x: torch.Tensor) -> torch.Tensor:
        """With a linear output (``scaling`` other than "minmax"), the observation channels of
        data with missing values go through a sigmoid: they are probabilities of a step being
        observed (linear, the generated gaps came out too rare: .20 against the data's .31 in
        tests/models/test_missing_values.py)."""
        spec = getattr(self, "spec_", None)  # a loaded model has no _missing of a fit
        missing = getattr(self, "_missing", spec.missing if spec is not None else ())
        if not missing or self.scaling == "minmax":
            return x
        seen = observation_channels(x.shape[-1], missing)
        return torch.cat([x[..., : seen[0]], torch.sigmoid(x[..., seen[0]:])], dim=-1)

    def _encode_training_data(self, X, **kwargs):
        """The base encoding; the discriminator's view is standardised with its values."""
        encoder, data, spec = super()._encode_training_data(X, **kwargs)
        steps = np.arange(data.seq_len)[None, :] < data.lengths[:, None]
        values = observe_real(torch.from_numpy(data.values), spec.missing,
                              torch.from_numpy(steps).float())
        self._view_statistics = (values, torch.from_numpy(steps))
        return encoder, data, spec

    def _latent_logits(self, module, latent, condition, seq_len):
        out = self._generate(module, latent, condition, seq_len)
        x, static = out if isinstance(out, tuple) else (out, None)
        return module["discriminator"](module["view"](x), condition, None, static)

    # the discriminator sees the standardised view of the series; R1/R2 are taken on it
    def _fake_inputs(self, module, batch, latent):
        return self._viewed(module, batch, super()._fake_inputs(module, batch, latent))

    def _real_inputs(self, module, batch):
        return self._viewed(module, batch, super()._real_inputs(module, batch))

    @staticmethod
    def _viewed(module, batch, inputs):
        mask = None if batch.fixed_length else batch.mask
        if isinstance(inputs, tuple):
            return (module["view"](inputs[0], mask), *inputs[1:])
        return module["view"](inputs, mask)

    # the default recipe, static features included (the base pairs them with the series)
    def _critic(self, module, batch):
        discriminator = module["discriminator"]
        mask = None if batch.fixed_length else batch.mask
        if batch.static is None:
            return lambda x: discriminator(x, batch.condition, mask)
        return lambda x, s: discriminator(x, batch.condition, mask, s)

