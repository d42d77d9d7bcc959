"""Every model accepts every objective, regularizer and update rule (issue: losses as parts)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone

import seqgan
from seqgan.losses import R1, WGANGP, DiffAugment, Hinge, available_losses
from seqgan.training import StopAt
from tests.models.test_estimator_contract import TINY_MODELS

MODELS = list(TINY_MODELS)
LOSSES = sorted(available_losses())


def tiny(cls, **params):
    return cls(**{**TINY_MODELS[cls], **params})


def adversarial_rows(model):
    history = model.history_
    return history[history["phase"] == history["phase"].iloc[-1]]


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_every_model_accepts_every_objective(cls, loss, tiny_X):
    model = tiny(cls, loss=loss).fit(tiny_X)
    rows = adversarial_rows(model)
    assert np.isfinite(rows["discriminator/loss"]).all()
    assert model.sample(4, random_state=0).shape == (4, *tiny_X.shape[1:])
    if loss == "wgan-gp":
        assert (rows["discriminator/gp"] >= 0).all()
    if loss == "wasserstein":  # weight clipping after every critic step
        weights = [p.detach() for p in model.module_["discriminator"].parameters()]
        assert max(float(p.abs().max()) for p in weights) <= 0.01 + 1e-7


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_r1_r2_penalties_are_logged_and_finite(cls, tiny_X):
    model = tiny(cls, loss="rpgan", regularizers={"r1": 1.0, "r2": 1.0}).fit(tiny_X)
    rows = adversarial_rows(model)
    assert (rows["discriminator/r1"] > 0).all() and (rows["discriminator/r2"] > 0).all()


def test_penalty_with_variable_lengths(vitals):
    model = tiny(seqgan.CRNNGAN, loss="wgan-gp", n_iter=2)
    model.fit(vitals, id_column="patient", time_column="hour", categorical=["position"])
    assert np.isfinite(model.history_["discriminator/gp"]).all()


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_spectral_norm_keeps_critic_weights_at_unit_norm(cls, tiny_X, tmp_path):
    model = tiny(cls, spectral_norm=True).fit(tiny_X)
    critic = model.module_["discriminator"]
    normalised = [m for m in critic.modules() if hasattr(m, "parametrizations")]
    assert normalised, "no layer of the discriminator was normalised"
    for m in normalised:
        for name in m.parametrizations:
            weight = getattr(m, name).detach()
            assert float(torch.linalg.matrix_norm(weight, 2)) == pytest.approx(1.0, abs=0.15)
    path = model.save(tmp_path / "sn.seqgan")
    again = seqgan.load(path)
    assert np.array_equal(again.sample(5, random_state=1), model.sample(5, random_state=1))


def test_ttur_and_optimizer_by_name(tiny_X):
    model = tiny(seqgan.CRNNGAN, loss="wgan-gp", d_steps=5, lr_g=1e-4, lr_d=4e-4,
                 optimizer_d="rmsprop", optimizer_kwargs={"d": {"alpha": 0.9}})
    model.fit(tiny_X)
    assert model.history_["discriminator/grad_norm"].notna().all()
    built = model._build_optimizers(model.module_)
    assert type(built["discriminator"]).__name__ == "RMSprop"
    assert built["discriminator"].defaults["alpha"] == 0.9
    assert built["discriminator"].defaults["lr"] == 4e-4
    assert built["generator"].defaults["lr"] == 1e-4
    assert built["generator"].defaults["betas"] == (0.5, 0.999)  # the paper's Adam


def test_optimizer_errors_are_clear(tiny_X):
    with pytest.raises(ValueError, match="optimizer_d.*adam.*sgd"):
        tiny(seqgan.CRNNGAN, optimizer_d="lbfgs").fit(tiny_X)
    with pytest.raises(ValueError, match="optimizer_kwargs.*'sgd'"):
        tiny(seqgan.CRNNGAN, optimizer_d="sgd", optimizer_kwargs={"betas": (0.5, 0.9)}
             ).fit(tiny_X)


def test_unknown_regularizer_and_augmentation_names(tiny_X):
    with pytest.raises(ValueError, match="Unknown regularizer 'r3'.*gp, r1, r2"):
        tiny(seqgan.TimeGAN, regularizers={"r3": 1.0}).fit(tiny_X)
    with pytest.raises(ValueError, match="Unknown augmentation 'flip'.*jitter"):
        tiny(seqgan.RCGAN, augment=["flip"]).fit(tiny_X)
    with pytest.raises(ValueError, match="lr_schedule"):
        tiny(seqgan.RCGAN, lr_schedule="warm").fit(tiny_X)


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_augmentation_runs_for_every_model(cls, tiny_X):
    model = tiny(cls, augment=["jitter", "scaling", "timewarp", "masking"]).fit(tiny_X)
    assert np.isfinite(adversarial_rows(model)["generator/loss"]).all()


def test_cosine_schedule_reaches_zero(tiny_X):
    model = tiny(seqgan.CRNNGAN, n_iter=10, lr_schedule="cosine").fit(tiny_X)
    lr = model.history_["generator/lr"].to_numpy()
    assert lr[0] < 1e-3 and np.all(np.diff(lr) < 0) and lr[-1] == pytest.approx(0.0)


def test_adaptive_balance_slows_a_winning_discriminator(tiny_X):
    # upper=0 means "the discriminator always wins": its rate halves after every iteration
    model = tiny(seqgan.CRNNGAN, n_iter=4, balance={"window": 1, "upper": 0.0, "lower": -1.0,
                                                    "factor": 0.5})
    with pytest.raises(ValueError, match="lower"):
        model.fit(tiny_X)  # lower must be in [0, 1]
    model.set_params(balance={"window": 1, "upper": 1e-9, "lower": 0.0, "factor": 0.5,
                              "min_scale": 1e-6})
    model.fit(tiny_X)
    lr = model.history_["discriminator/lr"].to_numpy()
    accuracy = model.history_["discriminator/accuracy"].to_numpy()
    assert (accuracy > 1e-9).all()
    np.testing.assert_allclose(lr, 1e-3 * 0.5 ** np.arange(1, 5))


def test_ema_generator_is_used_for_sampling_and_saved(tiny_X, tmp_path):
    model = tiny(seqgan.TimeGAN, ema=0.9).fit(tiny_X)
    assert "ema" in model.module_
    averaged = model.sample(6, random_state=0)
    raw = clone(model).set_params(ema=None).fit(tiny_X).sample(6, random_state=0)
    assert not np.allclose(averaged, raw)  # the average differs from the last iterate
    again = seqgan.load(model.save(tmp_path / "ema.seqgan"))
    assert np.array_equal(again.sample(6, random_state=0), averaged)


def test_exact_resume_with_balance_schedule_and_ema(tiny_X, tmp_path):
    model = tiny(seqgan.CRNNGAN, n_iter=6, ema=0.5, lr_schedule="linear",
                 balance={"window": 2, "upper": 0.5, "lower": 0.2})
    full = clone(model).fit(tiny_X)
    clone(model).fit(tiny_X, checkpoint_dir=tmp_path, callbacks=[StopAt("adversarial", 3)])
    resumed = clone(model).fit(tiny_X, checkpoint_dir=tmp_path, resume=True)
    for (k, v), w in zip(full.module_.state_dict().items(),
                         resumed.module_.state_dict().values(), strict=True):
        assert torch.equal(v, w), k
    assert full.history_.equals(resumed.history_)


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_diagnostics_in_history(cls, tiny_X):
    model = tiny(cls, diagnostics_every=2).fit(tiny_X)
    rows = adversarial_rows(model)
    for column in ("discriminator/accuracy", "discriminator/grad_norm", "generator/grad_norm"):
        assert rows[column].notna().all(), column
    assert rows["discriminator/accuracy"].between(0, 1).all()
    diversity = rows["diagnostics/diversity"]
    assert diversity.notna().sum() >= 2 and (diversity.dropna() > 0).all()
    off = tiny(cls, diagnostics_every=None).fit(tiny_X)
    assert "diagnostics/diversity" not in off.history_


def test_objects_as_parts_round_trip_through_a_saved_model(tiny_X, tmp_path):
    model = tiny(seqgan.RCGAN, loss=WGANGP(gp_weight=5.0), regularizers=[R1(0.5)],
                 augment=DiffAugment(["jitter"], p=1.0)).fit(tiny_X)
    again = seqgan.load(model.save(tmp_path / "parts.seqgan"))
    assert repr(again.loss) == "WGANGP(gp_weight=5.0)"
    assert repr(again.regularizers) == "[R1(gamma=0.5)]"
    assert again.augment.policy == ("jitter",) and again.augment.p == 1.0
    assert repr(clone(tiny(seqgan.CRNNGAN, loss=Hinge())).loss) == "Hinge()"
