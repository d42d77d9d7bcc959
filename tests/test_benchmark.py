"""The benchmark runner: one tiny end-to-end run and the config errors."""

from __future__ import annotations

import json
from dataclasses import asdict

import pandas as pd
import pytest

from seqgan.benchmark import BenchmarkConfig, available_metrics, run_benchmark, threads_per_run
from seqgan.cli import main
from tests.conftest import NO_DATA, SHARED_DATA

TINY = {
    "models": {"crnngan": {"hidden_dim": 4, "n_iter": 3, "batch_size": 16, "device": "cpu"}},
    "datasets": ["sines"],
    "seeds": [0, 1],
    "dataset_options": {"sines": {"n_samples": 48, "n_features": 2}},
    "metrics": ["discriminative", "predictive"],
    "metric_options": {"discriminative": {"n_runs": 1, "n_iter": 5},
                       "predictive": {"n_runs": 1, "n_iter": 5}},
    "plots": False,
}


@pytest.mark.timeout(300)
def test_tiny_benchmark_writes_every_output(tmp_path):
    table = run_benchmark(TINY, tmp_path, command="pytest")
    assert list(table["method"].unique()) == ["crnngan", "real data", "VAR"]
    assert len(table) == 6 and set(table["seed"]) == {0, 1}
    for column in ("discriminative", "predictive", "fit_seconds", "sample_seconds",
                   "peak_rss_mb"):
        assert table[column].notna().all(), column
    assert table["discriminative"].between(0, 0.5).all()
    assert (table.loc[table["method"] == "crnngan", "fit_seconds"] > 0).all()
    saved = pd.read_csv(tmp_path / "results.csv")
    assert len(saved) == 6
    summary = (tmp_path / "summary.md").read_text()
    assert "| crnngan |" in summary and "±" in summary and "*TimeGAN (paper)*" in summary
    meta = json.loads((tmp_path / "run.json").read_text())
    assert meta["command"] == "pytest" and meta["machine"]["cpu_count"] >= 1
    # the header gives the threads each run had, not those of the parent process
    threads = meta["machine"]["torch_threads"]
    assert threads == threads_per_run(BenchmarkConfig.from_mapping(TINY))
    assert f"({threads} threads per run, 1 run(s) at a time)" in summary


def test_threads_per_run_shares_the_cores_among_workers():
    many = BenchmarkConfig.from_mapping({**TINY, "workers": 64})
    assert threads_per_run(many) == 1
    fixed = BenchmarkConfig.from_mapping({**TINY, "workers": 64, "threads": 3})
    assert threads_per_run(fixed) == 3


def test_same_seed_same_numbers(tmp_path):
    config = {**TINY, "seeds": [0], "references": False, "metrics": ["discriminative"]}
    a = run_benchmark(config, tmp_path / "a")
    b = run_benchmark(config, tmp_path / "b")
    assert a["discriminative"].equals(b["discriminative"])


def test_config_errors_are_clear():
    with pytest.raises(ValueError, match="Unknown benchmark config keys: colour"):
        BenchmarkConfig.from_mapping({**TINY, "colour": "red"})
    with pytest.raises(ValueError, match="needs `models`"):
        BenchmarkConfig.from_mapping({"datasets": ["sines"]})
    with pytest.raises(ValueError, match="Unknown metrics fid"):
        run_benchmark({**TINY, "metrics": ["fid"]}, "unused")
    assert {"discriminative", "predictive"} <= set(available_metrics())


def test_cli_bench_with_overrides(tmp_path, capsys):
    config = tmp_path / "tiny.toml"
    config.write_text('datasets = ["sines"]\nmetrics = ["discriminative"]\nreferences = false\n'
                      "[dataset_options.sines]\nn_samples = 32\nn_features = 2\n"
                      "[metric_options.discriminative]\nn_runs = 1\nn_iter = 3\n"
                      "[models.crnngan]\nhidden_dim = 4\nn_iter = 2\ndevice = 'cpu'\n")
    code = main(["bench", "--config", str(config), "--seeds", "3", "--no-plots",
                 "--out", str(tmp_path / "out")])
    assert code == 0
    table = pd.read_csv(tmp_path / "out" / "results.csv")
    assert table["seed"].tolist() == [3] and table["method"].tolist() == ["crnngan"]


