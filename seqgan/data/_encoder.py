"""From the user's data to :class:`SequenceData` and back to the user's container.

Accepted inputs (see ``docs/data.md``):

* a 3-D array ``(n_sequences, seq_len, n_features)``;
* a list of 2-D arrays ``(length_i, n_features)`` (or 1-D arrays for one feature) of different
  lengths: padded, lengths kept;
* a long DataFrame (one row per time step) with ``id_column`` and optionally ``time_column``;
* a wide DataFrame (one long series, rows are time steps) cut into windows of ``seq_len`` with
  ``stride``.

Samples come back in the same container: arrays as arrays (a list when lengths vary), DataFrames
as long DataFrames with new ids, a time column, the original column names and dtypes.
"""

from __future__ import annotations

import itertools
import logging
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from seqgan.data._condition import ConditionEncoder
from seqgan.data._container import SequenceData
from seqgan.data._scaling import FeatureScaler

logger = logging.getLogger(__name__)

_MAX_REPORTED = 3


def _where_not_finite(arr: np.ndarray) -> str:
    bad = np.argwhere(~np.isfinite(arr))[:_MAX_REPORTED]
    return ", ".join(str(tuple(int(i) for i in idx)) for idx in bad)


def check_finite(name: str, arr: np.ndarray, hint: str = "") -> None:
    """Raise a ValueError that says where ``arr`` holds NaN or inf."""
    if np.isfinite(arr).all():
        return
    kind = "NaN" if np.isnan(arr).any() else "inf"
    n_bad = int((~np.isfinite(arr)).sum())
    raise ValueError(
        f"`{name}` contains {n_bad} {kind} value(s), first at index {_where_not_finite(arr)}. "
        + (hint or "Impute or drop missing values before fitting (e.g. forward fill).")
    )


def check_no_inf(name: str, arr: np.ndarray) -> None:
    """Raise a ValueError that says where ``arr`` holds inf (NaN is a missing value)."""
    if not np.isinf(arr).any():
        return
    bad = np.argwhere(np.isinf(arr))[:_MAX_REPORTED]
    where = ", ".join(str(tuple(int(i) for i in idx)) for idx in bad)
    raise ValueError(
        f"`{name}` contains {int(np.isinf(arr).sum())} inf value(s), first at index {where}. "
        "An infinite value is not a measurement: replace it (NaN marks a missing value, which "
        "the sequence models learn around; see docs/data.md)."
    )


def check_missing_option(missing: Any) -> str:
    """The checked ``missing`` argument of ``sample`` and ``inverse_transform``."""
    if not isinstance(missing, str) or missing not in ("none", "pattern"):
        raise ValueError(f"`missing` must be 'none' (complete series) or 'pattern' (NaN where "
                         f"the model generates a gap, like the data's); got {missing!r}.")
    return missing


def _as_float_array(name: str, values: Any) -> np.ndarray:
    try:
        arr = np.asarray(values)
    except Exception as exc:  # ragged nested lists end here
        raise TypeError(f"`{name}` could not be read as a numeric array: {exc}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(
            f"`{name}` must hold numbers; got dtype {arr.dtype}. Convert text columns first, or "
            "pass a DataFrame and declare them with `categorical=[...]`."
        )
    return arr


