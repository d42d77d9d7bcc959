"""Static attributes in a long DataFrame (issue 19, part 1): ``fit(df, id_column=...,
time_column=..., static_columns=[...])``, categories in and out, the time grid continued,
``sample(n, static={...})`` and the Parquet output of ``seqgan sample``."""

from __future__ import annotations

import builtins
import logging

import numpy as np
import pandas as pd
import pytest

import seqgan
from seqgan.cli import main
from seqgan.data import SequenceEncoder

T = 8
KIND_LEVEL = {"low": -1.0, "high": 1.0}


def patients(n: int = 24, seed: int = 0) -> pd.DataFrame:
    """Long format, the DoppelGANger layout: an id, daily dates, one measurement, and per-patient
    attributes: ``kind`` (text; decides the level of the series), ``ward`` (category),
    ``age`` (int) and ``smoker`` (bool)."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n):
        kind = "low" if i % 2 == 0 else "high"
        x = KIND_LEVEL[kind] + 0.3 * np.sin(np.arange(T) + rng.uniform(0, 6)) \
            + 0.05 * rng.normal(size=T)
        frames.append(pd.DataFrame({
            "patient": f"p{i:02d}", "day": pd.date_range("2024-03-01", periods=T, freq="D"),
            "x": x, "kind": kind, "ward": ["ICU", "general", "general"][i % 3],
            "age": 30 + 2 * i, "smoker": bool(i % 4 == 0)}))
    frame = pd.concat(frames, ignore_index=True)
    frame["ward"] = frame["ward"].astype("category")
    return frame


STATIC = ["kind", "ward", "age", "smoker"]


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return patients()


def tiny(cls: type, **overrides) -> seqgan.models.Estimator:
    return cls(**{**cls.get_test_params(), **overrides})


@pytest.fixture(scope="module")
def r3gan(df):
    return tiny(seqgan.R3GAN).fit(df, id_column="patient", time_column="day",
                                  static_columns=STATIC)


@pytest.fixture(scope="module")
def timegan(df):
    return tiny(seqgan.TimeGAN).fit(df, id_column="patient", time_column="day",
                                    static_columns=STATIC)


def generated(model) -> tuple[str, str]:
    """The least frequent kind these tiny models generate in at least 10% of the samples (they
    may generate only one), and the ward they generate most often with it."""
    _, drawn = model.sample(200, random_state=0, return_static=True)
    counts = drawn["kind"].value_counts()
    kind = counts[counts >= 20].index[-1]
    return kind, drawn.loc[drawn["kind"] == kind, "ward"].value_counts().index[0]


def per_sequence(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    grouped = frame.groupby("patient", sort=False)
    assert (grouped[columns].nunique() == 1).all().all()  # constant within each new id
    return grouped[columns].first()


# ---------------------------------------------------------------- fit and sample
def test_sample_returns_the_long_frame_with_valid_categories(r3gan, df):
    out = r3gan.sample(10, random_state=0)
    assert list(out.columns) == list(df.columns)
    assert out["patient"].nunique() == 10 and out["patient"].str.startswith("synthetic-").all()
    attributes = per_sequence(out, STATIC)
    assert set(attributes["kind"]) <= {"low", "high"}
    assert isinstance(out["ward"].dtype, pd.CategoricalDtype)
    assert list(out["ward"].cat.categories) == list(df["ward"].cat.categories)
    assert out["age"].dtype == df["age"].dtype and out["smoker"].dtype == bool
    assert attributes["age"].between(df["age"].min(), df["age"].max()).all()
    assert out["kind"].dtype == df["kind"].dtype
    # the networks see 2 + 2 one-hot channels, age, and 2 for the boolean
    assert r3gan.spec_.n_static == 7 and r3gan.spec_.n_channels == 1


def test_dates_continue_the_data_grid(r3gan, df):
    out = r3gan.sample(3, seq_len=T + 4, random_state=0)
    days = out.loc[out["patient"] == out["patient"].iloc[0], "day"]
    assert days.dtype == df["day"].dtype
    expected = pd.date_range("2024-03-01", periods=T + 4, freq="D").astype(df["day"].dtype)
    assert (days.to_numpy() == expected.to_numpy()).all()


def test_return_static_gives_the_attributes_of_each_new_id(timegan):
    frame, static = timegan.sample(6, random_state=0, return_static=True)
    assert list(static.columns) == STATIC and static.index.name == "patient"
    pd.testing.assert_frame_equal(per_sequence(frame, STATIC), static, check_names=False)


def test_sample_iter_chunks_equal_sample(r3gan):
    whole = r3gan.sample(7, random_state=3)
    parts = pd.concat(r3gan.sample_iter(7, chunk_size=3, random_state=3), ignore_index=True)
    pd.testing.assert_frame_equal(parts, whole)


def test_a_static_dataframe_with_text_columns_gives_categories_back(df):
    static = df.groupby("patient", sort=False)[STATIC].first()
    values = df.drop(columns=STATIC)
    model = tiny(seqgan.TimeGAN).fit(values, id_column="patient", time_column="day",
                                     static=static)
    out, S = model.sample(5, random_state=0, return_static=True)
    assert list(out.columns) == ["patient", "day", "x"]  # statics come separately here
    assert list(S.columns) == STATIC and set(S["kind"]) <= {"low", "high"}
    assert isinstance(S["ward"].dtype, pd.CategoricalDtype)


def test_categorical_declares_a_numeric_static_column(df):
    enc = SequenceEncoder()
    data = enc.fit_transform(df, id_column="patient", time_column="day",
                             static_columns=["age", "kind"], categorical=["age"])
    ages = enc.static_columns_[0]
    assert ages["categories"] == sorted(df["age"].unique().tolist())
    assert data.static.shape == (24, 24 + 2)


def test_numeric_static_columns_are_scaled_and_one_hot_stays_0_1(df):
    enc = SequenceEncoder(scaling="standard")
    data = enc.fit_transform(df, id_column="patient", time_column="day",
                             static_columns=["kind", "age"])
    one_hot, age = data.static[:, :2], data.static[:, 2]
    assert set(np.unique(one_hot)) == {0.0, 1.0} and (one_hot.sum(axis=1) == 1).all()
    assert abs(age.mean()) < 1e-6 and abs(age.std() - 1) < 1e-5


def test_transform_of_new_data_ignores_the_static_columns(r3gan, df):
    data = r3gan.encoder_.transform(df)
    assert data.values.shape == (24, T, 1)


# ---------------------------------------------------------------- errors of fit
def test_a_static_column_that_changes_within_an_id_names_the_id(df):
    bad = df.copy()
    bad.loc[bad.index[(bad["patient"] == "p05").to_numpy()][-1], "kind"] = "low"
    with pytest.raises(ValueError, match=r"'kind' is not constant within each 'patient': "
                                         r"patient='p05' has the values \['high', 'low'\]"):
        SequenceEncoder().fit_transform(bad, id_column="patient", time_column="day",
                                        static_columns=STATIC)


def test_missing_values_in_a_static_column_are_a_clear_error(df):
    bad = df.copy()
    bad["age"] = bad["age"].astype(float)
    bad.loc[(bad["patient"] == "p03").to_numpy(), "age"] = np.nan
    with pytest.raises(ValueError, match=r"Static column 'age' has 8 missing value\(s\), "
                                         r"first for patient='p03'"):
        SequenceEncoder().fit_transform(bad, id_column="patient", time_column="day",
                                        static_columns=STATIC)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"static_columns": ["height"]}, r"names columns that are not in X: \['height'\]"),
    ({"static_columns": ["day"]}, "includes the id or time column 'day'"),
    ({"static_columns": ["age"], "static": np.zeros((24, 1))}, "not both"),
])
def test_static_columns_arguments_are_checked(df, kwargs, message):
    with pytest.raises(ValueError, match=message):
        SequenceEncoder().fit_transform(df, id_column="patient", time_column="day", **kwargs)


def test_static_columns_need_a_long_dataframe(tiny_X):
    with pytest.raises(ValueError, match="needs `id_column`; for arrays pass `static=`"):
        SequenceEncoder().fit_transform(tiny_X, static_columns=["a"])


def test_a_model_without_static_features_says_which_models_have_them(df):
    with pytest.raises(ValueError, match="CRNNGAN does not use static features.*use TimeGAN "
                                         "or R3GAN"):
        tiny(seqgan.CRNNGAN).fit(df, id_column="patient", time_column="day",
                                 static_columns=STATIC)


# ---------------------------------------------------------------- conditional sampling
@pytest.mark.parametrize("name", ["r3gan", "timegan"])
def test_fixed_attributes_are_in_every_sample_and_the_rest_is_drawn(name, request):
    model = request.getfixturevalue(name)
    kind, ward = generated(model)
    out = model.sample(40, random_state=0, static={"kind": kind})
    attributes = per_sequence(out, STATIC)
    assert len(attributes) == 40 and (attributes["kind"] == kind).all()
    assert set(attributes["ward"]) <= {"ICU", "general"}
    again = model.sample(40, random_state=0, static={"kind": kind})
    pd.testing.assert_frame_equal(out, again)  # same seed, same samples
    both = model.sample(10, random_state=1, static={"kind": kind, "ward": ward})
    both = per_sequence(both, STATIC)
    assert (both["kind"] == kind).all() and (both["ward"] == ward).all()


def test_acceptance_is_logged(r3gan, caplog):
    with caplog.at_level(logging.INFO, logger="seqgan.models._base"):
        r3gan.sample(5, random_state=0, static={"kind": "low"})
    assert any("drawn samples matched" in r.getMessage() for r in caplog.records)


def test_conditioned_samples_are_the_models_own_samples_with_that_attribute(r3gan):
    """Rejection sampling is exact: with the same seed, ``sample(n, static=...)`` gives the
    first ``n`` samples of ``sample(256)`` that have the attribute (series included)."""
    kind, _ = generated(r3gan)
    free, attributes = r3gan.sample(256, random_state=5, return_static=True)
    chosen = attributes.index[(attributes["kind"] == kind).to_numpy()][:10]
    expected = free[free["patient"].isin(chosen)].drop(columns="patient").reset_index(drop=True)
    given = r3gan.sample(10, random_state=5, static={"kind": kind})
    pd.testing.assert_frame_equal(given.drop(columns="patient"), expected)


def test_rare_combinations_are_refused_with_the_rate(r3gan, monkeypatch):
    monkeypatch.setattr("seqgan.models._base._MIN_ACCEPTANCE", 1.0)
    with pytest.raises(ValueError, match=r"R3GAN generated \d+ matching sample\(s\) in 1000 "
                                         r"draws .* \(training sequences: kind='low' in 50\.0%\)"):
        r3gan.sample(1000, random_state=0, static={"kind": "low"})


@pytest.mark.parametrize(("static", "message"), [
    ({"age": 40}, "Static column 'age' is numeric: only categorical static columns can be "
                  "fixed"),
    ({"kind": "medium"}, r"'medium' is not a category of 'kind'; known: \['high', 'low'\]"),
    ({"height": 1}, "'height', which is not a static column"),
    ({}, "must be a non-empty dict"),
])
def test_bad_requests_are_clear_errors(r3gan, static, message):
    with pytest.raises(ValueError, match=message):
        r3gan.sample(3, static=static)


def test_models_that_cannot_fix_static_attributes_say_why(tiny_X):
    crnngan = tiny(seqgan.CRNNGAN).fit(tiny_X)
    with pytest.raises(ValueError, match="CRNNGAN does not model static attributes.*TimeGAN "
                                         "or R3GAN"):
        crnngan.sample(3, static={"kind": "low"})
    without = tiny(seqgan.R3GAN).fit(tiny_X)
    with pytest.raises(ValueError, match="fitted without static features"):
        without.sample(3, static={"kind": "low"})
    unnamed = tiny(seqgan.R3GAN).fit(tiny_X, static=np.arange(24.0)[:, None])
    with pytest.raises(ValueError, match="as an array"):
        unnamed.sample(3, static={"s0": 1})


# ---------------------------------------------------------------- save and load
def test_categories_and_static_columns_survive_save_and_load(timegan, tmp_path):
    loaded = seqgan.load(timegan.save(tmp_path / "static.seqgan"))
    assert loaded.encoder_.static_columns_ == timegan.encoder_.static_columns_
    pd.testing.assert_frame_equal(loaded.sample(6, random_state=0),
                                  timegan.sample(6, random_state=0))
    kind, _ = generated(timegan)
    pd.testing.assert_frame_equal(loaded.sample(6, random_state=0, static={"kind": kind}),
                                  timegan.sample(6, random_state=0, static={"kind": kind}))


# ---------------------------------------------------------------- Parquet output
def _fit_run(tmp_path, df) -> str:
    path = tmp_path / "patients.csv"
    df.to_csv(path, index=False)
    run = tmp_path / "run"
    assert main(["fit", "--model", "r3gan", "--data", str(path), "--id-column", "patient",
                 "--time-column", "day", "--data-option", 'parse_dates=["day"]',
                 "--static-columns", "kind,ward", "--n-iter", "2",
                 "--channels", "[4, 8]", "--noise-dim", "2", "--global-noise-dim", "2",
                 "--batch-size", "8", "--device", "cpu", "--out", str(run)]) == 0
    return str(run)


def test_parquet_output_is_streamed_and_reads_back_as_the_csv(tmp_path, df, capsys):
    pytest.importorskip("pyarrow")
    run = _fit_run(tmp_path, df.drop(columns=["age", "smoker"]))
    args = ["sample", run, "-n", "7", "--seed", "0", "--chunk-size", "3"]
    assert main([*args, "-o", str(tmp_path / "s.parquet")]) == 0
    assert main([*args, "-o", str(tmp_path / "s.csv")]) == 0
    parquet = pd.read_parquet(tmp_path / "s.parquet")
    csv = pd.read_csv(tmp_path / "s.csv", parse_dates=["day"], date_format="%Y-%m-%d")
    assert parquet["patient"].nunique() == 7
    assert pd.api.types.is_datetime64_any_dtype(parquet["day"])
    pd.testing.assert_frame_equal(parquet.astype({"day": csv["day"].dtype}), csv,
                                  check_dtype=False)
    static = pd.read_parquet(tmp_path / "s.static.parquet")
    assert list(static.columns) == ["patient", "kind", "ward"] and len(static) == 7
    import pyarrow.parquet as pq

    assert pq.ParquetFile(tmp_path / "s.parquet").num_row_groups == 3  # chunks of 3, 3, 1


def test_parquet_without_pyarrow_names_the_extra(tmp_path, df, capsys, monkeypatch):
    run = _fit_run(tmp_path, df.drop(columns=["age", "smoker"]))
    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name == "pyarrow" or name.startswith("pyarrow."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    capsys.readouterr()
    assert main(["sample", run, "-n", "2", "-o", str(tmp_path / "s.parquet")]) == 1
    assert r"pip install seqgan[parquet]" in capsys.readouterr().err
