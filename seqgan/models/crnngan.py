"""C-RNN-GAN (Mogren 2016): an LSTM generator fed noise at every step and its own previous
output, against a bidirectional LSTM discriminator that scores every step."""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn

from seqgan._validation import BOOL, NONE, Interval, Options
from seqgan.ais import AISUpdate
from seqgan.losses import Objective
from seqgan.models._base import DataSpec
from seqgan.models._gan import GANEstimator
from seqgan.models._output import (
    ACTIVATION_RANGE,
    apply_output,
    output_activation_for,
    resolve_output_activation,
)
from seqgan.nn import ACTIVATIONS, RNNStack, make_activation


class CRNNGenerator(nn.Module):
    """Noise (batch, seq_len, latent_dim) -> sequences (batch, seq_len, n_channels).

    Each step's input is ``act(W [z_t, x_{t-1}] + b)`` fed to a stack of LSTM cells, and a linear
    layer maps the top cell's output to ``x_t``; ``x_{-1}`` is drawn like the noise (as the
    reference code). With ``feed_previous=False`` the stack runs as one fused LSTM. ``x_t``
    goes through ``output_activation`` (sigmoid: the range of min-max-scaled data; linear: the
    reference's output, for unbounded scalings).
    """

    def __init__(self, n_channels: int, latent_dim: int, hidden_dim: int, num_layers: int,
                 activation: str, feed_previous: bool,
                 output_activation: str = "sigmoid") -> None:
        super().__init__()
        self.feed_previous = feed_previous
        self.output_activation = output_activation
        self.noise_in = nn.Linear(latent_dim, hidden_dim)
        self.previous_in = nn.Linear(n_channels, hidden_dim, bias=False) if feed_previous else None
        self.activation = make_activation(activation)
        if feed_previous:
            self.cells = nn.ModuleList(nn.LSTMCell(hidden_dim, hidden_dim)
                                       for _ in range(num_layers))
        else:
            self.rnn = nn.LSTM(hidden_dim, hidden_dim, num_layers, batch_first=True)
        self.out = nn.Linear(hidden_dim, n_channels)

    def forward(self, z: torch.Tensor, first: torch.Tensor) -> torch.Tensor:
        noise = self.noise_in(z)  # all steps at once: (batch, seq_len, hidden)
        if not self.feed_previous:
            return apply_output(self.out(self.rnn(self.activation(noise))[0]),
                                self.output_activation)
        batch, seq_len, hidden = noise.shape
        state = [(noise.new_zeros(batch, hidden), noise.new_zeros(batch, hidden))
                 for _ in self.cells]
        previous, outputs = first, []
        for t in range(seq_len):
            h = self.activation(noise[:, t] + self.previous_in(previous))
            for i, cell in enumerate(self.cells):
                state[i] = cell(h, state[i])
                h = state[i][0]
            previous = apply_output(self.out(h), self.output_activation)
            outputs.append(previous)
        return torch.stack(outputs, dim=1)


class CRNNDiscriminator(nn.Module):
    """Sequences (batch, seq_len, n_channels) -> per-step logits (batch, seq_len), and the
    bidirectional LSTM's outputs (batch, seq_len, 2 * hidden_dim) used for feature matching."""

    def __init__(self, n_channels: int, hidden_dim: int, num_layers: int, dropout: float) -> None:
        super().__init__()
        self.rnn = RNNStack(n_channels, hidden_dim, num_layers, cell="lstm", bidirectional=True,
                            dropout=dropout)
        self.out = nn.Linear(self.rnn.output_dim, 1)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.rnn(x, lengths)
        return self.out(features).squeeze(-1), features