class SequenceEncoder:
    """Fitted translation between the user's data and scaled, padded arrays.

    Parameters
    ----------
    scaling : {"minmax", "standard", None}
        Per-feature scaling of the values (and of static features), fitted on valid steps.
    seq_len : int or None
        Training length: the window length for wide DataFrames, the padded length otherwise
        (None: the longest sequence).
    owner : str
        Name used in error messages (the estimator's class name).
    find_copies : bool
        Find features that are exact copies of an earlier feature (equal at every valid step):
        they are scaled to 0 like constant features and generated as copies of it, so that
        the copy holds exactly in every sample. Off for differentially private fits (which
        feature copies which is a fact about the data).

    Attributes
    ----------
    copies_ : list of [int, int]
        ``[copy, source]`` channel pairs found by ``fit_transform`` (``source < copy``).
    """

    #: The class-level default for files written before feature copies were found.
    copies_: tuple[tuple[int, int], ...] | list[list[int]] = ()

    def __init__(self, *, scaling: str | None = "minmax", seq_len: int | None = None,
                 owner: str = "model", find_copies: bool = True) -> None:
        self.scaling = scaling
        self.seq_len = seq_len
        self.owner = owner
        self.find_copies = find_copies

    # ------------------------------------------------------------------ fit
    def fit_transform(
        self,
        X: Any,
        *,
        static: Any = None,
        condition: Any = None,
        id_column: str | None = None,
        time_column: str | None = None,
        categorical: Sequence[str] | None = None,
        stride: int = 1,
        static_columns: Sequence[str] | None = None,
    ) -> SequenceData:
        """Validate ``X`` (and ``static``, ``condition``), fit the scalers, return scaled data.

        ``static_columns`` names per-sequence attributes among the columns of a long DataFrame
        (constant within each id); they are taken out of the values and encoded as static
        features, and :meth:`inverse_transform` writes them back into the long frame.
        ``categorical`` may also name static columns (text, category and boolean columns are
        categorical without being named).
        """
        categorical = [categorical] if isinstance(categorical, str) else categorical
        static_categorical: list[str] = []
        self.static_in_frame_ = False
        if static_columns is not None:
            static_columns = _check_static_columns(X, static, static_columns, id_column,
                                                   time_column)
            self.static_in_frame_ = True
            self.frame_columns_ = [str(c) for c in X.columns]
        static_names = (list(static_columns) if static_columns is not None
                        else list(static.columns) if isinstance(static, pd.DataFrame) else [])
        if categorical is not None and static_names:
            in_x = set(X.columns) - set(static_columns or []) if isinstance(
                X, pd.DataFrame) else set()
            static_categorical = [c for c in categorical if c in static_names and c not in in_x]
            categorical = [c for c in categorical if c not in static_categorical] or None
        if isinstance(X, pd.DataFrame):
            if id_column is not None:
                values_frame = X if static_columns is None else X.drop(columns=static_columns)
                seqs, ids = self._read_long(values_frame, id_column, time_column, categorical)
                if static_columns is not None:
                    static = _static_from_long(X, id_column, static_columns)
            else:
                seqs, ids = self._read_wide(X, time_column, categorical, stride), None
        else:
            for arg, value in (("id_column", id_column), ("time_column", time_column),
                               ("categorical", categorical)):
                if value is not None:
                    raise ValueError(f"`{arg}` applies to DataFrame input only; X is a "
                                     f"{type(X).__name__}.")
            seqs, ids = self._read_arrays(X), None

        lengths = np.array([len(s) for s in seqs], dtype=np.int64)
        if (lengths == 0).any():
            first = int(np.argmax(lengths == 0))
            raise ValueError(f"Sequence {first} of `X` is empty (0 time steps); drop it.")
        longest = int(lengths.max())
        if self.seq_len is not None and longest > self.seq_len and self.kind_ != "wide":
            raise ValueError(
                f"`X` has sequences of length up to {longest}, longer than seq_len="
                f"{self.seq_len}. Set seq_len=None (use the longest), raise it, or cut the series "
                "into windows (pass one long series as a wide DataFrame)."
            )
        total_len = self.seq_len if self.seq_len is not None else longest
        raw = np.zeros((len(seqs), total_len, self.n_channels_), dtype=np.float64)
        for i, seq in enumerate(seqs):
            raw[i, : len(seq)] = seq
        mask = np.arange(total_len)[None, :] < lengths[:, None]

        self._fit_missing(raw, mask)
        self.scaler_ = FeatureScaler(self.scaling).fit(raw, mask)
        for start, stop in self._categorical_slices():  # one-hot channels stay 0/1
            self.scaler_.offset_[start:stop], self.scaler_.scale_[start:stop] = 0.0, 1.0
        self.copies_ = self._find_copies(raw, mask) if self.find_copies else []
        values = self._scaled(raw, mask)

        uniq, counts = np.unique(lengths, return_counts=True)
        self.length_values_, self.length_counts_ = uniq.tolist(), counts.tolist()
        self.fixed_length_ = bool(len(uniq) == 1 and uniq[0] == total_len)
        self.train_len_ = total_len

        static_arr = self._fit_static(static, len(seqs), ids, static_categorical)
        self.condition_encoder_ = None
        cond_arr = None
        if condition is not None:
            condition = _align_to_ids(condition, ids, "condition")
            self.condition_encoder_ = ConditionEncoder()
            cond_arr = self.condition_encoder_.fit_transform(condition, len(seqs))
        return SequenceData(values.astype(np.float32), lengths, static_arr, cond_arr)

    def transform(self, X: Any, *, id_column: str | None = None, time_column: str | None = None,
                  stride: int = 1) -> SequenceData:
        """Scale new data with the fitted layout and scalers (nothing is refitted).

        ``X`` must have the training features (and, for DataFrames, the same value columns).
        Sequences are padded to the training length, or to their own longest length if that
        is longer (recurrent networks take any length).
        """
        categories = {c["name"]: c["categories"] for c in self.columns_ if "categories" in c}
        probe = SequenceEncoder(scaling=None, seq_len=self.seq_len if self.kind_ == "wide"
                                else None, owner=self.owner, find_copies=False)
        probe.fixed_categories_ = categories
        if self.kind_ == "long" and id_column is None:
            id_column, time_column = self.id_column_, time_column or self.time_column_
        if getattr(self, "static_in_frame_", False) and isinstance(X, pd.DataFrame):
            X = X.drop(columns=[c for c in self.static_names_ if c in X.columns])
        data = probe.fit_transform(X, id_column=id_column, time_column=time_column,
                                   categorical=list(categories) or None, stride=stride)
        if probe.feature_names_ != self.feature_names_ or probe.n_channels_ != self.n_channels_:
            raise ValueError(f"X has features {probe.feature_names_}, but the model was fitted "
                             f"on {self.feature_names_}.")
        unseen = sorted(set(probe.missing_channels_) - set(self.missing_channels_))
        if unseen:
            names = [self._channel_name(j) for j in unseen]
            raise ValueError(f"X has missing values (NaN) in feature(s) {names}, which had none "
                             "in the training data, so the model has no observation channel for "
                             "them; fill them, or refit on data with such gaps.")
        total = max(self.train_len_, data.seq_len)
        raw = np.zeros((data.n_sequences, total, self.n_channels_), dtype=np.float64)
        raw[:, : data.seq_len] = data.values[..., : self.n_channels_]
        if probe.missing_channels_:  # the probe's observation channels -> NaN again
            seen = data.values[..., self.n_channels_:] > 0.5
            part = raw[:, : data.seq_len]
            steps = data.mask()[..., None]
            part[..., probe.missing_channels_] = np.where(
                seen | ~steps, part[..., probe.missing_channels_], np.nan)
        mask = np.arange(total)[None, :] < data.lengths[:, None]
        return SequenceData(self._scaled(raw, mask), data.lengths)

    # ---------------------------------------------------------- missing values
    @property
    def n_observed_(self) -> int:
        """Observation channels appended to the values: one per feature with missing values."""
        return len(self.missing_channels_)

    def _channel_name(self, channel: int) -> str:
        """The feature name of a numeric value channel (one-hot categories widen the layout)."""
        pos = 0
        for col in self.columns_:
            width = len(col["categories"]) if "categories" in col else 1
            if pos <= channel < pos + width:
                return str(col["name"])
            pos += width
        raise IndexError(channel)  # internal invariant

    def _fit_missing(self, raw: np.ndarray, mask: np.ndarray) -> None:
        """Find the features with missing values (NaN on valid steps) and refuse data a model
        cannot learn from: a feature never observed, a sequence with nothing observed."""
        missing = np.isnan(raw) & mask[..., None]
        self.missing_channels_ = np.flatnonzero(missing.any(axis=(0, 1))).tolist()
        if not self.missing_channels_:
            return
        observed = ~np.isnan(raw) & mask[..., None]
        never = np.flatnonzero(~observed.any(axis=(0, 1)))
        if never.size:
            names = [self._channel_name(j) for j in never]
            raise ValueError(f"Feature(s) {names} of `X` are never observed (every value is "
                             "NaN): a model cannot learn a feature it never sees; drop them.")
        empty = np.flatnonzero(~observed.any(axis=(1, 2)))
        if empty.size:
            raise ValueError(f"Sequence {int(empty[0])} of `X` has no observed value (every "
                             f"value is NaN; {empty.size} such sequence(s) in all): drop them.")
        rates = missing.sum(axis=(0, 1)) / mask.sum()
        logger.info("Missing values in %s: %s of the steps; the model learns around them (an "
                    "observation channel per feature).", self.owner, ", ".join(
                        f"{self._channel_name(j)} {rates[j]:.1%}"
                        for j in self.missing_channels_))

    def _find_copies(self, raw: np.ndarray, mask: np.ndarray) -> list[list[int]]:
        """``[copy, source]`` pairs of numeric channels equal at every valid step (features
        with missing values, constant features and one-hot categories are left out)."""
        categorical = {j for start, stop in self._categorical_slices()
                       for j in range(start, stop)}
        skip = categorical | set(self.missing_channels_) | set(self.scaler_.constant_.tolist())
        flat = raw[mask]  # (valid steps, n_channels)
        first: dict[bytes, list[int]] = {}
        pairs = []
        for j in range(self.n_channels_):
            if j in skip:
                continue
            column = np.ascontiguousarray(flat[:, j])
            key = column.tobytes()
            source = next((i for i in first.get(key, []) if np.array_equal(flat[:, i], column)),
                          None)
            if source is None:
                first.setdefault(key, []).append(j)
            else:
                pairs.append([j, source])
        if pairs:
            logger.info("%s: feature(s) %s are exact copies of %s at every training step; they "
                        "are generated as copies.", self.owner,
                        [self._channel_name(j) for j, _ in pairs],
                        [self._channel_name(i) for _, i in pairs])
        return pairs

    def _restore_copies(self, raw: np.ndarray) -> np.ndarray:
        """Write each copied feature's source into it (``raw`` (..., n_channels), in place)."""
        for copy, source in self.copies_:
            raw[..., copy] = raw[..., source]
        return raw

    def _scaled(self, raw: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Raw values (n, T, n_channels), NaN where missing -> scaled float32 values, 0 on
        padding and where missing, then one observation channel (1 observed, 0 missing or
        padding) per feature with missing values: (n, T, n_channels + n_observed_)."""
        observed = ~np.isnan(raw)
        scaled = self.scaler_.transform(np.where(observed, raw, 0.0))
        values = np.where(observed, scaled, 0.0) * mask[..., None]
        if len(self.copies_):  # generated from their source: nothing to learn
            values[..., [copy for copy, _ in self.copies_]] = 0.0
        if self.missing_channels_:
            seen = observed[..., self.missing_channels_] & mask[..., None]
            values = np.concatenate([values, seen], axis=-1)
        return values.astype(np.float32)

    def _read_arrays(self, X: Any) -> list[np.ndarray]:
        if isinstance(X, (list, tuple)):
            if len(X) == 0:
                raise ValueError("`X` is empty: expected at least one sequence.")
            if all(np.ndim(x) in (1, 2) for x in X) and not all(
                isinstance(x, numbers.Number) for x in X
            ):
                self.kind_ = "list"
                elements = [_as_float_array(f"X[{i}]", x) for i, x in enumerate(X)]
                self.list_element_ndim_ = 1 if all(e.ndim == 1 for e in elements) else 2
                elements = [e[:, None] if e.ndim == 1 else e for e in elements]
                widths = {e.shape[1] for e in elements}
                if len(widths) > 1:
                    raise ValueError(
                        f"The sequences in `X` have different numbers of features: "
                        f"{sorted(widths)}. Every sequence needs the same features."
                    )
                for i, e in enumerate(elements):
                    check_no_inf(f"X[{i}]", e)
                self._set_array_columns(elements[0].shape[1], elements[0].dtype)
                return [e.astype(np.float64) for e in elements]
        if type(X).__module__.startswith("scipy.sparse"):
            raise TypeError("Sparse data was passed for `X`, but dense data is required: use "
                            "X.toarray() (a sequence model's input is dense by nature).")
        if not hasattr(X, "__array__") and not isinstance(X, (list, tuple)):
            raise TypeError(
                "`X` must be a 3-D array (n_sequences, seq_len, n_features), a list of 2-D "
                f"arrays, or a pandas DataFrame; got {type(X).__name__}."
            )
        arr = _as_float_array("X", X)
        if arr.ndim >= 2 and 0 in arr.shape:  # scikit-learn's wording, before the shape check
            what, axis = ("sample(s)", 0) if arr.shape[0] == 0 else ("feature(s)", -1)
            if arr.shape[axis] == 0:
                raise ValueError(f"`X` is empty: found an array with 0 {what} "
                                 f"(shape={arr.shape}) while a minimum of 1 is required.")
        if arr.ndim != 3:
            hint = (" For one long series, pass a DataFrame (rows = time steps) to cut it into "
                    "windows, or add a sequence axis with X[None]." if arr.ndim == 2 else
                    " These look like images (n, channels, height, width): use an image model "
                    "(DCGAN, CGAN, ImageBiGAN)." if arr.ndim == 4 else "")
            raise ValueError(
                f"`X` must have shape (n_sequences, seq_len, n_features); got {arr.shape}.{hint}"
            )
        if 0 in arr.shape:
            raise ValueError(f"`X` is empty: got shape {arr.shape}.")
        check_no_inf("X", arr)
        self.kind_ = "array"
        self._set_array_columns(arr.shape[2], arr.dtype)
        return list(arr.astype(np.float64))

    def _set_array_columns(self, n_features: int, dtype: np.dtype) -> None:
        self.columns_ = [{"name": f"x{j}", "dtype": str(dtype)} for j in range(n_features)]
        self.n_channels_ = n_features
        self.feature_names_ = [c["name"] for c in self.columns_]

    def _read_frame_columns(self, frame: pd.DataFrame, exclude: list[str],
                            categorical: Sequence[str] | None) -> pd.DataFrame:
        """Record the value columns' layout; return the frame's numeric encoding (one-hot).

        When ``self.fixed_categories_`` is set (``transform`` of new data), categorical columns
        use those categories, so the one-hot layout matches training.
        """
        fixed = getattr(self, "fixed_categories_", None) or {}
        categorical = list(categorical or [])
        unknown = [c for c in categorical if c not in frame.columns]
        if unknown:
            raise ValueError(f"`categorical` names columns that are not in X: {unknown}. "
                             f"Columns: {list(frame.columns)}.")
        value_cols = [c for c in frame.columns if c not in exclude]
        if not value_cols:
            raise ValueError("X has no value columns besides the id and time columns.")
        self.columns_, parts = [], []
        for col in value_cols:
            series = frame[col]
            if col in categorical or isinstance(series.dtype, pd.CategoricalDtype):
                if series.isna().any():
                    raise ValueError(f"Categorical column {col!r} has missing values; fill them "
                                     "(e.g. with an explicit 'missing' category).")
                cats = (fixed[col] if col in fixed else list(series.cat.categories)
                        if isinstance(series.dtype, pd.CategoricalDtype)
                        else sorted(series.unique().tolist(), key=str))
                known = series.isin(cats).to_numpy()
                if not known.all():
                    unseen = sorted(set(series[~known].tolist()), key=str)[:5]
                    raise ValueError(f"Categorical column {col!r} has values unseen in "
                                     f"training: {unseen}. Known: {cats}.")
                codes = pd.Categorical(series, categories=cats).codes
                parts.append(np.eye(len(cats))[codes])
                self.columns_.append({"name": col, "dtype": str(series.dtype),
                                      "categories": [_to_json_scalar(c) for c in cats]})
            elif pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(
                series.dtype
            ):
                arr = series.to_numpy(dtype=np.float64, na_value=np.nan)
                if np.isinf(arr).any():
                    bad = int(np.argmax(np.isinf(arr)))
                    raise ValueError(
                        f"Column {col!r} of X has inf at row {frame.index[bad]!r} "
                        f"({int(np.isinf(arr).sum())} in all). An infinite value is not a "
                        "measurement: replace it (NaN or an empty cell marks a missing value, "
                        "which the sequence models learn around; see docs/data.md)."
                    )
                parts.append(arr[:, None])
                self.columns_.append({"name": col, "dtype": str(series.dtype)})
            else:
                raise TypeError(
                    f"Column {col!r} of X is not numeric (dtype {series.dtype}). Declare it with "
                    f"`categorical=[{col!r}]` (on the command line: `--categorical {col}`), "
                    "convert it, or drop it."
                )
        self.feature_names_ = value_cols
        encoded = np.concatenate(parts, axis=1)
        self.n_channels_ = encoded.shape[1]
        return encoded

    def _read_long(self, X: pd.DataFrame, id_column: str, time_column: str | None,
                   categorical: Sequence[str] | None) -> tuple[list[np.ndarray], np.ndarray]:
        for arg, col in (("id_column", id_column), ("time_column", time_column)):
            if col is not None and col not in X.columns:
                raise ValueError(f"`{arg}`={col!r} is not a column of X. Columns: "
                                 f"{list(X.columns)}.")
        if len(X) == 0:
            raise ValueError("`X` is empty: the DataFrame has no rows.")
        if X[id_column].isna().any():
            raise ValueError(f"The id column {id_column!r} has missing values.")
        self.kind_ = "long"
        self.id_column_, self.time_column_ = id_column, time_column
        self.id_dtype_ = str(X[id_column].dtype)
        frame = X
        if time_column is not None:
            if X[time_column].isna().any():
                raise ValueError(f"The time column {time_column!r} has missing values.")
            dup = X.duplicated([id_column, time_column])
            if dup.any():
                row = X.index[int(np.argmax(dup.to_numpy()))]
                raise ValueError(f"X has two rows for the same ({id_column}, {time_column}) "
                                 f"pair, e.g. at row {row!r}. Each step of a sequence needs one "
                                 "row.")
            frame = X.sort_values([time_column], kind="stable")
        exclude = [id_column] + ([time_column] if time_column is not None else [])
        encoded = self._read_frame_columns(frame, exclude, categorical)
        ids = pd.unique(X[id_column])  # sequences keep the order of first appearance
        codes = pd.Categorical(frame[id_column], categories=ids).codes
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(ids) + 1))
        seqs = [encoded[order[a:b]] for a, b in itertools.pairwise(bounds)]
        self._fit_time_template(frame[time_column].to_numpy()[order] if time_column else None,
                                bounds, frame[time_column].dtype if time_column else None)
        return seqs, np.asarray(ids)

    def _fit_time_template(self, times: np.ndarray | None, bounds: np.ndarray,
                           dtype: Any) -> None:
        """Learn a regular time axis (start + k * step) if the data has one."""
        self.time_ = {"kind": "positional", "dtype": "int64", "start": 0, "step": 1}
        if times is None:
            return
        is_dt = pd.api.types.is_datetime64_any_dtype(dtype)
        if not is_dt and not pd.api.types.is_numeric_dtype(dtype):
            logger.warning("Time column is neither numeric nor datetime; samples get step "
                           "numbers 0, 1, ... instead.")
            return
        t = (pd.DatetimeIndex(times).as_unit("ns").asi8 if is_dt else times.astype(np.float64))
        starts = t[bounds[:-1]]
        diffs = np.concatenate([np.diff(t[a:b]) for a, b in itertools.pairwise(bounds)])
        if diffs.size and not np.allclose(diffs, diffs[0], rtol=1e-9, atol=0):
            logger.warning("The time column is not regular (steps differ); samples get step "
                           "numbers 0, 1, ... instead.")
            return
        step = diffs[0] if diffs.size else 1
        values, counts = np.unique(starts, return_counts=True)
        start = values[np.argmax(counts)]
        kind = "datetime" if is_dt else "numeric"
        cast = int if (is_dt or np.issubdtype(dtype, np.integer)) else float
        self.time_ = {"kind": kind, "dtype": str(dtype), "start": cast(start), "step": cast(step)}

    def _read_wide(self, X: pd.DataFrame, time_column: str | None,
                   categorical: Sequence[str] | None, stride: int) -> list[np.ndarray]:
        if time_column is not None:
            if time_column not in X.columns:
                raise ValueError(f"`time_column`={time_column!r} is not a column of X. "
                                 f"Columns: {list(X.columns)}.")
            X = X.sort_values(time_column, kind="stable")
        if len(X) == 0:
            raise ValueError("`X` is empty: the DataFrame has no rows.")
        self.kind_ = "wide"
        self.id_column_, self.time_column_ = "window", "step"
        self.id_dtype_ = "int64"
        self.time_ = {"kind": "positional", "dtype": "int64", "start": 0, "step": 1}
        exclude = [time_column] if time_column is not None else []
        encoded = self._read_frame_columns(X, exclude, categorical)
        if self.seq_len is None:
            raise ValueError("A wide DataFrame (one long series) is cut into windows of "
                             "`seq_len` steps: set seq_len, or pass id_column for long format.")
        if isinstance(stride, bool) or not isinstance(stride, numbers.Integral) or stride < 1:
            raise ValueError(f"`stride` must be an int >= 1; got {stride!r}.")
        if len(encoded) < self.seq_len:
            raise ValueError(f"The series has {len(encoded)} steps, shorter than one window of "
                             f"seq_len={self.seq_len}. Lower seq_len or pass a longer series.")
        starts = range(0, len(encoded) - self.seq_len + 1, stride)
        return [encoded[s : s + self.seq_len] for s in starts]

    def _fit_static(self, static: Any, n: int, ids: np.ndarray | None,
                    categorical: Sequence[str] = ()) -> np.ndarray | None:
        """Encode and scale the static features: numeric columns scaled like the values,
        categorical ones (text, category, boolean, or named in ``categorical``) one-hot."""
        self.static_scaler_, self.static_names_, self.static_columns_ = None, None, None
        if static is None:
            return None
        static = _align_to_ids(static, ids, "static")
        self.static_frame_ = isinstance(static, pd.DataFrame)
        if isinstance(static, pd.DataFrame):
            if len(static) != n:
                raise ValueError(f"`static` has {len(static)} rows but X has {n} sequences; "
                                 "give one row per sequence.")
            arr, self.static_columns_ = _encode_static_frame(static, categorical)
            self.static_names_ = [c["name"] for c in self.static_columns_]
        else:
            arr = _as_float_array("static", static)
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            raise ValueError(f"`static` must have shape (n_sequences, n_static); got {arr.shape}.")
        if len(arr) != n:
            raise ValueError(f"`static` has {len(arr)} rows but X has {n} sequences; give one "
                             "row per sequence.")
        check_finite("static", arr)
        arr = arr.astype(np.float64)
        if self.static_columns_ is None or not any("categories" in c
                                                   for c in self.static_columns_):
            self.static_scaler_ = FeatureScaler(self.scaling).fit(arr)
        else:  # one-hot channels stay 0/1; the numeric ones are scaled as usual
            numeric = np.array([j for j, c in enumerate(_static_channels(self.static_columns_))
                                if c is None], dtype=np.int64)
            self.static_scaler_ = FeatureScaler(self.scaling)
            offset, scale = np.zeros(arr.shape[1]), np.ones(arr.shape[1])
            if numeric.size:
                part = FeatureScaler(self.scaling).fit(arr[:, numeric])
                offset[numeric], scale[numeric] = part.offset_, part.scale_
            self.static_scaler_.offset_, self.static_scaler_.scale_ = offset, scale
        if self.static_names_ is None:
            self.static_names_ = [f"s{j}" for j in range(arr.shape[1])]
        return self.static_scaler_.transform(arr)

    def _categorical_slices(self) -> list[tuple[int, int]]:
        slices, pos = [], 0
        for col in self.columns_:
            width = len(col.get("categories", [None]))
            if "categories" in col:
                slices.append((pos, pos + width))
            pos += width
        return slices

    # ------------------------------------------------------------- sampling side
    def inverse_static(self, values: np.ndarray) -> Any:
        """Scaled static features (n, n_static) -> the user's units: an array, or a DataFrame
        when ``fit`` got one (indexed by the new sequence ids for long-format data), with
        categorical columns as categories (the most likely one of each sample)."""
        if self.static_scaler_ is None:
            raise ValueError("No static features were fitted.")
        raw = self.static_scaler_.inverse_transform(np.asarray(values, dtype=np.float64))
        if not getattr(self, "static_frame_", False):
            return raw
        index = None
        if self.kind_ == "long":
            index = pd.Index(_new_ids(len(raw), self.id_dtype_), name=self.id_column_)
        columns = getattr(self, "static_columns_", None)
        if columns is None:  # files of earlier versions: numeric columns only
            return pd.DataFrame(raw, columns=self.static_names_, index=index)
        data, pos = {}, 0
        for col in columns:
            if "categories" in col:
                k = len(col["categories"])
                data[col["name"]] = _categories_of(raw[:, pos : pos + k].argmax(axis=1), col)
                pos += k
            else:
                data[col["name"]] = _numeric_of(raw[:, pos], col["dtype"])
                pos += 1
        frame = pd.DataFrame(data)
        if index is not None:
            frame.index = index
        return frame

    def static_request(self, request: Any) -> list[tuple[int, int, int]]:
        """``{column: category}`` -> the one-hot slice of each fixed static column and the
        index of the requested category: ``[(start, stop, index), ...]``.

        Only categorical static columns can be fixed (a numeric attribute takes any value of
        a range: a generated sample matches one exactly with probability zero).
        """
        if self.static_scaler_ is None:
            raise ValueError(f"This {self.owner} was fitted without static features; `static` "
                             "in sample() fixes static attributes, so fit with "
                             "`static_columns=[...]` or `static=` first.")
        columns = getattr(self, "static_columns_", None)
        if not isinstance(request, dict) or not request:
            raise ValueError("`static` in sample() must be a non-empty dict {column: "
                             f"category}}, e.g. {{'{self.static_names_[0]}': ...}}; got "
                             f"{request!r}.")
        if columns is None:
            raise ValueError(f"This {self.owner} was fitted with static features as an array "
                             "(columns without names): `static` in sample() needs named "
                             "categorical columns; fit with a static DataFrame or "
                             "`static_columns=[...]`.")
        slices, pos = {}, 0
        for col in columns:
            width = len(col.get("categories", [None]))
            slices[col["name"]] = (pos, pos + width, col)
            pos += width
        out = []
        for name, value in request.items():
            if name not in slices:
                raise ValueError(f"`static` names {name!r}, which is not a static column; the "
                                 f"static columns are {self.static_names_}.")
            start, stop, col = slices[name]
            if "categories" not in col:
                raise ValueError(
                    f"Static column {name!r} is numeric: only categorical static columns can be "
                    "fixed in sample() (a generated number equals a given one with "
                    f"probability zero). To condition on {name!r}, bin it into categories "
                    "before fit (e.g. with pd.cut) and fix a bin.")
            cats = col["categories"]
            matches = [i for i, c in enumerate(cats) if c == value or str(c) == str(value)]
            if not matches:
                raise ValueError(f"`static`: {value!r} is not a category of {name!r}; known: "
                                 f"{cats}.")
            out.append((start, stop, matches[0]))
        return out

    def static_frequency(self, request: dict[str, Any]) -> dict[str, float]:
        """The share of training sequences with each requested category (per column)."""
        columns = {c["name"]: c for c in getattr(self, "static_columns_", None) or []}
        shares = {}
        for name, value in request.items():
            col = columns.get(name, {})
            if "counts" in col:
                i = [str(c) for c in col["categories"]].index(str(value))
                shares[name] = col["counts"][i] / max(sum(col["counts"]), 1)
        return shares

    @property
    def n_static_(self) -> int:
        """Static channels the networks see (one-hot categories count one each)."""
        if self.static_scaler_ is None:
            return 0
        return len(self.static_scaler_.offset_)

    @property
    def condition_dim_(self) -> int:
        return 0 if self.condition_encoder_ is None else self.condition_encoder_.dim_

    def sample_lengths(self, n: int, rng: np.random.Generator,
                       seq_len: int | None = None) -> np.ndarray:
        """Lengths for ``n`` samples: the training length distribution, or ``seq_len`` for all."""
        if seq_len is not None:
            return np.full(n, seq_len, dtype=np.int64)
        if self.fixed_length_:
            return np.full(n, self.train_len_, dtype=np.int64)
        p = np.asarray(self.length_counts_, dtype=np.float64)
        return rng.choice(np.asarray(self.length_values_, dtype=np.int64), size=n, p=p / p.sum())

    def inverse_transform(self, values: np.ndarray, lengths: np.ndarray,
                          static: np.ndarray | None = None, missing: str = "none") -> Any:
        """Scaled ``values`` (n, T, n_channels + n_observed_) with ``lengths`` (n,) -> the
        user's container.

        For data fitted with ``static_columns``, the scaled ``static`` features (n, n_static)
        go back into the long frame as those columns (repeated over each sequence's rows), in
        the column order of the training frame. For data with missing values, ``missing=
        "pattern"`` writes NaN where the generated observation channel is below 0.5;
        ``"none"`` returns every value.
        """
        check_missing_option(missing)
        raw = self._restore_copies(self.scaler_.inverse_transform(values[..., : self.n_channels_]))
        if missing == "pattern" and self.missing_channels_:
            gaps = values[..., self.n_channels_:] < 0.5
            raw[..., self.missing_channels_] = np.where(gaps, np.nan,
                                                        raw[..., self.missing_channels_])
        n, total = raw.shape[:2]
        variable = bool((lengths != total).any())
        if self.kind_ in ("array", "list"):
            dtype = np.dtype(self.columns_[0]["dtype"])
            out = _cast_numeric(raw, dtype)
            if self.kind_ == "array" and not variable:
                return out
            seqs = [out[i, : lengths[i]] for i in range(n)]
            if self.kind_ == "list" and self.list_element_ndim_ == 1:
                seqs = [s[:, 0] for s in seqs]
            return seqs
        frame = self._to_long_frame(raw, lengths)
        if static is None or not getattr(self, "static_in_frame_", False):
            return frame
        attributes = self.inverse_static(static).reset_index(drop=True)
        rows = np.repeat(np.arange(n), lengths)
        for name in self.static_names_:
            frame[name] = attributes[name].iloc[rows].reset_index(drop=True)
        order = [c for c in self.frame_columns_ if c in frame.columns]
        return frame[order + [c for c in frame.columns if c not in order]]

    def _to_long_frame(self, raw: np.ndarray, lengths: np.ndarray) -> pd.DataFrame:
        n = raw.shape[0]
        mask = np.arange(raw.shape[1])[None, :] < lengths[:, None]
        flat = raw[mask]  # (sum(lengths), n_channels), sequence-major
        seq_index = np.repeat(np.arange(n), lengths)
        step = np.concatenate([np.arange(length) for length in lengths])
        data: dict[str, Any] = {self.id_column_: _new_ids(n, self.id_dtype_)[seq_index],
                                self.time_column_ or "step": self._time_values(step)}
        pos = 0
        for col in self.columns_:
            if "categories" in col:
                k = len(col["categories"])
                data[col["name"]] = _categories_of(flat[:, pos : pos + k].argmax(axis=1), col)
                pos += k
            else:
                data[col["name"]] = _cast_numeric(flat[:, pos], np.dtype(col["dtype"])
                                                  if _is_numpy_dtype(col["dtype"]) else None)
                pos += 1
        frame = pd.DataFrame(data)
        for col in self.columns_:  # restore extension dtypes (e.g. Int64, string)
            if "categories" not in col and not _is_numpy_dtype(col["dtype"]):
                frame[col["name"]] = _restore_extension(frame[col["name"]], col["dtype"])
        return frame

    def _time_values(self, step: np.ndarray) -> Any:
        t = self.time_
        if t["kind"] == "positional":
            return step.astype(np.int64)
        values = t["start"] + step * t["step"]
        if t["kind"] == "datetime":
            return pd.to_datetime(values.astype(np.int64), unit="ns").astype(t["dtype"])
        return values.astype(t["dtype"])

    # ---------------------------------------------------------------- state
    _STATE = ("scaling", "seq_len", "kind_", "columns_", "n_channels_", "feature_names_",
              "length_values_", "length_counts_", "fixed_length_", "train_len_", "static_names_")
    _OPTIONAL = ("list_element_ndim_", "id_column_", "time_column_", "id_dtype_", "time_",
                 "static_frame_", "static_columns_", "static_in_frame_", "frame_columns_",
                 "missing_channels_", "copies_")
    #: The class-level default for files written before missing values were supported.
    missing_channels_: tuple[int, ...] | list[int] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON state (no arrays, no pickle)."""
        state = {k: getattr(self, k) for k in self._STATE}
        state.update({k: getattr(self, k) for k in self._OPTIONAL if hasattr(self, k)})
        state["scaler"] = self.scaler_.to_dict()
        state["static_scaler"] = (None if self.static_scaler_ is None
                                  else self.static_scaler_.to_dict())
        state["condition"] = (None if self.condition_encoder_ is None
                              else self.condition_encoder_.to_dict())
        return state

    @classmethod
    def from_dict(cls, state: dict[str, Any], owner: str = "model") -> SequenceEncoder:
        enc = cls(scaling=state["scaling"], seq_len=state["seq_len"], owner=owner)
        for key in cls._STATE + cls._OPTIONAL:
            if key in state:
                setattr(enc, key, state[key])
        enc.scaler_ = FeatureScaler.from_dict(state["scaler"])
        enc.static_scaler_ = (None if state["static_scaler"] is None
                              else FeatureScaler.from_dict(state["static_scaler"]))
        enc.condition_encoder_ = (None if state["condition"] is None
                                  else ConditionEncoder.from_dict(state["condition"]))
        return enc


def _check_static_columns(X: Any, static: Any, static_columns: Any, id_column: str | None,
                          time_column: str | None) -> list[str]:
    """The checked ``static_columns`` argument (names of columns of the long DataFrame X)."""
    if static is not None:
        raise ValueError("Give the static attributes once: as `static_columns` (columns of X) "
                         "or as `static` (a table with one row per sequence), not both.")
    if not isinstance(X, pd.DataFrame) or id_column is None:
        raise ValueError("`static_columns` picks per-sequence columns of a long DataFrame and "
                         "needs `id_column`; for arrays pass `static=` (one row per sequence).")
    names = [static_columns] if isinstance(static_columns, str) else list(static_columns)
    if not names:
        raise ValueError("`static_columns` is empty; name at least one column, or leave it "
                         "None.")
    missing = [c for c in names if c not in X.columns]
    if missing:
        raise ValueError(f"`static_columns` names columns that are not in X: {missing}. "
                         f"Columns: {list(X.columns)}.")
    layout = [c for c in names if c in (id_column, time_column)]
    if layout:
        raise ValueError(f"`static_columns` includes the id or time column {layout[0]!r}; "
                         "static columns are per-sequence attributes besides those two.")
    return names


def _static_from_long(X: pd.DataFrame, id_column: str, names: list[str]) -> pd.DataFrame:
    """One row per id (in order of first appearance) of the static columns, checked to hold
    a value for every row and to be constant within each id."""
    for col in names:
        missing = X[col].isna().to_numpy()
        if missing.any():
            first = X[id_column].iloc[int(np.argmax(missing))]
            raise ValueError(
                f"Static column {col!r} has {int(missing.sum())} missing value(s), first for "
                f"{id_column}={_to_json_scalar(first)!r}. Every sequence needs its static "
                "attributes: fill them (for a category, e.g. an explicit 'unknown') or drop "
                "those sequences.")
    grouped = X.groupby(id_column, sort=False, observed=True)[names]
    counts = grouped.nunique()
    for col in names:
        varying = counts.index[(counts[col] > 1).to_numpy()]
        if len(varying):
            first = varying[0]
            seen = pd.unique(X.loc[X[id_column] == first, col])[:3].tolist()
            raise ValueError(
                f"Static column {col!r} is not constant within each {id_column!r}: "
                f"{id_column}={_to_json_scalar(first)!r} has the values {seen} "
                f"({len(varying)} id(s) in all). A static attribute has one value per "
                "sequence: fix the data, or drop the column from `static_columns` to model it "
                "as a value that changes over time.")
    return grouped.first()


def _is_categorical_dtype(dtype: Any) -> bool:
    return (isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dtype)
            or pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype))


