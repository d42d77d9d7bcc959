from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd

from seqgan.cli import main


def test_help_lists_every_command():
    out = subprocess.run([sys.executable, "-m", "seqgan.cli", "--help"], capture_output=True,
                         text=True, check=True).stdout
    for command in ("fit", "sample", "datasets"):
        assert command in out


def test_datasets_lists_sines(capsys):
    assert main(["datasets"]) == 0
    assert "sines" in capsys.readouterr().out


def test_fit_then_sample(tmp_path, capsys):
    run = tmp_path / "demo"
    code = main(["fit", "--model", "crnngan", "--data", "sines", "--data-option",
                 "n_samples=64", "--data-option", "seq_len=8", "--out", str(run),
                 "--n-iter", "3", "--hidden-dim", "4", "--no-verbose", "--random-state", "0",
                 "--device", "cpu"])
    assert code == 0
    assert {p.name for p in run.iterdir()} >= {"model.seqgan", "history.csv", "run.json",
                                               "checkpoint.pt"}
    assert main(["sample", str(run), "-n", "5", "-o", str(tmp_path / "s.csv"), "--seed",
                 "1"]) == 0
    table = pd.read_csv(tmp_path / "s.csv")
    assert list(table.columns) == ["sequence", "step", "x0", "x1", "x2", "x3", "x4"]
    assert table["sequence"].nunique() == 5 and len(table) == 40
    assert main(["sample", str(run / "model.seqgan"), "-n", "5", "-o",
                 str(tmp_path / "s.npy")]) == 0
    assert np.load(tmp_path / "s.npy").shape == (5, 8, 5)


def test_errors_are_one_line(tmp_path, capsys):
    assert main(["fit", "--model", "crnngan", "--data", "sines", "--out", str(tmp_path),
                 "--hidden-dim", "-1"]) == 1
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0
    assert "seqgan: error: The 'hidden_dim' parameter of CRNNGAN must be an int" in err
    assert main(["sample", str(tmp_path / "nothing"), "-n", "1", "-o", "x.csv"]) == 1
    assert "No model file" in capsys.readouterr().err


def test_long_csv_fit(tmp_path, vitals):
    path = tmp_path / "vitals.csv"
    vitals.drop(columns="position").to_csv(path, index=False)
    assert main(["fit", "--model", "crnngan", "--data", str(path), "--id-column", "patient",
                 "--time-column", "hour", "--out", str(tmp_path / "run"), "--n-iter", "2",
                 "--hidden-dim", "4", "--no-verbose", "--device", "cpu"]) == 0
    assert main(["sample", str(tmp_path / "run"), "-n", "3", "-o",
                 str(tmp_path / "out.csv")]) == 0
    out = pd.read_csv(tmp_path / "out.csv")
    assert list(out.columns) == ["patient", "hour", "hr", "sbp", "spo2"]


def test_image_models_from_the_command_line(tmp_path, capsys):
    run = tmp_path / "cgan"
    assert main(["fit", "--model", "cgan", "--data", "digits", "--condition-from-labels",
                 "--out", str(run), "--n-iter", "2", "--base-channels", "4",
                 "--latent-dim", "2", "--batch-size", "16", "--no-verbose", "--device",
                 "cpu", "--random-state", "0"]) == 0
    assert main(["sample", str(run), "-n", "6", "--condition", "7", "-o",
                 str(tmp_path / "sevens.npy")]) == 0
    assert np.load(tmp_path / "sevens.npy").shape == (6, 1, 8, 8)
    assert main(["sample", str(run), "-n", "6", "--condition", "7", "-o",
                 str(tmp_path / "sevens.png")]) == 0
    assert (tmp_path / "sevens.png").stat().st_size > 500
    assert main(["sample", str(run), "-n", "2", "--condition", "7", "-o",
                 str(tmp_path / "x.csv")]) != 0
    assert ".png grid" in capsys.readouterr().err


