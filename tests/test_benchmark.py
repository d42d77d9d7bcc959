"""The benchmark runner: one tiny end-to-end run and the config errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from seqgan.benchmark import BenchmarkConfig, available_metrics, run_benchmark, threads_per_run
from seqgan.cli import main

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
