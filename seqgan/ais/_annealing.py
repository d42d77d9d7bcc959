"""Annealed importance sampling (Neal 2001) in a standard-normal base space, with HMC moves.

The path runs between the prior N(0, I) (beta = 0) and the target
``pi(u) ∝ N(u; 0, I) exp(L(u))`` (beta = 1) through ``pi_beta(u) ∝ N(u; 0, I) exp(beta L(u))``.
``L`` is the log-likelihood term: the discriminator logit ``d(G(u))`` for the AIS/DRE
proposal, ``log N(x; G(u), sigma^2 I)`` for the log-likelihood evaluator. Each transition is
Hamiltonian Monte Carlo with a Metropolis correction (``n_leapfrog=1`` is MALA), its step size
adapted towards a target acceptance rate as in Wu et al. (2017).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from seqgan.ais._schedules import temperatures

LogLikelihood = Callable[[torch.Tensor], torch.Tensor]


@dataclass
class AnnealingResult:
    """What one annealing run returns.

    Attributes
    ----------
    u : Tensor (n, dim)
        Final particles.
    log_weights : Tensor (n,)
        ``sum_t (beta_t - beta_{t-1}) L(u_{t-1})``: forward (beta 0 -> 1), ``logmeanexp`` of
        them estimates ``log Z`` of the target; reverse (1 -> 0) it estimates ``-log Z``.
    betas : Tensor (steps + 1,)
        The inverse temperatures used.
    step_size : float
        The adapted HMC step size at the end.
    acceptance : float
        Mean acceptance rate over all transitions.
    """

    u: torch.Tensor
    log_weights: torch.Tensor
    betas: torch.Tensor
    step_size: float
    acceptance: float


def effective_sample_size(log_weights: torch.Tensor) -> torch.Tensor:
    """Kish's effective sample size ``(sum w)^2 / sum w^2`` from log weights (n,) -> ()."""
    lw = log_weights - log_weights.max()
    w = lw.exp()
    return w.sum().pow(2) / w.pow(2).sum()


