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

Reconstruction losses (TimeGAN's autoencoder, its moment term) count only observed entries
(:func:`observed_weights`).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

#: The share of a generated batch masked with the real batch's observation channels (read at
#: each call; benchmarks/missing_values.py sets 0 for the "channels only" variant).
BORROWED_SHARE = 0.5


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
    hard = (own > 0.5).to(own.dtype)
    own = hard + own - own.detach()
    k = min(round(fake.shape[0] * BORROWED_SHARE), real.shape[0])
    masks = torch.cat([real[:k, : fake.shape[1]][..., seen], own[k:]])
    return _seen_through(fake, masks, missing, step_mask)


def observed_weights(real: torch.Tensor, missing: Sequence[int]) -> torch.Tensor | None:
    """Per-entry weights (batch, T, channels) of a real batch for reconstruction losses: the
    observation channel on the value channels with missing values, 1 elsewhere (None without
    missing values)."""
    if not missing:
        return None
    weights = torch.ones_like(real)
    weights[..., list(missing)] = real[..., observation_channels(real.shape[-1], missing)]
    return weights


__all__ = ["BORROWED_SHARE", "interpolate_gaps", "observation_channels", "observe_fakes",
           "observe_real", "observed_weights"]
