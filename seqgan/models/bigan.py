"""BiGAN / ALI for sequences (Donahue, Krähenbühl, Darrell 2017; Dumoulin et al. 2017): a
generator G(z), an encoder E(x), and a discriminator on (x, z) pairs. Gives an inverse map
data -> latent, reconstructions and anomaly scores."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from seqgan._validation import Interval, Options
from seqgan.ais import AISUpdate
from seqgan.losses import Objective
from seqgan.models._adversarial import prior_latent
from seqgan.models._base import DataSpec
from seqgan.models._gan import GANEstimator
from seqgan.models._missing import observe_fakes, observe_real
from seqgan.models._output import output_activation_for
from seqgan.models._terms import with_encoder_term
from seqgan.nn import (
    ACTIVATIONS,
    CELLS,
    RNNStack,
    make_activation,
    masked_step_mean,
    repeat_over_steps,
)

PRIORS = ("uniform", "normal")


def _last_valid(outputs: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """The output at each sequence's last valid step: (batch, T, h) -> (batch, h)."""
    if lengths is None:
        return outputs[:, -1]
    index = (lengths - 1).clamp_min(0).view(-1, 1, 1).expand(-1, 1, outputs.shape[-1])
    return outputs.gather(1, index).squeeze(1)


class SequenceEncoderNet(nn.Module):
    """x (batch, T, n_channels) -> z (batch, latent_dim): an RNN read to the last valid step,
    then a linear layer (tanh for a uniform prior, so codes stay in its support)."""

    def __init__(self, n_channels: int, hidden_dim: int, num_layers: int, cell: str,
                 latent_dim: int, bounded: bool) -> None:
        super().__init__()
        self.rnn = RNNStack(n_channels, hidden_dim, num_layers, cell=cell)
        self.out = nn.Linear(hidden_dim, latent_dim)
        self.bounded = bounded

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        z = self.out(_last_valid(self.rnn(x, lengths), lengths))
        return torch.tanh(z) if self.bounded else z


class SequenceGeneratorNet(nn.Module):
    """z (batch, latent_dim) -> x (batch, T, n_channels): z sets the RNN's initial state and is
    its input at every step, so any length T can be generated."""

    def __init__(self, latent_dim: int, hidden_dim: int, num_layers: int, cell: str,
                 n_channels: int, sigmoid: bool) -> None:
        super().__init__()
        self.cell, self.num_layers, self.hidden_dim = cell, num_layers, hidden_dim
        self.init = nn.Linear(latent_dim, hidden_dim * num_layers)
        rnn_cls = nn.GRU if cell == "gru" else nn.LSTM
        self.rnn = rnn_cls(latent_dim, hidden_dim, num_layers, batch_first=True)
        self.out = nn.Linear(hidden_dim, n_channels)
        self.sigmoid = sigmoid

    def forward(self, z: torch.Tensor, seq_len: int) -> torch.Tensor:
        h0 = torch.tanh(self.init(z)).view(z.shape[0], self.num_layers, self.hidden_dim)
        h0 = h0.transpose(0, 1).contiguous()
        state = h0 if self.cell == "gru" else (h0, torch.zeros_like(h0))
        y = self.out(self.rnn(z.unsqueeze(1).expand(-1, seq_len, -1), state)[0])
        return torch.sigmoid(y) if self.sigmoid else y


class JointDiscriminator(nn.Module):
    """(x (batch, T, n_channels), z (batch, latent_dim)) -> one logit per pair (batch,).

    z joins x at every step of an RNN, and again with the RNN's last valid output in a dense
    head with one hidden layer (``activation``)."""

    def __init__(self, n_channels: int, latent_dim: int, hidden_dim: int, num_layers: int,
                 cell: str, activation: str) -> None:
        super().__init__()
        self.rnn = RNNStack(n_channels + latent_dim, hidden_dim, num_layers, cell=cell)
        self.head = nn.Sequential(nn.Linear(hidden_dim + latent_dim, hidden_dim),
                                  make_activation(activation), nn.Linear(hidden_dim, 1))

    def forward(self, x: torch.Tensor, z: torch.Tensor,
                lengths: torch.Tensor | None = None) -> torch.Tensor:
        steps = repeat_over_steps(x, z)
        h = _last_valid(self.rnn(steps, lengths), lengths)
        return self.head(torch.cat([h, z], dim=-1)).squeeze(-1)


