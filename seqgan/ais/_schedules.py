"""Inverse temperatures of an annealing path from the prior (beta = 0) to the target (1)."""

from __future__ import annotations

import torch

#: Fixed schedules; "adaptive" (chosen step by step from the effective sample size) is run by
#: the annealer itself.
SCHEDULES = ("linear", "geometric", "sigmoid", "adaptive")


def temperatures(schedule: str, n: int, *, geometric_start: float = 1e-3,
                 sigmoid_delta: float = 4.0) -> torch.Tensor:
    """The ``n + 1`` inverse temperatures ``0 = beta_0 < ... < beta_n = 1`` of a schedule.

    - ``linear``: ``beta_t = t / n``.
    - ``geometric``: ``beta_0 = 0`` then ``beta_t = s ** (1 - (t - 1) / (n - 1))`` for
      ``t >= 1``, from ``s = geometric_start`` to 1: small steps where prior and target differ
      most (the AIS/DRE paper recommends non-linear schedules of this kind).
    - ``sigmoid``: ``sigma(delta (2 t / n - 1))`` rescaled to [0, 1] (Grosse et al. 2015;
      the default of Wu et al. 2017).

    Parameters
    ----------
    schedule : {"linear", "geometric", "sigmoid"}
    n : int
        Number of intermediate distributions (transitions), at least 1.

    Returns
    -------
    Tensor (n + 1,), float64, increasing, first 0 and last exactly 1.
    """
    if n < 1:
        raise ValueError(f"The number of temperatures must be at least 1; got {n}.")
    t = torch.arange(n + 1, dtype=torch.float64)
    if schedule == "linear":
        betas = t / n
    elif schedule == "geometric":
        if not 0 < geometric_start < 1:
            raise ValueError(f"`geometric_start` must be in (0, 1); got {geometric_start}.")
        if n == 1:
            betas = t
        else:
            betas = torch.cat([torch.zeros(1, dtype=torch.float64),
                               geometric_start ** (1 - (t[1:] - 1) / (n - 1))])
    elif schedule == "sigmoid":
        s = torch.sigmoid(sigmoid_delta * (2 * t / n - 1))
        betas = (s - s[0]) / (s[-1] - s[0])
    else:
        raise ValueError(f"Unknown schedule {schedule!r}; use one of "
                         f"{', '.join(SCHEDULES[:3])} (or 'adaptive' where the annealer "
                         "chooses the steps).")
    betas[0], betas[-1] = 0.0, 1.0
    return betas
