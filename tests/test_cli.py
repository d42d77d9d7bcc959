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
