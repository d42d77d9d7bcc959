"""RCGAN (Esteban, Hyland, Rätsch 2017): recurrent conditional GAN for real-valued (medical)
time series. An LSTM generator and an LSTM discriminator that scores every step, both seeing
the condition at every step."""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn

from seqgan._validation import BOOL, Interval, Options
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
from seqgan.models._terms import extra_fake_loss
from seqgan.nn import RNNStack, repeat_over_steps


class RCGANGenerator(nn.Module):
    """(noise (batch, T, latent_dim), condition (batch, c) or None) -> (batch, T, n_channels),
    an LSTM stack with a linear layer and ``activation`` at every step (the reference code's
    tanh fits data in [-1, 1]; seqgan's min-max scaling maps to [0, 1], hence a sigmoid)."""

    def __init__(self, latent_dim: int, condition_dim: int, hidden_dim: int, num_layers: int,
                 n_channels: int, activation: str = "sigmoid") -> None:
        super().__init__()
        self.rnn = RNNStack(latent_dim + condition_dim, hidden_dim, num_layers, cell="lstm")
        self.out = nn.Linear(hidden_dim, n_channels)
        self.activation = activation

    def forward(self, z: torch.Tensor, condition: torch.Tensor | None = None) -> torch.Tensor:
        return apply_output(self.out(self.rnn(repeat_over_steps(z, condition))), self.activation)


class RCGANDiscriminator(nn.Module):
    """(x (batch, T, n_channels), condition) -> per-step logits (batch, T): a unidirectional
    LSTM stack with a linear output at every step."""

    def __init__(self, n_channels: int, condition_dim: int, hidden_dim: int,
                 num_layers: int) -> None:
        super().__init__()
        self.rnn = RNNStack(n_channels + condition_dim, hidden_dim, num_layers, cell="lstm")
        self.out = nn.Linear(hidden_dim, 1)

    def forward(self, x: torch.Tensor, condition: torch.Tensor | None = None,
                lengths: torch.Tensor | None = None) -> torch.Tensor:
        return self.out(self.rnn(repeat_over_steps(x, condition), lengths)).squeeze(-1)


