"""Optuna studies: SQLite persistence and resume after a kill, pruning, the diversity guard,
clear errors, the CLI, and two workers on one PostgreSQL study."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import optuna
import pytest

import seqgan
from seqgan.ais import AISUpdate
from seqgan.cli import main
from seqgan.tuning import _diversity, model_params, tune

optuna.logging.set_verbosity(optuna.logging.WARNING)
ROOT = Path(__file__).resolve().parents[1]
TINY_TRIAL = {"hidden_dim": 4, "num_layers": 1, "n_iter": 4, "batch_size": 8,
              "random_state": 0}
FAST = {"discriminative": {"fast": True}}


@pytest.fixture
def X():
    rng = np.random.default_rng(0)
    t = np.arange(8)
    return np.sin(rng.uniform(0.2, 0.6, size=(40, 1, 2)) * t[None, :, None]) * 3 + 1


def states(study):
    return [t.state.name for t in study.trials]


def test_sqlite_study_keeps_trials_and_best_model_loads_its_checkpoint(X, tmp_path):
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    kwargs = dict(space={"latent_dim": (2, 4), "activation": ["relu", "elu"]},
                  params=TINY_TRIAL, metric_options=FAST, storage=url, study_name="s",
                  diversity_min=0.0, checkpoint_dir=tmp_path / "models")
    study = tune("crnngan", X, n_trials=3, **kwargs)
    assert states(study.study) == ["COMPLETE"] * 3
    best = study.best_model()
    assert isinstance(best, seqgan.CRNNGAN)
    assert best.latent_dim == study.best_params["latent_dim"]
    table = study.trials_dataframe()
    assert {"user_attrs_fit_seconds", "user_attrs_discriminative"} <= set(table.columns)
    # a second call joins the stored study: nothing left to do, nothing lost
    again = tune("crnngan", X, n_trials=3, **kwargs)
    assert len(again.study.trials) == 3
    more = tune("crnngan", X, n_trials=4, **kwargs)
    assert states(more.study) == ["COMPLETE"] * 4
    paths = more.report(tmp_path / "report")
    assert (tmp_path / "report" / "trials.csv") in paths
    assert all(p.stat().st_size > 0 for p in paths)


def test_resume_after_the_process_is_killed(X, tmp_path):
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    np.save(tmp_path / "X.npy", X)
    script = textwrap.dedent(f"""
        import numpy as np, optuna
        from seqgan.tuning import tune
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        X = np.load({str(tmp_path / 'X.npy')!r})
        tune("crnngan", X, n_trials=4, space={{"latent_dim": (2, 4)}},
             params={{**{TINY_TRIAL!r}, "n_iter": 60}}, metric_options={FAST!r},
             storage={url!r}, study_name="k", diversity_min=0.0, pruner="none",
             heartbeat_interval=1, grace_period=2)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    try:
        deadline = time.time() + 300
        completed = []
        while time.time() < deadline and proc.poll() is None:
            try:
                stored = optuna.load_study(study_name="k", storage=url)
                completed = [t for t in stored.trials if t.state.name == "COMPLETE"]
            except KeyError:  # the study is not created yet
                pass
            if completed:
                break
            time.sleep(0.05)
        assert completed, "the worker finished no trial in time"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    first = completed[0]
    time.sleep(3)  # let the killed worker's heartbeat go stale
    study = tune("crnngan", X, n_trials=4, space={"latent_dim": (2, 4)},
                 params={**TINY_TRIAL, "n_iter": 60}, metric_options=FAST, storage=url,
                 study_name="k", diversity_min=0.0, pruner="none", heartbeat_interval=1,
                 grace_period=2)
    trials = study.study.trials
    kept = trials[first.number]
    assert kept.state.name == "COMPLETE" and kept.value == first.value
    assert kept.params == first.params
    assert sum(t.state.name == "COMPLETE" for t in trials) == 4
    assert not any(t.state.name == "RUNNING" for t in trials)


