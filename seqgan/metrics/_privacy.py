"""``privacy_report``: does a fitted model give its training records away? Distance to
closest record against a holdout baseline, the distance-based membership-inference attack,
nearest-neighbour copies with their indices, the differential-privacy budget when there is
one, each with a plain reading; written as markdown and PNG figures.

See ``docs/privacy.md``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from seqgan._validation import check_float, check_int
from seqgan.metrics._distances import (
    _squared_distances,
    distance_to_closest_record,
    membership_inference_score,
)
from seqgan.metrics._input import as_sequences

logger = logging.getLogger(__name__)

MARKDOWN_FILE = "privacy_report.md"
HISTOGRAM_FILE = "dcr_histogram.png"
PAIRS_FILE = "closest_pairs.png"
#: Fewest holdout records: below this the baseline percentiles are noise.
MIN_HOLDOUT = 20
#: Below this ratio of median DCRs (synthetic / holdout) the reading says "copying".
COPY_RATIO = 0.5
#: Above this ratio the reading says the samples are farther from the data than real records.
FAR_RATIO = 1.5


@dataclass(frozen=True)
class PrivacyReport:
    """The numbers of :func:`privacy_report`.

    Distances are Euclidean between whole series flattened to ``seq_len * n_features`` values,
    after per-feature standardisation fitted on the training data (each feature minus its
    training mean, over its training standard deviation, pooled over sequences and steps).

    Attributes
    ----------
    dcr : dict of str to float
        :func:`distance_to_closest_record` in that space: ``synthetic_p5``,
        ``synthetic_median``, ``holdout_p5``, ``holdout_median``, ``ratio_p5``,
        ``ratio_median`` (synthetic over holdout; well below 1 suggests copying).
    dcr_synthetic : ndarray (n_synthetic,)
        Distance from each synthetic series to its closest training series.
    nearest_train : ndarray (n_synthetic,) int
        Index in ``X_train`` of that closest training series.
    dcr_holdout : ndarray (n_holdout,)
        Distance from each holdout series to its closest training series (the baseline).
    mia_auc : float
        AUC of :func:`membership_inference_score` (training records against holdout records,
        scored by closeness to the synthetic data): 0.5 means the attack cannot tell members
        from non-members, 1 that it finds every member.
    mia_auc_se : float
        Standard error of that AUC (Hanley and McNeil, 1982).
    threshold : float
        Distance below which a synthetic series is flagged as a copy: the
        ``copy_percentile``-th percentile of ``dcr_holdout``.
    copy_percentile : float
        The percentile behind ``threshold``; a generator of new records would have about this
        percentage of its series flagged by chance.
    copies : pandas.DataFrame
        One row per flagged synthetic series, closest first: ``synthetic_index``,
        ``train_index``, ``distance``.
    copies_expected : float
        Flagged series expected by chance, ``n_synthetic * copy_percentile / 100``.
    copies_p_value : float
        One-sided binomial p-value of at least ``len(copies)`` flags when each series has a
        ``copy_percentile`` % chance: small means more copies than chance.
    privacy_spent : dict or None
        ``model.privacy_spent_`` (``{"epsilon": ..., "delta": ...}``) when the model was
        trained with differential privacy, else None.
    readings : dict of str to str
        A plain-language sentence for each part: ``dcr``, ``membership``, ``copies``,
        ``privacy``.
    n_train, n_holdout, n_synthetic, seq_len, n_features : int
        Sizes of the three sets.
    markdown_path : Path or None
        ``out_dir / "privacy_report.md"`` when written.
    figure_paths : dict of str to Path
        ``{"dcr_histogram": ..., "closest_pairs": ...}`` when written, else empty.
    """

    dcr: dict[str, float]
    dcr_synthetic: np.ndarray
    nearest_train: np.ndarray
    dcr_holdout: np.ndarray
    mia_auc: float
    mia_auc_se: float
    threshold: float
    copy_percentile: float
    copies: pd.DataFrame
    copies_expected: float
    copies_p_value: float
    privacy_spent: dict[str, float] | None
    readings: dict[str, str]
    n_train: int
    n_holdout: int
    n_synthetic: int
    seq_len: int
    n_features: int
    markdown_path: Path | None = None
    figure_paths: dict[str, Path] = field(default_factory=dict)

    @property
    def n_copies(self) -> int:
        """Number of flagged synthetic series."""
        return len(self.copies)


def _checked(name: str, data: Any, like: tuple[int, int] | None) -> np.ndarray:
    """``data`` as float64 (n, seq_len, n_features), shaped like X_train when ``like``."""
    if isinstance(data, pd.DataFrame):
        raise TypeError(f"`{name}` must be an array (n_samples, seq_len, n_features) or a list "
                        "of (seq_len, n_features) arrays; got a DataFrame. Convert it first "
                        "(for a long table: one array per id, e.g. "
                        "`[g[cols].to_numpy() for _, g in df.groupby(id_column)]`).")
    if isinstance(data, np.ndarray) and data.dtype.kind in "fc":
        missing = np.isnan(data).reshape(len(data), -1).any(1) if data.ndim else [np.isnan(data)]
    elif isinstance(data, (list, tuple)):
        missing = [isinstance(item, np.ndarray) and item.dtype.kind in "fc"
                   and bool(np.isnan(item).any()) for item in data]
    else:
        missing = []
    if np.any(missing):
        first = int(np.flatnonzero(missing)[0])
        raise ValueError(f"`{name}` contains NaN (first in sample {first}): distances between "
                         "records need complete series. Drop or impute the incomplete "
                         "records before the privacy report.")
    seq = as_sequences(name, data)
    if seq.variable_length:
        raise ValueError(f"`{name}` must hold series of one length for the privacy report; "
                         f"got lengths {int(seq.lengths.min())} to {int(seq.lengths.max())}. "
                         "Cut or resample them to one length first.")
    if like is not None and (seq.seq_len, seq.n_channels) != like:
        raise ValueError(f"`{name}` must have shape (n_samples, {like[0]}, {like[1]}) like "
                         f"`X_train`; got {seq.values.shape}.")
    return seq.values


def _ordinal(p: float) -> str:
    """1 -> "1st", 2.5 -> "2.5th" (percentiles in sentences)."""
    if p != int(p):
        return f"{p:g}th"
    p = int(p)
    suffix = "th" if 10 <= p % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(p % 10, "th")
    return f"{p}{suffix}"


def _nearest_with_index(query: np.ndarray, reference: np.ndarray, chunk: int = 1024
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Distance (n_query,) and index into ``reference`` (n_query,) of each query's nearest
    reference row (rows are flattened series)."""
    distance, index = np.empty(len(query)), np.empty(len(query), dtype=np.int64)
    for start in range(0, len(query), chunk):
        d = _squared_distances(query[start:start + chunk], reference)
        index[start:start + chunk] = d.argmin(1)
        distance[start:start + chunk] = np.sqrt(d.min(1))
    return distance, index


