"""Post-hoc samplers that use a trained discriminator to correct a generator's samples, for
comparison with the AIS/DRE update: discriminator rejection sampling (Azadi et al. 2019) and
latent Langevin sampling (discriminator driven latent sampling, Che et al. 2020)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from seqgan._validation import check_float, check_int, check_random_state, seed_from
from seqgan.ais._update import sequence_logits
from seqgan.nn import twice_differentiable


def _critic(view: Any, condition: torch.Tensor | None):
    def logits(u: torch.Tensor) -> torch.Tensor:
        return sequence_logits(view.logits(u, condition))
    return logits


def _finish(view: Any, u: torch.Tensor, condition: torch.Tensor | None) -> Any:
    with torch.no_grad():
        values = view.generate(u, condition).float().cpu().numpy()
    return view.to_user(values)


def discriminator_rejection_sample(model: Any, n: int, *, condition: Any = None,
                                   gamma_percentile: float = 95.0, epsilon: float = 1e-6,
                                   burn_in: int = 10000, batch_size: int = 1024,
                                   max_draws: int = 10_000_000, return_latent: bool = False,
                                   random_state: Any = None) -> tuple[Any, ...]:
    """Discriminator rejection sampling (Azadi et al., ICLR 2019).

    A sample ``x = G(z)`` is kept with probability ``sigmoid(F(x))``,
    ``F = d(x) - d_max - log(1 - exp(d(x) - d_max - epsilon)) - gamma``, where ``d`` is the
    discriminator's logit (mean over steps for per-step discriminators), ``d_max`` its running
    maximum (first estimated on ``burn_in`` draws) and ``gamma`` the ``gamma_percentile``-th
    percentile of ``F`` on the burn-in draws (the paper's acceptance-rate control).

    ``condition`` (conditional models): one label or vector for every sample.

    Returns
    -------
    samples : as ``model.sample``
        ``n`` accepted sequences at the training length.
    acceptance : float
        Share of draws accepted.
    latent : Tensor (n, dim)
        With ``return_latent``: the accepted standard-normal base latents.
    """
    n = check_int("n", n, low=1)
    check_float("gamma_percentile", gamma_percentile, low=0.0, high=100.0)
    view = model.latent_view()  # (refuses an unfitted model)
    encoder = model.encoder_.condition_encoder_
    if (condition is not None and encoder is not None and encoder.kind_ == "categorical"
            and np.ndim(condition) > 0):
        raise ValueError("discriminator_rejection_sample draws every sample for one "
                         "condition: pass a single label (e.g. condition=7) and call it once "
                         "per class.")
    generator = torch.Generator(device=model.device_).manual_seed(
        seed_from(check_random_state(random_state)))
    device = model.device_

    def draw(m: int) -> tuple[torch.Tensor, torch.Tensor]:
        logits = _critic(view, view.condition(condition, m))
        u = torch.randn(m, view.dim, generator=generator, device=device)
        with torch.no_grad():
            return u, logits(u)

    _, d0 = draw(burn_in)
    d_max = float(d0.max())

    def score(d: torch.Tensor) -> torch.Tensor:
        diff = (d - d_max).double()
        return diff - torch.log1p(-torch.exp(diff - epsilon).clamp_max(1 - 1e-12))

    gamma = float(np.percentile(score(d0).cpu().numpy(), gamma_percentile))
    kept: list[torch.Tensor] = []
    drawn = accepted = 0
    while accepted < n:
        if drawn >= max_draws:
            raise RuntimeError(f"Rejection sampling accepted {accepted} of {drawn} draws; "
                               "lower `gamma_percentile` to accept more.")
        u, d = draw(batch_size)
        d_max = max(d_max, float(d.max()))
        keep = torch.rand(d.shape[0], generator=generator, device=device,
                          dtype=torch.float64) < torch.sigmoid(score(d) - gamma)
        kept.append(u[keep])
        drawn += batch_size
        accepted += int(keep.sum())
    u = torch.cat(kept)[:n]
    samples = _finish(view, u, view.condition(condition, n))
    return (samples, accepted / drawn, u) if return_latent else (samples, accepted / drawn)


def latent_langevin_sample(model: Any, n: int, *, condition: Any = None, n_steps: int = 100,
                           step_size: float = 0.01, return_latent: bool = False,
                           random_state: Any = None) -> Any:
    """Discriminator driven latent sampling (Che et al., NeurIPS 2020).

    Langevin dynamics on the latent energy ``E(u) = -log p(u) - d(G(u))`` (standard-normal base
    latents ``u``, see :class:`seqgan.ais.LatentCodec`):
    ``u <- u - step_size / 2 * grad E(u) + sqrt(step_size) * noise``, ``n_steps`` times from
    prior draws, then ``G(u)``. Its stationary latent law is ``p(u) exp(d(G(u)))``, the same
    target as the AIS/DRE proposal.

    Returns
    -------
    samples : as ``model.sample``, at the training length.
    latent : Tensor (n, dim)
        With ``return_latent``: the final base latents, as a second value.
    """
    n = check_int("n", n, low=1)
    n_steps = check_int("n_steps", n_steps, low=0)
    step_size = check_float("step_size", step_size, low=0.0, closed="neither")
    view = model.latent_view()
    cond = view.condition(condition, n)
    logits = _critic(view, cond)
    generator = torch.Generator(device=model.device_).manual_seed(
        seed_from(check_random_state(random_state)))
    u = torch.randn(n, view.dim, generator=generator, device=view.device)
    was_training = model.module_.training
    model.module_.eval()
    try:
        with twice_differentiable():
            for _ in range(n_steps):
                with torch.enable_grad():
                    x = u.detach().requires_grad_(True)
                    energy = 0.5 * x.pow(2).sum(-1) - logits(x)
                    grad, = torch.autograd.grad(energy.sum(), x)
                noise = torch.randn(u.shape, generator=generator, device=u.device)
                u = u - 0.5 * step_size * grad + math.sqrt(step_size) * noise
    finally:
        model.module_.train(was_training)
    samples = _finish(view, u.detach(), cond)
    return (samples, u.detach()) if return_latent else samples
