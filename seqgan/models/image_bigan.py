"""BiGAN / ALI for images (Donahue, Krähenbühl, Darrell 2017; Dumoulin et al. 2017): a DCGAN
generator G(z), a convolutional encoder E(x) and a discriminator on (x, z) pairs."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from seqgan._validation import Interval, Options
from seqgan.ais import AISUpdate
from seqgan.losses import Objective
from seqgan.models._base import DataSpec
from seqgan.models._image_base import ImageGANEstimator
from seqgan.models._terms import with_encoder_term
from seqgan.nn import ACTIVATIONS, make_activation
from seqgan.nn._conv import ConvFeatures, ConvGenerator


class ConvEncoder(nn.Module):
    """images (batch, C, H, W) -> z (batch, latent_dim): strided convolutions and a linear
    layer (tanh for a bounded prior, so codes stay in its support)."""

    def __init__(self, in_channels: int, height: int, width: int, latent_dim: int, *,
                 base_channels: int, activation: str, bounded: bool) -> None:
        super().__init__()
        self.body = ConvFeatures(in_channels, height, width, base_channels=base_channels,
                                 activation=activation, norm="batch")
        self.out = nn.Linear(self.body.feature_dim, latent_dim)
        self.bounded = bounded

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.out(self.body(x))
        return torch.tanh(z) if self.bounded else z


class ConvJointDiscriminator(nn.Module):
    """(x (batch, C, H, W), z (batch, latent_dim)) -> one logit per pair (batch,): image
    features and a dense embedding of z, joined by a dense layer."""

    def __init__(self, in_channels: int, height: int, width: int, latent_dim: int, *,
                 base_channels: int, activation: str, norm: str, hidden: int = 256) -> None:
        super().__init__()
        self.image = ConvFeatures(in_channels, height, width, base_channels=base_channels,
                                  activation=activation, norm=norm)
        self.code = nn.Sequential(nn.Linear(latent_dim, hidden), make_activation(activation))
        self.joint = nn.Sequential(nn.Linear(self.image.feature_dim + hidden, hidden),
                                   make_activation(activation), nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return self.joint(torch.cat([self.image(x), self.code(z)], dim=1)).squeeze(-1)


class ImageBiGAN(ImageGANEstimator):
    """BiGAN (ALI) for images: generator, encoder and a joint discriminator on (x, z).

    As :class:`seqgan.BiGAN` (the sequence version) with DCGAN networks: the discriminator
    tells real pairs (x, E(x)) from generated pairs (G(z), z); generator and encoder are
    trained together to fool it (labels flipped, as the BiGAN code), so E learns to invert G.
    Gives :meth:`encode`, :meth:`reconstruct` and :meth:`anomaly_score`.

    Parameters
    ----------
    image_size, latent_dim, base_channels, activation, d_activation, d_norm
        As :class:`DCGAN`; ``d_activation`` is also the encoder's.
    prior : {"uniform", "normal"}
        z uniform on [-1, 1] (the BiGAN code; the encoder ends in tanh) or standard normal
        (ALI).
    cycle_weight : float
        Weight of an explicit reconstruction term ``mean |x - G(E(x))|`` (ALICE); 0 is the
        pure BiGAN.
    anomaly_alpha : float
        Weight of the reconstruction error in :meth:`anomaly_score`.
    loss, regularizers, spectral_norm, optimizer_g, optimizer_d, optimizer_kwargs, \