def test_pruning_stops_a_bad_trial(X):
    study = tune("crnngan", X, n_trials=1, space={"latent_dim": (2, 4)},
                 params={**TINY_TRIAL, "n_iter": 10}, metric_options=FAST,
                 pruner=optuna.pruners.ThresholdPruner(upper=-1.0), prune_every=2,
                 diversity_min=0.0)
    trial = study.study.trials[0]
    assert trial.state.name == "PRUNED"
    assert list(trial.intermediate_values) == [2]  # stopped at the first report
    assert "fit_seconds" not in trial.user_attrs
    with pytest.raises(ValueError, match="No trial of the study completed"):
        study.best_model()


def test_diversity_guard_rejects_collapsed_generators(X):
    assert _diversity(np.repeat(X[:1], 10, axis=0), X) == 0.0
    assert _diversity(X[:20], X[20:]) > 0.5
    # tiny generators barely move their output with the noise: collapsed by the guard
    study = tune("crnngan", X, n_trials=2, space={"latent_dim": (2, 4)}, params=TINY_TRIAL,
                 metric_options=FAST, diversity_min=0.5)
    for trial in study.study.trials:
        assert trial.state.name == "PRUNED"
        assert trial.user_attrs["rejected"].startswith("collapsed: diversity")
        assert trial.user_attrs["diversity"] < 0.5


def test_multi_objective_fidelity_and_time(X):
    study = tune("crnngan", X, n_trials=2, space={"latent_dim": (2, 4)}, params=TINY_TRIAL,
                 metric_options=FAST, diversity_min=0.0, multi_objective=True)
    assert all(len(t.values) == 2 for t in study.study.trials)
    with pytest.raises(ValueError, match="Pareto"):
        _ = study.best_params


def test_ais_parameters_by_dotted_names():
    params = model_params({"ais.schedule": "sigmoid", "latent_dim": 3},
                          {"generator_update": AISUpdate(every=7)})
    assert params["latent_dim"] == 3
    assert params["generator_update"] == AISUpdate(every=7, schedule="sigmoid")


