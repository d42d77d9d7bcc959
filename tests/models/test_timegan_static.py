"""TimeGAN with static features (the paper's design; the reference code has none)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone

import seqgan
from seqgan.training import StopAt
from tests.models.test_estimator_contract import TINY_MODELS

TINY = TINY_MODELS[seqgan.TimeGAN]


@pytest.fixture
def static():
    rng = np.random.default_rng(3)
    return pd.DataFrame({"age": rng.uniform(20, 80, 24), "weight": rng.normal(70, 10, 24)})


def test_static_features_are_generated_in_user_units(tiny_X, static, tmp_path):
    model = seqgan.TimeGAN(**TINY).fit(tiny_X, static=static)
    assert {"static_embedder", "static_recovery", "static_generator"} <= set(model.module_)
    X_syn, S_syn = model.sample(10, random_state=0, return_static=True)
    assert X_syn.shape == (10, *tiny_X.shape[1:])
    assert list(S_syn.columns) == ["age", "weight"] and S_syn.shape == (10, 2)
    # min-max scaling with a sigmoid output keeps samples within the training range
    assert S_syn["age"].between(static["age"].min() - 1e-6, static["age"].max() + 1e-6).all()
    # sampling without statics gives the same sequences
    assert np.array_equal(model.sample(10, random_state=0), X_syn)
    again = seqgan.load(model.save(tmp_path / "static.seqgan"))
    X2, S2 = again.sample(10, random_state=0, return_static=True)
    assert np.array_equal(X2, X_syn) and S2.equals(S_syn)


def test_static_array_in_gives_array_out(tiny_X, static):
    model = seqgan.TimeGAN(**TINY).fit(tiny_X, static=static.to_numpy())
    _, S_syn = model.sample(4, random_state=0, return_static=True)
    assert isinstance(S_syn, np.ndarray) and S_syn.shape == (4, 2)


def test_long_format_static_is_indexed_by_the_new_ids(vitals):
    ids = vitals["patient"].unique()
    static = pd.DataFrame({"age": np.linspace(30, 70, len(ids))}, index=ids)
    model = seqgan.TimeGAN(**TINY).fit(vitals, id_column="patient", time_column="hour",
                                       categorical=["position"], static=static)
    synth, S_syn = model.sample(5, random_state=0, return_static=True)
    assert set(S_syn.index) == set(synth["patient"].unique())
    assert S_syn.index.name == "patient"


def test_return_static_without_static_is_a_clear_error(tiny_X):
    model = seqgan.TimeGAN(**TINY).fit(tiny_X)
    with pytest.raises(ValueError, match="without static features"):
        model.sample(3, return_static=True)


def test_static_training_resumes_exactly(tiny_X, static, tmp_path):
    model = seqgan.TimeGAN(**TINY)
    full = clone(model).fit(tiny_X, static=static)
    clone(model).fit(tiny_X, static=static, checkpoint_dir=tmp_path,
                     callbacks=[StopAt("joint", 2)])
    resumed = clone(model).fit(tiny_X, static=static, checkpoint_dir=tmp_path, resume=True)
    for v, w in zip(full.module_.state_dict().values(), resumed.module_.state_dict().values(),
                    strict=True):
        assert torch.equal(v, w)


@pytest.mark.parametrize("loss", ["rpgan", "wgan-gp"])
def test_static_works_with_paired_and_penalised_objectives(tiny_X, static, loss):
    model = seqgan.TimeGAN(**TINY, loss=loss).fit(tiny_X, static=static)
    assert np.isfinite(model.history_["discriminator/loss"].dropna()).all()