def test_points_from_the_command_line(tmp_path, capsys):
    run = tmp_path / "ring"
    assert main(["fit", "--model", "mlpgan", "--data", "ring", "--data-option",
                 "n_samples=64", "--condition-from-labels", "--out", str(run), "--n-iter", "2",
                 "--hidden-dim", "4", "--batch-size", "16", "--no-verbose", "--device", "cpu",
                 "--random-state", "0"]) == 0
    assert main(["sample", str(run), "-n", "5", "--condition", "3", "-o",
                 str(tmp_path / "p.csv")]) == 0
    assert list(pd.read_csv(tmp_path / "p.csv").columns) == ["x0", "x1"]
    assert main(["sample", str(run), "-n", "5", "--condition", "3", "-o",
                 str(tmp_path / "p.npy")]) == 0
    assert np.load(tmp_path / "p.npy").shape == (5, 2)
    assert main(["sample", str(run), "-n", "2", "--seq-len", "4", "-o",
                 str(tmp_path / "q.npy")]) != 0
    assert "makes points" in capsys.readouterr().err


FAST = ["--no-verbose", "--device", "cpu", "--random-state", "0"]


def test_model_option_with_an_equals_sign(tmp_path, capsys):
    run = tmp_path / "eq"
    assert main(["fit", "--model=crnngan", "--n-iter", "2", "--hidden-dim", "4", "--data",
                 "sines", "--data-option", "n_samples=32", "--data-option", "seq_len=8",
                 "--out", str(run), *FAST]) == 0
    assert "CRNNGAN trained" in capsys.readouterr().out


def test_fit_prints_the_diversity_and_sample_writes_into_the_run_folder(tmp_path, capsys):
    run = tmp_path / "demo"
    assert main(["fit", "--model", "crnngan", "--data", "sines", "--data-option",
                 "n_samples=32", "--data-option", "seq_len=8", "--out", str(run),
                 "--n-iter", "2", "--hidden-dim", "4", *FAST]) == 0
    out = capsys.readouterr().out
    assert "diversity of the samples: " in out
    assert main(["sample", str(run), "-n", "3"]) == 0  # no -o: into the run folder
    assert (run / "samples.csv").is_file()
    assert f"to {run / 'samples.csv'}" in capsys.readouterr().out


