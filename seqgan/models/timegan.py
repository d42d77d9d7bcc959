"""TimeGAN (Yoon, Jarrett, van der Schaar, NeurIPS 2019): adversarial training in a learned
latent space, with a supervised next-step loss, in three phases."""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn

from seqgan._validation import NONE, Interval, Options
from seqgan.ais import AISUpdate
from seqgan.losses import NonSaturating, Objective
from seqgan.models._adversarial import Adversary
from seqgan.models._base import DataSpec
from seqgan.models._gan import GANEstimator
from seqgan.models._missing import add_pattern_term, observation_channels, observed_weights
from seqgan.models._output import output_activation_for
from seqgan.models._terms import extra_fake_loss
from seqgan.nn import CELLS, RNNStack, masked_step_mean, repeat_over_steps
from seqgan.training import Batch, Phase, Update


class _RNNHead(nn.Module):
    """RNN stack + linear layer (+ optional sigmoid): the shape of all five TimeGAN networks.

    (batch, seq_len, input_dim) -> (batch, seq_len, output_dim)
    """

    def __init__(self, input_dim: int, hidden_dim: int, output_dim: int, num_layers: int,
                 cell: str, sigmoid: bool) -> None:
        super().__init__()
        self.rnn = RNNStack(input_dim, hidden_dim, num_layers, cell=cell)
        self.out = nn.Linear(hidden_dim, output_dim)
        self.sigmoid = sigmoid

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        y = self.out(self.rnn(x, lengths))
        return torch.sigmoid(y) if self.sigmoid else y


class _StaticNet(nn.Module):
    """Two-layer perceptron for static features and their codes: (batch, in) -> (batch, out)."""

    def __init__(self, input_dim: int, hidden_dim: int, output_dim: int, sigmoid: bool) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.Tanh(),
                                 nn.Linear(hidden_dim, output_dim))
        self.sigmoid = sigmoid

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        y = self.net(s)
        return torch.sigmoid(y) if self.sigmoid else y