def _encode_static_frame(static: pd.DataFrame, categorical: Sequence[str]
                         ) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """A static DataFrame -> its encoding (n, n_channels) (one-hot categories, numbers as
    they are) and the layout of its columns (name, dtype, categories and their counts)."""
    parts, columns = [], []
    for name in static.columns:
        series = static[name]
        if isinstance(series, pd.DataFrame):
            raise ValueError(f"`static` has two columns named {name!r}; rename one.")
        if name in categorical or _is_categorical_dtype(series.dtype):
            if series.isna().any():
                raise ValueError(f"Static column {name!r} has missing values; fill them (e.g. "
                                 "with an explicit 'unknown' category) or drop those rows.")
            if isinstance(series.dtype, pd.CategoricalDtype):
                cats = list(series.cat.categories)
            elif pd.api.types.is_bool_dtype(series.dtype):
                cats = [False, True]
            else:
                cats = sorted(series.unique().tolist(), key=str)
            codes = pd.Categorical(series, categories=cats).codes
            parts.append(np.eye(len(cats))[codes])
            columns.append({"name": str(name), "dtype": str(series.dtype),
                            "categories": [_to_json_scalar(c) for c in cats],
                            "counts": np.bincount(codes, minlength=len(cats)).tolist()})
        elif pd.api.types.is_numeric_dtype(series.dtype):
            parts.append(series.to_numpy(dtype=np.float64, na_value=np.nan)[:, None])
            columns.append({"name": str(name), "dtype": str(series.dtype)})
        else:
            raise TypeError(
                f"Static column {name!r} is neither numeric nor categorical (dtype "
                f"{series.dtype}). Declare it with `categorical=[{name!r}]`, convert it, or "
                "drop it.")
    if not parts:
        raise ValueError("`static` has no columns.")
    return np.concatenate(parts, axis=1), columns


