"""The scripts in benchmarks/ that write committed results: merge_results.py and
time_to_quality.py (its --quick smoke run)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import NO_DATA, SHARED_DATA

SCRIPTS = Path(__file__).resolve().parents[1] / "benchmarks"


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _results(folder: Path, rows: list[tuple], metrics: list[str], command: str) -> None:
    folder.mkdir()
    columns = ["method", "dataset", "seed", "fit_seconds", "sample_seconds", "peak_rss_mb",
               *metrics]
    pd.DataFrame(rows, columns=columns).to_csv(folder / "results.csv", index=False)
    machine = {"processor": "x86_64", "cpu_count": 2, "platform": "linux", "python": "3.11",
               "torch": "2", "torch_threads": 1}
    (folder / "run.json").write_text(json.dumps({
        "command": command, "date": "2026-01-01", "seqgan": "0", "machine": machine,
        "config": {"models": {}, "datasets": ["sines"], "metrics": metrics}}))


def test_merge_replaces_the_methods_rows_and_keeps_the_targets_metrics(tmp_path):
    target, source = tmp_path / "target", tmp_path / "source"
    _results(target, [("timegan", "sines", 0, 1, 1, 1, 0.2), ("r3gan", "sines", 0, 1, 1, 1, 0.9),
                      ("real data", "sines", 0, 1, 1, 1, 0.01)], ["discriminative"], "old")
    _results(source, [("r3gan", "sines", s, 1, 1, 1, 0.05 + s / 100, 0.4) for s in range(5)]
             + [("real data", "sines", 0, 1, 1, 1, 0.02, 0.0)],
             ["discriminative", "strict_discriminative"], "new")
    (target / "summary.md").write_text("# old table\n\n## Notes (added by hand)\n\n- kept\n")
    merged = _script("merge_results").merge(target, source, ["r3gan"])
    table = pd.read_csv(target / "results.csv")
    assert list(table.columns) == list(merged.columns)
    assert "strict_discriminative" not in table  # only the target's metrics
    assert sorted(table[table.method == "r3gan"].seed) == [0, 1, 2, 3, 4]
    assert 0.9 not in set(table.discriminative)  # the old r3gan row is replaced
    assert table[table.method == "real data"].discriminative.tolist() == [0.01]  # kept
    summary = (target / "summary.md").read_text()
    assert "| r3gan | 0.070 ±" in summary and "| timegan | 0.200" in summary
    assert "# old table" not in summary
    assert summary.endswith("\n## Notes (added by hand)\n\n- kept\n")  # hand-written notes
    assert "merged by" in json.loads((target / "run.json").read_text())["command"]
    with pytest.raises(ValueError, match="no rows of bigan"):
        _script("merge_results").merge(target, source, ["bigan"])


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED_DATA / "stock_data.csv").exists(), reason=NO_DATA)
def test_time_to_quality_quick_run(tmp_path):
    out = tmp_path / "t2q"
    subprocess.run([sys.executable, str(SCRIPTS / "time_to_quality.py"), "--quick",
                    "--datasets", "stocks", "--n-runs", "1", "--out", str(out)], check=True,
                   capture_output=True, timeout=600)
    table = pd.read_csv(out / "results.csv")
    assert set(table.model) == {"R3GAN", "TimeGAN"}
    for _, frame in table.groupby("model"):  # segments add up: CPU time grows
        assert frame.cpu_seconds.is_monotonic_increasing and len(frame) == 2
    scores = table[["discriminative", "strict_discriminative"]].to_numpy()
    assert ((scores >= 0) & (scores <= 0.5)).all()
    assert (out / "time_to_quality.png").stat().st_size > 1000


def test_missing_values_quick_run(tmp_path):
    """benchmarks/missing_values.py --quick: every variant of both gap kinds, and the gap
    makers it measures with (rates and burst lengths as set)."""
    import numpy as np

    script = _script("missing_values")
    gone = np.isnan(script.remove(np.zeros((4000, 24, 2)), "bursts", np.random.default_rng(0)))
    assert abs(gone.mean() - script.RATE) < 0.02
    assert 3.8 < script.gap_lengths(gone).mean() < script.BURST_MEAN  # 24 steps cut long runs
    lengths = script.gap_lengths(np.array([[[1], [1], [0], [1]], [[0], [0], [1], [1]]], bool))
    assert sorted(lengths.tolist()) == [1, 2, 2]
    out = tmp_path / "mv"
    subprocess.run([sys.executable, str(SCRIPTS / "missing_values.py"), "--quick", "--out",
                    str(out)], check=True, capture_output=True, timeout=600)
    table = pd.read_csv(out / "results.csv")
    assert len(table) == 10 and set(table.variant) == {
        "complete", "mask", "channels", "interpolated", "complete-minmax", "mask-minmax"}
    assert table.loc[table.variant.str.startswith("mask"), "missing_rate"].between(0, 1).all()
    assert (table.loc[table.variant == "complete-minmax", "missing"] == "none").all()
    assert "| mask | bursts |" in (out / "summary.md").read_text()


def test_ais_combine_merges_runs_over_disjoint_seeds(tmp_path):
    """benchmarks/ais/run.py --combine: two runs over seeds 0 and 1 summarised as one; runs
    that share a seed are refused."""
    spec = importlib.util.spec_from_file_location("ais_run", SCRIPTS / "ais" / "run.py")
    ais_run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ais_run)
    variants = ["baseline", "baseline + DRS", "baseline + DDLS", "AIS (prior)", "AIS (q)"]
    for seed in (0, 1):
        folder = tmp_path / f"part{seed}"
        folder.mkdir()
        pd.DataFrame([{"dataset": "stocks", "seed": seed, "variant": v, "fit_s": 1.0,
                       "discriminative": 0.1 + 0.01 * i + 0.05 * seed,
                       "strict_discriminative": 0.3, "predictive": 0.04}
                      for i, v in enumerate(variants)]).to_csv(folder / "results.csv",
                                                                index=False)
    out = tmp_path / "merged"
    ais_run.combine(out, [tmp_path / "part0", tmp_path / "part1"], "r3gan", False)
    merged = pd.read_csv(out / "results.csv")
    assert sorted(merged.seed.unique()) == [0, 1] and len(merged) == 10
    summary = (out / "summary.md").read_text()
    assert "R3GAN" in summary and "seeds [0, 1]" in summary and "strict_discriminative" in summary
    with pytest.raises(SystemExit, match="share seeds"):
        ais_run.combine(tmp_path / "again", [tmp_path / "part0", tmp_path / "part0"], "r3gan",
                        False)


def test_r3gan_options_reads_literals_and_text_and_refuses_a_bare_word():
    """benchmarks/r3gan_options.py: the ablation rows' options as R3GAN's keyword arguments."""
    parse = _script("r3gan_options").parse_options
    assert parse(["n_iter=5000", "channels=[64, 128]", "scaling=minmax", "ema=None"]) == {
        "n_iter": 5000, "channels": [64, 128], "scaling": "minmax", "ema": None}
    with pytest.raises(SystemExit, match="name=value"):
        parse(["n_iter"])


@pytest.mark.skipif(not (SHARED_DATA / "ECG5000_TRAIN.txt").exists(), reason=NO_DATA)
def test_ecg_conditional_quick_run(tmp_path, monkeypatch):
    """benchmarks/ecg_conditional.py --quick: TSTR against TRTR, per-class scores of the classes
    with enough beats, and the figure."""
    monkeypatch.setenv("SEQGAN_DATA_HOME", str(SHARED_DATA))
    out = tmp_path / "ecg"
    subprocess.run([sys.executable, str(SCRIPTS / "ecg_conditional.py"), "--quick", "--out",
                    str(out)], check=True, capture_output=True, timeout=600)
    row = pd.read_csv(out / "results.csv").iloc[0]
    assert 0 <= row.tstr <= 1 and 0.5 < row.trtr <= 1  # a forest on real beats learns classes
    assert row.tstr_over_trtr == pytest.approx(row.tstr / row.trtr)
    for c in (1, 2):  # the classes with enough beats; classes 3-5 have too few
        assert 0 <= row[f"disc_{c}"] <= 0.5 and 0 <= row[f"strict_{c}"] <= 0.5
    assert "disc_3" not in row and row.class_mean_gap_real > 0.5
    assert (out / "ecg_conditional.png").stat().st_size > 1000