def _auc_se(auc: float, n_members: int, n_others: int) -> float:
    """Standard error of an AUC (Hanley and McNeil, Radiology 1982)."""
    q1, q2 = auc / (2 - auc), 2 * auc ** 2 / (1 + auc)
    var = (auc * (1 - auc) + (n_members - 1) * (q1 - auc ** 2)
           + (n_others - 1) * (q2 - auc ** 2)) / (n_members * n_others)
    return float(math.sqrt(max(var, 0.0)))


def _readings(dcr: dict[str, float], mia: float, mia_se: float, n_copies: int,
              expected: float, p_value: float, percentile: float, n_synthetic: int,
              spent: dict[str, float] | None, per_value: float) -> dict[str, str]:
    ratio = dcr["ratio_median"]
    medians = (f"(median distance {dcr['synthetic_median']:.3g} against "
               f"{dcr['holdout_median']:.3g}, ratio {ratio:.2f})")
    if ratio < COPY_RATIO:
        dcr_text = (f"synthetic series are much closer to the training series than unseen real "
                    f"(holdout) series are {medians}: the model reproduces training records.")
    elif ratio < 0.9:
        dcr_text = (f"synthetic series are somewhat closer to the training series than unseen "
                    f"real (holdout) series are {medians}: look at the closest pairs for "
                    "copied details.")
    elif ratio <= FAR_RATIO:
        dcr_text = (f"synthetic series are no closer to the training series than unseen real "
                    f"(holdout) series are {medians}: no sign of copying.")
    else:
        dcr_text = (f"synthetic series are farther from the training series than unseen real "
                    f"(holdout) series are {medians}: no sign of copying, but the samples are "
                    "less like the data than new real records are (check their fidelity, "
                    "e.g. with seqgan.report).")
    dcr_text += (f" A median synthetic series differs from its closest training series by "
                 f"{per_value:.2f} training standard deviations per value (root mean square).")
    gap = (mia - 0.5) / mia_se if mia_se > 0 else (math.inf if mia > 0.5 else 0.0)
    if mia >= 0.6 and gap > 2:
        mia_text = (f"an attacker who holds the synthetic data tells training records from "
                    f"new ones with AUC {mia:.3f} (0.5 is guessing): training records can be "
                    "recognised, membership leaks.")
    elif gap > 2:
        mia_text = (f"the membership-inference attack scores AUC {mia:.3f} ± {mia_se:.3f} "
                    "(0.5 is guessing): slightly better than guessing, a small membership "
                    "signal.")
    else:
        mia_text = (f"the membership-inference attack scores AUC {mia:.3f} ± {mia_se:.3f}, "
                    "indistinguishable from 0.5 (guessing): this attack cannot tell training "
                    "records from new ones.")
    share = 100 * n_copies / n_synthetic
    closer = (f"{n_copies} of {n_synthetic} synthetic series ({share:.1f}%) are closer to a "
              f"training series than {100 - percentile:g}% of the holdout series are")
    if p_value < 0.01:
        copies_text = (f"{closer}, against {expected:.1f} expected by chance "
                       f"(p = {p_value:.2g}): likely copies, listed by index.")
    else:
        copies_text = (f"{closer}, about the {expected:.1f} expected by chance "
                       f"(p = {p_value:.2g}): no excess of near copies.")
    if spent:
        keys = [k for k in ("epsilon", "delta") if k in spent] or list(spent)
        parts = ", ".join(f"{k} = {spent[k]:g}" for k in keys
                          if isinstance(spent[k], (int, float)))
        privacy_text = (f"trained with differential privacy ({parts}): a formal bound on what "
                        "any attack can learn about one training record, whatever the numbers "
                        "above say.")
    else:
        privacy_text = ("trained without differential privacy: no formal guarantee. The "
                        "numbers above screen for copying and one attack; a model can pass "
                        "them and still leak to stronger attacks.")
    return {"dcr": dcr_text, "membership": mia_text, "copies": copies_text,
            "privacy": privacy_text}