def _static_channels(columns: list[dict[str, Any]]) -> list[str | None]:
    """The column of each static channel that is a category's one-hot entry (None: numeric)."""
    return [c["name"] if "categories" in c else None
            for c in columns for _ in c.get("categories", [None])]


def _categories_of(codes: np.ndarray, col: dict[str, Any]) -> Any:
    """Category codes -> values of a categorical column, in the column's dtype."""
    cats = col["categories"]
    if col["dtype"] == "category":
        return pd.Categorical.from_codes(codes, categories=cats)
    return _restore_extension(pd.Series(np.asarray(cats, dtype=object)[codes]), col["dtype"])


def _numeric_of(values: np.ndarray, dtype: str) -> Any:
    """Float values -> a numeric column of ``dtype`` (integers and booleans rounded)."""
    if _is_numpy_dtype(dtype):
        return _cast_numeric(values, np.dtype(dtype))
    return _restore_extension(pd.Series(values), dtype)


def _align_to_ids(values: Any, ids: np.ndarray | None, name: str) -> Any:
    """For long DataFrames, a Series/DataFrame indexed by sequence id is reordered to match."""
    if ids is None or not isinstance(values, (pd.Series, pd.DataFrame)):
        return values
    if set(ids).issubset(set(values.index)) and len(values.index.unique()) == len(values):
        return values.loc[ids]
    return values