class RCGAN(GANEstimator):
    """RCGAN: recurrent conditional GAN (Esteban, Hyland & Rätsch, 2017).

    Conditional when ``fit`` gets a ``condition`` (class labels, one-hot encoded, or continuous
    vectors); unconditional otherwise (the paper's RGAN). Defaults follow the reference code
    (ratschlab/RGAN): one LSTM layer of 100 units in each network, Gaussian noise with 5
    dimensions per step, 5 discriminator steps per generator step, the
    discriminator trained by plain SGD (learning rate 0.1) and the generator by Adam (0.001),
    batch size 28. The discriminator scores every step; losses average over valid steps.

    Parameters
    ----------
    seq_len : int or None
    hidden_dim, num_layers : int
        LSTM size of both networks (100, 1).
    latent_dim : int
        Noise dimensions per step (5); noise is standard normal.
    loss : str or Objective
        Adversarial objective ("non-saturating" is the reference's).
    regularizers, spectral_norm, augment, optimizer_kwargs, lr_schedule, balance, ema, \
diagnostics_every
        Training options shared by every model; see ``docs/training.md``.
    generator_update : seqgan.ais.AISUpdate or None
        Importance-weighted generator updates with an adaptive latent proposal (the AIS/DRE
        update); see ``docs/ais.md``. None: plain updates.
    output_activation : {"auto", "sigmoid", "linear"}
        The generator's output: "auto" (default) follows ``scaling`` (a sigmoid for "minmax",
        whose range [0, 1] is the scaled data's; linear otherwise). The reference code's tanh
        ([-1, 1]) would put half of the outputs outside min-max-scaled data; model files saved
        before this option existed load with the tanh they were trained with.
    wrong_labels : bool
        Also train the discriminator to call real data with a wrong class fake (the
        reference's ``wrong_labels`` option; categorical conditions only).
    n_iter : int
        Iterations of ``d_steps`` discriminator and ``g_steps`` generator steps.
    batch_size : int
    lr_g, lr_d : float
    optimizer_g, optimizer_d : {"adam", "adamw", "rmsprop", "sgd"}
    d_steps, g_steps : int
    scaling, device, random_state, verbose
        As every model.
    privacy : dict or None
        Differential privacy, e.g. ``{"epsilon": 3.0, "delta": 1e-5}``: DP-SGD (Opacus) on the
        discriminator; the generator inherits the guarantee. Unconditional only (a condition
        is refused). See ``docs/privacy.md``. None: no DP.

    Examples
    --------
    >>> import numpy as np
    >>> from seqgan import RCGAN
    >>> X = np.random.default_rng(0).normal(size=(40, 6, 2))
    >>> y = np.repeat([0, 1], 20)
    >>> m = RCGAN(hidden_dim=8, n_iter=3, random_state=0, verbose=False).fit(X, condition=y)
    >>> m.sample(4, condition=[1, 1, 0, 0], random_state=0).shape
    (4, 6, 2)
    """

    supports_condition = True
    _param_rules: ClassVar[dict[str, list]] = {
        "hidden_dim": [Interval(int, 1, None)],
        "num_layers": [Interval(int, 1, None)],
        "latent_dim": [Interval(int, 1, None)],
        "wrong_labels": [BOOL],
        "output_activation": [Options(("auto", *ACTIVATION_RANGE))],
    }

    def __init__(
        self,
        *,
        seq_len: int | None = None,
        hidden_dim: int = 100,
        num_layers: int = 1,
        latent_dim: int = 5,
        loss: str | Objective = "non-saturating",
        regularizers: dict[str, float] | None = None,
        spectral_norm: bool = False,
        augment: Any = None,
        wrong_labels: bool = False,
        output_activation: str = "auto",
        n_iter: int = 1000,
        batch_size: int = 28,
        lr_g: float = 1e-3,
        lr_d: float = 0.1,
        optimizer_g: str = "adam",
        optimizer_d: str = "sgd",
        d_steps: int = 5,
        g_steps: int = 1,
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
        self.loss = loss
        self.regularizers = regularizers
        self.spectral_norm = spectral_norm
        self.augment = augment
        self.wrong_labels = wrong_labels
        self.output_activation = output_activation
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
                "batch_size": 8, "latent_dim": 3}

    def _validate_params(self) -> None:
        super()._validate_params()
        resolve_output_activation("RCGAN", self.output_activation, self.scaling)

    @classmethod
    def _from_file_state(cls, params, state, weights, device):
        # files written before `output_activation` existed hold a tanh generator
        return super()._from_file_state({"output_activation": "tanh", **params}, state,
                                        weights, device)

    def _build_module(self, spec: DataSpec) -> nn.ModuleDict:
        activation = (output_activation_for(self.scaling) if self.output_activation == "auto"
                      else self.output_activation)
        return nn.ModuleDict({
            "generator": RCGANGenerator(self.latent_dim, spec.condition_dim, self.hidden_dim,
                                        self.num_layers, spec.n_channels, activation),
            "discriminator": RCGANDiscriminator(spec.n_channels, spec.condition_dim,
                                                self.hidden_dim, self.num_layers),
        })

    def _draw_latent(self, spec, n, seq_len, generator=None, device="cpu"):
        return (torch.randn(n, seq_len, self.latent_dim, generator=generator, device=device),)

    def _generate(self, module, latent, condition, seq_len):
        return module["generator"](latent[0], condition)

    def _latent_kinds(self, spec):
        return ("normal",)

    def _latent_logits(self, module, latent, condition, seq_len):
        return module["discriminator"](module["generator"](latent[0], condition), condition)

    # the default two-player recipe; the reference's wrong-label term in the critic's loss
    def _critic(self, module, batch):
        lengths = None if batch.fixed_length else batch.lengths
        return lambda x: module["discriminator"](x, batch.condition, lengths)

    def _discriminator_terms(self, module, out, batch, critic, real_in, real_out, adversary):
        if not self.wrong_labels or batch.condition is None:
            return out
        lengths, mask = (None, None) if batch.fixed_length else (batch.lengths, batch.mask)
        wrong_logits = module["discriminator"](real_in, _wrong_condition(batch.condition),
                                               lengths)
        term = extra_fake_loss(adversary.objective, real_out, wrong_logits, mask)
        out["loss"] = out["loss"] + term
        out["wrong_labels"] = term.detach()
        return out


def _wrong_condition(condition: torch.Tensor) -> torch.Tensor:
    """One-hot conditions moved to a different class (a random nonzero offset), as the
    reference; continuous conditions are reversed in the batch."""
    is_one_hot = bool(((condition == 0) | (condition == 1)).all() and
                      (condition.sum(-1) == 1).all())
    if not is_one_hot or condition.shape[1] < 2:
        return condition.flip(0)
    k = condition.shape[1]
    offset = torch.randint(1, k, (condition.shape[0],), device=condition.device)
    return nn.functional.one_hot((condition.argmax(-1) + offset) % k, k).to(condition.dtype)