def log_mean_exp(values: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """``log(mean(exp(values)))`` along ``dim``, computed stably."""
    return torch.logsumexp(values, dim=dim) - math.log(values.shape[dim])


def _value_and_grad(log_likelihood: LogLikelihood, u: torch.Tensor
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    with torch.enable_grad():
        x = u.detach().requires_grad_(True)
        value = log_likelihood(x)
        grad, = torch.autograd.grad(value.sum(), x)
    value, grad = value.detach(), grad.detach()
    bad = ~torch.isfinite(value)
    if bad.any():  # a non-finite likelihood: such a state is never accepted
        value = torch.where(bad, torch.full_like(value, -math.inf), value)
        grad = torch.where(bad[:, None], torch.zeros_like(grad), grad)
    return value, torch.nan_to_num(grad, nan=0.0, posinf=0.0, neginf=0.0)


def _adaptive_next(log_w: torch.Tensor, ll: torch.Tensor, beta: float, minimum: float,
                   target_ess: float) -> float:
    """The next beta in (beta, 1]: the largest step whose conditional ESS fraction
    (Zhou, Johansen & Aston 2016) stays above ``target_ess``, but at least ``minimum``."""
    weights = torch.softmax(log_w, 0)
    finite = torch.where(torch.isfinite(ll), ll, torch.full_like(ll, -1e30))

    def cess(delta: float) -> float:  # (sum W v)^2 / sum W v^2, v the incremental weights
        v = delta * finite
        v = (v - v.max()).exp()
        return float((weights * v).sum().pow(2) / (weights * v.pow(2)).sum())

    if cess(1.0 - beta) >= target_ess:
        return 1.0
    low, high = 0.0, 1.0 - beta
    for _ in range(40):
        mid = 0.5 * (low + high)
        if cess(mid) >= target_ess:
            low = mid
        else:
            high = mid
    return min(1.0, beta + max(low, minimum))


def anneal(log_likelihood: LogLikelihood, u: torch.Tensor, *, schedule: str = "geometric",
           n_temperatures: int = 20, betas: torch.Tensor | None = None, n_leapfrog: int = 1,
           step_size: float = 0.1, target_accept: float = 0.65, adapt_step_size: bool = True,
           target_ess: float = 0.9, reverse: bool = False,
           generator: torch.Generator | None = None) -> AnnealingResult:
    """Move particles ``u`` along the annealing path and accumulate their AIS log weights.

    Parameters
    ----------
    log_likelihood : callable
        ``L(u) -> (n,)``, differentiable in ``u`` (n, dim).
    u : Tensor (n, dim)
        Start: prior samples (forward) or exact target samples (``reverse=True``).
    schedule : {"linear", "geometric", "sigmoid", "adaptive"}
        How the ``n_temperatures`` steps are spaced; "adaptive" picks each next beta so that
        the conditional effective sample size stays near ``target_ess`` (at most
        ``n_temperatures`` steps, the last one to beta = 1).
    betas : Tensor, optional
        Explicit increasing temperatures from 0 to 1 (overrides ``schedule``).
    n_leapfrog : int
        Leapfrog steps per HMC transition (1: MALA).
    step_size : float
        Initial leapfrog step size; multiplied by 1.02 after a transition with acceptance
        above ``target_accept`` and by 0.98 otherwise (when ``adapt_step_size``).
    reverse : bool
        Run from beta = 1 down to 0 (the reverse chain of bidirectional Monte Carlo).
    generator : torch.Generator, optional
        Source of the momenta and acceptance draws (default: the global generator).

    Returns
    -------
    AnnealingResult
    """
    if n_leapfrog < 1:
        raise ValueError(f"`n_leapfrog` must be at least 1; got {n_leapfrog}.")
    adaptive = betas is None and schedule == "adaptive"
    if betas is None and not adaptive:
        betas = temperatures(schedule, n_temperatures)
    if betas is not None:
        betas = betas.to(torch.float64)
        if reverse:
            betas = betas.flip(0)
    u = u.detach().clone()
    ll, grad = _value_and_grad(log_likelihood, u)
    log_w = torch.zeros(u.shape[0], dtype=torch.float64, device=u.device)
    eps = float(step_size)
    accepted, used = [], [1.0 if reverse else 0.0]
    beta = used[0]
    step = 0
    while True:
        if adaptive:
            if step >= n_temperatures or (beta >= 1.0 if not reverse else beta <= 0.0):
                break
            remaining = n_temperatures - step
            if reverse:
                raise ValueError("The adaptive schedule runs forward only; give `betas` or a "
                                 "fixed schedule for reverse chains.")
            nxt = _adaptive_next(log_w, ll.double(), beta, (1.0 - beta) / remaining,
                                 target_ess)
            if step == n_temperatures - 1:
                nxt = 1.0
        else:
            if step >= len(betas) - 1:
                break
            nxt = float(betas[step + 1])
        increment = (nxt - beta) * ll.double()
        log_w = log_w + torch.where(torch.isfinite(increment), increment,
                                    torch.full_like(increment, -math.inf))
        beta = nxt
        used.append(beta)
        u, ll, grad, rate = _hmc(log_likelihood, u, ll, grad, beta, eps, n_leapfrog, generator)
        accepted.append(rate)
        if adapt_step_size:
            eps *= 1.02 if rate > target_accept else 0.98
        step += 1
    return AnnealingResult(u, log_w, torch.tensor(used, dtype=torch.float64), eps,
                           float(sum(accepted) / max(len(accepted), 1)))


def _hmc(log_likelihood: LogLikelihood, u: torch.Tensor, ll: torch.Tensor, grad: torch.Tensor,
         beta: float, eps: float, n_leapfrog: int, generator: torch.Generator | None
         ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, float]:
    """One HMC transition leaving ``N(0, I) exp(beta L)`` invariant, for every particle."""
    def potential(x: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
        return 0.5 * x.pow(2).sum(-1) - beta * value

    def force(x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        return x - beta * g  # gradient of the potential

    p0 = torch.randn(u.shape, generator=generator, device=u.device, dtype=u.dtype)
    x, p = u, p0 - 0.5 * eps * force(u, grad)
    new_ll, new_grad = ll, grad
    for i in range(n_leapfrog):
        x = x + eps * p
        new_ll, new_grad = _value_and_grad(log_likelihood, x)
        if i < n_leapfrog - 1:
            p = p - eps * force(x, new_grad)
    p = p - 0.5 * eps * force(x, new_grad)
    h0 = potential(u, ll) + 0.5 * p0.pow(2).sum(-1)
    h1 = potential(x, new_ll) + 0.5 * p.pow(2).sum(-1)
    log_accept = (h0 - h1).double()
    draw = torch.rand(u.shape[0], generator=generator, device=u.device, dtype=torch.float64)
    accept = torch.isfinite(log_accept) & (draw.log() < log_accept)
    u = torch.where(accept[:, None], x, u)
    ll = torch.where(accept, new_ll, ll)
    grad = torch.where(accept[:, None], new_grad, grad)
    return u, ll, grad, float(accept.double().mean())
