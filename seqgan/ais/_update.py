"""The AIS/DRE generator update (Kovbasa & Azarov, seed 000 of SPEC): the discriminator's
logit as a log density ratio, an adaptive Gaussian-mixture proposal over latents refit by
annealed importance sampling, and importance-weighted generator losses."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from seqgan._validation import check_float, check_int
from seqgan.ais._annealing import anneal
from seqgan.ais._latent import LatentCodec, standard_normal_log_prob
from seqgan.ais._proposal import GaussianMixtureProposal
from seqgan.ais._schedules import SCHEDULES
from seqgan.nn import per_sequence

PROPOSALS = ("gmm", "prior")


class AISUpdate:
    """Importance-weighted generator updates with an adaptive proposal over latents.

    Each adversarial iteration, unchanged: the discriminator is trained as usual on fakes from
    the prior. Its pre-sigmoid logit ``d(x)`` is read as the log density ratio
    ``log p_data(x) / p_g(x)`` (exact at the optimum of the binary cross-entropy), and
    ``E(x) = -d(x)`` is the energy. Changed:

    1. The generator's latents come from a proposal ``q(u)``: a diagonal Gaussian mixture with
       ``n_components`` components, mixed with the prior (share ``defensive``).
    2. Every generated batch gets importance weights
       ``w_i ∝ exp(beta d(G(u_i))) p(u_i) / q(u_i)``, self-normalised to mean 1, truncated at
       ``sqrt(n)`` times the mean (Ionides 2008) and normalised again. Their effective sample
       size (fraction of the batch) and largest share are logged every iteration
       (``ais/ess``, ``ais/max_weight``).
    3. The generator minimises its objective's loss weighted by the detached ``w_i``.
    4. Every ``every`` iterations, ``n_particles`` prior draws are annealed towards
       ``p(u) exp(beta d(G(u)))`` through ``n_temperatures`` intermediate distributions
       (``schedule``), with HMC moves; the mixture is refit to the AIS-weighted particles by
       weighted EM and its parameters are smoothed by an exponential moving average
       (``smoothing`` = weight of the new fit). Logged: ``ais/refit_ess`` (fraction),
       ``ais/acceptance``.

    Latents are handled in a standard-normal base space (``seqgan.ais.LatentCodec``): uniform
    noise is ``Phi(u)``, so ``p(u) = N(0, I)`` for every model; the latent of a sequence model
    is all its noise (every step, and the first input or static noise where there is one).

    Reading of the paper, where it is ambiguous:

    - Per-step discriminators (C-RNN-GAN, RCGAN, TimeGAN) give one logit per step; the
      sequence's log ratio is their mean over valid steps (each step's logit sees or summarises
      the whole sequence, so a sum would count the evidence ``seq_len`` times).
    - Weights ``∝ exp(+beta d)`` emphasise the samples the discriminator finds realistic (the
      paper's "ignore zones of pseudo-realism" read as tilting the generator's latent
      distribution towards ``p(u) exp(d(G(u)))``, which is the data distribution when ``d`` is
      exact). ``beta < 0`` is the opposite reading, emphasising the samples ``D`` rejects.
    - The discriminator's fakes stay prior draws, so that ``d`` keeps estimating the density
      ratio of the generator's own distribution.
    - For objectives other than the cross-entropy ones (Wasserstein, hinge, least squares) the
      critic value is not a log density ratio; it is still used as ``d``.

    With ``proposal="prior"`` and ``beta=0`` every weight is exactly 1 and the update is the
    plain one, bit for bit (latents are then the model's own draws).

    Parameters
    ----------
    every : int
        Iterations between proposal refits (the paper: 10).
    n_temperatures : int
        Intermediate distributions of each annealing run (the paper: 20).
    schedule : {"geometric", "linear", "sigmoid", "adaptive"}
        Spacing of the temperatures (see :func:`seqgan.ais.temperatures`); the paper recommends
        non-linear ones such as "geometric". "adaptive" chooses each step so the conditional
        effective sample size stays near ``target_ess``.
    n_components : int
        Mixture components.
    smoothing : float in (0, 1]
        Weight of each new fit in the moving average of the mixture's parameters.
    defensive : float in [0, 1)
        Share of the prior in the proposal (bounds ``p/q`` by ``1/defensive``).
    beta : float
        Inverse temperature of the density ratio in the weights and in the annealing target.
    truncate : bool
        Truncate normalised weights at ``sqrt(batch)``.
    n_particles : int
        Particles per annealing run.
    n_leapfrog : int
        Leapfrog steps per HMC move (1: Metropolis-adjusted Langevin).
    step_size : float
        Initial HMC step size (adapted towards 65% acceptance).
    target_ess : float in (0, 1)
        For ``schedule="adaptive"``.
    em_iter : int
        EM iterations per refit.
    proposal : {"gmm", "prior"}
        "prior" keeps ``q = p`` (no refits): weights then only tilt by ``exp(beta d)``.

    Examples
    --------
    >>> from seqgan import CRNNGAN
    >>> from seqgan.ais import AISUpdate
    >>> model = CRNNGAN(generator_update=AISUpdate(every=10, n_temperatures=20,
    ...                                            schedule="geometric"))
    """

    def __init__(self, every: int = 10, n_temperatures: int = 20, schedule: str = "geometric",
                 n_components: int = 8, smoothing: float = 0.1, defensive: float = 0.1,
                 beta: float = 1.0, truncate: bool = True, n_particles: int = 256,
                 n_leapfrog: int = 1, step_size: float = 0.05, target_ess: float = 0.9,
                 em_iter: int = 10, proposal: str = "gmm") -> None:
        self.every = check_int("every", every, low=1)
        self.n_temperatures = check_int("n_temperatures", n_temperatures, low=1)
        if schedule not in SCHEDULES:
            raise ValueError(f"Unknown schedule {schedule!r}; use one of "
                             f"{', '.join(SCHEDULES)}.")
        self.schedule = schedule
        self.n_components = check_int("n_components", n_components, low=1)
        self.smoothing = check_float("smoothing", smoothing, low=0.0, high=1.0,
                                     closed="right")
        self.defensive = check_float("defensive", defensive, low=0.0, high=1.0,
                                     closed="left")
        self.beta = check_float("beta", beta)
        if not isinstance(truncate, bool):
            raise TypeError(f"`truncate` must be True or False; got {truncate!r}.")
        self.truncate = truncate
        self.n_particles = check_int("n_particles", n_particles, low=2)
        self.n_leapfrog = check_int("n_leapfrog", n_leapfrog, low=1)
        self.step_size = check_float("step_size", step_size, low=0.0, closed="neither")
        self.target_ess = check_float("target_ess", target_ess, low=0.0, high=1.0,
                                      closed="neither")
        self.em_iter = check_int("em_iter", em_iter, low=1)
        if proposal not in PROPOSALS:
            raise ValueError(f"Unknown proposal {proposal!r}; use one of "
                             f"{', '.join(PROPOSALS)}.")
        self.proposal = proposal

    def _params(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in (
            "every", "n_temperatures", "schedule", "n_components", "smoothing", "defensive",
            "beta", "truncate", "n_particles", "n_leapfrog", "step_size", "target_ess",
            "em_iter", "proposal")}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"AISUpdate({args})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AISUpdate) and self._params() == other._params()

    __hash__ = None  # type: ignore[assignment]

    def make_proposal(self, dim: int) -> GaussianMixtureProposal:
        return GaussianMixtureProposal(dim, self.n_components, self.defensive)


#: One logit per sequence: per-step logits (n, T[, 1]) averaged over valid steps.
sequence_logits = per_sequence


def importance_weights(log_weights: torch.Tensor, truncate: bool = True
                       ) -> tuple[torch.Tensor, dict[str, float]]:
    """Self-normalised (mean 1), optionally truncated importance weights.

    Parameters
    ----------
    log_weights : Tensor (n,)
        Unnormalised log weights.
    truncate : bool
        Cap the normalised weights at ``sqrt(n)`` (Ionides 2008) and normalise again.

    Returns
    -------
    weights : Tensor (n,), mean 1
    stats : dict
        ``ess``: Kish's effective sample size before truncation as a fraction of n;
        ``max_weight``: the largest normalised share ``max w / sum w`` before truncation.
    """
    n = log_weights.shape[0]
    lw = log_weights.double()
    if not torch.isfinite(lw).any():
        raise FloatingPointError("Every importance log-weight is -inf or NaN: the "
                                 "discriminator's logits are not finite.")
    lw = torch.where(torch.isnan(lw), torch.full_like(lw, -math.inf), lw)
    w = (lw - lw.max()).exp()
    w = w / w.mean()
    stats = {"ess": float(w.sum().pow(2) / w.pow(2).sum()) / n,
             "max_weight": float(w.max() / w.sum())}
    if truncate:
        w = w.clamp_max(math.sqrt(n))
        w = w / w.mean()
    return w.to(log_weights.dtype if log_weights.is_floating_point() else torch.float32), stats


class AISRuntime:
    """The fitted state of an :class:`AISUpdate` during one ``fit``: the proposal (a module
    inside the model's networks), the adapted step size and the logged statistics.

    Parameters
    ----------
    config : AISUpdate
    codec : LatentCodec
    proposal : GaussianMixtureProposal
    critic : callable
        ``critic(latent_tuple, condition) -> logits`` of the discriminator on ``G(latent)``.
    condition_source : callable or None
        ``condition_source(n, seed) -> (n, c) tensor`` for conditional models.
    """

    def __init__(self, config: AISUpdate, codec: LatentCodec,
                 proposal: GaussianMixtureProposal,
                 critic: Callable[[tuple[torch.Tensor, ...], torch.Tensor | None], torch.Tensor],
                 condition_source: Callable[[int, int], torch.Tensor] | None = None) -> None:
        self.config, self.codec, self.proposal = config, codec, proposal
        self.critic, self.condition_source = critic, condition_source
        self.step_size = config.step_size
        self._log_ratio: torch.Tensor | None = None
        self._stats: list[dict[str, float]] = []

    # -------------------------------------------------------------- generator steps
    def draw(self, n: int, draw_prior: Callable[[], tuple[torch.Tensor, ...]]
             ) -> tuple[torch.Tensor, ...]:
        """Latents for a generator step, remembering ``log p(u) - log q(u)`` of each."""
        if self.config.proposal == "prior":
            latent = draw_prior()
            self._log_ratio = torch.zeros(n, device=latent[0].device)
            return latent
        u = self.proposal.sample(n)
        self._log_ratio = standard_normal_log_prob(u) - self.proposal.log_prob(u)
        return self.codec.decode(u)

    def weights(self, fake_logits: torch.Tensor, mask: torch.Tensor | None = None
                ) -> torch.Tensor:
        """Importance weights (n,), mean 1, for the batch drawn by the last :meth:`draw`."""
        if self._log_ratio is None:
            raise RuntimeError("AISRuntime.weights() needs latents from draw() first.")
        d = sequence_logits(fake_logits.detach(), mask)
        log_w = self.config.beta * d + self._log_ratio.to(d.dtype)
        w, stats = importance_weights(log_w, self.config.truncate)
        self._stats.append(stats)
        return w

    # -------------------------------------------------------------- between iterations
    def after_iteration(self, trainer: Any, row: dict[str, Any]) -> None:
        if self._stats:
            for key in ("ess", "max_weight"):
                row[f"ais/{key}"] = sum(s[key] for s in self._stats) / len(self._stats)
            self._stats.clear()
        iteration = int(row["iteration"])
        if self.config.proposal == "gmm" and iteration % self.config.every == 0:
            row.update(self.refit(trainer.module, seed=iteration,
                                  condition_source=self.condition_source))

    def refit(self, module: torch.nn.Module, seed: int = 0,
              condition_source: Callable[[int, int], torch.Tensor] | None = None
              ) -> dict[str, float]:
        """Anneal prior particles towards ``p(u) exp(beta d(G(u)))`` and refit the mixture."""
        cfg = self.config
        device = self.proposal.means.device
        n = cfg.n_particles
        condition = None if condition_source is None else condition_source(n, seed)
        was_training = module.training
        module.eval()
        try:
            def log_likelihood(u: torch.Tensor) -> torch.Tensor:
                logits = self.critic(self.codec.decode(u), condition)
                return cfg.beta * sequence_logits(logits)

            with _differentiable_rnns():
                result = anneal(log_likelihood, torch.randn(n, self.codec.dim, device=device),
                                schedule=cfg.schedule, n_temperatures=cfg.n_temperatures,
                                n_leapfrog=cfg.n_leapfrog, step_size=self.step_size,
                                target_ess=cfg.target_ess)
        finally:
            module.train(was_training)
        self.step_size = result.step_size
        weights = torch.softmax(result.log_weights, 0)
        self.proposal.refit(result.u, weights.to(result.u.dtype), smoothing=cfg.smoothing,
                            n_iter=cfg.em_iter)
        ess = float(1.0 / weights.pow(2).sum()) / n
        return {"ais/refit_ess": ess, "ais/acceptance": result.acceptance}

    def state_dict(self) -> dict[str, Any]:
        return {"step_size": self.step_size}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.step_size = float(state["step_size"])


def _differentiable_rnns() -> Any:
    """Input gradients through recurrent networks in eval mode (cuDNN refuses them)."""
    from seqgan.nn import twice_differentiable

    return twice_differentiable()


__all__ = ["PROPOSALS", "AISRuntime", "AISUpdate", "importance_weights", "sequence_logits"]
