"""TimeGAN's post-hoc scores (Yoon et al., NeurIPS 2019; jsyoon0823/TimeGAN ``metrics/``).

Both train a small GRU and report a number where lower is better:

- :func:`discriminative_score`: ``|accuracy - 0.5|`` of a classifier that tells real from
  synthetic sequences, on held-out data;
- :func:`predictive_score`: mean absolute error on the real data of a one-step-ahead predictor
  trained on the synthetic data ("train on synthetic, test on real").

The reference settings are the defaults: one GRU layer of ``int(n_features / 2)`` units, Adam
(learning rate 0.001), batches of 128, 2,000 (discriminative) and 5,000 (predictive)
iterations, and the mean over 10 independent runs as in the reference's ``main_timegan.py``.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import torch
from torch import nn

from seqgan._validation import check_int, check_random_state, seed_from
from seqgan.metrics._input import as_pair
from seqgan.metrics._result import MetricResult
from seqgan.nn import RNNStack

logger = logging.getLogger(__name__)

FAST = {"n_runs": 1, "n_iter": 50}


def _device(device: Any) -> torch.device:
    from seqgan._device import resolve_device

    return resolve_device("auto" if device is None else device)


class _LastStateClassifier(nn.Module):
    """GRU over the valid steps, linear layer on the last valid hidden state -> one logit."""

    def __init__(self, n_features: int, hidden_dim: int) -> None:
        super().__init__()
        self.rnn = RNNStack(n_features, hidden_dim, 1, cell="gru")
        self.out = nn.Linear(hidden_dim, 1)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        states = self.rnn(x, lengths)
        last = states[torch.arange(len(x), device=x.device), lengths - 1]
        return self.out(last).squeeze(-1)


class _StepPredictor(nn.Module):
    """GRU with a sigmoid linear read-out at every step (the reference's predictor)."""

    def __init__(self, n_inputs: int, hidden_dim: int) -> None:
        super().__init__()
        self.rnn = RNNStack(n_inputs, hidden_dim, 1, cell="gru")
        self.out = nn.Linear(hidden_dim, 1)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.out(self.rnn(x, lengths))).squeeze(-1)


