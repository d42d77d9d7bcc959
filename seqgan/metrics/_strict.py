"""A stricter discriminative score, its real-vs-real floor, and the roughness ratio.

TimeGAN's protocol classifier (:func:`~seqgan.metrics.discriminative_score`, a GRU with
``int(d / 2)`` units) cannot see roughness: iid noise of std 0.02 on real stock windows scores
about 0.01 with it. :func:`strict_discriminative_score` trains a classifier that can: dilated
1-D convolutions over the standardised series and its first differences, mean- and max-pooled
over the valid steps, then a logit.

Windows cut with stride 1 from one long series overlap, so a random train/test split puts a
near-copy of every real test window in the training set, and a strong classifier then tells
apart every generator that does not copy its training data. The real windows are therefore
split in time blocks with a gap (``real_order="time"``, the default); the synthetic samples,
independent draws of a generator, are split at random (``synthetic_order="iid"``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

from seqgan._validation import check_float, check_int, check_random_state, seed_from
from seqgan.data import SequenceData
from seqgan.metrics import _input
from seqgan.metrics._result import MetricResult
from seqgan.metrics._timegan_protocol import _device

__all__ = ["roughness_ratio", "strict_discriminative_floor", "strict_discriminative_score"]

Order = Literal["time", "iid"]

FAST = {"n_runs": 1, "n_iter": 100}
_DEFAULT_RUNS, _DEFAULT_ITER = 5, 300
_EVAL_BATCH = 1024


def _checked(name: str, data: Any) -> SequenceData:
    return _input.as_sequences(name, data)


def _checked_pair(real: Any, synthetic: Any) -> tuple[SequenceData, SequenceData]:
    return _input.as_pair(real, synthetic)


class _ConvClassifier(nn.Module):
    """Dilated 1-D convolutions over [x, diff x] -> masked mean and max pooling -> one logit.

    Three convolutions of kernel 3 with dilations 1, 2, 4 see 15 consecutive steps.
    """

    def __init__(self, n_inputs: int, channels: int) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = n_inputs
        for dilation in (1, 2, 4):
            layers += [nn.Conv1d(width, channels, 3, padding=dilation, dilation=dilation),
                       nn.GELU()]
            width = channels
        self.conv = nn.Sequential(*layers)
        self.out = nn.Linear(2 * channels, 1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.conv(x.transpose(1, 2))  # (batch, channels, seq_len)
        m = mask[:, None, :]
        mean = (h * m).sum(-1) / m.sum(-1).clamp_min(1.0)
        peak = h.masked_fill(m == 0, float("-inf")).amax(-1)
        return self.out(torch.cat([mean, peak], dim=1)).squeeze(-1)


def _order(name: str, order: Any, n: int) -> np.ndarray | None:
    """Indices of the sequences in time order, or None for independent samples."""
    if isinstance(order, str):
        if order == "time":
            return np.arange(n)
        if order == "iid":
            return None
        raise ValueError(f"`{name}` must be 'time', 'iid' or an array of {n} time positions; "
                         f"got {order!r}.")
    keys = np.asarray(order)
    if keys.shape != (n,) or not np.issubdtype(keys.dtype, np.number):
        raise ValueError(f"`{name}` as an array must hold one numeric time position per "
                         f"sequence, shape ({n},); got shape {keys.shape} of dtype "
                         f"{keys.dtype}.")
    if not np.all(np.isfinite(keys)):
        raise ValueError(f"`{name}` contains NaN or infinite time positions.")
    return np.argsort(keys, kind="stable")


def _random_split(n: int, test_size: float, rng: np.random.Generator
                  ) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(n)
    n_test = min(max(1, round(n * test_size)), n - 1)
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def _n_blocks(n: int, block_size: int) -> int:
    return max(2, round(n / block_size))


def _block_split(name: str, ordered: np.ndarray, test_size: float, block_size: int, gap: int,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Test = randomly chosen time blocks; train = the rest, minus ``gap`` positions around
    every test block, so each training sequence is at least ``gap`` positions from every test
    sequence."""
    n = len(ordered)
    blocks = min(_n_blocks(n, block_size), n)
    edges = np.linspace(0, n, blocks + 1).round().astype(int)
    n_test = min(max(1, round(blocks * test_size)), blocks - 1)
    is_test = np.zeros(n, dtype=bool)
    near = np.zeros(n, dtype=bool)
    for b in rng.choice(blocks, size=n_test, replace=False):
        start, stop = edges[b], edges[b + 1]
        is_test[start:stop] = True
        near[max(0, start - gap + 1): min(n, stop + gap - 1)] = True
    train = ordered[~near & ~is_test]
    test = ordered[is_test]
    if len(train) == 0 or len(test) == 0:
        raise ValueError(f"The time-block split of `{name}` leaves no training sequences: "
                         f"{n} sequences in {blocks} blocks with a gap of {gap}. Give more "
                         "sequences, a larger `block_size` or a smaller `gap`.")
    return train, test


