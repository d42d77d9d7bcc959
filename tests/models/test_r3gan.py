"""R3GAN: conditions, static features, AIS, and learning on small data (tiny budgets)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

import seqgan
from seqgan import R3GAN
from seqgan.ais import AISUpdate
from tests.models.test_rcgan import roughness, two_frequencies

TINY = R3GAN.get_test_params()


def test_defaults_are_r3gans_recipe():
    model = R3GAN()
    assert model.loss == "rpgan" and model.gamma == 1.0 and model.ema == 0.998
    assert model.lr_g == model.lr_d
    adversary = model._adversary()
    assert sorted(r.name for r in adversary.regularizers) == ["r1", "r2"]
    assert all(r.weight == 1.0 for r in adversary.regularizers)
    module = R3GAN(**TINY).fit(np.random.default_rng(0).random((16, 8, 2))).module_
    optimizer_betas = R3GAN(**TINY)._optimizer("g", module["generator"].parameters(), 1e-3)
    assert optimizer_betas.param_groups[0]["betas"] == (0.0, 0.99)


@pytest.mark.parametrize("view", ["standardised", "whitened", "raw"])
def test_discriminator_view_is_set_from_the_training_data_and_saved(tmp_path, view):
    rng = np.random.default_rng(0)
    X = np.cumsum(rng.normal(size=(32, 10, 3)), 1) * [1.0, 0.01, 100.0]  # mixed units
    model = R3GAN(**TINY, discriminator_view=view).fit(X)
    seen = model.module_["view"]
    assert seen.mode == view and model.module_["discriminator"].max_pool
    scaled, _ = model._user_to_scaled(X)
    out = seen(scaled).reshape(-1, 6).detach()
    if view == "raw":  # the scaled series and its differences as they are
        np.testing.assert_allclose(out[:, :3].std(0), scaled.reshape(-1, 3).std(0), rtol=1e-5)
    else:  # every channel of values and of differences at unit scale
        np.testing.assert_allclose(out[:, :3].std(0), 1.0, rtol=0.02)
        moments = out.reshape(32, 10, 6)[:, 1:, 3:].pow(2).mean((0, 1))
        np.testing.assert_allclose(moments, 1.0, rtol=0.02)
    model.save(tmp_path / "m.seqgan")
    loaded = seqgan.load(tmp_path / "m.seqgan").module_["view"]
    for name in ("center", "maps"):
        assert torch.equal(getattr(loaded, name), getattr(seen, name))


def test_gamma_zero_or_explicit_regularizers():
    assert not R3GAN(gamma=0.0)._adversary().regularizers
    names = [r.name for r in R3GAN(regularizers={"r1": 0.5})._adversary().regularizers]
    assert names == ["r1"]


def test_conditional_fit_and_sample(tiny_X):
    y = np.repeat(["a", "b"], len(tiny_X) // 2)
    model = R3GAN(**TINY).fit(tiny_X, condition=y)
    out = model.sample(6, condition=["b"] * 6, random_state=0)
    assert out.shape == (6, *tiny_X.shape[1:])
    with pytest.raises(ValueError, match="fitted with a condition"):
        model.sample(3)


def test_static_features_are_generated(tiny_X):
    static = np.random.default_rng(1).normal(50.0, 5.0, size=(len(tiny_X), 3))
    model = R3GAN(**TINY).fit(tiny_X, static=static)
    X_syn, S_syn = model.sample(40, return_static=True, random_state=0)
    assert X_syn.shape == (40, *tiny_X.shape[1:]) and S_syn.shape == (40, 3)
    assert (S_syn >= static.min(0) - 1e-6).all() and (S_syn <= static.max(0) + 1e-6).all()
    with pytest.raises(ValueError, match="global_noise_dim"):
        R3GAN(**{**TINY, "global_noise_dim": 0}).fit(tiny_X, static=static)


def test_static_with_variable_lengths_and_resume(tmp_path):
    from sklearn.base import clone

    from seqgan.training import StopAt

    rng = np.random.default_rng(0)
    seqs = [rng.random((n, 2)) for n in rng.choice([5, 8], size=24)]
    static = rng.random((24, 2))
    model = R3GAN(**{**TINY, "n_iter": 4})
    full = clone(model).fit(seqs, static=static)
    clone(model).fit(seqs, static=static, checkpoint_dir=tmp_path,
                     callbacks=[StopAt("adversarial", 2)])
    resumed = clone(model).fit(seqs, static=static, checkpoint_dir=tmp_path, resume=True)
    for (k, v), w in zip(full.module_.state_dict().items(),
                         resumed.module_.state_dict().values(), strict=True):
        assert np.array_equal(v.numpy(), w.numpy()), k


def test_ais_generator_update_runs(tiny_X):
    model = R3GAN(**{**TINY, "n_iter": 4},
                  generator_update=AISUpdate(every=2, n_particles=16, n_temperatures=3,
                                                   n_components=2, em_iter=2)).fit(tiny_X)
    assert "proposal" in model.module_
    assert model.sample(4, from_proposal=True, random_state=0).shape == (4, *tiny_X.shape[1:])


def test_any_length_sampling(tiny_X):
    model = R3GAN(**TINY).fit(tiny_X)
    assert model.sample(3, seq_len=37).shape == (3, 37, tiny_X.shape[2])


@pytest.mark.slow
def test_conditional_samples_have_the_requested_class():
    X, y = two_frequencies()
    clf = LogisticRegression().fit(roughness(X), y)
    model = R3GAN(channels=[16, 32], n_iter=1000, random_state=0, verbose=False, device="cpu")
    model.fit(X, condition=y)
    for label in (0, 1):
        samples = model.sample(200, condition=[label] * 200, random_state=label)
        accuracy = (clf.predict(roughness(samples)) == label).mean()
        assert accuracy > 0.8, f"class {label}: {accuracy:.2f} of samples classified as asked"


@pytest.mark.slow
def test_learns_smooth_diverse_sines():
    """Against the data: the per-feature spread across samples (diversity), the step size
    (smoothness) and the marginal range all move from the untrained model to the data's."""
    from seqgan.datasets import load_dataset

    X = load_dataset("sines", n_samples=600, seq_len=24, n_features=2, random_state=0)

    def stats(S):
        return np.array([S.std(0).mean(), np.abs(np.diff(S, axis=1)).mean(), S.mean()])

    settings = {"channels": [16, 32], "random_state": 0, "verbose": False, "device": "cpu"}
    before = stats(R3GAN(n_iter=0, **settings).fit(X).sample(500, random_state=0))
    after = stats(R3GAN(n_iter=500, **settings).fit(X).sample(500, random_state=0))
    target = stats(X)
    assert (np.abs(after - target) < 0.5 * np.abs(before - target) + 0.02).all(), (
        before, after, target)
