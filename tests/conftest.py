"""Shared tiny settings: CPU, small networks, few iterations, no progress bars, no network."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

#: The folder beside the repository that holds the shared dataset files, if any.
SIBLING_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def find_data_home(environ: Mapping[str, str] = os.environ) -> Path:
    """Where the tests find dataset files: ``$SEQGAN_DATA_HOME`` when set (as the library
    reads it), else ``../shared/datasets`` beside the repository."""
    home = environ.get("SEQGAN_DATA_HOME")
    return Path(home).expanduser() if home else SIBLING_DATA


SHARED_DATA = find_data_home()
#: Why the tests that read dataset files skip (a skipped test says how to run it).
NO_DATA = (f"dataset files not found in {SHARED_DATA}: set SEQGAN_DATA_HOME to the folder "
           "that holds them (README, 'Datasets')")

def _sequence_models() -> list[type]:
    from seqgan.models import available_models, get_model
    from seqgan.models._image_base import LatentVectorGANEstimator

    return [c for c in map(get_model, available_models())
            if not issubclass(c, LatentVectorGANEstimator)]


#: Every registered sequence model (not the image or point models).
SEQUENCE_MODELS = _sequence_models()


def small_sines(n: int = 24, steps: int = 8, n_features: int = 2) -> np.ndarray:
    """Sines of random frequency, (n, steps, n_features): tiny training data for fast tests."""
    rng = np.random.default_rng(0)
    return np.sin(rng.uniform(0.2, 0.6, size=(n, 1, n_features))
                  * np.arange(steps)[None, :, None])


TINY = {"hidden_dim": 4, "num_layers": 1, "n_iter": 3, "batch_size": 8, "device": "cpu",
        "random_state": 0, "verbose": False}


#: The suite trains at one torch thread: the same numbers whatever the machine's cores, and no
#: thread of the suite spins waiting for another while other jobs load the machine (issue 22:
#: at torch's 2 spinning threads an iteration took 8-100 times as long under load;
#: docs/training.md, "Threads and several jobs on one machine"). Subprocesses get it too.
SUITE_THREADS = int(os.environ.setdefault("OMP_NUM_THREADS", "1"))


@pytest.fixture(autouse=True, scope="session")
def _torch_threads():
    torch.set_num_threads(SUITE_THREADS)


@pytest.fixture(autouse=True)
def _data_home(monkeypatch):
    """Loaders read the shared datasets folder and never download in tests."""
    if SHARED_DATA.is_dir():
        monkeypatch.setenv("SEQGAN_DATA_HOME", str(SHARED_DATA))


@pytest.fixture
def tiny_X() -> np.ndarray:
    rng = np.random.default_rng(0)
    t = np.arange(8)
    freq = rng.uniform(0.2, 0.6, size=(24, 1, 2))
    return np.sin(freq * t[None, :, None]) * 3.0 + 10.0  # (24, 8, 2), not in [0, 1]


@pytest.fixture
def vitals() -> pd.DataFrame:
    """Long format: variable-length stays of 4 to 8 hours, with an integer and a category."""
    rng = np.random.default_rng(1)
    rows = []
    for i, n_hours in enumerate(rng.integers(4, 9, size=12)):
        for hour in range(n_hours):
            rows.append({"patient": f"p{i:02d}", "hour": hour,
                         "hr": int(rng.integers(60, 100)), "sbp": float(rng.normal(120, 10)),
                         "spo2": float(rng.uniform(92, 100)),
                         "position": ["supine", "sitting"][int(rng.integers(0, 2))]})
    return pd.DataFrame(rows)