class CRNNGAN(GANEstimator):
    """C-RNN-GAN: continuous recurrent GAN (Mogren, 2016).

    Parameters
    ----------
    seq_len : int or None
        Training length (None: the longest training sequence).
    hidden_dim : int
        LSTM units per layer in both networks.
    num_layers : int
        LSTM layers in both networks.
    latent_dim : int or None
        Noise dimensions per step (None: the number of data channels, as the reference code).
        Noise is uniform on [0, 1).
    feed_previous : bool
        Feed the generator's previous output back as input (the paper's design).
    activation : str
        Activation of the generator's input layer (relu in the reference code); one of
        ``seqgan.nn.ACTIVATIONS``.
    output_activation : {"auto", "sigmoid", "linear"}
        The generator's output: "auto" (default) follows ``scaling`` (a sigmoid for "minmax",
        whose range [0, 1] is the scaled data's; linear, as the reference code, otherwise).
        Model files saved before this option existed load with the linear output they were
        trained with.
    loss : str or Objective
        Adversarial objective; "non-saturating" is the paper's (see
        ``seqgan.losses.available_losses()``).
    regularizers, spectral_norm, augment, optimizer_g, optimizer_d, optimizer_kwargs, \
lr_schedule, balance, ema, diagnostics_every
        Training options shared by every model; see ``docs/training.md`` ("Losses,
        regularizers and update rules"). The paper's optimizer is Adam (betas 0.5, 0.999).
    generator_update : seqgan.ais.AISUpdate or None
        Importance-weighted generator updates with an adaptive latent proposal (the AIS/DRE
        update); see ``docs/ais.md``. None: plain updates.
    feature_matching : bool
        Generator matches the mean of the discriminator's LSTM features on real data instead of
        the adversarial loss (Salimans et al. 2016; an option of the paper).
    dropout : float
        Dropout between the discriminator's LSTM layers.
    n_iter : int
        Training iterations (each: ``d_steps`` discriminator and ``g_steps`` generator steps).
    batch_size : int
    lr_g, lr_d : float
        Learning rates of generator and discriminator (different rates: TTUR).
    d_steps, g_steps : int
        Steps per iteration.
    clip_grad_norm : float or None
        Gradient-norm clipping of every step (the reference code clips at 5).
    scaling : {"minmax", "standard"} or None
        Per-feature scaling of the data.
    device : str
        "auto" (CUDA when available), "cpu" or "cuda".
    random_state : int or None
        Seed of weights, batches and noise: same seed, same model (on the same machine).
    verbose : bool
        Show progress bars.
    privacy : dict or None
        Differential privacy, e.g. ``{"epsilon": 3.0, "delta": 1e-5}``: DP-SGD (Opacus) on the
        discriminator, the one network that sees real data; the generator only sees the
        discriminator and inherits the guarantee. ``feature_matching`` is refused. Keys and
        rules: ``docs/privacy.md``. None: no DP.

    Attributes
    ----------
    module_ : nn.ModuleDict with "generator" and "discriminator"
    history_ : DataFrame
        One row per iteration: ``discriminator/loss``, ``generator/loss``.

    Examples
    --------
    >>> from seqgan import CRNNGAN
    >>> from seqgan.datasets import load_dataset
    >>> X = load_dataset("sines", n_samples=64, seq_len=8, n_features=2, random_state=0)
    >>> model = CRNNGAN(hidden_dim=8, n_iter=5, random_state=0, verbose=False).fit(X)
    >>> model.sample(3, random_state=0).shape
    (3, 8, 2)
    """

    _paper_optimizer_kwargs: ClassVar[dict[str, dict[str, Any]]] = {
        "adam": {"betas": (0.5, 0.999)}}
    _param_rules: ClassVar[dict[str, list]] = {
        "hidden_dim": [Interval(int, 1, None)],
        "num_layers": [Interval(int, 1, None)],
        "latent_dim": [Interval(int, 1, None), NONE],
        "feed_previous": [BOOL],
        "activation": [Options(ACTIVATIONS)],
        "feature_matching": [BOOL],
        "output_activation": [Options(("auto", *ACTIVATION_RANGE))],
        "dropout": [Interval(float, 0, 1, closed="left")],
        "clip_grad_norm": [Interval(float, 0, None, closed="neither"), NONE],
    }

    def __init__(
        self,
        *,
        seq_len: int | None = None,
        hidden_dim: int = 64,
        num_layers: int = 2,
        latent_dim: int | None = None,
        feed_previous: bool = True,
        activation: str = "relu",
        output_activation: str = "auto",
        loss: str | Objective = "non-saturating",
        regularizers: dict[str, float] | None = None,
        spectral_norm: bool = False,
        augment: Any = None,
        feature_matching: bool = False,
        dropout: float = 0.0,
        n_iter: int = 1000,
        batch_size: int = 64,
        lr_g: float = 1e-3,
        lr_d: float = 1e-3,
        d_steps: int = 1,
        g_steps: int = 1,
        clip_grad_norm: float | None = 5.0,
        optimizer_g: str = "adam",
        optimizer_d: str = "adam",
        optimizer_kwargs: dict[str, Any] | None = None,
        lr_schedule: str | None = None,
        balance: bool | dict[str, Any] = False,
        ema: float | None = None,
        diagnostics_every: int | None = 50,
        generator_update: AISUpdate | None = None,
        scaling: str | None = "minmax",
        device: str = "auto",
        random_state: int | None = None,
        verbose: bool = True,
        privacy: dict[str, Any] | None = None,
    ) -> None:
        self.seq_len = seq_len
        self.hidden_dim = hidden_dim
        self.num_layers = num_layers
        self.latent_dim = latent_dim
        self.feed_previous = feed_previous
        self.activation = activation
        self.output_activation = output_activation
        self.loss = loss
        self.regularizers = regularizers
        self.spectral_norm = spectral_norm
        self.augment = augment
        self.feature_matching = feature_matching
        self.dropout = dropout
        self.n_iter = n_iter
        self.batch_size = batch_size
        self.lr_g = lr_g
        self.lr_d = lr_d
        self.d_steps = d_steps
        self.g_steps = g_steps
        self.clip_grad_norm = clip_grad_norm
        self.optimizer_g = optimizer_g
        self.optimizer_d = optimizer_d
        self.optimizer_kwargs = optimizer_kwargs
        self.lr_schedule = lr_schedule
        self.balance = balance
        self.ema = ema
        self.diagnostics_every = diagnostics_every
        self.generator_update = generator_update
        self.scaling = scaling
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.privacy = privacy

    @classmethod
    def get_test_params(cls) -> dict[str, Any]:
        return {**super().get_test_params(), "hidden_dim": 4, "num_layers": 1, "n_iter": 3,
                "batch_size": 8}

    def _latent_dim(self, spec: DataSpec) -> int:
        return self.latent_dim or spec.n_channels

    def _validate_params(self) -> None:
        super()._validate_params()
        resolve_output_activation("CRNNGAN", self.output_activation, self.scaling)

    @classmethod
    def _from_file_state(cls, params, state, weights, device):
        # files written before `output_activation` existed hold a linear generator output
        return super()._from_file_state({"output_activation": "linear", **params}, state,
                                        weights, device)

    def _build_module(self, spec: DataSpec) -> nn.ModuleDict:
        output = (output_activation_for(self.scaling) if self.output_activation == "auto"
                  else self.output_activation)
        return nn.ModuleDict({
            "generator": CRNNGenerator(spec.n_channels, self._latent_dim(spec), self.hidden_dim,
                                       self.num_layers, self.activation, self.feed_previous,
                                       output),
            "discriminator": CRNNDiscriminator(spec.n_channels, self.hidden_dim, self.num_layers,
                                               self.dropout),
        })

    def _draw_latent(self, spec, n, seq_len, generator=None, device="cpu"):
        """Uniform noise per step (n, seq_len, latent_dim) and the first "previous output"
        (n, n_channels), drawn like the noise as in the reference code."""
        z = torch.rand(n, seq_len, self._latent_dim(spec), generator=generator,
                       device=device)
        first = torch.rand(n, spec.n_channels, generator=generator, device=device)
        return z, first

    def _latent_kinds(self, spec):
        return ("uniform", "uniform")

    def _latent_logits(self, module, latent, condition, seq_len):
        return module["discriminator"](module["generator"](*latent))[0]

    # the default two-player recipe, with the discriminator's LSTM features for matching
    def _critic(self, module, batch):
        lengths = None if batch.fixed_length else batch.lengths
        return lambda x: module["discriminator"](x, lengths)

    def _privacy_refusals(self) -> list[str]:
        reasons = super()._privacy_refusals()
        if self.feature_matching:
            reasons.append("`feature_matching` makes the generator match the mean features of "
                           "real batches (a batch statistic outside the noised steps); set "
                           "feature_matching=False")
        if self._adversary().relativistic:
            reasons.append("a relativistic loss trains the generator on real logits, so it "
                           "would need DP-SGD too, and its hand-stepped LSTM cells have no "
                           "per-sample gradients in Opacus; use a non-relativistic loss "
                           "(the default 'non-saturating', 'hinge', ...)")
        return reasons

    def _generator_needs_real(self) -> bool:
        return self.feature_matching

    def _generator_terms(self, module, out, batch, fake_out, real_out, weights, adversary):
        """Feature matching: the generator matches the mean of the discriminator's features on
        real data (the adversarial loss is recorded, not minimised)."""
        if not self.feature_matching:
            return out
        (_, fake_features), (_, real_features) = fake_out, real_out
        step_weights = batch.mask.unsqueeze(-1) / batch.mask.sum()
        fake_weights = step_weights if weights is None else (
            step_weights * weights[:, None, None] / weights.mean())
        matching = ((real_features * step_weights).sum((0, 1))
                    - (fake_features * fake_weights).sum((0, 1))).pow(2).sum()
        return {"loss": matching, "adversarial": out["loss"].detach()}

    def _generate(self, module, latent, condition, seq_len):
        return module["generator"](*latent)
