"""DCGAN (Radford, Metz, Chintala 2016) and the conditional GAN (Mirza & Osindero 2014) for
images, trained by the same Trainer and objectives as the sequence models."""

from __future__ import annotations

from typing import Any, ClassVar

from torch import nn

from seqgan._validation import Interval, Options
from seqgan.ais import AISUpdate
from seqgan.losses import Objective
from seqgan.models._base import DataSpec
from seqgan.models._image_base import ImageGANEstimator
from seqgan.nn import ACTIVATIONS
from seqgan.nn._conv import ConvDiscriminator, ConvGenerator


class DCGAN(ImageGANEstimator):
    """DCGAN: transposed-convolution generator against a strided-convolution discriminator.

    The generator maps z (latent_dim) through a dense layer to ``base_channels * 2^(k-1)``
    maps of the image size / 2^k, then k transposed convolutions (kernel 4, stride 2) with
    batch norm and ``activation``, tanh output (28 x 28: 7 -> 14 -> 28). The discriminator
    mirrors it with strided convolutions and LeakyReLU (0.2); its normalisation follows the
    objective (``d_norm="auto"``: batch norm, layer norm under gradient penalties such as
    WGAN-GP, none with spectral norm). Images are scaled per channel to [-1, 1].

    WGAN-GP, hinge + spectral norm, least squares, relativistic + R1/R2 ... are the same model
    with another ``loss``/``regularizers`` (``docs/losses.md``); e.g. the WGAN-GP paper's setup
    is ``DCGAN(loss="wgan-gp", d_steps=5, lr_g=1e-4, lr_d=1e-4,
    optimizer_kwargs={"betas": (0.0, 0.9)})``.

    Parameters
    ----------
    image_size : int or None
        Expected height and width (checked against the data); None: the data's size (images
        need not be square).
    latent_dim : int
        Size of z (the thesis compares 2, 3 and 4 on MNIST; DCGAN used 100).
    prior : {"normal", "uniform"}
        Distribution of z: standard normal, or uniform on [-1, 1] (the DCGAN paper).
    base_channels : int
        Channels of the widest-resolution hidden layer (64 in DCGAN); each halving of the size
        doubles them.
    activation : str
        Hidden activation of the generator (ReLU in DCGAN; one of ``seqgan.nn.ACTIVATIONS``).
    d_activation : str
        Hidden activation of the discriminator (LeakyReLU 0.2 in DCGAN).
    d_norm : {"auto", "batch", "layer", "none"}
        Normalisation of the discriminator's hidden layers.
    loss, regularizers, spectral_norm, optimizer_g, optimizer_d, optimizer_kwargs, \
lr_schedule, balance, ema, diagnostics_every, generator_update
        Training options shared by every model (``docs/training.md``, ``docs/ais.md``). The
        paper's optimizer is Adam, learning rate 2e-4, betas (0.5, 0.999).
    n_iter, batch_size, lr_g, lr_d, d_steps, g_steps
        Iterations (each ``d_steps`` discriminator and ``g_steps`` generator steps), images
        per batch (128 in DCGAN), learning rates.
    scaling : "minmax" or None
        Per-channel scaling of the pixels to [-1, 1]; None when they already are.
    device, random_state, verbose
        As every model.

    Attributes
    ----------
    module_ : nn.ModuleDict with "generator" (``ConvGenerator``) and "discriminator"
    history_ : DataFrame, one row per iteration
    image_shape_ : (channels, height, width)

    Examples
    --------
    >>> from seqgan import DCGAN
    >>> from seqgan.datasets import load_dataset
    >>> X = load_dataset("digits")[:64]                      # (64, 1, 8, 8) in [-1, 1]
    >>> g = DCGAN(latent_dim=2, base_channels=8, n_iter=3, random_state=0, verbose=False)
    >>> g.fit(X).sample(5, random_state=0).shape
    (5, 1, 8, 8)
    """

    _paper_optimizer_kwargs: ClassVar[dict[str, dict[str, Any]]] = {
        "adam": {"betas": (0.5, 0.999)}}
    _param_rules: ClassVar[dict[str, list]] = {
        "base_channels": [Interval(int, 1, None)],
        "activation": [Options(ACTIVATIONS)],
        "d_activation": [Options(ACTIVATIONS)],
    }

    def __init__(
        self,
        *,
        image_size: int | None = None,
        latent_dim: int = 100,
        prior: str = "normal",
        base_channels: int = 64,
        activation: str = "relu",
        d_activation: str = "leaky_relu",
        d_norm: str = "auto",
        loss: str | Objective = "non-saturating",
        regularizers: dict[str, float] | None = None,
        spectral_norm: bool = False,
        n_iter: int = 2000,
        batch_size: int = 128,
        lr_g: float = 2e-4,
        lr_d: float = 2e-4,
        d_steps: int = 1,
        g_steps: int = 1,
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
        self.n_iter = n_iter
        self.batch_size = batch_size
        self.lr_g = lr_g
        self.lr_d = lr_d
        self.d_steps = d_steps
        self.g_steps = g_steps
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
        return nn.ModuleDict({
            "generator": ConvGenerator(self.latent_dim, spec.n_channels, spec.height,
                                       spec.width, base_channels=self.base_channels,
                                       activation=self.activation,
                                       condition_dim=spec.condition_dim),
            "discriminator": ConvDiscriminator(spec.n_channels, spec.height, spec.width,
                                               base_channels=self.base_channels,
                                               activation=self.d_activation,
                                               norm=self._d_norm(),
                                               condition_dim=spec.condition_dim),
        })


class CGAN(DCGAN):
    """Conditional GAN for images: DCGAN networks with the label (or condition vector) in both.

    The generator concatenates a learned embedding of the one-hot label to z (Mirza &
    Osindero 2014); the discriminator adds a projection term ``<embed(c), features>`` to its
    logit (Miyato & Koyama 2018). ``fit(X, y)`` takes one label per image (or an (n, c) matrix
    of continuous conditions); ``sample(n, condition=labels)`` generates images of those
    classes. Parameters as :class:`DCGAN`.

    Examples
    --------
    >>> from seqgan import CGAN
    >>> from seqgan.datasets import load_dataset
    >>> X, y = load_dataset("digits", return_labels=True)
    >>> c = CGAN(latent_dim=3, base_channels=8, n_iter=3, random_state=0, verbose=False)
    >>> c.fit(X[:64], y[:64]).sample(4, condition=[7] * 4, random_state=0).shape
    (4, 1, 8, 8)
    """

    supports_condition: ClassVar[bool] = True
