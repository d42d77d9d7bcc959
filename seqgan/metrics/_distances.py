"""Set distances and privacy measures on flattened sequences: MMD, distance to closest record
and a distance-based membership-inference attack."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from seqgan._validation import check_random_state
from seqgan.metrics._input import as_sequences, require_equal_length


def _flat(name: str, *sets: tuple[str, Any]) -> list[np.ndarray]:
    seqs = [(label, as_sequences(label, data)) for label, data in sets]
    require_equal_length(name, *seqs)
    widths = {s.n_channels for _, s in seqs}
    if len(widths) > 1:
        raise ValueError(f"{name} needs the same number of features in every set; got "
                         f"{', '.join(f'{label}: {s.n_channels}' for label, s in seqs)}.")
    return [s.values.reshape(s.n_sequences, -1) for _, s in seqs]


def _squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.maximum(d, 0.0)


def mmd(real: Any, synthetic: Any, *, bandwidth: float | None = None,
        max_samples: int | None = 2000, random_state: Any = None) -> float:
    """Squared maximum mean discrepancy with a Gaussian kernel, unbiased estimate.

    Sequences are flattened to vectors (seq_len * n_features). The kernel is
    ``k(x, y) = exp(-||x - y||^2 / (2 sigma^2))`` with ``sigma`` the median pairwise distance
    of the pooled samples (the median heuristic, as RCGAN's evaluation) unless ``bandwidth``
    is given. ``max_samples`` random sequences of each set are used (memory grows with its
    square). About 0 when both come from one distribution (it can be slightly negative).

    References
    ----------
    Gretton et al., "A Kernel Two-Sample Test", JMLR 2012; Esteban, Hyland, Rätsch, RCGAN 2017.
    """
    x, y = _flat("mmd", ("real", real), ("synthetic", synthetic))
    rng = check_random_state(random_state)
    if max_samples is not None:
        x = x[rng.permutation(len(x))[:max_samples]]
        y = y[rng.permutation(len(y))[:max_samples]]
    if len(x) < 2 or len(y) < 2:
        raise ValueError("mmd needs at least 2 sequences in each set.")
    dxx, dyy, dxy = _squared_distances(x, x), _squared_distances(y, y), _squared_distances(x, y)
    if bandwidth is None:
        pooled = np.concatenate([dxx[np.triu_indices(len(x), 1)], dyy[np.triu_indices(len(y), 1)],
                                 dxy.ravel()])
        bandwidth = float(np.sqrt(np.median(pooled))) or 1.0
    gamma = 1.0 / (2.0 * bandwidth ** 2)
    kxx, kyy, kxy = np.exp(-gamma * dxx), np.exp(-gamma * dyy), np.exp(-gamma * dxy)
    m, n = len(x), len(y)
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1))
                 + (kyy.sum() - np.trace(kyy)) / (n * (n - 1)) - 2 * kxy.mean())


def _nearest(query: np.ndarray, reference: np.ndarray, *, exclude_self: bool = False,
             chunk: int = 1024) -> np.ndarray:
    out = np.empty(len(query))
    for start in range(0, len(query), chunk):
        d = _squared_distances(query[start:start + chunk], reference)
        if exclude_self:
            d[np.arange(len(d)), np.arange(start, start + len(d))] = np.inf
        out[start:start + chunk] = np.sqrt(d.min(1))
    return out


def distance_to_closest_record(train: Any, synthetic: Any, holdout: Any) -> dict[str, float]:
    """Distance to closest record (DCR): how close synthetic sequences are to training ones,
    compared with how close unseen real sequences (``holdout``) are.

    Euclidean distances between flattened sequences. Returns the 5th percentile and median of
    the synthetic -> training nearest distances, the same for holdout -> training, and their
    ratios. A ratio well below 1 (synthetic records much closer to training records than new
    real records are) suggests copying. This is a screening statistic, not a privacy
    guarantee (no differential privacy is implied).
    """
    t, s, h = _flat("distance_to_closest_record", ("train", train), ("synthetic", synthetic),
                    ("holdout", holdout))
    ds, dh = _nearest(s, t), _nearest(h, t)
    out = {"synthetic_p5": float(np.percentile(ds, 5)),
           "synthetic_median": float(np.median(ds)),
           "holdout_p5": float(np.percentile(dh, 5)), "holdout_median": float(np.median(dh))}
    out["ratio_p5"] = out["synthetic_p5"] / out["holdout_p5"] if out["holdout_p5"] else np.inf
    out["ratio_median"] = (out["synthetic_median"] / out["holdout_median"]
                           if out["holdout_median"] else np.inf)
    return out


def membership_inference_score(train: Any, holdout: Any, synthetic: Any) -> float:
    """AUC of a distance-based membership-inference attack.

    The attacker sees the synthetic data and a record and guesses "member of the training
    set" when the record is close to a synthetic sequence: the score of a record is minus its
    distance to the nearest synthetic sequence, and the AUC measures how well that separates
    ``train`` records (members) from ``holdout`` records (non-members). 0.5: the synthetic data
    reveals nothing this attack can use; towards 1: memorised training records. A weak,
    black-box attack: a low score does not prove privacy.

    References
    ----------
    Hilprecht, Härterich, Bernau, "Monte Carlo and Reconstruction Membership Inference
    Attacks against Generative Models", PETS 2019 (distance-based attacks).
    """
    t, h, s = _flat("membership_inference_score", ("train", train), ("holdout", holdout),
                    ("synthetic", synthetic))
    scores = -np.concatenate([_nearest(t, s), _nearest(h, s)])
    labels = np.concatenate([np.ones(len(t)), np.zeros(len(h))])
    return float(roc_auc_score(labels, scores))


def tstr_score(synthetic: Any, synthetic_labels: Any, real_test: Any, real_test_labels: Any, *,
               real_train: Any = None, real_train_labels: Any = None,
               random_state: Any = None) -> dict[str, float]:
    """Train on synthetic, test on real (TSTR) for labelled data (Esteban et al., RCGAN 2017).

    A random forest (200 trees) on flattened sequences is trained on the labelled synthetic
    data (e.g. from a conditional model sampled with known classes) and its accuracy measured
    on real test data. With ``real_train`` the same classifier trained on real data gives the
    TRTR reference (train on real, test on real): TSTR close to TRTR means the synthetic data
    is as useful for this task as the real data. Higher is better.

    Returns
    -------
    dict with "tstr" (and "trtr" when real training data is given)
    """
    from sklearn.ensemble import RandomForestClassifier

    sets = [("synthetic", synthetic), ("real_test", real_test)]
    if real_train is not None:
        sets.append(("real_train", real_train))
    flats = _flat("tstr_score", *sets)
    labels = [np.asarray(synthetic_labels), np.asarray(real_test_labels)]
    if real_train is not None:
        labels.append(np.asarray(real_train_labels))
    for (name, _), x, y in zip(sets, flats, labels, strict=True):
        if y.shape != (len(x),):
            raise ValueError(f"The labels of `{name}` must have shape ({len(x)},); got "
                             f"{y.shape}.")
    seed = int(check_random_state(random_state).integers(2**31 - 1))

    def accuracy(x: np.ndarray, y: np.ndarray) -> float:
        model = RandomForestClassifier(n_estimators=200, random_state=seed, n_jobs=1)
        return float((model.fit(x, y).predict(flats[1]) == labels[1]).mean())

    out = {"tstr": accuracy(flats[0], labels[0])}
    if real_train is not None:
        out["trtr"] = accuracy(flats[2], labels[2])
    return out