@dataclass(frozen=True)
class _SplitPlan:
    """How one set is split: ``ordered`` (indices in time order, None for iid samples)."""

    name: str
    ordered: np.ndarray | None
    block_size: int
    gap: int

    def split(self, n: int, test_size: float, rng: np.random.Generator
              ) -> tuple[np.ndarray, np.ndarray]:
        if n < 2:
            raise ValueError(f"`{self.name}` needs at least 2 sequences to split into train "
                             f"and test; got {n}.")
        if self.ordered is None:
            return _random_split(n, test_size, rng)
        return _block_split(self.name, self.ordered, test_size, self.block_size, self.gap, rng)


def _plan(name: str, order: Any, seq: SequenceData, block_size: int | None, gap: int | None
          ) -> _SplitPlan:
    gap = seq.seq_len if gap is None else gap
    size = 2 * max(gap, 1) if block_size is None else block_size
    return _SplitPlan(name, _order(f"{name}_order", order, seq.n_sequences), size, gap)


def _features(seq: SequenceData, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[x, diff x] (len(idx), max_len, 2d) with zeros on padded steps and at step 0 of the
    differences, and the float mask of valid steps."""
    x = seq.values[idx]
    mask = seq.mask()[idx]
    dx = np.zeros_like(x)
    dx[:, 1:] = (x[:, 1:] - x[:, :-1]) * mask[:, 1:, None]
    return np.concatenate([x, dx], axis=2), mask.astype(np.float64)


def _standardiser(feats: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and std over the valid steps (differences: from step 1 on)."""
    d = feats.shape[2] // 2
    weights = mask.copy()
    diff_weights = mask.copy()
    diff_weights[:, 0] = 0.0
    mean = np.empty(feats.shape[2])
    std = np.empty(feats.shape[2])
    for w, cols in ((weights, slice(0, d)), (diff_weights, slice(d, 2 * d))):
        total = max(w.sum(), 1.0)
        m = (feats[..., cols] * w[..., None]).sum((0, 1)) / total
        v = (((feats[..., cols] - m) ** 2) * w[..., None]).sum((0, 1)) / total
        mean[cols], std[cols] = m, np.sqrt(v)
    return mean, np.where(std > 1e-12, std, 1.0)


def _prepared(seq: SequenceData, idx: np.ndarray, mean: np.ndarray, std: np.ndarray, total: int,
              dev: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    feats, mask = _features(seq, idx)
    feats = (feats - mean) / std * mask[..., None]
    if feats.shape[1] < total:
        pad = total - feats.shape[1]
        feats = np.pad(feats, ((0, 0), (0, pad), (0, 0)))
        mask = np.pad(mask, ((0, 0), (0, pad)))
    return (torch.as_tensor(feats, dtype=torch.float32, device=dev),
            torch.as_tensor(mask, dtype=torch.float32, device=dev))


def _predict_real(model: nn.Module, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return torch.cat([model(x[i: i + _EVAL_BATCH], mask[i: i + _EVAL_BATCH]) > 0
                          for i in range(0, len(x), _EVAL_BATCH)])


def _discriminate_once(real: SequenceData, synth: SequenceData, train_r: np.ndarray,
                       test_r: np.ndarray, train_s: np.ndarray, test_s: np.ndarray,
                       n_iter: int, batch_size: int, channels: int, lr: float,
                       dev: torch.device) -> float:
    mean, std = _standardiser(*_features(real, train_r))
    total = max(real.seq_len, synth.seq_len)
    xr, mr = _prepared(real, train_r, mean, std, total, dev)
    xs, ms = _prepared(synth, train_s, mean, std, total, dev)
    model = _ConvClassifier(2 * real.n_channels, channels).to(dev)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    bce = nn.functional.binary_cross_entropy_with_logits
    for _ in range(n_iter):
        ir = torch.randint(len(xr), (min(batch_size, len(xr)),), device=dev)
        is_ = torch.randint(len(xs), (min(batch_size, len(xs)),), device=dev)
        real_logits = model(xr[ir], mr[ir])
        fake_logits = model(xs[is_], ms[is_])
        loss = (bce(real_logits, torch.ones_like(real_logits))
                + bce(fake_logits, torch.zeros_like(fake_logits)))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    model.eval()
    real_hits = _predict_real(model, *_prepared(real, test_r, mean, std, total, dev))
    fake_hits = ~_predict_real(model, *_prepared(synth, test_s, mean, std, total, dev))
    balanced_accuracy = 0.5 * (float(real_hits.float().mean()) + float(fake_hits.float().mean()))
    return abs(balanced_accuracy - 0.5)


@dataclass(frozen=True)
class _Budget:
    """The checked classifier settings shared by the score and its floor."""

    n_runs: int
    n_iter: int
    batch_size: int
    channels: int
    test_size: float
    block_size: int | None
    gap: int | None
    lr: float


def _budget(fast: bool, n_runs: int | None, n_iter: int | None, batch_size: int, channels: int,
            test_size: float, block_size: int | None, gap: int | None, lr: float) -> _Budget:
    runs = n_runs if n_runs is not None else (FAST["n_runs"] if fast else _DEFAULT_RUNS)
    iters = n_iter if n_iter is not None else (FAST["n_iter"] if fast else _DEFAULT_ITER)
    return _Budget(
        n_runs=check_int("n_runs", runs, low=1),
        n_iter=check_int("n_iter", iters, low=1),
        batch_size=check_int("batch_size", batch_size, low=1),
        channels=check_int("channels", channels, low=1),
        test_size=check_float("test_size", test_size, low=0.0, high=1.0, closed="neither"),
        block_size=None if block_size is None else check_int("block_size", block_size, low=1),
        gap=None if gap is None else check_int("gap", gap, low=0),
        lr=check_float("lr", lr, low=0.0, closed="neither"))


Splitter = Callable[[np.random.Generator],
                    tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]


def _runs(real: SequenceData, synth: SequenceData, splitter: Splitter, budget: _Budget,
          random_state: Any, device: Any) -> MetricResult:
    dev = _device(device)
    rng = check_random_state(random_state)
    scores = []
    for _ in range(budget.n_runs):
        seed = seed_from(rng)
        with torch.random.fork_rng(devices=[dev] if dev.type == "cuda" else []):
            torch.manual_seed(seed)
            parts = splitter(np.random.default_rng(seed))
            scores.append(_discriminate_once(real, synth, *parts, budget.n_iter,
                                             budget.batch_size, budget.channels, budget.lr, dev))
    return MetricResult.from_values(scores)


def strict_discriminative_score(real: Any, synthetic: Any, *,
                                real_order: Order | np.ndarray = "time",
                                synthetic_order: Order | np.ndarray = "iid",
                                n_runs: int | None = None, n_iter: int | None = None,
                                batch_size: int = 128,
                                channels: int = 16, test_size: float = 0.2,
                                block_size: int | None = None, gap: int | None = None,
                                lr: float = 1e-3, random_state: Any = None,
                                device: Any = None, fast: bool = False) -> MetricResult:
    """``|balanced accuracy - 0.5|`` of a convolutional real-vs-synthetic classifier on
    held-out data, with the real windows split in time blocks (lower is better).

    Each run splits both sets into train and test parts, trains a fresh classifier for
    ``n_iter`` Adam steps, each on ``batch_size`` real and ``batch_size`` synthetic training
    sequences drawn at random (summed binary cross-entropy), and scores ``|acc - 0.5|`` where
    ``acc`` is the mean of the accuracy on the real test part and the accuracy on the
    synthetic test part (threshold 0.5). With test parts of equal size this is the protocol's
    accuracy on their union; unlike it, unequal parts cannot move the score of a classifier
    that guesses.

    The classifier sees the series and its first differences, each channel standardised with
    the mean and std of the real training part (valid steps only), through three 1-D
    convolutions of ``channels`` channels (kernel 3, dilations 1, 2, 4, GELU; 15 steps in
    view), mean and max pooling over the valid steps and a linear layer. It sees roughness,
    local shape and cross-feature structure that the protocol's GRU of ``int(d / 2)`` units
    misses.

    How each set is split (``real_order``, ``synthetic_order``):

    - ``"time"``: the sequences are windows in time order cut from one series (stride 1 or
      more), e.g. ``load_dataset("stocks", shuffle=False)``. They are cut into consecutive
      blocks of ``block_size`` sequences; each run holds out a share ``test_size`` of the
      blocks, chosen at random, and trains on the rest, minus the ``gap - 1`` sequences on each
      side of every held-out block: every training sequence starts at least ``gap``
      positions from every test sequence, so with stride-1 windows and the default ``gap``
      (the sequence length) no training window shares a step with a test window.
    - ``"iid"``: independent samples (a generator's output, one sequence per patient): a
      random split with ``test_size`` held out, as in the protocol.
    - an array of one number per sequence: its position in time (e.g. the window's start
      step, or the permutation a shuffling loader applied); the sequences are sorted by it and
      split as ``"time"`` (``gap`` and ``block_size`` count positions in that order). For
      windows of several series give each series its own range (``series_id * 10**6 +
      start``).

    The real default is ``"time"``: with a random split of overlapping windows every real test
    window has a near-copy in the training part, the classifier learns "close to a memorised
    real window" and tells apart every generator that does not copy its training data. The
    synthetic default is ``"iid"``, right for samples drawn independently from a generator;
    if the synthetic windows are cut from long generated series, or are real windows of
    another period, pass ``"time"`` too.

    Parameters
    ----------
    real, synthetic : array (n, seq_len, n_features) or list of (seq_len_i, n_features) arrays
        Both in the same (scaled) units. Variable lengths are respected (padded steps are
        left out of the differences, the standardisation and the pooling).
    real_order, synthetic_order : "time", "iid" or array of shape (n,)
        How each set is split, see above (defaults "time" and "iid").
    n_runs : int
        Independent runs, each with its own split and classifier (default 5; 1 with ``fast``).
    n_iter : int
        Adam steps per run (default 300; 100 with ``fast``).
    batch_size : int
        Real and synthetic sequences per step, each (128).
    channels : int
        Channels of each convolution (16).
    test_size : float in (0, 1)
        Share held out for testing (0.2): of the blocks for "time", of the sequences for "iid".
    block_size : int or None
        Sequences per time block (default ``2 * gap``, at least 1).
    gap : int or None
        Minimum distance in positions between a training and a test sequence of a "time" set
        (default: that set's longest sequence length).
    lr : float
        Adam learning rate (0.001).
    random_state : int, numpy Generator or None
        Seeds the splits, the initialisation and the batches; equal seeds give equal scores
        on the same device.
    device : str or None
        "cpu", "cuda" or None (CUDA when available).
    fast : bool
        A tiny budget for tests and smoke runs.

    Returns
    -------
    MetricResult
        Mean, std and 95% CI over runs, and each run's score (0 = indistinguishable,
        0.5 = always told apart). Read it against :func:`strict_discriminative_floor` on the
        same real data: what data as good as the real data itself scores.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(400.0)
    >>> series = np.stack([np.sin(t / 9), np.cos(t / 13)], axis=1)
    >>> windows = np.stack([series[i: i + 16] for i in range(len(series) - 15)])
    >>> noisy = windows + rng.normal(0, 0.05, size=windows.shape)
    >>> result = strict_discriminative_score(windows, noisy, n_runs=2, n_iter=100,
    ...                                      random_state=0)
    >>> result.mean > 0.4, result.n_runs
    (True, 2)
    """
    real_s, synth_s = _checked_pair(real, synthetic)
    budget = _budget(fast, n_runs, n_iter, batch_size, channels, test_size, block_size, gap,
                     lr)
    real_plan = _plan("real", real_order, real_s, budget.block_size, budget.gap)
    synth_plan = _plan("synthetic", synthetic_order, synth_s, budget.block_size, budget.gap)

    def splitter(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                    np.ndarray]:
        train_r, test_r = real_plan.split(real_s.n_sequences, budget.test_size, rng)
        train_s, test_s = synth_plan.split(synth_s.n_sequences, budget.test_size, rng)
        return train_r, test_r, train_s, test_s

    return _runs(real_s, synth_s, splitter, budget, random_state, device)


def _interleaved_split(plan: _SplitPlan, n: int, test_size: float, rng: np.random.Generator
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Four disjoint parts of one real set: train and test of half A, train and test of half B.

    "time": every block gets one of the four roles at random (test blocks: ``test_size`` of
    all, as many for A as for B); the first ``gap - 1`` sequences of a block whose role
    differs from the previous block's are dropped. "iid": the same on single sequences.
    """
    ordered = rng.permutation(n) if plan.ordered is None else plan.ordered
    size, gap = (1, 0) if plan.ordered is None else (plan.block_size, plan.gap)
    blocks = min(_n_blocks(n, size), n)
    edges = np.linspace(0, n, blocks + 1).round().astype(int)
    n_test = min(max(1, round(blocks * test_size / 2)), (blocks - 2) // 2)
    if n_test < 1:
        raise ValueError(f"`real` holds too few sequences ({n}) for a real-vs-real split in "
                         f"blocks of {size}; give more sequences or a smaller `block_size`.")
    perm = rng.permutation(blocks)
    roles = np.empty(blocks, dtype=np.int64)
    roles[perm[:n_test]] = 1  # A test
    roles[perm[n_test: 2 * n_test]] = 3  # B test
    roles[perm[2 * n_test::2]] = 0  # A train
    roles[perm[2 * n_test + 1::2]] = 2  # B train
    role = np.repeat(roles, np.diff(edges))
    keep = np.ones(n, dtype=bool)
    for b in range(1, blocks):
        if roles[b] != roles[b - 1]:
            keep[edges[b]: min(edges[b] + max(gap - 1, 0), edges[b + 1])] = False
    parts = tuple(ordered[keep & (role == r)] for r in range(4))
    if min(len(p) for p in parts) == 0:
        raise ValueError(f"The real-vs-real split of `real` leaves an empty part: {n} "
                         f"sequences in {blocks} blocks with a gap of {gap}; give more "
                         "sequences, a larger `block_size` or a smaller `gap`.")
    return parts


def strict_discriminative_floor(real: Any, *, real_order: Order | np.ndarray = "time",
                                n_runs: int | None = None, n_iter: int | None = None,
                                batch_size: int = 128, channels: int = 16,
                                test_size: float = 0.2, block_size: int | None = None,
                                gap: int | None = None, lr: float = 1e-3,
                                random_state: Any = None, device: Any = None,
                                fast: bool = False) -> MetricResult:
    """The real-vs-real floor of :func:`strict_discriminative_score`: the score of data as good
    as the real data, that the classifier never saw.

    Each run cuts the real sequences (in time order for ``"time"``) into blocks of
    ``block_size`` and gives every block one of four roles at random: training or test part
    of half A ("real") or of half B ("synthetic"), with ``test_size`` of the blocks held out
    for testing (as many for A as for B). The first ``gap - 1`` sequences of a block whose
    role differs from the previous block's are dropped, so with stride-1 windows no two parts
    share a step; the random roles make the neighbours of a test block as often A as B. Then
    the classifier of :func:`strict_discriminative_score` (same settings) is trained on A
    against B and scored on the test blocks. For ``"iid"`` data the roles go to single
    sequences and nothing is dropped.

    The floor is above 0 because the test parts are finite and, in a series that changes over
    time, held-out periods differ from the training periods; a generator within the floor's
    confidence interval is as hard to tell from the data as other data of the same series.
    Every part is about half the size it has in :func:`strict_discriminative_score` and some
    sequences are dropped, so the floor is, if anything, a little noisier.

    Parameters
    ----------
    real : array (n, seq_len, n_features) or list of (seq_len_i, n_features) arrays
        The real data.
    real_order : "time", "iid" or array of shape (n,)
        As in :func:`strict_discriminative_score`.
    n_runs, n_iter, batch_size, channels, test_size, block_size, gap, lr, random_state, \
device, fast
        As in :func:`strict_discriminative_score`.

    Returns
    -------
    MetricResult

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(600.0)
    >>> series = np.stack([np.sin(t / 9), np.cos(t / 13)], axis=1)
    >>> windows = np.stack([series[i: i + 16] for i in range(len(series) - 15)])
    >>> floor = strict_discriminative_floor(windows, n_runs=2, n_iter=50, random_state=0)
    >>> floor.n_runs, 0 <= floor.mean <= 0.5
    (2, True)
    """
    seq = _checked("real", real)
    budget = _budget(fast, n_runs, n_iter, batch_size, channels, test_size, block_size, gap,
                     lr)
    plan = _plan("real", real_order, seq, budget.block_size, budget.gap)

    def splitter(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                    np.ndarray]:
        return _interleaved_split(plan, seq.n_sequences, budget.test_size, rng)

    return _runs(seq, seq, splitter, budget, random_state, device)


def roughness_ratio(real: Any, synthetic: Any) -> np.ndarray:
    """Per feature, the std of the synthetic first differences over the std of the real ones.

    Differences ``x[t] - x[t-1]`` are taken within each sequence over its valid steps only
    and pooled over all sequences of a set (population std). 1.0 means as smooth as the data,
    above 1 rougher (e.g. added noise), below 1 smoother (e.g. a mean-seeking generator).

    Parameters
    ----------
    real, synthetic : array (n, seq_len, n_features) or list of (seq_len_i, n_features) arrays
        At least one sequence of 2 or more steps in each set.

    Returns
    -------
    ndarray of shape (n_features,)
        ``inf`` for a feature that is constant in the real data but not in the synthetic
        data, ``nan`` where both are constant.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(24.0)
    >>> real = np.stack([np.sin(t / 4 + p) for p in range(8)])[:, :, None]
    >>> roughness_ratio(real, 2 * real).round(3)
    array([2.])
    """
    real_s, synth_s = _checked_pair(real, synthetic)
    real_std = _diff_std("real", real_s)
    synth_std = _diff_std("synthetic", synth_s)
    with np.errstate(divide="ignore", invalid="ignore"):
        return synth_std / real_std


def _diff_std(name: str, seq: SequenceData) -> np.ndarray:
    mask = seq.mask()
    valid = mask[:, 1:] & mask[:, :-1]
    if not valid.any():
        raise ValueError(f"`{name}` needs at least one sequence of 2 or more steps for first "
                         f"differences; the longest has {int(seq.lengths.max())}.")
    diffs = (seq.values[:, 1:] - seq.values[:, :-1])[valid]  # (n_differences, n_features)
    return diffs.std(axis=0)
