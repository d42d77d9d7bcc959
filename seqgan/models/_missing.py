"""Training on series with missing values.

The encoder (:class:`seqgan.data.SequenceEncoder`) gives a feature with missing values an
observation channel: real batches hold ``(x * o, o)``, with the value 0 where the step is
missing (``o`` = 0). Generators make every value channel and every observation channel, so a
model learns the values and where they go missing jointly. The discriminator sees a series
through an observation pattern: observed values as they are, the gaps filled by linear
interpolation between the neighbouring observed steps (:func:`interpolate_gaps`; with zeros
in the gaps the jumps to 0 drowned the step-to-step structure, and the completed samples came
out twice as rough as the data), the pattern as the observation channels. Real batches are
seen through their own pattern (:func:`observe_real`); of a generated batch
(:func:`observe_fakes`):

* half of it is masked with the **real batch's** observation channels (``(g * o_real,
  o_real)``, as AmbientGAN): the discriminator compares only what was observed, so the
  generator learns complete series (missingness independent of the values is the assumption
  under which this is exact) and every generated value gets a gradient;
* the other half is masked with its **own** observation channels, thresholded at 0.5 with a
  straight-through gradient (``(g * h, h)``): the generated gaps must look like the data's
  (per-feature rates, bursts, links to the values).

A discriminator that sees one series at a time cannot see *where* in time the generated gaps
fall across samples: on ECG5000 (140 steps, gaps in bursts) the generator tied its gaps to
fixed steps (a per-step missing rate between 0 and .6 where the data's is a flat .3; its
spread over steps .175 against the data's .014) and made them too rare (.15 against .29).
The generator therefore also gets a **pattern-count term** (:func:`pattern_count_loss`,
weight :data:`PATTERN_WEIGHT`): at each step of each feature, as many of the batch's own
generated patterns must be missing as the data's per-step rate implies. On that ECG case it
brought the per-step spread to .020, the rate to .28 and the mean gap length to 8.3 (data
9.3), and the completed beats' strict discriminative score from .435 to .388.

Reconstruction losses (TimeGAN's autoencoder, its moment term) count only observed entries
(:func:`observed_weights`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

import torch

#: The share of a generated batch masked with the real batch's observation channels (read at
#: each call; benchmarks/missing_values.py sets 0 for the "channels only" variant). 1 (no
#: generated pattern seen) scored the same on sines with gaps (strict .454 against .457) but
#: made the generated gaps bursts of 15 steps (data: 1.4).
BORROWED_SHARE = 0.5

#: Weight of the pattern-count term in the generator's loss (0 switches it off; read at each
#: step). Measured with R3GAN (benchmarks/missing_values.py's data, seed 0): 1 fixed ECG5000's
#: positions (per-step spread .020, rate .28 against .29); 3 and 10 also matched the rate but
#: stretched sines' random gaps (mean length 2.5 and 4.7 against the data's 1.4; 1.8 at 1);
#: selecting the steps to flip at random instead of by rank made every sequence either
#: complete or missing throughout.
PATTERN_WEIGHT = 1.0

#: The hinge's margin on the observation logits: a step counted as missing is pushed below a
#: probability of sigmoid(-0.5) = .38 of being observed, one counted as observed above .62.
PATTERN_MARGIN = 0.5

_recorded: ContextVar[list[torch.Tensor] | None] = ContextVar("seqgan_patterns", default=None)


def observation_channels(n_channels: int, missing: Sequence[int]) -> list[int]:
    """Indices of the observation channels: the last ``len(missing)`` of ``n_channels``."""
    return list(range(n_channels - len(missing), n_channels))


def interpolate_gaps(x: torch.Tensor, observed: torch.Tensor) -> torch.Tensor:
    """``x`` (batch, T, k) with its unobserved steps (``observed`` (batch, T, k) below 0.5)
    filled linearly between the neighbouring observed steps; before the first and after the
    last observed step the nearest observed value; 0 where a sequence has none."""
    batch, steps, width = x.shape
    t = torch.arange(steps, device=x.device).view(1, steps, 1).expand(batch, steps, width)
    seen = observed > 0.5
    prev = torch.where(seen, t, torch.full_like(t, -1)).cummax(dim=1).values
    nxt = torch.where(seen, t, torch.full_like(t, steps)).flip(1).cummin(dim=1).values.flip(1)
    has_prev, has_next = prev >= 0, nxt < steps
    x_prev = x.gather(1, prev.clamp(min=0))
    x_next = x.gather(1, nxt.clamp(max=steps - 1))
    w = (t - prev).to(x.dtype) / (nxt - prev).clamp(min=1).to(x.dtype)
    filled = torch.where(has_prev & has_next, x_prev + w * (x_next - x_prev),
                         torch.where(has_prev, x_prev,
                                     torch.where(has_next, x_next, torch.zeros_like(x))))
    return torch.where(seen, x, filled)


def _seen_through(x: torch.Tensor, masks: torch.Tensor, missing: Sequence[int],
                  step_mask: torch.Tensor | None) -> torch.Tensor:
    """``x`` with the value channels ``missing`` seen through ``masks`` (batch, T, k): kept
    where observed, linearly interpolated over the gaps, and the masks as the observation
    channels; padding stays 0."""
    seen = observation_channels(x.shape[-1], missing)
    out = x.clone()
    out[..., list(missing)] = interpolate_gaps(x[..., list(missing)], masks)
    out[..., seen] = masks
    return out if step_mask is None else out * step_mask.unsqueeze(-1)


def observe_real(real: torch.Tensor, missing: Sequence[int],
                 step_mask: torch.Tensor | None = None) -> torch.Tensor:
    """A real batch (batch, T, channels) as the discriminator sees it: its gaps interpolated
    (so that the discriminator compares the observed steps, not jumps to 0)."""
    if not missing:
        return real
    return _seen_through(real, real[..., observation_channels(real.shape[-1], missing)],
                         missing, step_mask)


def observe_fakes(fake: torch.Tensor, real: torch.Tensor, missing: Sequence[int],
                  step_mask: torch.Tensor | None = None) -> torch.Tensor:
    """Generated series (batch, T, channels) as the discriminator sees them: see the module's
    docstring. ``real`` is the real batch (its observation channels are borrowed for the
    first :data:`BORROWED_SHARE` of the fakes); ``missing`` lists the value channels that have
    an observation channel."""
    if not missing:
        return fake
    seen = observation_channels(fake.shape[-1], missing)
    own = fake[..., seen]
    recorded = _recorded.get()
    if recorded is not None:
        recorded.append(own)
    hard = (own > 0.5).to(own.dtype)
    own = hard + own - own.detach()
    k = min(round(fake.shape[0] * BORROWED_SHARE), real.shape[0])
    masks = torch.cat([real[:k, : fake.shape[1]][..., seen], own[k:]])
    return _seen_through(fake, masks, missing, step_mask)


@contextmanager
def recording_patterns() -> Iterator[list[torch.Tensor]]:
    """Within the block, :func:`observe_fakes` appends each generated batch's own observation
    channels (batch, T, k), as generated (before the 0.5 threshold), to the yielded list."""
    recorded: list[torch.Tensor] = []
    token = _recorded.set(recorded)
    try:
        yield recorded
    finally:
        _recorded.reset(token)


def observed_profile(observed: torch.Tensor, step_mask: torch.Tensor | None) -> torch.Tensor:
    """The data's observed rate per step and feature (T, k) from its observation channels
    ``observed`` (n, T, k), counting only the steps within each length (``step_mask`` (n, T));
    1 at steps no sequence reaches."""
    valid = torch.ones(observed.shape[:2], dtype=observed.dtype) if step_mask is None \
        else step_mask.to(observed.dtype)
    count = valid.sum(0).unsqueeze(-1)
    seen = (observed * valid.unsqueeze(-1)).sum(0)
    return torch.where(count > 0, seen / count.clamp(min=1), torch.ones_like(seen))


def pattern_count_loss(observed: torch.Tensor, profile: torch.Tensor,
                       step_mask: torch.Tensor | None = None,
                       margin: float = PATTERN_MARGIN) -> torch.Tensor:
    """How far a generated batch's missing counts per step are from the data's.

    ``observed`` (batch, T, k): the generated probabilities of each step being observed;
    ``profile`` (T', k), T' >= T: the data's observed rate per step (:func:`observed_profile`).
    At each step and feature, the ``round(n * (1 - rate))`` samples most likely missing
    (lowest probability; ``n`` the samples whose length reaches the step) are counted as
    missing, the others as observed; a hinge on the logit pushes the first below ``-margin``
    and the others above ``+margin``. The mean over valid entries: 0 when every step has the
    data's number of gaps, each decided by at least the margin (without the margin the
    logits sat at the threshold and the EMA generator's gaps vanished). The ranks carry no
    gradient; which samples have the gaps, and how they run in time, stays with the
    adversarial loss."""
    steps = observed.shape[1]
    logit = torch.logit(observed.clamp(1e-4, 1 - 1e-4))
    valid = torch.ones_like(logit, dtype=torch.bool) if step_mask is None \
        else (step_mask > 0.5).unsqueeze(-1).expand_as(logit)
    n_missing = torch.round(valid.sum(0) * (1 - profile[:steps].to(logit))).long()
    ranks = torch.where(valid, logit.detach(), torch.full_like(logit, float("inf")))
    ranks = ranks.argsort(0).argsort(0)
    counted_missing = ranks < n_missing.unsqueeze(0)
    hinge = torch.where(counted_missing, torch.relu(logit + margin), torch.relu(margin - logit))
    return (hinge * valid).sum() / valid.sum().clamp(min=1)


def add_pattern_term(out: dict, observed: torch.Tensor, profile: torch.Tensor | None,
                     step_mask: torch.Tensor | None) -> dict:
    """``out`` (a generator loss dict) with :data:`PATTERN_WEIGHT` times
    :func:`pattern_count_loss` added to its ``"loss"`` and the term logged as ``"pattern"``;
    unchanged without a profile (data without gaps) or at weight 0."""
    if profile is None or not PATTERN_WEIGHT:
        return out
    term = pattern_count_loss(observed, profile.to(observed.device), step_mask)
    return {**out, "loss": out["loss"] + PATTERN_WEIGHT * term, "pattern": term.detach()}


def observed_weights(real: torch.Tensor, missing: Sequence[int]) -> torch.Tensor | None:
    """Per-entry weights (batch, T, channels) of a real batch for reconstruction losses: the
    observation channel on the value channels with missing values, 1 elsewhere (None without
    missing values)."""
    if not missing:
        return None
    weights = torch.ones_like(real)
    weights[..., list(missing)] = real[..., observation_channels(real.shape[-1], missing)]
    return weights


__all__ = ["BORROWED_SHARE", "PATTERN_MARGIN", "PATTERN_WEIGHT", "add_pattern_term",
           "interpolate_gaps",
           "observation_channels", "observe_fakes", "observe_real", "observed_profile",
           "observed_weights", "pattern_count_loss", "recording_patterns"]