def _summary(metric_options):
    from seqgan.benchmark import summary_markdown

    config = BenchmarkConfig.from_mapping({**TINY, "metric_options": metric_options})
    table = pd.DataFrame([{"method": m, "dataset": "sines", "seed": 0, "discriminative": 0.0,
                           "predictive": 0.13, "fit_seconds": 1.0, "sample_seconds": 0.1,
                           "peak_rss_mb": 100.0} for m in ("crnngan", "real data", "VAR")])
    meta = {"seqgan": "test", "date": "today", "machine": {
        "processor": "cpu", "cpu_count": 2, "platform": "linux", "python": "3.11",
        "torch": "2", "torch_threads": 1}}
    return summary_markdown(table, config, meta)


def test_tiny_metric_budgets_are_marked_not_meaningful_in_the_table():
    text = _summary({"discriminative": {"n_runs": 1, "n_iter": 50}, "predictive": {"fast": True}})
    discriminative, predictive = text.split("## predictive")
    assert "**Not meaningful (†):** the discriminative classifier trained 50 steps" in text
    assert "| crnngan | 0.000 † |" in discriminative
    assert "| real data | 0.000 † |" in discriminative
    assert "trained 50 steps per run (its default: 5000)" in predictive
    assert "| *TimeGAN (paper)* | 0.011 |" in discriminative  # published rows are not marked


def test_protocol_budgets_are_not_marked():
    text = _summary({"discriminative": {"n_iter": 2000}})
    assert "Not meaningful" not in text and "†" not in text


@pytest.mark.timeout(300)
@pytest.mark.skipif(not (SHARED_DATA / "ECG5000_TRAIN.txt").exists(), reason=NO_DATA)
def test_heartbeat_datasets_are_benchmarked_as_whole_beats(tmp_path, monkeypatch):
    """ECG5000's beats are loaded whole (no windows, no protocol; ``seq_len`` ignored) and the
    strict classifier splits them at random, with its real-vs-real floor."""
    monkeypatch.setenv("SEQGAN_DATA_HOME", str(SHARED_DATA))
    config = {"models": {"r3gan": {"channels": [4, 8], "n_iter": 2, "batch_size": 16,
                                   "device": "cpu"}},
              "datasets": ["ecg5000"], "seeds": [0], "seq_len": 24, "max_windows": 64,
              "metrics": ["strict_discriminative"],
              "metric_options": {"strict_discriminative": {"n_runs": 1, "n_iter": 5}},
              "plots": False}
    table = run_benchmark(config, tmp_path, command="pytest").set_index("method")
    assert list(table.index) == ["r3gan", "real data", "VAR"]
    assert (table["seq_len"] == 140).all() and (table["n_windows"] == 64).all()
    assert table["strict_discriminative"].between(0, 0.5).all()


def test_real_data_floor_gets_the_sequences_order_not_the_halves_permutation(monkeypatch,
                                                                              tmp_path):
    """The real-data row splits the data in random halves for the protocol's scores; its strict
    floor must still get the data's own order ("iid" for sines), not that permutation."""
    import seqgan.metrics
    from seqgan.benchmark import REAL, _run_one
    from seqgan.metrics._result import MetricResult

    seen = {}

    def floor(X, **options):
        seen.update(options)
        return MetricResult.from_values([0.1])

    monkeypatch.setattr(seqgan.metrics, "strict_discriminative_floor", floor)
    config = BenchmarkConfig.from_mapping({**TINY, "metrics": ["strict_discriminative"]})
    row = _run_one({"config": asdict(config), "method": REAL, "dataset": "sines", "seed": 0,
                    "out": str(tmp_path)})
    assert seen["real_order"] == "iid" and row["strict_discriminative"] == 0.1


@pytest.mark.timeout(300)
def test_a_failed_run_keeps_the_other_rows_and_is_reported(tmp_path):
    config = {**TINY, "seeds": [0], "references": False, "models": {
        **TINY["models"], "broken": {"model": "crnngan", "hidden_dim": -1}}}
    with pytest.raises(RuntimeError, match=r"1 of 2 benchmark runs failed(.|\n)*broken on "
                                           r"sines, seed 0: ValueError.*hidden_dim"):
        run_benchmark(config, tmp_path)
    saved = pd.read_csv(tmp_path / "results.csv")
    assert list(saved["method"]) == ["crnngan"] and saved["discriminative"].notna().all()
    assert "| crnngan |" in (tmp_path / "summary.md").read_text()
