"""RCGAN (Esteban, Hyland, Rätsch 2017): recurrent conditional GAN for real-valued (medical)
time series. An LSTM generator and an LSTM discriminator that scores every step, both seeing
the condition at every step."""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn

from seqgan._validation import BOOL, Interval, Options
from seqgan.losses import Objective, get_objective, masked_mean
from seqgan.models._base import DataSpec, GANEstimator
from seqgan.models._terms import extra_fake_loss
from seqgan.nn import RNNStack
from seqgan.training import Batch, Phase, Update

OPTIMIZERS = ("adam", "sgd")


def _with_condition(x: torch.Tensor, condition: torch.Tensor | None) -> torch.Tensor:
    """Concatenate a per-sequence condition (batch, c) to every step of x (batch, T, d)."""
    if condition is None:
        return x
    return torch.cat([x, condition.unsqueeze(1).expand(-1, x.shape[1], -1)], dim=-1)


class RCGANGenerator(nn.Module):
    """(noise (batch, T, latent_dim), condition (batch, c) or None) -> (batch, T, n_channels),
    an LSTM stack with a linear + tanh output at every step (as the reference code)."""

    def __init__(self, latent_dim: int, condition_dim: int, hidden_dim: int, num_layers: int,
                 n_channels: int) -> None:
        super().__init__()
        self.rnn = RNNStack(latent_dim + condition_dim, hidden_dim, num_layers, cell="lstm")
        self.out = nn.Linear(hidden_dim, n_channels)

    def forward(self, z: torch.Tensor, condition: torch.Tensor | None = None) -> torch.Tensor:
        return torch.tanh(self.out(self.rnn(_with_condition(z, condition))))


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
        return self.out(self.rnn(_with_condition(x, condition), lengths)).squeeze(-1)