def _lengths(batch: Any) -> torch.Tensor | None:
    return None if batch.fixed_length else batch.lengths


class BiGAN(GANEstimator):
    """BiGAN (ALI) for sequences: generator, encoder and a joint discriminator on (x, z).

    The discriminator tells real pairs (x, E(x)) from generated pairs (G(z), z); generator and
    encoder are trained together to fool it: with the non-saturating objective their loss is
    ``softplus(-d(G(z), z)) + softplus(d(x, E(x)))`` (labels flipped, as the BiGAN code). At
    the optimum E inverts G. Relativistic objectives use their single paired term.

    Latents come from ``prior`` ("uniform" on [-1, 1]^latent_dim as the BiGAN code, or
    "normal" as ALI); with the uniform prior the encoder ends in tanh. Optimisation follows
    the BiGAN code: Adam, learning rate 2e-4, beta1 0.5.

    Parameters
    ----------
    seq_len : int or None
    latent_dim : int
        Size of the latent vector of a whole sequence.
    hidden_dim, num_layers, cell
        Recurrent size of all three networks.
    activation : str
        Hidden activation of the discriminator's dense head.
    prior : {"uniform", "normal"}
    loss : str or Objective
    regularizers, spectral_norm, augment, optimizer_g, optimizer_d, optimizer_kwargs, \
lr_schedule, balance, ema, diagnostics_every
        Training options shared by every model; see ``docs/training.md``. Penalties take the
        gradient with respect to both parts of the pair (x, z); augmentation changes x only;
        ``ema`` averages the generator for :meth:`sample` (encode and reconstruct use the
        trained networks).
    generator_update : seqgan.ais.AISUpdate or None
        Importance-weighted generator updates with an adaptive latent proposal (the AIS/DRE
        update); see ``docs/ais.md``. None: plain updates.
    cycle_weight : float
        Weight of an explicit reconstruction term ``mean |x - G(E(x))|`` in the
        generator/encoder loss (ALICE's cycle consistency, Li et al. 2017). 0 (default) is the
        pure BiGAN, whose encoder inverts the generator only slowly; a positive weight gives
        usable reconstructions and anomaly scores much sooner.
    anomaly_alpha : float
        Weight of the reconstruction error in :meth:`anomaly_score` (0.9, Zenati et al. 2018).
    n_iter, batch_size, lr_g, lr_d, d_steps
        Iterations, batch size, learning rates of generator/encoder and discriminator,
        discriminator steps per generator/encoder step.
    scaling, device, random_state, verbose
        As every model.
    privacy : dict or None
        Differential privacy, e.g. ``{"epsilon": 3.0, "delta": 1e-5}``: DP-SGD (Opacus) on the
        discriminator and on the generator-encoder update (the encoder sees real data and
        the cycle loss runs the generator on its codes). See ``docs/privacy.md``. None: no
        DP.

    Examples
    --------
    >>> from seqgan import BiGAN
    >>> from seqgan.datasets import load_dataset
    >>> X = load_dataset("sines", n_samples=32, seq_len=6, n_features=2, random_state=0)
    >>> b = BiGAN(latent_dim=3, hidden_dim=8, n_iter=2, random_state=0, verbose=False).fit(X)
    >>> b.encode(X).shape, b.reconstruct(X).shape, b.anomaly_score(X).shape
    ((32, 3), (32, 6, 2), (32,))
    """

    _param_rules: ClassVar[dict[str, list]] = {
        "latent_dim": [Interval(int, 1, None)],
        "hidden_dim": [Interval(int, 1, None)],
        "num_layers": [Interval(int, 1, None)],
        "cell": [Options(CELLS)],
        "activation": [Options(ACTIVATIONS)],
        "prior": [Options(PRIORS)],
        "cycle_weight": [Interval(float, 0, None)],
        "anomaly_alpha": [Interval(float, 0, 1)],
    }
    _paper_optimizer_kwargs: ClassVar[dict[str, dict[str, Any]]] = {
        "adam": {"betas": (0.5, 0.999)}}

    def __init__(
        self,
        *,
        seq_len: int | None = None,
        latent_dim: int = 16,
        hidden_dim: int = 64,
        num_layers: int = 1,
        cell: str = "gru",
        activation: str = "leaky_relu",
        prior: str = "uniform",
        loss: str | Objective = "non-saturating",
        regularizers: dict[str, float] | None = None,
        spectral_norm: bool = False,
        augment: Any = None,
        cycle_weight: float = 0.0,
        anomaly_alpha: float = 0.9,
        n_iter: int = 1000,
        batch_size: int = 64,
        lr_g: float = 2e-4,
        lr_d: float = 2e-4,
        d_steps: int = 1,
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
        self.latent_dim = latent_dim
        self.hidden_dim = hidden_dim
        self.num_layers = num_layers
        self.cell = cell
        self.activation = activation
        self.prior = prior
        self.loss = loss
        self.regularizers = regularizers
        self.spectral_norm = spectral_norm
        self.augment = augment
        self.cycle_weight = cycle_weight
        self.anomaly_alpha = anomaly_alpha
        self.n_iter = n_iter
        self.batch_size = batch_size
        self.lr_g = lr_g
        self.lr_d = lr_d
        self.d_steps = d_steps
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
                "batch_size": 8, "latent_dim": 3}

    def _build_module(self, spec: DataSpec) -> nn.ModuleDict:
        h, layers, cell, k = self.hidden_dim, self.num_layers, self.cell, self.latent_dim
        sigmoid = output_activation_for(self.scaling) == "sigmoid"  # the scaled data's range
        return nn.ModuleDict({
            "generator": SequenceGeneratorNet(k, h, layers, cell, spec.n_channels, sigmoid),
            "encoder": SequenceEncoderNet(spec.n_channels, h, layers, cell, k,
                                          bounded=self.prior == "uniform"),
            "discriminator": JointDiscriminator(spec.n_channels, k, h, layers, cell,
                                                self.activation),
        })

    def _build_optimizers(self, module: nn.Module) -> dict[str, torch.optim.Optimizer]:
        gen_enc = [*module["generator"].parameters(), *module["encoder"].parameters()]
        return {"generator": self._optimizer("g", gen_enc, self.lr_g),
                "discriminator": self._optimizer("d", module["discriminator"].parameters(),
                                                 self.lr_d)}

    def _private_networks(self) -> tuple[str, ...]:
        """All three: the encoder sees real data, and the generator learns from its codes
        (cycle loss) and from the discriminator's pairs."""
        return ("discriminator", "generator", "encoder")

    def _draw_latent(self, spec, n, seq_len, generator=None, device="cpu"):
        return (prior_latent(self.prior, n, self.latent_dim, generator, device),)

    def _generate(self, module, latent, condition, seq_len):
        return module["generator"](latent[0], seq_len)

    def _latent_kinds(self, spec):
        return ("symmetric",) if self.prior == "uniform" else ("normal",)

    def _latent_logits(self, module, latent, condition, seq_len):
        z = latent[0]
        return module["discriminator"](module["generator"](z, seq_len), z)

    # the default two-player recipe on pairs: real (x, E(x)) against generated (G(z), z)
    _generator_real_pass = "always"  # the encoder learns through the real pair

    def _fake_inputs(self, module, batch, latent):
        z = latent[0]
        fake = module["generator"](z, batch.real.shape[1])
        fake = fake if batch.fixed_length else fake * batch.mask.unsqueeze(-1)
        step_mask = None if batch.fixed_length else batch.mask
        return observe_fakes(fake, batch.real, getattr(self, "_missing", ()), step_mask), z

    def _real_inputs(self, module, batch):
        real = observe_real(batch.real, getattr(self, "_missing", ()),
                            None if batch.fixed_length else batch.mask)
        return real, module["encoder"](real, _lengths(batch))

    def _critic(self, module, batch):
        lengths = _lengths(batch)
        return lambda x, z: module["discriminator"](x, z, lengths)

    def _pair_logits(self, module, critic, real_in, fake_in, batch):
        """Logits of real pairs (x, E(x)) and generated pairs (G(z), z), in one pass."""
        lengths = _lengths(batch)
        both = None if lengths is None else lengths.repeat(2)
        (real_x, codes), (fake, z) = real_in, fake_in
        return module["discriminator"](torch.cat([real_x, fake]), torch.cat([codes, z]),
                                       both).split(batch.size)

    def _generator_terms(self, module, out, batch, fake_out, real_out, weights, adversary):
        """The encoder's term (the objective with flipped labels) and the cycle loss."""
        out = with_encoder_term(out, fake_out, real_out, adversary)
        if self.cycle_weight:
            lengths = _lengths(batch)
            rec = module["generator"](module["encoder"](batch.real, lengths),
                                      batch.real.shape[1])
            cycle = masked_step_mean((batch.real - rec).abs(),
                                     None if batch.fixed_length else batch.mask)
            out["loss"] = out["loss"] + self.cycle_weight * cycle
            out["cycle"] = cycle.detach()
        return out

    # ------------------------------------------------------------------ inverse map
    def _scaled(self, X: Any, **kwargs: Any) -> tuple[torch.Tensor, torch.Tensor | None, Any]:
        self._check_fitted()
        data = self.encoder_.transform(X, **kwargs)
        x = torch.as_tensor(data.values, device=self.device_)
        lengths = torch.as_tensor(data.lengths, device=self.device_)
        return x, (None if not data.variable_length else lengths), data

    def encode(self, X: Any, **kwargs: Any) -> np.ndarray:
        """Latent codes E(x) of sequences X (any layout ``fit`` accepts): (n, latent_dim)."""
        x, lengths, _ = self._scaled(X, **kwargs)
        with torch.no_grad():
            return self.module_["encoder"](x, lengths).cpu().numpy()

    def reconstruct(self, X: Any, **kwargs: Any) -> Any:
        """G(E(x)) in the user's units and container, with the lengths of X."""
        x, lengths, data = self._scaled(X, **kwargs)
        with torch.no_grad():
            rec = self.module_["generator"](self.module_["encoder"](x, lengths), x.shape[1])
        values = rec.cpu().numpy() * data.mask()[..., None]
        return self.encoder_.inverse_transform(values, data.lengths)

    def anomaly_score(self, X: Any, **kwargs: Any) -> np.ndarray:
        """One score per sequence, higher = less typical (Zenati et al. 2018):
        ``alpha * mean |x - G(E(x))| + (1 - alpha) * softplus(-d(x, E(x)))``, the first term on
        scaled values over valid steps, the second the discriminator's cross-entropy of
        calling the real pair real."""
        x, lengths, data = self._scaled(X, **kwargs)
        mask = torch.as_tensor(data.mask(), dtype=x.dtype, device=x.device).unsqueeze(-1)
        with torch.no_grad():
            z = self.module_["encoder"](x, lengths)
            rec = self.module_["generator"](z, x.shape[1])
            l1 = ((x - rec).abs() * mask).sum((1, 2)) / (mask.sum((1, 2)) * x.shape[2])
            disc = F.softplus(-self.module_["discriminator"](x, z, lengths))
        alpha = self.anomaly_alpha
        return (alpha * l1 + (1 - alpha) * disc).cpu().numpy()