def test_hyperparameter_help_says_what_each_option_does(capsys):
    import pytest

    with pytest.raises(SystemExit):
        main(["fit", "--model", "crnngan", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    assert "--hidden-dim V LSTM units per layer in both networks (default: 64)" in text
    assert "--lr-g V Learning rates of generator and discriminator" in text
    assert "--batch-size V sequences per training batch (default: 64)" in text
    assert "--feed-previous, --no-feed-previous Feed the generator's previous output" in text
    with pytest.raises(SystemExit):
        main(["tune", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "model to tune (" in text and "stop unpromising trials early" in text


def test_every_hyperparameter_of_every_model_has_a_description():
    import inspect

    from seqgan.cli import _param_help
    from seqgan.models import available_models, get_model

    for name in available_models():
        cls = get_model(name)
        described = _param_help(cls)
        params = [p for p in inspect.signature(cls.__init__).parameters
                  if p not in ("self",)]
        missing = [p for p in params if not described.get(p)]
        assert not missing, f"{cls.__name__}: no help for {missing}"


def test_categorical_static_and_condition_columns(tmp_path, vitals, capsys):
    table = vitals.copy()
    patients = table["patient"].unique()
    table["age"] = table["patient"].map({p: 40 + i for i, p in enumerate(patients)})
    table["ward"] = table["patient"].map({p: i % 2 for i, p in enumerate(patients)})
    path = tmp_path / "vitals.csv"
    table.to_csv(path, index=False)
    common = ["--data", str(path), "--id-column", "patient", "--time-column", "hour",
              "--categorical", "position", *FAST]
    # a text column without --categorical: the error names the option to use
    assert main(["fit", "--model", "crnngan", "--data", str(path), "--id-column", "patient",
                 "--out", str(tmp_path / "x"), "--n-iter", "1", "--hidden-dim", "4"]) == 1
    assert "(on the command line: `--categorical position`)" in capsys.readouterr().err
    # static features from per-patient columns
    assert main(["fit", "--model", "r3gan", *common, "--static-columns", "age",
                 "--condition-column", "ward", "--channels", "4,8", "--noise-dim", "2",
                 "--global-noise-dim", "2", "--n-iter", "2", "--batch-size", "4",
                 "--out", str(tmp_path / "r3")]) == 0
    synth = tmp_path / "synth.csv"
    assert main(["sample", str(tmp_path / "r3"), "-n", "4", "--condition", "0",
                 "--condition", "1", "-o", str(synth)]) == 0
    out = pd.read_csv(synth)
    assert set(out["position"]) <= {"supine", "sitting"} and "age" not in out
    static = pd.read_csv(tmp_path / "synth.static.csv")
    assert list(static.columns)[-1] == "age" and len(static) == 4
    # a per-patient column that changes within a patient is refused
    assert main(["fit", "--model", "crnngan", *common, "--static-columns", "hr",
                 "--out", str(tmp_path / "y"), "--n-iter", "1", "--hidden-dim", "4"]) == 1
    assert "change(s) within a sequence" in capsys.readouterr().err


def test_sample_conditions_are_cycled_or_read_from_a_file(tmp_path):
    import argparse

    from seqgan.cli import _sample_condition

    args = argparse.Namespace(condition=["0", "1"], condition_file=None, n=5)
    assert _sample_condition(args) == [0, 1, 0, 1, 0]
    np.save(tmp_path / "c.npy", np.array([2, 1, 0]))
    args = argparse.Namespace(condition=[], condition_file=str(tmp_path / "c.npy"), n=3)
    assert _sample_condition(args).tolist() == [2, 1, 0]
    args.n = 4
    import pytest

    with pytest.raises(ValueError, match="has 3 rows but -n is 4"):
        _sample_condition(args)


def test_sample_streams_csv_in_chunks_with_the_same_rows(tmp_path):
    from seqgan import load
    from seqgan.cli import _to_frame

    run = tmp_path / "demo"
    assert main(["fit", "--model", "crnngan", "--data", "sines", "--data-option",
                 "n_samples=64", "--data-option", "seq_len=6", "--out", str(run),
                 "--n-iter", "2", "--hidden-dim", "4", "--no-verbose", "--random-state", "0",
                 "--device", "cpu"]) == 0
    assert main(["sample", str(run), "-n", "11", "--seed", "3", "--chunk-size", "4", "-o",
                 str(tmp_path / "s.csv")]) == 0
    streamed = pd.read_csv(tmp_path / "s.csv")
    whole = _to_frame(load(run / "model.seqgan").sample(11, random_state=3))
    assert streamed["sequence"].tolist() == list(np.repeat(np.arange(11), 6))  # ids run on
    np.testing.assert_allclose(streamed.to_numpy(), whole.to_numpy(), rtol=1e-6, atol=1e-6)


def test_fit_a_csv_with_empty_cells_then_sample_gaps(tmp_path):
    """Empty cells of a CSV are missing values: fit learns around them, sample --missing
    pattern leaves cells empty in that feature only, the default writes complete series."""
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"patient": np.repeat(np.arange(16), 6),
                          "hour": np.tile(np.arange(6), 16),
                          "hr": rng.normal(70, 5, 96).round(1), "temp": rng.normal(37, .3, 96)})
    table.loc[rng.random(96) < 0.3, "hr"] = np.nan
    table.to_csv(tmp_path / "vitals.csv", index=False)
    run = tmp_path / "run"
    assert main(["fit", "--model", "crnngan", "--data", str(tmp_path / "vitals.csv"),
                 "--id-column", "patient", "--time-column", "hour", "--out", str(run),
                 "--n-iter", "2", "--hidden-dim", "4", "--no-verbose", "--random-state", "0",
                 "--device", "cpu"]) == 0
    assert main(["sample", str(run), "-n", "20", "--seed", "1", "--missing", "pattern", "-o",
                 str(tmp_path / "gaps.csv")]) == 0
    gaps = pd.read_csv(tmp_path / "gaps.csv")
    assert gaps["hr"].isna().any() and gaps["temp"].notna().all()
    assert main(["sample", str(run), "-n", "20", "--seed", "1", "-o",
                 str(tmp_path / "full.csv")]) == 0
    full = pd.read_csv(tmp_path / "full.csv")
    assert full[["hr", "temp"]].notna().all().all()
    np.testing.assert_allclose(full["hr"][gaps["hr"].notna()], gaps["hr"].dropna(), rtol=1e-6)
