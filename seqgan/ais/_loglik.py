"""Log-likelihood of data under a GAN generator by annealed importance sampling
(Wu, Burda, Salakhutdinov & Grosse, "On the quantitative analysis of decoder-based generative
models", ICLR 2017), checked by bidirectional Monte Carlo (Grosse et al. 2015)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from seqgan._validation import check_float, check_int, check_random_state, seed_from
from seqgan.ais._annealing import anneal, log_mean_exp
from seqgan.nn import twice_differentiable


@dataclass(frozen=True)
class LogLikelihoodResult:
    """AIS estimates of ``log p(x)`` per sequence, in nats, in the model's scaled space.

    Attributes
    ----------
    values : ndarray (n,)
        One estimate per sequence (a stochastic lower bound: its expectation is at most the
        true log-likelihood).
    mean : float
    stderr : float
        Standard error of the mean over sequences.
    sigma2 : float
        Variance of the Gaussian observation model.
    acceptance : float
        Mean HMC acceptance rate.
    """

    values: np.ndarray
    mean: float
    stderr: float
    sigma2: float
    acceptance: float

    def __str__(self) -> str:
        return f"{self.mean:.2f} ± {self.stderr:.2f} nats (sigma2={self.sigma2:g})"


@dataclass(frozen=True)
class BDMCResult:
    """Bidirectional Monte Carlo on data simulated from the model.

    Attributes
    ----------
    lower : ndarray (n,)
        Forward AIS estimates (stochastic lower bounds of ``log p(x)``).
    upper : ndarray (n,)
        Reverse AIS estimates started at the true latents (stochastic upper bounds).
    gap : float
        ``mean(upper - lower)``: how far AIS is from the true value at this budget; it
        shrinks towards 0 as ``n_temperatures`` grows.
    """

    lower: np.ndarray
    upper: np.ndarray
    gap: float


def _gaussian_loglik(x: torch.Tensor, mean: torch.Tensor, mask: torch.Tensor,
                     sigma2: float) -> torch.Tensor:
    """``log N(x; mean, sigma2 I)`` over the valid entries of each sample (sequences or
    images): (n,)."""
    sq = ((x - mean).pow(2) * mask).flatten(1).sum(1)
    count = mask.flatten(1).sum(1) * 1.0
    return -0.5 * sq / sigma2 - 0.5 * count * math.log(2 * math.pi * sigma2)


def _run(view: Any, x: torch.Tensor, mask: torch.Tensor, cond: torch.Tensor | None,
         sigma2: float, n_chains: int, batch_size: int, start: Callable[..., torch.Tensor],
         reverse: bool, anneal_kwargs: dict[str, Any], generator: torch.Generator
         ) -> tuple[np.ndarray, float]:
    """AIS log weights reduced per sequence (log-mean-exp over chains)."""
    out, rates = [], []
    for lo in range(0, x.shape[0], batch_size):
        hi = min(lo + batch_size, x.shape[0])
        xb = x[lo:hi].repeat_interleave(n_chains, 0)
        mb = mask[lo:hi].repeat_interleave(n_chains, 0)
        cb = None if cond is None else cond[lo:hi].repeat_interleave(n_chains, 0)

        def log_likelihood(u: torch.Tensor, xb=xb, mb=mb, cb=cb) -> torch.Tensor:
            return _gaussian_loglik(xb, view.generate(u, cb), mb, sigma2)

        u0 = start(lo, hi)
        with twice_differentiable():
            result = anneal(log_likelihood, u0, reverse=reverse, generator=generator,
                            **anneal_kwargs)
        log_w = result.log_weights.view(hi - lo, n_chains)
        estimate = log_mean_exp(log_w, dim=1)
        out.append((-estimate if reverse else estimate).cpu().numpy())
        rates.append(result.acceptance)
    return np.concatenate(out), float(np.mean(rates))


def ais_log_likelihood(model: Any, X: Any, *, sigma2: float, condition: Any = None,
                       n_temperatures: int = 1000, n_chains: int = 16,
                       schedule: str = "sigmoid", n_leapfrog: int = 10,
                       step_size: float = 0.05, batch_size: int = 32,
                       random_state: Any = None) -> LogLikelihoodResult:
    """AIS estimate of ``log p(x)`` for every sequence of ``X`` under a fitted model.

    The generator becomes a density model by a Gaussian observation model
    ``p(x | z) = N(x; G(z), sigma2 I)`` on the model's scaled values (min-max by default);
    ``log p(x) = log ∫ p(z) p(x | z) dz`` is estimated by AIS along
    ``p(z) p(x | z)^beta_t`` with HMC moves and ``n_chains`` independent chains per sequence
    (log-mean-exp over chains), as Wu et al. (2017). The latent of a sequence model is all its
    noise; padded steps do not count. Choose ``sigma2`` on validation data
    (:func:`choose_sigma2`) and keep it fixed across the models you compare.

    Parameters
    ----------
    model : fitted seqgan model
    X : sequences in any layout the model's ``fit`` accepts
    sigma2 : float
        Observation variance (in scaled units).
    condition : array-like, optional
        Conditions of ``X`` for conditional models.
    n_temperatures : int
        Intermediate distributions (Wu et al.: 1,000 to 10,000 for final numbers).
    n_chains : int
        Independent chains per sequence.
    schedule : {"sigmoid", "geometric", "linear"}
        Spacing of the temperatures (sigmoid, as Wu et al.).
    n_leapfrog, step_size
        HMC settings; the step size adapts towards 65% acceptance.
    batch_size : int
        Sequences annealed together (times ``n_chains`` particles).
    random_state : int or None

    Returns
    -------
    LogLikelihoodResult
    """
    sigma2 = check_float("sigma2", sigma2, low=0.0, closed="neither")
    n_chains = check_int("n_chains", n_chains, low=1)
    batch_size = check_int("batch_size", batch_size, low=1)
    x, mask = model.latent_view().to_scaled(X)
    view = model.latent_view(x.shape[1])
    cond = view.condition(condition, x.shape[0])
    generator = torch.Generator(device=x.device).manual_seed(
        seed_from(check_random_state(random_state)))

    def start(lo: int, hi: int) -> torch.Tensor:
        return torch.randn((hi - lo) * n_chains, view.dim, generator=generator,
                           device=x.device)

    kwargs = {"schedule": schedule, "n_temperatures": n_temperatures,
              "n_leapfrog": n_leapfrog, "step_size": step_size}
    values, rate = _run(view, x, mask, cond, sigma2, n_chains, batch_size, start, False,
                        kwargs, generator)
    stderr = float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else math.nan
    return LogLikelihoodResult(values, float(values.mean()), stderr, sigma2, rate)


def bdmc(model: Any, n: int = 16, *, sigma2: float, condition: Any = None,
         n_temperatures: int = 1000, n_chains: int = 4, schedule: str = "sigmoid",
         n_leapfrog: int = 10, step_size: float = 0.05, batch_size: int = 32,
         random_state: Any = None) -> BDMCResult:
    """Bidirectional Monte Carlo: bracket AIS's error on data simulated from the model.

    Draws ``z* ~ p(z)`` and ``x = G(z*) + sqrt(sigma2) * noise``, so that ``z*`` is an exact
    posterior sample given ``x``. Forward AIS from the prior gives a stochastic lower bound of
    ``log p(x)``; reverse AIS started at ``z*`` gives a stochastic upper bound. Their gap
    bounds the error of forward AIS on such data at this budget (Grosse et al. 2015; Wu et al.
    2017). Settings as :func:`ais_log_likelihood`.
    """
    sigma2 = check_float("sigma2", sigma2, low=0.0, closed="neither")
    n = check_int("n", n, low=1)
    n_chains = check_int("n_chains", n_chains, low=1)
    view = model.latent_view()
    device = view.device
    generator = torch.Generator(device=device).manual_seed(
        seed_from(check_random_state(random_state)))
    cond = view.condition(condition, n)
    z_true = torch.randn(n, view.dim, generator=generator, device=device)
    with torch.no_grad():
        mean = view.generate(z_true, cond)
    x = mean + math.sqrt(sigma2) * torch.randn(mean.shape, generator=generator, device=device)
    mask = torch.ones_like(x)
    kwargs = {"schedule": schedule, "n_temperatures": n_temperatures,
              "n_leapfrog": n_leapfrog, "step_size": step_size}

    def prior_start(lo: int, hi: int) -> torch.Tensor:
        return torch.randn((hi - lo) * n_chains, view.dim, generator=generator,
                           device=device)

    def posterior_start(lo: int, hi: int) -> torch.Tensor:
        return z_true[lo:hi].repeat_interleave(n_chains, 0)

    lower, _ = _run(view, x, mask, cond, sigma2, n_chains, batch_size, prior_start, False,
                    kwargs, generator)
    upper, _ = _run(view, x, mask, cond, sigma2, n_chains, batch_size, posterior_start,
                    True, kwargs, generator)
    return BDMCResult(lower, upper, float(np.mean(upper - lower)))


def choose_sigma2(model: Any, X: Any, grid: Sequence[float] = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1),
                  **kwargs: Any) -> tuple[float, dict[float, float]]:
    """The observation variance with the highest mean AIS log-likelihood on validation
    sequences ``X``, and the score of every candidate. ``kwargs`` go to
    :func:`ais_log_likelihood` (use a cheaper budget than for the final numbers, e.g.
    ``n_temperatures=200``)."""
    if not grid:
        raise ValueError("`grid` must hold at least one variance.")
    scores = {float(s): ais_log_likelihood(model, X, sigma2=float(s), **kwargs).mean
              for s in grid}
    return max(scores, key=scores.get), scores