class RCGAN(GANEstimator):
    """RCGAN: recurrent conditional GAN (Esteban, Hyland & Rätsch, 2017).

    Conditional when ``fit`` gets a ``condition`` (class labels, one-hot encoded, or continuous
    vectors); unconditional otherwise (the paper's RGAN). Defaults follow the reference code
    (ratschlab/RGAN): one LSTM layer of 100 units in each network, Gaussian noise with 5
    dimensions per step, tanh output, 5 discriminator steps per generator step, the
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
    wrong_labels : bool
        Also train the discriminator to call real data with a wrong class fake (the
        reference's ``wrong_labels`` option; categorical conditions only).
    n_iter : int
        Iterations of ``d_steps`` discriminator and ``g_steps`` generator steps.
    batch_size : int
    lr_g, lr_d : float
    optimizer_g, optimizer_d : {"adam", "sgd"}
    d_steps, g_steps : int
    scaling, device, random_state, verbose
        As every model.

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
        "n_iter": [Interval(int, 0, None)],
        "lr_g": [Interval(float, 0, None, closed="neither")],
        "lr_d": [Interval(float, 0, None, closed="neither")],
        "optimizer_g": [Options(OPTIMIZERS)],
        "optimizer_d": [Options(OPTIMIZERS)],
        "d_steps": [Interval(int, 1, None)],
        "g_steps": [Interval(int, 1, None)],
    }

    def __init__(
        self,
        *,
        seq_len: int | None = None,
        hidden_dim: int = 100,
        num_layers: int = 1,
        latent_dim: int = 5,
        loss: str | Objective = "non-saturating",
        wrong_labels: bool = False,
        n_iter: int = 1000,
        batch_size: int = 28,
        lr_g: float = 1e-3,
        lr_d: float = 0.1,
        optimizer_g: str = "adam",
        optimizer_d: str = "sgd",
        d_steps: int = 5,
        g_steps: int = 1,
        scaling: str | None = "minmax",
        device: str = "auto",
        random_state: int | None = None,
        verbose: bool = True,
    ) -> None:
        self.seq_len = seq_len
        self.hidden_dim = hidden_dim
        self.num_layers = num_layers
        self.latent_dim = latent_dim
        self.loss = loss
        self.wrong_labels = wrong_labels
        self.n_iter = n_iter
        self.batch_size = batch_size
        self.lr_g = lr_g
        self.lr_d = lr_d
        self.optimizer_g = optimizer_g
        self.optimizer_d = optimizer_d
        self.d_steps = d_steps
        self.g_steps = g_steps
        self.scaling = scaling
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _validate_params(self) -> None:
        super()._validate_params()
        get_objective(self.loss)

    def _build_module(self, spec: DataSpec) -> nn.ModuleDict:
        return nn.ModuleDict({
            "generator": RCGANGenerator(self.latent_dim, spec.condition_dim, self.hidden_dim,
                                        self.num_layers, spec.n_channels),
            "discriminator": RCGANDiscriminator(spec.n_channels, spec.condition_dim,
                                                self.hidden_dim, self.num_layers),
        })

    def _build_optimizers(self, module: nn.Module) -> dict[str, torch.optim.Optimizer]:
        def make(name: str, params: Any, lr: float) -> torch.optim.Optimizer:
            return torch.optim.Adam(params, lr=lr) if name == "adam" else torch.optim.SGD(
                params, lr=lr)

        return {"generator": make(self.optimizer_g, module["generator"].parameters(), self.lr_g),
                "discriminator": make(self.optimizer_d, module["discriminator"].parameters(),
                                      self.lr_d)}

    def _draw_latent(self, spec, n, seq_len, generator=None, device="cpu"):
        return (torch.randn(n, seq_len, self.latent_dim, generator=generator, device=device),)

    def _generate(self, module, latent, condition, seq_len):
        return module["generator"](latent[0], condition)

    def _phases(self, module: nn.Module, spec: DataSpec) -> list[Phase]:
        objective = get_objective(self.loss)
        generator, discriminator = module["generator"], module["discriminator"]
        device = next(module.parameters()).device
        wrong = self.wrong_labels

        def fake_batch(batch: Batch) -> torch.Tensor:
            (z,) = self._draw_latent(spec, batch.size, batch.real.shape[1], device=device)
            fake = generator(z, batch.condition)
            return fake if batch.fixed_length else fake * batch.mask.unsqueeze(-1)

        def discriminator_loss(batch: Batch) -> dict[str, Any]:
            lengths, mask = (None, None) if batch.fixed_length else (batch.lengths, batch.mask)
            with torch.no_grad():
                fake = fake_batch(batch)
            real_logits = discriminator(batch.real, batch.condition, lengths)
            fake_logits = discriminator(fake, batch.condition, lengths)
            loss = objective.discriminator_loss(real_logits, fake_logits, mask)
            out = {"loss": loss}
            if wrong and batch.condition is not None:
                wrong_logits = discriminator(batch.real, _wrong_condition(batch.condition),
                                             lengths)
                out["wrong_labels"] = extra_fake_loss(objective, real_logits, wrong_logits, mask)
                out["loss"] = loss + out["wrong_labels"]
            out["real_score"] = masked_mean(torch.sigmoid(real_logits.detach()), mask)
            out["fake_score"] = masked_mean(torch.sigmoid(fake_logits.detach()), mask)
            return out

        def generator_loss(batch: Batch) -> dict[str, Any]:
            lengths, mask = (None, None) if batch.fixed_length else (batch.lengths, batch.mask)
            fake_logits = discriminator(fake_batch(batch), batch.condition, lengths)
            real_logits = None
            if getattr(objective, "needs_real_logits_for_generator", False):
                with torch.no_grad():
                    real_logits = discriminator(batch.real, batch.condition, lengths)
            return {"loss": objective.generator_loss(fake_logits, real_logits, mask=mask)}

        return [Phase("adversarial", self.n_iter, [
            Update("discriminator", "discriminator", discriminator_loss, steps=self.d_steps),
            Update("generator", "generator", generator_loss, steps=self.g_steps),
        ])]


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