def test_n_jobs_runs_worker_processes_on_one_stored_study(X, tmp_path):
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    study = tune("crnngan", X, n_trials=2, space={"latent_dim": (2, 4)}, params=TINY_TRIAL,
                 metric_options=FAST, storage=url, study_name="jobs", diversity_min=0.0,
                 n_jobs=2)
    assert states(study.study) == ["COMPLETE"] * 2
    # the trials ran in the workers, not here (each trial records its process)
    assert {t.user_attrs["pid"] for t in study.study.trials} - {os.getpid()} == {
        t.user_attrs["pid"] for t in study.study.trials}
    threads = max(1, (os.cpu_count() or 1) // 2)  # the cores divided among the 2 workers
    assert {t.user_attrs["torch_threads"] for t in study.study.trials} == {threads}
    with pytest.raises(ValueError, match="`n_jobs`=2 runs worker processes.*storage"):
        tune("crnngan", X, n_trials=1, n_jobs=2)


@pytest.mark.parametrize("kwargs, match", [
    ({"space": {"latnt_dim": (2, 4)}}, r"Unknown parameter 'latnt_dim'.*valid: .*latent_dim"),
    ({"space": {"ais.temps": [1, 2]}}, r"Unknown AIS parameter 'ais.temps'.*ais.n_temperatures"),
    ({"space": {"latent_dim": (4, 2)}}, r"low <= high"),
    ({"space": {"latent_dim": []}}, r"empty list"),
    ({"metric": "fid"}, r"Unknown metric 'fid'"),
    ({"pruner": "sometimes"}, r"Unknown pruner 'sometimes'"),
    ({"params": {"n_iters": 3}}, r"Unknown parameter 'n_iters'"),
])
def test_bad_settings_give_clear_errors(X, kwargs, match):
    with pytest.raises(ValueError, match=match):
        tune("crnngan", X, n_trials=1, **kwargs)


def test_unknown_model_is_named(X):
    with pytest.raises(ValueError, match="Unknown model 'gan'.*crnngan"):
        tune("gan", X)


def test_cli_tune_writes_a_report(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    code = main(["tune", "--model", "crnngan", "--data", "sines",
                 "--data-option", "n_samples=40", "--data-option", "seq_len=8",
                 "--data-option", "n_features=2", "--trials", "2", "--param", "n_iter=4",
                 "--param", "hidden_dim=4", "--param", "batch_size=8",
                 "--space", '{"latent_dim": [2, 4]}', "--diversity-min", "0", "--fast-metrics",
                 "--storage", url, "--report", str(tmp_path / "report")])
    out = capsys.readouterr().out
    assert code == 0
    assert "study crnngan-sines: 2 trials, 2 complete" in out and "best value" in out
    assert (tmp_path / "report" / "history.png").is_file()


def test_two_workers_share_one_postgresql_study(X, tmp_path):
    url = os.environ.get("SEQGAN_POSTGRES_URL")
    if not url:
        pytest.skip("No PostgreSQL server: set SEQGAN_POSTGRES_URL (.ci/run starts one with "
                    ".ci/postgres.sh); the distributed test did not run.")
    name = f"two-workers-{os.getpid()}-{time.time_ns()}"
    np.save(tmp_path / "X.npy", X)
    command = [sys.executable, "-m", "seqgan.cli", "tune", "--model", "crnngan", "--data",
               str(tmp_path / "X.npy"), "--trials", "6", "--param", "n_iter=4",
               "--param", "hidden_dim=4", "--param", "batch_size=8", "--space",
               '{"latent_dim": [2, 8]}', "--diversity-min", "0", "--fast-metrics",
               "--storage", url, "--study-name", name, "--pruner", "none"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    workers = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [w.communicate(timeout=600) for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    study = optuna.load_study(study_name=name, storage=url)
    numbers = [t.number for t in study.trials]
    assert len(numbers) == len(set(numbers))
    finished = [t for t in study.trials if t.state.name == "COMPLETE"]
    # every trial finished exactly once; a worker may start one more before it sees the total
    assert len(finished) >= 6 and all(t.state.name == "COMPLETE" for t in study.trials)
    assert len({t._trial_id for t in finished}) == len(finished)
    optuna.delete_study(study_name=name, storage=url)


def test_image_study_scores_fid_with_a_classifier_of_the_labels(tmp_path):
    from seqgan import DCGAN
    from seqgan.datasets import load_dataset

    X, y = load_dataset("digits", return_labels=True)
    X, y = X[:400], y[:400]
    study = tune("dcgan", X, labels=y, n_trials=2, space={"activation": ["relu", "elu"]},
                 params={"n_iter": 4, "base_channels": 4, "latent_dim": 2, "batch_size": 32,
                         "random_state": 0}, prune_every=2, diversity_min=0.0)
    table = study.trials_dataframe()
    assert (table.state == "COMPLETE").all()
    assert {"user_attrs_fid", "user_attrs_precision", "user_attrs_recall"} <= set(table)
    assert np.allclose(table["value"], table["user_attrs_fid"]) and (table["value"] > 0).all()
    best = study.best_model()
    assert isinstance(best, DCGAN) and best.sample(3).shape == (3, 1, 8, 8)
    with pytest.raises(ValueError, match="pass `labels`"):
        tune("dcgan", X, n_trials=1, params={"n_iter": 1})
    with pytest.raises(ValueError, match="Unknown metric 'predictive' for DCGAN"):
        tune("dcgan", X, labels=y, metric="predictive", n_trials=1)


def test_image_study_from_the_command_line(tmp_path, capsys):
    code = main(["tune", "--model", "cgan", "--data", "digits", "--condition-from-labels",
                 "--trials", "1", "--param", "n_iter=2", "--param", "base_channels=4",
                 "--param", "latent_dim=2", "--space", '{"activation": ["relu"]}',
                 "--diversity-min", "0"])
    assert code == 0, capsys.readouterr().err
    assert "best value" in capsys.readouterr().out


def test_every_default_space_fits_its_model():
    from seqgan.models import get_model
    from seqgan.tuning import DEFAULT_SPACES, _check_space

    for name, space in DEFAULT_SPACES.items():
        _check_space(get_model(name), space)  # raises on a parameter the model lacks


def test_r3gan_study_with_its_default_space(X):
    trial = {**seqgan.R3GAN.get_test_params(), "n_iter": 4}
    study = tune("r3gan", X, n_trials=2, params=trial, metric_options=FAST, diversity_min=0.0)
    assert {"gamma", "lr_g", "lr_d", "noise_dim", "n_blocks"} <= set(study.study.trials[0].params)