lr_schedule, balance, ema, diagnostics_every, generator_update, n_iter, batch_size, lr_g, \
lr_d, d_steps, scaling, device, random_state, verbose
        As :class:`DCGAN` (``lr_g`` is the rate of generator and encoder).

    Examples
    --------
    >>> from seqgan import ImageBiGAN
    >>> from seqgan.datasets import load_dataset
    >>> X = load_dataset("digits")[:64]
    >>> b = ImageBiGAN(latent_dim=4, base_channels=8, n_iter=2, random_state=0, verbose=False)
    >>> b = b.fit(X)
    >>> b.encode(X).shape, b.reconstruct(X).shape, b.anomaly_score(X).shape
    ((64, 4), (64, 1, 8, 8), (64,))
    """

    _paper_optimizer_kwargs: ClassVar[dict[str, dict[str, Any]]] = {
        "adam": {"betas": (0.5, 0.999)}}
    _param_rules: ClassVar[dict[str, list]] = {
        "base_channels": [Interval(int, 1, None)],
        "activation": [Options(ACTIVATIONS)],
        "d_activation": [Options(ACTIVATIONS)],
        "cycle_weight": [Interval(float, 0, None)],
        "anomaly_alpha": [Interval(float, 0, 1)],
    }

    def __init__(
        self,
        *,
        image_size: int | None = None,
        latent_dim: int = 50,
        prior: str = "uniform",
        base_channels: int = 64,
        activation: str = "relu",
        d_activation: str = "leaky_relu",
        d_norm: str = "auto",
        loss: str | Objective = "non-saturating",
        regularizers: dict[str, float] | None = None,
        spectral_norm: bool = False,
        cycle_weight: float = 0.0,
        anomaly_alpha: float = 0.9,
        n_iter: int = 2000,
        batch_size: int = 128,
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
    ) -> None:
        self.image_size = image_size
        self.latent_dim = latent_dim
        self.prior = prior
        self.base_channels = base_channels
        self.activation = activation
        self.d_activation = d_activation
        self.d_norm = d_norm
        self.loss = loss
        self.regularizers = regularizers
        self.spectral_norm = spectral_norm
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

    def _build_module(self, spec: DataSpec) -> nn.ModuleDict:
        shape = (spec.n_channels, spec.height, spec.width)
        return nn.ModuleDict({
            "generator": ConvGenerator(self.latent_dim, *shape,
                                       base_channels=self.base_channels,
                                       activation=self.activation),
            "encoder": ConvEncoder(*shape, self.latent_dim, base_channels=self.base_channels,
                                   activation=self.d_activation,
                                   bounded=self.prior == "uniform"),
            "discriminator": ConvJointDiscriminator(*shape, self.latent_dim,
                                                    base_channels=self.base_channels,
                                                    activation=self.d_activation,
                                                    norm=self._d_norm()),
        })

    def _build_optimizers(self, module: nn.Module) -> dict[str, torch.optim.Optimizer]:
        gen_enc = [*module["generator"].parameters(), *module["encoder"].parameters()]
        return {"generator": self._optimizer("g", gen_enc, self.lr_g),
                "discriminator": self._optimizer("d", module["discriminator"].parameters(),
                                                 self.lr_d)}

    def _generate(self, module, latent, condition, seq_len):
        return module["generator"](latent[0])

    def _latent_logits(self, module, latent, condition, seq_len):
        z = latent[0]
        return module["discriminator"](module["generator"](z), z)

    # the default two-player recipe on pairs: real (x, E(x)) against generated (G(z), z)
    _generator_real_pass = "always"  # the encoder learns through the real pair

    def _fake_inputs(self, module, batch, latent):
        return module["generator"](latent[0]), latent[0]

    def _real_inputs(self, module, batch):
        return batch.real, module["encoder"](batch.real)

    def _critic(self, module, batch):
        return module["discriminator"]

    def _generator_terms(self, module, out, batch, fake_out, real_out, weights, adversary):
        """The encoder's term (the objective with flipped labels) and the cycle loss."""
        out = with_encoder_term(out, fake_out, real_out, adversary)
        if self.cycle_weight:
            rec = module["generator"](module["encoder"](batch.real))
            cycle = (batch.real - rec).abs().mean()
            out["loss"] = out["loss"] + self.cycle_weight * cycle
            out["cycle"] = cycle.detach()
        return out

    # ------------------------------------------------------------------ inverse map
    def encode(self, X: Any) -> np.ndarray:
        """Latent codes E(x) of images X: (n, latent_dim)."""
        x = self._scaled_images(X)
        with torch.no_grad():
            return self.module_["encoder"](x).cpu().numpy()

    def reconstruct(self, X: Any) -> np.ndarray:
        """G(E(x)) in the training pixel range: (n, C, H, W)."""
        x = self._scaled_images(X)
        with torch.no_grad():
            rec = self.module_["generator"](self.module_["encoder"](x))
        return self.encoder_.inverse_transform(rec.cpu().numpy())

    def anomaly_score(self, X: Any) -> np.ndarray:
        """One score per image, higher = less typical (Zenati et al. 2018):
        ``alpha * mean |x - G(E(x))| + (1 - alpha) * softplus(-d(x, E(x)))`` on scaled
        pixels."""
        x = self._scaled_images(X)
        with torch.no_grad():
            z = self.module_["encoder"](x)
            l1 = (x - self.module_["generator"](z)).abs().flatten(1).mean(1)
            disc = F.softplus(-self.module_["discriminator"](x, z))
        alpha = self.anomaly_alpha
        return (alpha * l1 + (1 - alpha) * disc).cpu().numpy()
