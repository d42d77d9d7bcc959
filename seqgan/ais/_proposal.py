"""The adaptive proposal over base latents: a diagonal Gaussian mixture mixed with the prior."""

from __future__ import annotations

import math

import torch
from torch import nn

from seqgan.ais._latent import standard_normal_log_prob

_LOG_2PI = math.log(2 * math.pi)


class GaussianMixtureProposal(nn.Module):
    """``q(u) = lambda N(u; 0, I) + (1 - lambda) sum_k pi_k N(u; mu_k, diag(s_k^2))``.

    The defensive share ``lambda`` of the prior bounds the importance ratio ``p(u)/q(u)`` by
    ``1 / lambda`` (Hesterberg 1995). Until its first :meth:`refit` the proposal is the prior.
    Parameters are buffers, so they are saved with the model and restored on resume.

    Parameters
    ----------
    dim : int
        Dimension of the base latent.
    n_components : int
    defensive : float in [0, 1)
        Share of the prior in the mixture.
    min_variance : float
        Floor of every component variance.
    """

    def __init__(self, dim: int, n_components: int = 8, defensive: float = 0.1,
                 min_variance: float = 1e-3) -> None:
        super().__init__()
        if not 0.0 <= defensive < 1.0:
            raise ValueError(f"`defensive` must be in [0, 1); got {defensive}.")
        self.dim, self.n_components = int(dim), int(n_components)
        self.defensive, self.min_variance = float(defensive), float(min_variance)
        self.register_buffer("means", torch.zeros(n_components, dim))
        self.register_buffer("variances", torch.ones(n_components, dim))
        self.register_buffer("mix", torch.full((n_components,), 1.0 / n_components))
        self.register_buffer("n_refits", torch.zeros((), dtype=torch.long))

    @property
    def fitted(self) -> bool:
        """False while the proposal is still the prior."""
        return bool(self.n_refits > 0)

    def _component_log_probs(self, u: torch.Tensor) -> torch.Tensor:
        """(n, dim) -> (n, K): ``log pi_k + log N(u; mu_k, s_k^2)``."""
        var = self.variances
        sq = (u.unsqueeze(1) - self.means).pow(2) / var
        return (self.mix.clamp_min(1e-30).log()
                - 0.5 * (sq.sum(-1) + var.log().sum(-1) + self.dim * _LOG_2PI))

    def log_prob(self, u: torch.Tensor) -> torch.Tensor:
        """``log q(u)`` of each row: (n, dim) -> (n,)."""
        log_prior = standard_normal_log_prob(u)
        if not self.fitted:
            return log_prior
        log_mixture = torch.logsumexp(self._component_log_probs(u), dim=1)
        if self.defensive == 0.0:
            return log_mixture
        return torch.logaddexp(math.log(self.defensive) + log_prior,
                               math.log1p(-self.defensive) + log_mixture)

    def sample(self, n: int, generator: torch.Generator | None = None,
               device: torch.device | str | None = None) -> torch.Tensor:
        """``n`` draws (n, dim) from ``q``, made on ``device`` (default: the proposal's; pass
        the generator's device when it differs)."""
        device = torch.device(device) if device is not None else self.means.device
        eps = torch.randn(n, self.dim, generator=generator, device=device)
        if not self.fitted:
            return eps
        mix = self.mix.to(device)
        component = torch.multinomial(mix, n, replacement=True, generator=generator)
        from_prior = torch.rand(n, generator=generator, device=device) < self.defensive
        u = (self.means.to(device)[component]
             + self.variances.to(device)[component].sqrt() * eps)
        return torch.where(from_prior[:, None], eps, u).to(self.means.device)

    @torch.no_grad()
    def refit(self, u: torch.Tensor, weights: torch.Tensor, *, smoothing: float = 1.0,
              n_iter: int = 10, generator: torch.Generator | None = None) -> None:
        """Fit the mixture to weighted particles by EM, then smooth towards the old fit.

        Parameters
        ----------
        u : Tensor (n, dim)
            Particles.
        weights : Tensor (n,)
            Non-negative importance weights (any scale).
        smoothing : float in (0, 1]
            Weight of the new fit in the exponential moving average of the parameters
            (``theta <- (1 - smoothing) theta + smoothing theta_new``); 1 keeps only the new
            fit. The first refit is taken whole.
        n_iter : int
            EM iterations, started from the current parameters (at the first refit: means at
            weighted draws of particles, variances of the weighted particle cloud).
        """
        w = weights.to(u.dtype).clamp_min(0)
        if not torch.isfinite(w).all() or float(w.sum()) <= 0:
            raise ValueError("Cannot refit the proposal: the particle weights are all zero or "
                             "not finite.")
        w = w / w.sum()
        first = not self.fitted
        if first:
            pick = torch.multinomial(w, self.n_components, replacement=True, generator=generator)
            means = u[pick].clone()
            centre = (w[:, None] * u).sum(0)
            spread = (w[:, None] * (u - centre).pow(2)).sum(0).clamp_min(self.min_variance)
            variances = spread.expand(self.n_components, -1).clone()
            mix = torch.full_like(self.mix, 1.0 / self.n_components)
        else:
            means, variances, mix = self.means.clone(), self.variances.clone(), self.mix.clone()
        for _ in range(n_iter):
            sq = (u.unsqueeze(1) - means).pow(2) / variances
            log_r = (mix.clamp_min(1e-30).log()
                     - 0.5 * (sq.sum(-1) + variances.log().sum(-1)))
            r = torch.softmax(log_r, dim=1) * w[:, None]  # (n, K) weighted responsibilities
            nk = r.sum(0)
            alive = nk > 1e-8
            mix = nk / nk.sum()
            safe = nk.clamp_min(1e-12)[:, None]
            new_means = r.T @ u / safe
            new_var = (r.T @ u.pow(2)) / safe - new_means.pow(2)
            means = torch.where(alive[:, None], new_means, means)
            variances = torch.where(alive[:, None], new_var, variances).clamp_min(
                self.min_variance)
        if first or smoothing >= 1.0:
            self.means.copy_(means)
            self.variances.copy_(variances)
            self.mix.copy_(mix)
        else:
            a = float(smoothing)
            self.means.mul_(1 - a).add_(a * means)
            self.variances.mul_(1 - a).add_(a * variances)
            self.mix.mul_(1 - a).add_(a * mix)
            self.mix.div_(self.mix.sum())
        self.n_refits += 1

    def extra_repr(self) -> str:
        return (f"dim={self.dim}, n_components={self.n_components}, "
                f"defensive={self.defensive}")