def _figures(result: PrivacyReport, train: np.ndarray, synthetic: np.ndarray, n_pairs: int,
             folder: Path) -> dict[str, Path]:
    from matplotlib.figure import Figure

    from seqgan.plots import REAL_COLOUR, SYNTH_COLOUR

    paths = {}
    fig = Figure(figsize=(7, 3.6))
    ax = fig.subplots()
    both = np.concatenate([result.dcr_synthetic, result.dcr_holdout])
    bins = np.linspace(0, both.max() * 1.02 or 1.0, 40)
    ax.hist(result.dcr_holdout, bins=bins, density=True, alpha=0.55, color=REAL_COLOUR,
            label=f"holdout -> train (n={result.n_holdout}): the baseline")
    ax.hist(result.dcr_synthetic, bins=bins, density=True, alpha=0.55, color=SYNTH_COLOUR,
            label=f"synthetic -> train (n={result.n_synthetic})")
    ax.axvline(result.threshold, color="k", ls="--", lw=1,
               label=f"copy threshold ({_ordinal(result.copy_percentile)} percentile of holdout)")
    ax.set_xlabel("distance to closest training record (standardised units)")
    ax.set_ylabel("density")
    ax.legend(fontsize=8)
    fig.tight_layout()
    paths["dcr_histogram"] = folder / HISTOGRAM_FILE
    fig.savefig(paths["dcr_histogram"], dpi=110)

    order = np.argsort(result.dcr_synthetic)[:n_pairs]
    cols = min(3, len(order))
    rows = int(np.ceil(len(order) / cols))
    fig = Figure(figsize=(3.4 * cols, 2.4 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    features = range(min(3, train.shape[2]))
    for k, ax in enumerate(axes.ravel()):
        if k >= len(order):
            ax.set_visible(False)
            continue
        s, t = int(order[k]), int(result.nearest_train[order[k]])
        for f in features:
            ax.plot(train[t, :, f], color=REAL_COLOUR, lw=1.4, alpha=0.8,
                    label="training" if f == 0 else None)
            ax.plot(synthetic[s, :, f], color=SYNTH_COLOUR, lw=1, ls="--",
                    label="synthetic" if f == 0 else None)
        flag = " (flagged)" if result.dcr_synthetic[s] <= result.threshold else ""
        ax.set_title(f"synthetic {s} ~ train {t}: d={result.dcr_synthetic[s]:.3g}{flag}",
                     fontsize=8)
        if k == 0:
            ax.legend(fontsize=7)
    fig.suptitle("closest synthetic-training pairs (original units)", fontsize=10)
    fig.tight_layout()
    paths["closest_pairs"] = folder / PAIRS_FILE
    fig.savefig(paths["closest_pairs"], dpi=110)
    return paths


def _markdown(result: PrivacyReport, model_name: str, figures: dict[str, Path],
              max_rows: int = 20) -> str:
    d = result.dcr
    lines = [f"# Privacy report: {model_name}", "",
             f"{result.n_train} training, {result.n_holdout} holdout and "
             f"{result.n_synthetic} synthetic series of {result.seq_len} steps x "
             f"{result.n_features} feature{'s' if result.n_features > 1 else ''}. Distances: "
             "Euclidean between whole series "
             f"({result.seq_len * result.n_features} values each) after per-feature "
             "standardisation fitted on the training data. The holdout records (real, never "
             "seen by the model) are the baseline: a model that generates new records keeps "
             "its samples as far from the training records as they are.", "",
             "## Summary", ""]
    lines += [f"- **{title}**: {result.readings[key]}" for key, title in (
        ("dcr", "Distance to closest record"), ("membership", "Membership inference"),
        ("copies", "Near copies"), ("privacy", "Differential privacy"))]
    lines += ["", "## Distance to closest record (DCR)", "",
              "| | 5th percentile | median |", "|---|---:|---:|",
              f"| synthetic -> train | {d['synthetic_p5']:.4g} | {d['synthetic_median']:.4g} |",
              f"| holdout -> train (baseline) | {d['holdout_p5']:.4g} | "
              f"{d['holdout_median']:.4g} |",
              f"| ratio | {d['ratio_p5']:.3f} | {d['ratio_median']:.3f} |", "",
              "A ratio near 1: synthetic series are as far from the training records as new "
              f"records are; well below 1 (under {COPY_RATIO} here reads as copying): the model "
              "reproduces training records. A model collapsed onto a few typical shapes can "
              "also sit close to many records: the closest pairs show whether the details "
              "(the noise of one record) are copied.", ""]
    if "dcr_histogram" in figures:
        lines += [f"![DCR histograms]({figures['dcr_histogram'].name})", ""]
    lines += ["## Membership inference", "",
              f"AUC **{result.mia_auc:.3f}** ± {result.mia_auc_se:.3f} (standard error). The "
              "attacker holds the synthetic data and calls a record a training member when a "
              "synthetic series lies close to it; the AUC is how well that separates the "
              "training records from the holdout records. 0.5: no better than a coin; 1: "
              "every training record recognised. A weak black-box attack: a score of 0.5 does "
              "not prove privacy.", "",
              "## Near copies", "",
              f"Rule: a synthetic series is flagged when its distance to the closest training "
              f"series is at most {result.threshold:.4g}, the {_ordinal(result.copy_percentile)} "
              f"percentile of the holdout -> train distances: closer to a training record "
              f"than {100 - result.copy_percentile:g}% of the holdout records are. A generator "
              f"of new records has about {result.copy_percentile:g}% of its series flagged by "
              f"chance ({result.copies_expected:.1f} here); flagged: **{result.n_copies}** "
              f"(one-sided binomial p = {result.copies_p_value:.2g}).", ""]
    if result.n_copies:
        lines += ["| synthetic index | training index | distance |", "|---:|---:|---:|"]
        lines += [f"| {int(r.synthetic_index)} | {int(r.train_index)} | {r.distance:.4g} |"
                  for r in result.copies.head(max_rows).itertuples()]
        if result.n_copies > max_rows:
            lines.append(f"\n({result.n_copies - max_rows} more in `PrivacyReport.copies`.)")
        lines.append("")
    if "closest_pairs" in figures:
        lines += [f"![closest pairs]({figures['closest_pairs'].name})", "",
                  "The closest synthetic-training pairs, in the data's own units (solid: "
                  "training, dashed: synthetic).", ""]
    lines += ["## Differential privacy", ""]
    if result.privacy_spent:
        lines.append("Privacy spent (`model.privacy_spent_`): "
                     + ", ".join(f"{k} = {v}" for k, v in result.privacy_spent.items()) + ". "
                     + result.readings["privacy"][0].upper() + result.readings["privacy"][1:])
    else:
        lines.append("No formal guarantee: the model was trained without differential "
                     "privacy (no `privacy_spent_`). The checks above are screening "
                     "statistics: they catch copying and crude memorisation, not every leak.")
    return "\n".join(lines) + "\n"


def privacy_report(model: Any, X_train: Any, X_holdout: Any, out_dir: str | Path | None = None,
                   *, n_samples: int | None = None, synthetic: Any = None,
                   copy_percentile: float = 1.0, n_pairs: int = 6,
                   random_state: int = 0) -> PrivacyReport:
    """Check whether a fitted model's samples give its training records away.

    Draws synthetic series from ``model`` and measures, in a space standardised per feature
    by the training data (each feature minus its training mean, over its training standard
    deviation; series flattened to ``seq_len * n_features`` values, Euclidean distance):

    - distance to closest record (DCR): synthetic -> training against holdout -> training
      (:func:`distance_to_closest_record`); synthetic series much closer to the training
      records than the holdout records are means memorisation;
    - the distance-based membership-inference attack (:func:`membership_inference_score`),
      its AUC (0.5: the attack cannot tell training records from new ones) and standard
      error;
    - near copies: every synthetic series closer to its nearest training series than the
      ``copy_percentile``-th percentile of the holdout -> training distances, with both
      indices, against the count expected by chance;
    - the differential-privacy budget ``model.privacy_spent_`` when the model has one;

    each with a plain-language reading. With ``out_dir``, writes ``privacy_report.md`` and
    two PNG figures beside it: ``dcr_histogram.png`` (both DCR distributions and the copy
    threshold) and ``closest_pairs.png`` (the ``n_pairs`` closest synthetic-training pairs).

    Parameters
    ----------
    model : fitted seqgan estimator
        Anything with ``sample(n, random_state=...)``; ``privacy_spent_`` is read when
        present. May be None when ``synthetic`` is given.
    X_train : array (n_train, seq_len, n_features) or list of (seq_len, n_features) arrays
        The records the model was trained on (one length; no NaN).
    X_holdout : array (n_holdout, seq_len, n_features) or list of (seq_len, n_features) arrays
        Real records from the same population that the model never saw; at least
        ``max(20, ceil(100 / copy_percentile))`` of them.
    out_dir : path, optional
        Folder for the markdown file and figures (created); None writes nothing.
    n_samples : int, optional
        Synthetic series to draw (default: as many as ``X_train`` holds).
    synthetic : array (n_synthetic, seq_len, n_features), optional
        Samples already drawn; then ``model`` is not sampled.
    copy_percentile : float in (0, 50]
        Percentile of the holdout -> training distances below which a synthetic series is
        flagged as a copy (default 1: closer than 99% of new records are).
    n_pairs : int
        Closest pairs drawn in ``closest_pairs.png``.
    random_state : int
        Seed of the samples.

    Returns
    -------
    PrivacyReport
        The numbers, the flagged copies, the readings and (with ``out_dir``) the paths.

    Examples
    --------
    A "model" that returns its training records with a little noise is flagged:

    >>> import numpy as np
    >>> from seqgan.metrics import privacy_report
    >>> rng = np.random.default_rng(0)
    >>> X_train, X_holdout = rng.normal(size=(200, 8, 2)), rng.normal(size=(100, 8, 2))
    >>> copies = X_train[:50] + 0.01 * rng.normal(size=(50, 8, 2))
    >>> result = privacy_report(None, X_train, X_holdout, synthetic=copies)
    >>> result.n_copies, result.dcr["ratio_median"] < 0.1
    (50, True)
    >>> bool((result.copies.train_index == result.copies.synthetic_index).all())
    True
    """
    copy_percentile = check_float("copy_percentile", copy_percentile, low=0.0, high=50.0,
                                  closed="right", owner="privacy_report")
    n_pairs = check_int("n_pairs", n_pairs, low=1, owner="privacy_report")
    if synthetic is None and not hasattr(model, "sample"):
        raise TypeError(f"`model` must be a fitted seqgan model (with `sample`) or `synthetic` "
                        f"must be given; got {type(model).__name__}.")
    train = _checked("X_train", X_train, None)
    n_train, seq_len, n_features = train.shape
    holdout = _checked("X_holdout", X_holdout, (seq_len, n_features))
    needed = max(MIN_HOLDOUT, math.ceil(100 / copy_percentile))
    if len(holdout) < needed:
        raise ValueError(f"`X_holdout` must hold at least {needed} records for the "
                         f"{_ordinal(copy_percentile)} percentile baseline; got {len(holdout)}. "
                         "Hold out more records before fitting, or raise `copy_percentile` "
                         f"(with {len(holdout)} records: copy_percentile >= "
                         f"{100 / len(holdout):.2g}, and at least {MIN_HOLDOUT} records).")
    if n_train < 2:
        raise ValueError(f"`X_train` must hold at least 2 records; got {n_train}.")
    if synthetic is None:
        n = n_train if n_samples is None else check_int("n_samples", n_samples, low=1,
                                                         owner="privacy_report")
        synthetic = model.sample(n, random_state=random_state)
        if isinstance(synthetic, tuple):  # (sequences, static) of models with static features
            synthetic = synthetic[0]
    synth = _checked("synthetic", synthetic, (seq_len, n_features))

    mean = train.mean(axis=(0, 1))
    std = train.std(axis=(0, 1))
    std = np.where(std > 0, std, 1.0)

    def flat(values: np.ndarray) -> np.ndarray:
        return ((values - mean) / std).reshape(len(values), -1)

    t, h, s = flat(train), flat(holdout), flat(synth)
    dcr = distance_to_closest_record(t[:, :, None], s[:, :, None], h[:, :, None])
    mia = membership_inference_score(t[:, :, None], h[:, :, None], s[:, :, None])
    mia_se = _auc_se(mia, n_train, len(holdout))
    dcr_s, nearest = _nearest_with_index(s, t)
    dcr_h, _ = _nearest_with_index(h, t)
    threshold = float(np.percentile(dcr_h, copy_percentile))
    flagged = np.flatnonzero(dcr_s <= threshold)
    flagged = flagged[np.argsort(dcr_s[flagged], kind="stable")]
    copies = pd.DataFrame({"synthetic_index": flagged.astype(np.int64),
                           "train_index": nearest[flagged],
                           "distance": dcr_s[flagged]})
    expected = len(s) * copy_percentile / 100
    from scipy.stats import binomtest

    p_value = float(binomtest(len(flagged), len(s), copy_percentile / 100,
                              alternative="greater").pvalue)
    spent = getattr(model, "privacy_spent_", None)
    spent = dict(spent) if spent else None
    per_value = dcr["synthetic_median"] / math.sqrt(seq_len * n_features)
    readings = _readings(dcr, mia, mia_se, len(flagged), expected, p_value, copy_percentile,
                         len(s), spent, per_value)
    result = PrivacyReport(
        dcr=dcr, dcr_synthetic=dcr_s, nearest_train=nearest, dcr_holdout=dcr_h, mia_auc=mia,
        mia_auc_se=mia_se, threshold=threshold, copy_percentile=copy_percentile,
        copies=copies, copies_expected=expected, copies_p_value=p_value, privacy_spent=spent,
        readings=readings, n_train=n_train, n_holdout=len(holdout), n_synthetic=len(s),
        seq_len=seq_len, n_features=n_features)
    logger.info("privacy report: DCR ratio %.3f, MIA AUC %.3f, %d copies flagged",
                dcr["ratio_median"], mia, len(flagged))
    if out_dir is None:
        return result
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    figures = _figures(result, train, synth, n_pairs, folder)
    name = type(model).__name__ if model is not None else "given samples"
    page = folder / MARKDOWN_FILE
    page.write_text(_markdown(result, name, figures), encoding="utf-8")
    logger.info("privacy report written to %s", page)
    return replace(result, markdown_path=page, figure_paths=figures)