def _moment_loss(fake: torch.Tensor, real: torch.Tensor, mask: torch.Tensor | None,
                 observed: torch.Tensor | None = None) -> torch.Tensor:
    """TimeGAN's G_loss_V: mean |std_fake - std_real| + mean |mean_fake - mean_real|, with the
    moments of each (step, feature) taken over the batch (std = sqrt(var + 1e-6)); the real
    moments over the observed entries only when ``observed`` (batch, T, channels) is given."""
    if mask is None:
        m = torch.ones_like(real[..., :1])
    else:
        m = mask.unsqueeze(-1)

    def moments(x: torch.Tensor, m: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        n = m.sum(0).clamp_min(1.0)  # (seq_len, channels or 1): entries present at each step
        mean = (x * m).sum(0) / n
        var = ((x - mean).pow(2) * m).sum(0) / n
        return mean, torch.sqrt(var + 1e-6)

    fake_mean, fake_std = moments(fake, m)
    real_mean, real_std = moments(real, m if observed is None else m * observed)
    present = (m.sum(0) > 0).float().expand_as(fake_mean)
    weight = present / present.sum().clamp_min(1.0)
    return (((fake_std - real_std).abs() + (fake_mean - real_mean).abs()) * weight).sum()


class TimeGAN(GANEstimator):
    """TimeGAN: time-series generative adversarial networks (Yoon et al., 2019).

    Five recurrent networks: embedder (data -> latent sequence), recovery (latent -> data),
    generator (noise -> latent), supervisor (latent_t -> latent_{t+1}) and discriminator (latent
    -> per-step logits). Training follows the reference code (jsyoon0823/TimeGAN):

    1. ``autoencoder`` phase: embedder and recovery minimise ``10 * sqrt(MSE(x, x~))``.
    2. ``supervisor`` phase: the supervisor minimises the next-step loss
       ``L_S = MSE(h_{t+1}, S(h)_t)``.
    3. ``joint`` phase, each iteration: twice (generator step, then embedder step on the same
       batch), then a discriminator step on a new batch that is skipped while the
       discriminator loss is below ``d_threshold``. Generator loss: adversarial loss on
       supervised latents + ``gamma`` * adversarial loss on unsupervised latents +
       ``100 * sqrt(L_S)`` + ``100 *`` moment loss; embedder loss:
       ``10 * sqrt(MSE(x, x~)) + 0.1 * L_S``; discriminator loss: real + fake + ``gamma`` * fake
       of unsupervised latents.

    Each of the reference's five Adam optimizers (learning rate ``lr_g`` for the four
    non-adversarial networks and ``lr_d`` for the discriminator, betas 0.9/0.999) is kept
    separate, as in the TensorFlow code.

    Static features (``fit(X, static=S)``, one row per sequence) follow the paper (the
    reference code has none): a static embedder and recovery (two-layer perceptrons) map them
    to and from a static code, which is appended to every step of the temporal embedder's,
    supervisor's and discriminator's inputs; a static generator maps static noise to a static
    code that conditions the temporal generator. The autoencoder and embedder losses add the
    static reconstruction error, the generator's moment loss adds the static moments, and the
    discriminator judges each temporal code together with its static code. Measured: static
    marginals are matched quickly, the dependence between statics and sequences is learned
    slowly (see ``docs/models.md``).
    ``sample(n, return_static=True)`` returns ``(X, S)``. Noise is uniform on [0, 1) with
    ``latent_dim`` dimensions (default: the number of data channels). Losses are masked for
    variable-length data. Outputs of recovery use a sigmoid (data scaled to [0, 1]) when
    ``scaling="minmax"``.

    Parameters
    ----------
    seq_len : int or None
    hidden_dim : int
        Units of every RNN and of the latent space (24 in the reference).
    num_layers : int
        RNN layers per network (the supervisor has one fewer, at least 1).
    cell : {"gru", "lstm"}
    latent_dim : int or None
        Noise dimensions per step (None: the number of data channels).
    gamma : float
        Weight of the unsupervised adversarial terms (1 in the reference).
    loss : str or Objective
        Adversarial objective ("non-saturating" is the reference's).
    regularizers, spectral_norm, augment, optimizer_g, optimizer_d, optimizer_kwargs, \
lr_schedule, balance, ema, diagnostics_every
        Training options shared by every model; see ``docs/training.md``. The discriminator
        options act on the discriminator of latent sequences; ``ema`` averages generator,
        supervisor and recovery.
    generator_update : seqgan.ais.AISUpdate or None
        Importance-weighted generator updates with an adaptive latent proposal (the AIS/DRE
        update); see ``docs/ais.md``. None: plain updates.
    d_threshold : float, "auto" or None
        The discriminator step is taken only when its loss exceeds this. "auto": 0.15 (the
        reference's rule) for the binary cross-entropy losses ("non-saturating", "minimax"),
        no rule for the other objectives, whose losses live on other scales.
    d_steps : int
        Discriminator steps per joint iteration (1 in the reference).
    n_iter_autoencoder, n_iter_supervisor, n_iter_joint : int
        Iterations per phase (the paper: 50,000 each).
    batch_size : int
        128 in the reference.
    lr_g, lr_d : float
        Learning rates (TensorFlow's Adam default 0.001 for all in the reference).
    scaling, device, random_state, verbose
        As every model.
    privacy : dict or None
        Differential privacy, e.g. ``{"epsilon": 3.0, "delta": 1e-5}``: every TimeGAN network
        learns from real data (embedder, recovery and supervisor directly, the generator
        through the supervised and moment terms), so all five updates run DP-SGD (Opacus)
        under one privacy account; the moment loss (batch statistics of the real data) is
        left out, the square roots of the reconstruction and supervised losses are taken per
        sequence, and the ``d_threshold`` rule is off. See ``docs/privacy.md``. None: no DP.

    Examples
    --------
    >>> from seqgan import TimeGAN
    >>> from seqgan.datasets import load_dataset
    >>> X = load_dataset("sines", n_samples=32, seq_len=6, n_features=2, random_state=0)
    >>> m = TimeGAN(hidden_dim=4, num_layers=2, n_iter_autoencoder=2, n_iter_supervisor=2,
    ...             n_iter_joint=2, random_state=0, verbose=False).fit(X)
    >>> m.sample(3, seq_len=12).shape
    (3, 12, 2)
    """

    _param_rules: ClassVar[dict[str, list]] = {
        "hidden_dim": [Interval(int, 1, None)],
        "num_layers": [Interval(int, 1, None)],
        "cell": [Options(CELLS)],
        "latent_dim": [Interval(int, 1, None), NONE],
        "gamma": [Interval(float, 0, None)],
        "d_threshold": [Interval(float, None, None), Options(("auto",)), NONE],
        "n_iter_autoencoder": [Interval(int, 0, None)],
        "n_iter_supervisor": [Interval(int, 0, None)],
        "n_iter_joint": [Interval(int, 0, None)],
    }
    supports_static = True
    _sampling_networks = ("generator", "supervisor", "recovery", "static_generator",
                          "static_recovery")
    _adversarial_optimizers = ("generator", "embedder", "discriminator")
    _adversarial_phase = "joint"
    _paper_optimizer_kwargs: ClassVar[dict[str, dict[str, Any]]] = {
        "adam": {"betas": (0.9, 0.999)}}

    def __init__(
        self,
        *,
        seq_len: int | None = None,
        hidden_dim: int = 24,
        num_layers: int = 3,
        cell: str = "gru",
        latent_dim: int | None = None,
        gamma: float = 1.0,
        loss: str | Objective = "non-saturating",
        regularizers: dict[str, float] | None = None,
        spectral_norm: bool = False,
        augment: Any = None,
        d_threshold: float | str | None = "auto",
        d_steps: int = 1,
        n_iter_autoencoder: int = 2000,
        n_iter_supervisor: int = 2000,
        n_iter_joint: int = 2000,
        batch_size: int = 128,
        lr_g: float = 1e-3,
        lr_d: float = 1e-3,
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
        self.cell = cell
        self.latent_dim = latent_dim
        self.gamma = gamma
        self.loss = loss
        self.regularizers = regularizers
        self.spectral_norm = spectral_norm
        self.augment = augment
        self.d_threshold = d_threshold
        self.d_steps = d_steps
        self.n_iter_autoencoder = n_iter_autoencoder
        self.n_iter_supervisor = n_iter_supervisor
        self.n_iter_joint = n_iter_joint
        self.batch_size = batch_size
        self.lr_g = lr_g
        self.lr_d = lr_d
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

    # ------------------------------------------------------------------ networks
    @classmethod
    def get_test_params(cls) -> dict[str, Any]:
        return {**super().get_test_params(), "hidden_dim": 4, "num_layers": 2,
                "n_iter_autoencoder": 2, "n_iter_supervisor": 2, "n_iter_joint": 3,
                "batch_size": 8}

    def _build_module(self, spec: DataSpec) -> nn.ModuleDict:
        h, layers, cell = self.hidden_dim, self.num_layers, self.cell
        latent = self.latent_dim or spec.n_channels
        k = spec.n_static
        extra = h if k else 0  # the static code appended to every step
        sigmoid = output_activation_for(self.scaling) == "sigmoid"  # the scaled data's range
        nets = {
            "embedder": _RNNHead(spec.n_channels + extra, h, h, layers, cell, sigmoid=True),
            "recovery": _RNNHead(h, h, spec.n_channels, layers, cell,
                                 sigmoid=sigmoid),
            "generator": _RNNHead(latent + extra, h, h, layers, cell, sigmoid=True),
            "supervisor": _RNNHead(h + extra, h, h, max(layers - 1, 1), cell, sigmoid=True),
            "discriminator": _RNNHead(h + extra, h, 1, layers, cell, sigmoid=False),
        }
        if k:
            nets["static_embedder"] = _StaticNet(k, h, h, sigmoid=True)
            nets["static_recovery"] = _StaticNet(h, h, k, sigmoid=sigmoid)
            nets["static_generator"] = _StaticNet(k, h, h, sigmoid=True)
        return nn.ModuleDict(nets)

    def _build_optimizers(self, module: nn.Module) -> dict[str, torch.optim.Optimizer]:
        def make(*names: str, role: str = "g") -> torch.optim.Optimizer:
            # static networks join the optimizer of their temporal counterpart
            names += tuple(f"static_{n}" for n in names if f"static_{n}" in module)
            params = [p for n in names for p in module[n].parameters()]
            return self._optimizer(role, params, self.lr_d if role == "d" else self.lr_g)

        # One optimizer per TensorFlow solver of the reference code, each with its own state.
        return {"autoencoder": make("embedder", "recovery"), "supervisor": make("supervisor"),
                "generator": make("generator", "supervisor"),
                "embedder": make("embedder", "recovery"),
                "discriminator": make("discriminator", role="d")}

    def _draw_latent(self, spec, n, seq_len, generator=None, device="cpu"):
        """Temporal noise (n, seq_len, latent_dim) and, with static features, static noise
        (n, n_static); both U(0, 1)."""
        dim = self.latent_dim or spec.n_channels
        z = torch.rand(n, seq_len, dim, generator=generator, device=device)
        if not spec.n_static:
            return (z,)
        return z, torch.rand(n, spec.n_static, generator=generator, device=device)

    @staticmethod
    def _supervised_latents(module, latent):
        """Generated latent sequences after the supervisor (n, seq_len, hidden) and the
        generated static code (None without static features)."""
        code = module["static_generator"](latent[1]) if len(latent) == 2 else None
        e_hat = module["generator"](repeat_over_steps(latent[0], code))
        return module["supervisor"](repeat_over_steps(e_hat, code)), code

    def _generate(self, module, latent, condition, seq_len):
        h_hat, code = self._supervised_latents(module, latent)
        x_hat = module["recovery"](h_hat)
        return x_hat if code is None else (x_hat, module["static_recovery"](code))

    def _latent_kinds(self, spec):
        return ("uniform",) * (2 if spec.n_static else 1)

    def _latent_logits(self, module, latent, condition, seq_len):
        h_hat, code = self._supervised_latents(module, latent)
        return module["discriminator"](repeat_over_steps(h_hat, code))

    # ------------------------------------------------------------------ privacy
    def _private_networks(self) -> tuple[str, ...]:
        """All five: the embedder, recovery and supervisor learn from real sequences, the
        generator through the supervised term on real embeddings, the discriminator from
        real embeddings."""
        return ("embedder", "recovery", "generator", "supervisor", "discriminator")

    def _privacy_refusals(self) -> list[str]:
        reasons = super()._privacy_refusals()
        if isinstance(self.d_threshold, (int, float)):
            reasons.append("`d_threshold` skips discriminator steps by its loss on real "
                           "batches (a decision outside the noised steps); set "
                           "d_threshold=None or 'auto' (off under DP)")
        return reasons

    # ------------------------------------------------------------------ recipe
    def _phases(self, module: nn.Module, spec: DataSpec, adversary: Adversary) -> list[Phase]:
        objective = adversary.objective
        emb_x, rec, gen_x, sup_x, dis_x = (module[k] for k in (
            "embedder", "recovery", "generator", "supervisor", "discriminator"))
        static = spec.n_static > 0
        s_emb, s_rec, s_gen = ((module[k] for k in ("static_embedder", "static_recovery",
                                                     "static_generator"))
                               if static else (None, None, None))

        # Temporal networks see the static code at every step (identity without statics).
        def emb(x, lengths, code=None):
            return emb_x(repeat_over_steps(x, code), lengths)

        def gen(z, lengths, code=None):
            return gen_x(repeat_over_steps(z, code), lengths)

        def sup(h, lengths, code=None):
            return sup_x(repeat_over_steps(h, code), lengths)

        def dis(h, lengths, code=None):
            return dis_x(repeat_over_steps(h, code), lengths)

        def static_codes(batch: Batch) -> tuple[torch.Tensor | None, torch.Tensor | None]:
            """Real static code and generated static code (None without statics)."""
            if not static:
                return None, None
            z_static = torch.rand(batch.size, spec.n_static, device=device)
            return s_emb(batch.static), s_gen(z_static)

        def static_recon(batch: Batch, code: torch.Tensor | None) -> torch.Tensor | float:
            return 0.0 if code is None else (batch.static - s_rec(code)).pow(2).mean()

        def cat(*codes: torch.Tensor | None) -> torch.Tensor | None:
            return None if codes[0] is None else torch.cat(codes)
        device = next(module.parameters()).device
        gamma = self.gamma
        needs_real = adversary.relativistic

        def unpack(batch: Batch) -> tuple[torch.Tensor | None, torch.Tensor | None]:
            if batch.fixed_length:
                return None, None
            return batch.lengths, batch.mask

        def noise(batch: Batch) -> torch.Tensor:
            return self._draw_latent(spec, batch.size, batch.real.shape[1], device=device)[0]

        embedder_params = [p for net in (emb_x, s_emb) if net is not None
                           for p in net.parameters()]
        memo: dict[str, Any] = {}

        def embedded(batch: Batch, lengths: torch.Tensor | None
                     ) -> tuple[torch.Tensor, torch.Tensor | None]:
            """The embedding of the real batch and its static code, with their graph. The
            generator step computes it (as the reference code, it uses it detached) and the
            embedder step after it, on the same batch with the same embedder weights, reuses
            it instead of running the embedder again."""
            versions = [p._version for p in embedder_params]
            if memo.get("batch") is batch and memo["versions"] == versions:
                return memo["h"], memo["code"]
            code = s_emb(batch.static) if static else None
            h = emb(batch.real, lengths, code)
            memo.update(batch=batch, versions=versions, h=h, code=code)
            return h, code

        def supervised(h: torch.Tensor, h_sup: torch.Tensor, mask: torch.Tensor | None
                       ) -> torch.Tensor:
            return masked_step_mean((h[:, 1:] - h_sup[:, :-1]).pow(2),
                                    None if mask is None else mask[:, 1:])

        # Under DP every loss must be a mean over sequences of per-sequence terms (Opacus
        # clips each sequence's gradient): the square root of a batch mean couples them, so
        # the root is taken per sequence (fixed lengths only under DP), and the moment loss,
        # a batch statistic of the real data, is left out.
        private = self.privacy is not None
        profile = getattr(self, "_pattern_profile", None)

        def root(error: torch.Tensor, mean: torch.Tensor) -> torch.Tensor:
            """sqrt of the mean squared ``error`` (batch, ...): of the batch, or under DP
            the mean over sequences of each one's root (``mean``: the batch mean)."""
            if not private:
                return torch.sqrt(mean)
            return error.flatten(1).mean(1).clamp_min(1e-12).sqrt().mean()

        def reconstruction_error(batch: Batch, x_tilde: torch.Tensor) -> torch.Tensor:
            """Squared error of each entry, 0 where a value is missing."""
            error = (batch.real - x_tilde).pow(2)
            weights = observed_weights(batch.real, spec.missing)
            return error if weights is None else error * weights

        def autoencoder_loss(batch: Batch) -> dict[str, Any]:
            lengths, mask = unpack(batch)
            code = s_emb(batch.static) if static else None
            x_tilde = rec(emb(batch.real, lengths, code), lengths)
            error = reconstruction_error(batch, x_tilde)
            recon = masked_step_mean(error, mask) + static_recon(batch, code)
            return {"loss": 10 * root(error, recon), "reconstruction": recon}

        def supervisor_loss(batch: Batch) -> dict[str, Any]:
            lengths, mask = unpack(batch)
            with torch.no_grad():
                code = s_emb(batch.static) if static else None
                h = emb(batch.real, lengths, code)
            return {"loss": supervised(h, sup(h, lengths, code), mask)}

        def generator_loss(batch: Batch) -> dict[str, Any]:
            lengths, mask = unpack(batch)
            n = batch.size
            h, code = embedded(batch, lengths)
            h, code = h.detach(), None if code is None else code.detach()
            latent = adversary.generator_latent(n, lambda: self._draw_latent(
                spec, n, batch.real.shape[1], device=device))
            code_hat = s_gen(latent[1]) if static else None
            e_hat = gen(latent[0], lengths, code_hat)
            both_lengths = None if lengths is None else lengths.repeat(2)
            h_hat, h_sup = sup(torch.cat([e_hat, h]), both_lengths, cat(code_hat, code)).split(n)
            x_hat = rec(h_hat, lengths)
            seen = [adversary.view(h_hat, mask), adversary.view(e_hat, mask)]
            codes = [code_hat, code_hat]
            if needs_real:  # relativistic objectives compare with real logits
                three = None if lengths is None else lengths.repeat(3)
                seen.append(adversary.view(h, mask))
                codes.append(code)
                y_fake, y_fake_e, y_real = dis(torch.cat(seen), three, cat(*codes)).split(n)
                y_real = y_real.detach()
            else:
                y_fake, y_fake_e = dis(torch.cat(seen), both_lengths, cat(*codes)).split(n)
                y_real = None
            weights = adversary.generator_weights(y_fake, mask)
            adv = adversary.generator_loss(y_fake, y_real, mask, weights)
            adv_e = adversary.generator_loss(y_fake_e, y_real, mask, weights)
            loss_s = supervised(h, h_sup, mask)
            root_s = root((h[:, 1:] - h_sup[:, :-1]).pow(2), loss_s)
            if private:
                return {"loss": adv + gamma * adv_e + 100 * root_s, "adversarial": adv,
                        "supervised": loss_s}
            moments = _moment_loss(x_hat, batch.real, mask,
                                   observed_weights(batch.real, spec.missing))
            if static:  # the static features' moments, as a one-step sequence
                moments = moments + _moment_loss(s_rec(code_hat).unsqueeze(1),
                                                 batch.static.unsqueeze(1), None)
            loss = adv + gamma * adv_e + 100 * root_s + 100 * moments
            out = {"loss": loss, "adversarial": adv, "supervised": loss_s, "moments": moments}
            # the generated gaps: the data's number per step (seqgan/models/_missing.py)
            seen = observation_channels(x_hat.shape[-1], spec.missing)
            return add_pattern_term(out, x_hat[..., seen], profile, mask)

        def embedder_loss(batch: Batch) -> dict[str, Any]:
            lengths, mask = unpack(batch)
            h, code = embedded(batch, lengths)
            memo.clear()  # the step about to be taken changes the embedder
            error = reconstruction_error(batch, rec(h, lengths))
            recon = masked_step_mean(error, mask) + static_recon(batch, code)
            loss_s = supervised(h, sup(h, lengths, code), mask)
            return {"loss": 10 * root(error, recon) + 0.1 * loss_s, "reconstruction": recon}

        def discriminator_loss(batch: Batch) -> dict[str, Any]:
            lengths, mask = unpack(batch)
            n = batch.size
            with torch.no_grad():
                code, code_hat = static_codes(batch)
                h = emb(batch.real, lengths, code)
                e_hat = gen(noise(batch), lengths, code_hat)
                h_hat = sup(e_hat, lengths, code_hat)
            three = None if lengths is None else lengths.repeat(3)
            h, h_hat, e_hat = (adversary.view(t, mask) for t in (h, h_hat, e_hat))
            y_real, y_fake, y_fake_e = dis(torch.cat([h, h_hat, e_hat]), three,
                                           cat(code, code_hat, code_hat)).split(n)
            out = adversary.discriminator_loss(y_real, y_fake, mask)
            if gamma:
                out["loss"] = out["loss"] + gamma * extra_fake_loss(objective, y_real, y_fake_e,
                                                                    mask)
            if not static:
                return adversary.add_penalties(out, lambda x: dis(x, lengths), h, h_hat, mask)
            return adversary.add_penalties(out, lambda x, c: dis(x, lengths, c), (h, code),
                                           (h_hat, code_hat), mask)

        threshold = self.d_threshold
        if threshold == "auto":
            threshold = 0.15 if isinstance(objective, NonSaturating) and not private else None
        g = Update("generator", "generator", generator_loss, track=tuple(embedder_params))
        # under DP each step is its own Poisson draw (two noised steps on one batch would be
        # one mechanism with less noise than the accountant counts)
        e = Update("embedder", "embedder", embedder_loss, fresh_batch=private)
        return [
            Phase("autoencoder", self.n_iter_autoencoder,
                  [Update("autoencoder", "autoencoder", autoencoder_loss)]),
            Phase("supervisor", self.n_iter_supervisor,
                  [Update("supervisor", "supervisor", supervisor_loss)]),
            Phase("joint", self.n_iter_joint, [
                g, e, g, e,
                Update("discriminator", "discriminator", discriminator_loss, steps=self.d_steps,
                       skip_if=None if threshold is None
                       else (lambda losses: not losses["loss"] > threshold),
                       after_step=adversary.after_discriminator_step(dis_x)),
            ]),
        ]