def _hidden(hidden_dim: int | None, n_features: int) -> int:
    if hidden_dim is None:
        return max(1, n_features // 2)
    return check_int("hidden_dim", hidden_dim, low=1)


def _settings(fast: bool, n_runs: int | None, n_iter: int | None, default_iter: int
              ) -> tuple[int, int]:
    runs = n_runs if n_runs is not None else (FAST["n_runs"] if fast else 10)
    iters = n_iter if n_iter is not None else (FAST["n_iter"] if fast else default_iter)
    return check_int("n_runs", runs, low=1), check_int("n_iter", iters, low=1)


def discriminative_score(real: Any, synthetic: Any, *, n_runs: int | None = None,
                         n_iter: int | None = None, batch_size: int = 128,
                         hidden_dim: int | None = None, test_size: float = 0.2,
                         lr: float = 1e-3, random_state: Any = None, device: Any = None,
                         fast: bool = False) -> MetricResult:
    """``|accuracy - 0.5|`` of a post-hoc GRU classifier of real vs synthetic (lower is better).

    Each run: real and synthetic are each shuffled and split into train and test parts
    (``test_size``); a one-layer GRU (``hidden_dim`` units, default ``int(n_features / 2)``)
    with a linear layer on its last hidden state is trained for ``n_iter`` Adam steps, each on
    ``batch_size`` real and ``batch_size`` synthetic training sequences drawn at random, with
    the summed binary cross-entropy of both halves; the score is ``|acc - 0.5|`` of the 0.5
    threshold on the union of both test parts.

    Parameters
    ----------
    real, synthetic : array (n, seq_len, n_features) or list of (seq_len_i, n_features) arrays
        Both in the same (scaled) units; TimeGAN's protocol scales to [0, 1].
    n_runs : int
        Independent runs (default 10; 1 with ``fast``).
    n_iter : int
        Training iterations per run (default 2000; 50 with ``fast``).
    batch_size, hidden_dim, test_size, lr
        As the reference (128, ``int(d/2)``, 0.2, 0.001).
    random_state : int, numpy Generator or None
    device : str or None
        "cpu", "cuda" or None (CUDA when available).
    fast : bool
        A tiny budget for tests and smoke runs; the number is not comparable with papers.

    Returns
    -------
    MetricResult
        Mean (the number papers report), std and 95% CI over runs, and each run's score.

    References
    ----------
    Yoon, Jarrett, van der Schaar, "Time-series Generative Adversarial Networks", NeurIPS 2019;
    ``metrics/discriminative_metrics.py`` of jsyoon0823/TimeGAN.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> real, noise = rng.uniform(size=(64, 8, 2)), rng.normal(3, 1, size=(64, 8, 2))
    >>> result = discriminative_score(real, noise, n_runs=2, n_iter=200, hidden_dim=4,
    ...                               random_state=0)
    >>> result.mean > 0.3, result.n_runs
    (True, 2)
    """
    real_s, synth_s = as_pair(real, synthetic)
    n_runs, n_iter = _settings(fast, n_runs, n_iter, 2000)
    batch_size = check_int("batch_size", batch_size, low=1)
    if not 0 < test_size < 1:
        raise ValueError(f"`test_size` must be in (0, 1); got {test_size!r}.")
    hidden = _hidden(hidden_dim, real_s.n_channels)
    dev = _device(device)
    rng = check_random_state(random_state)
    scores = []
    for _ in range(n_runs):
        seed = seed_from(rng)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            scores.append(_discriminate_once(real_s, synth_s, n_iter, batch_size, hidden,
                                             test_size, lr, np.random.default_rng(seed), dev))
    return MetricResult.from_values(scores)


def _split(n: int, test_size: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(n)
    n_train = min(max(1, round(n * (1 - test_size))), n - 1) if n > 1 else 1
    return order[:n_train], order[n_train:] if n > 1 else order


def _tensors(seq: Any, idx: np.ndarray, dev: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.as_tensor(seq.values[idx], dtype=torch.float32, device=dev)
    lengths = torch.as_tensor(seq.lengths[idx], dtype=torch.long, device=dev)
    return x, lengths


def _pad_to(x: torch.Tensor, total: int) -> torch.Tensor:
    if x.shape[1] == total:
        return x
    return torch.cat([x, x.new_zeros(x.shape[0], total - x.shape[1], x.shape[2])], dim=1)


def _discriminate_once(real: Any, synth: Any, n_iter: int, batch_size: int, hidden: int,
                       test_size: float, lr: float, rng: np.random.Generator,
                       dev: torch.device) -> float:
    total = max(real.seq_len, synth.seq_len)
    train_r, test_r = _split(real.n_sequences, test_size, rng)
    train_s, test_s = _split(synth.n_sequences, test_size, rng)
    xr, lr_ = _tensors(real, train_r, dev)
    xs, ls_ = _tensors(synth, train_s, dev)
    xr, xs = _pad_to(xr, total), _pad_to(xs, total)
    model = _LastStateClassifier(real.n_channels, hidden).to(dev)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    bce = nn.functional.binary_cross_entropy_with_logits
    for _ in range(n_iter):
        ir = torch.randint(len(xr), (min(batch_size, len(xr)),), device=dev)
        is_ = torch.randint(len(xs), (min(batch_size, len(xs)),), device=dev)
        x = torch.cat([xr[ir], xs[is_]])
        lengths = torch.cat([lr_[ir], ls_[is_]])
        logits = model(x, lengths)
        n_r = len(ir)
        loss = (bce(logits[:n_r], torch.ones_like(logits[:n_r]))
                + bce(logits[n_r:], torch.zeros_like(logits[n_r:])))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        tr, tlr = _tensors(real, test_r, dev)
        ts, tls = _tensors(synth, test_s, dev)
        pr = torch.sigmoid(model(_pad_to(tr, total), tlr)) > 0.5
        ps = torch.sigmoid(model(_pad_to(ts, total), tls)) > 0.5
    correct = int(pr.sum()) + int((~ps).sum())
    accuracy = correct / (len(pr) + len(ps))
    return abs(accuracy - 0.5)


def predictive_score(real: Any, synthetic: Any, *, n_runs: int | None = None,
                     n_iter: int | None = None, batch_size: int = 128,
                     hidden_dim: int | None = None, lr: float = 1e-3,
                     random_state: Any = None, device: Any = None,
                     fast: bool = False) -> MetricResult:
    """Train on synthetic, test on real: MAE of a one-step-ahead GRU predictor (lower is
    better).

    Each run trains a one-layer GRU (``hidden_dim`` units, default ``int(n_features / 2)``)
    with a sigmoid linear read-out at every step, on the synthetic sequences: input all
    features but the last at steps ``0..T-2``, target the last feature at steps ``1..T-1``,
    mean absolute error, ``n_iter`` Adam steps on random batches of ``batch_size``. The score is
    the MAE over the valid steps of each real sequence, averaged over all real sequences. The
    sigmoid read-out assumes data scaled to [0, 1], as in TimeGAN's protocol.

    Parameters
    ----------
    real, synthetic : array (n, seq_len, n_features) or list of (seq_len_i, n_features) arrays
        At least 2 features and 2 steps.
    n_runs : int
        Independent runs (default 10; 1 with ``fast``).
    n_iter : int
        Training iterations per run (default 5000; 50 with ``fast``).
    batch_size, hidden_dim, lr
        As the reference (128, ``int(d/2)``, 0.001).
    random_state, device, fast
        As :func:`discriminative_score`.

    Returns
    -------
    MetricResult

    References
    ----------
    Yoon et al. 2019; ``metrics/predictive_metrics.py`` of jsyoon0823/TimeGAN; TSTR in Esteban,
    Hyland, Rätsch, "Real-valued (Medical) Time Series Generation with Recurrent Conditional
    GANs", 2017.

    Examples
    --------
    >>> import numpy as np
    >>> real = np.random.default_rng(0).uniform(size=(32, 8, 3))
    >>> 0 < predictive_score(real, real, fast=True, random_state=0).mean < 1
    True
    """
    real_s, synth_s = as_pair(real, synthetic)
    if real_s.n_channels < 2:
        raise ValueError("predictive_score predicts the last feature from the others, so it "
                         f"needs at least 2 features; got {real_s.n_channels}.")
    if min(real_s.lengths.min(), synth_s.lengths.min()) < 2:
        raise ValueError("predictive_score needs sequences of at least 2 steps.")
    n_runs, n_iter = _settings(fast, n_runs, n_iter, 5000)
    batch_size = check_int("batch_size", batch_size, low=1)
    hidden = _hidden(hidden_dim, real_s.n_channels)
    dev = _device(device)
    rng = check_random_state(random_state)
    scores = []
    for _ in range(n_runs):
        seed = seed_from(rng)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            scores.append(_predict_once(real_s, synth_s, n_iter, batch_size, hidden, lr, dev))
    return MetricResult.from_values(scores)


def _io(seq: Any, dev: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor,
                                               torch.Tensor]:
    x = torch.as_tensor(seq.values, dtype=torch.float32, device=dev)
    lengths = torch.as_tensor(seq.lengths - 1, dtype=torch.long, device=dev)
    mask = (torch.arange(x.shape[1] - 1, device=dev)[None] < lengths[:, None]).float()
    return x[:, :-1, :-1], x[:, 1:, -1], lengths, mask


def _predict_once(real: Any, synth: Any, n_iter: int, batch_size: int, hidden: int,
                  lr: float, dev: torch.device) -> float:
    xs, ys, ls, ms = _io(synth, dev)
    model = _StepPredictor(real.n_channels - 1, hidden).to(dev)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(n_iter):
        idx = torch.randperm(len(xs), device=dev)[:batch_size]
        error = (model(xs[idx], ls[idx]) - ys[idx]).abs() * ms[idx]
        loss = error.sum() / ms[idx].sum()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    xr, yr, lr_, mr = _io(real, dev)
    with torch.no_grad():
        error = (model(xr, lr_) - yr).abs() * mr
        per_sequence = error.sum(1) / mr.sum(1)
    return float(per_sequence.mean())
