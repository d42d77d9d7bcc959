"""Issue 20, items 5-7: many workers on one study draw different suggestions, can start
together on a new SQLite study, and a worker killed and restarted within the heartbeat grace
period leaves no trial RUNNING forever."""

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

from seqgan.tuning import tune

optuna.logging.set_verbosity(optuna.logging.WARNING)
ROOT = Path(__file__).resolve().parents[1]
TRIAL = {"hidden_dim": 4, "num_layers": 1, "n_iter": 2, "batch_size": 8, "random_state": 0}
SPACE = {"latent_dim": (2, 64), "lr_g": (1e-4, 3e-3, "log")}
FAST = {"discriminative": {"fast": True}}


@pytest.fixture
def X():
    rng = np.random.default_rng(0)
    return np.sin(rng.uniform(0.2, 0.6, size=(40, 1, 2)) * np.arange(8)[None, :, None]) * 3 + 1


def _configs(study):
    return [tuple(sorted(t.params.items())) for t in study.trials]


def _kwargs(url, name, **extra):
    return dict(
        space=SPACE,
        params=TRIAL,
        metric_options=FAST,
        storage=url,
        study_name=name,
        diversity_min=0.0,
        pruner="none",
        **extra,
    )


def test_a_restarted_worker_does_not_replay_the_suggestions_of_the_first(X, tmp_path):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    tune("crnngan", X, n_trials=3, **_kwargs(url, "s"))
    study = tune("crnngan", X, n_trials=6, **_kwargs(url, "s"))  # same random_state
    assert [t.state.name for t in study.study.trials] == ["COMPLETE"] * 6
    assert len(set(_configs(study.study))) == 6


def test_one_worker_from_the_start_is_reproducible(X, tmp_path):
    a = tune("crnngan", X, n_trials=3, **_kwargs(None, None))
    b = tune("crnngan", X, n_trials=3, **_kwargs(f"sqlite:///{tmp_path / 'b.db'}", "b"))
    assert _configs(a.study) == _configs(b.study)
    c = tune("crnngan", X, n_trials=3, **{**_kwargs(None, None), "random_state": 1})
    assert _configs(c.study) != _configs(a.study)


_WORKER = """
import sys, numpy as np, optuna
from seqgan.tuning import tune
optuna.logging.set_verbosity(optuna.logging.WARNING)
X = np.load(sys.argv[1])
tune("crnngan", X, n_trials={n_trials}, space={space!r}, params={params!r},
     metric_options={fast!r}, storage=sys.argv[2], study_name="w", diversity_min=0.0,
     pruner="none", heartbeat_interval=1, grace_period={grace})
print("finished", flush=True)
"""


def _worker(tmp_path, url, n_trials, params=TRIAL, grace=3):
    np.save(tmp_path / "X.npy", _X())
    script = _WORKER.format(n_trials=n_trials, space=SPACE, params=params, fast=FAST, grace=grace)
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), str(tmp_path / "X.npy"), url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )


def _X():
    rng = np.random.default_rng(0)
    return np.sin(rng.uniform(0.2, 0.6, size=(40, 1, 2)) * np.arange(8)[None, :, None]) * 3 + 1


def test_two_workers_starting_together_on_a_new_sqlite_study(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    workers = [_worker(tmp_path, url, 6) for _ in range(2)]
    outputs = [w.communicate(timeout=300) for w in workers]
    for w, (out, err) in zip(workers, outputs, strict=True):
        assert w.returncode == 0, err[-2000:]
        assert "finished" in out
    study = optuna.load_study(study_name="w", storage=url)
    done = [t for t in study.trials if t.state.name == "COMPLETE"]
    assert len(done) >= 6 and not [t for t in study.trials if t.state.name != "COMPLETE"]
    assert len(set(_configs(study))) == len(study.trials)  # no configuration twice


def test_a_worker_killed_and_restarted_within_the_grace_period_leaves_nothing_running(tmp_path):
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    slow = {**TRIAL, "n_iter": 400}
    first = _worker(tmp_path, url, 3, params=slow, grace=4)
    try:
        deadline = time.time() + 240
        while time.time() < deadline:
            try:
                trials = optuna.load_study(study_name="w", storage=url).trials
            except KeyError:
                trials = []
            if any(t.state.name == "RUNNING" for t in trials):
                break
            time.sleep(0.1)
        else:
            pytest.fail("the first worker started no trial in time")
        time.sleep(0.5)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    second = _worker(tmp_path, url, 3, params=slow, grace=4)  # at once: within the grace
    _, err = second.communicate(timeout=400)
    assert second.returncode == 0, err[-2000:]
    states = [t.state.name for t in optuna.load_study(study_name="w", storage=url).trials]
    assert states.count("COMPLETE") == 3
    assert "RUNNING" not in states and "WAITING" not in states
    assert states[0] == "FAIL"  # the killed worker's trial, failed and retried