def _to_json_scalar(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _is_numpy_dtype(name: str) -> bool:
    try:
        return isinstance(np.dtype(name), np.dtype)
    except TypeError:
        return False


def _cast_numeric(values: np.ndarray, dtype: np.dtype | None) -> np.ndarray:
    """Round to integers for integer/bool dtypes; keep floats (float64 for non-floats)."""
    if dtype is None:
        return values
    if dtype == np.bool_:
        return np.clip(np.rint(values), 0, 1).astype(bool)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return np.clip(np.rint(values), info.min, info.max).astype(dtype)
    if np.issubdtype(dtype, np.floating):
        return values.astype(dtype)
    return values


def _restore_extension(series: pd.Series, dtype: str) -> pd.Series:
    """Cast back to the column's original dtype where pandas can; keep it as is otherwise."""
    kind = dtype.lower()
    try:
        if series.dtype != object and kind.startswith(("int", "uint")):
            return series.round().astype(dtype)
        if series.dtype != object and kind == "boolean":
            return (series.round().clip(0, 1) > 0).astype(dtype)
        return series.astype(dtype)
    except (TypeError, ValueError):
        return series


def _new_ids(n: int, id_dtype: str) -> np.ndarray:
    if _is_numpy_dtype(id_dtype) and np.issubdtype(np.dtype(id_dtype), np.integer):
        return np.arange(n, dtype=np.int64)
    width = len(str(max(n - 1, 0)))
    return np.array([f"synthetic-{i:0{width}d}" for i in range(n)], dtype=object)
