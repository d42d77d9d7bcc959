"""MLPGAN (points): the estimator contract on a small ring, conditional sampling, bad inputs,
the AIS/DRE update on points, and a learning test; plus the 2-D mixtures and mode_coverage."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import seqgan
from seqgan import MLPGAN
from seqgan.ais import AISUpdate, ais_log_likelihood
from seqgan.datasets import load_dataset
from seqgan.metrics import mode_coverage
from seqgan.training import StopAt

SMALL = {"hidden_dim": 8, "num_layers": 2, "n_iter": 3, "batch_size": 32, "device": "cpu",
         "random_state": 0, "verbose": False}


@pytest.fixture(scope="module")
def ring():
    return load_dataset("ring", n_samples=128, return_labels=True, random_state=0)


def test_fit_sample_shapes_dtype_and_reproducibility(ring):
    X, _ = ring
    model = MLPGAN(**SMALL)
    with pytest.raises(NotFittedError):
        model.sample(2)
    assert model.fit(X) is model
    assert model.n_features_in_ == 2 and len(model.history_) == 3
    points = model.sample(7, random_state=1)
    assert points.shape == (7, 2) and points.dtype == X.dtype
    np.testing.assert_array_equal(points, model.sample(7, random_state=1))
    assert not np.array_equal(points, model.sample(7, random_state=2))
    np.testing.assert_allclose(model.sample(7, random_state=1, batch_size=3), points,
                               rtol=1e-5, atol=1e-6)
    assert model.generate(np.zeros((3, 2))).shape == (3, 2)
    # a DataFrame or a float32 tensor is read the same way
    import pandas as pd
    frame = MLPGAN(**SMALL).fit(pd.DataFrame(X, columns=["x", "y"]))
    np.testing.assert_array_equal(frame.sample(4, random_state=0),
                                  model.sample(4, random_state=0))
    assert MLPGAN(**SMALL).fit(torch.as_tensor(X, dtype=torch.float32)).sample(2).shape == (2, 2)


def test_same_seed_same_model_global_rng_untouched(ring):
    X, _ = ring
    torch.manual_seed(5)
    expected = torch.rand(2)
    torch.manual_seed(5)
    model = MLPGAN(**SMALL).fit(X)
    assert torch.equal(torch.rand(2), expected)
    twin = clone(model).fit(X)
    for (k, v), w in zip(model.module_.state_dict().items(),
                         twin.module_.state_dict().values(), strict=True):
        assert torch.equal(v, w), k


def test_save_load_and_exact_resume(ring, tmp_path):
    X, y = ring
    model = MLPGAN(**SMALL).fit(X, y)
    again = seqgan.load(model.save(tmp_path / "m.seqgan"))
    assert type(again) is MLPGAN and again.get_params() == model.get_params()
    np.testing.assert_array_equal(again.sample(4, condition=[2] * 4, random_state=0),
                                  model.sample(4, condition=[2] * 4, random_state=0))
    base = MLPGAN(**{**SMALL, "n_iter": 4})
    full = clone(base).fit(X)
    clone(base).fit(X, checkpoint_dir=tmp_path / "ck", callbacks=[StopAt("adversarial", 2)])
    resumed = clone(base).fit(X, checkpoint_dir=tmp_path / "ck", resume=True)
    for (k, v), w in zip(full.module_.state_dict().items(),
                         resumed.module_.state_dict().values(), strict=True):
        assert torch.equal(v, w), k
    assert full.history_.equals(resumed.history_)


def test_bad_inputs_say_what_to_do(ring):
    X, _ = ring
    with pytest.raises(ValueError, match=r"reshape\(-1, 1\)"):
        MLPGAN(**SMALL).fit(X[:, 0])
    with pytest.raises(ValueError, match="Sequences go to the sequence models"):
        MLPGAN(**SMALL).fit(X[:, None, :])
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MLPGAN(**SMALL).fit(bad)
    with pytest.raises(TypeError, match="numbers"):
        MLPGAN(**SMALL).fit(np.array([["a", "b"], ["c", "d"]]))
    with pytest.raises(ValueError, match="g_norm"):
        MLPGAN(**{**SMALL, "g_norm": "group"}).fit(X)
    with pytest.raises(ValueError, match="sequence data"):
        MLPGAN(**SMALL).fit(X, stride=2)
    model = MLPGAN(**SMALL).fit(X)
    with pytest.raises(ValueError, match=r"fitted on \(2,\)"):
        model.encoder_.transform(np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        model.generate(np.zeros((2, 5)))


@pytest.mark.parametrize("options", [
    {"loss": "wgan-gp", "d_norm": "layer"},
    {"loss": "hinge", "spectral_norm": True},
    {"g_norm": "batch", "d_norm": "batch", "num_layers": 0},
])
def test_objectives_and_norms_train(ring, options):
    X, _ = ring
    model = MLPGAN(**{**SMALL, **options}).fit(X)
    assert np.isfinite(model.sample(5, random_state=0)).all()


def test_conditional_points_land_on_the_requested_mode():
    X, y, centres = load_dataset("ring", n_samples=1024, n_modes=4, return_labels=True,
                                 return_centres=True, random_state=0)
    model = MLPGAN(hidden_dim=32, num_layers=2, n_iter=300, batch_size=128, lr_g=1e-3,
                   lr_d=1e-3, random_state=0, verbose=False).fit(X, y)
    for label in range(4):
        points = model.sample(200, condition=[label] * 200, random_state=label)
        nearest = np.linalg.norm(points[:, None] - centres[None], axis=2).argmin(1)
        assert (nearest == label).mean() > 0.8, label


def test_learns_the_ring():
    """The default recipe, shortened: the samples' distance from the centre moves from the
    untrained generator's to the data's (2), and they spread over several modes."""
    X, centres = load_dataset("ring", n_samples=2000, return_centres=True, random_state=0)
    params = {"n_iter": 2000, "batch_size": 256, "random_state": 0, "verbose": False,
              "diagnostics_every": None}
    untrained = MLPGAN(**{**params, "n_iter": 0}).fit(X).sample(1000, random_state=0)
    trained = MLPGAN(**params).fit(X).sample(1000, random_state=0)
    r_untrained = np.median(np.linalg.norm(untrained, axis=1))
    r_trained = np.median(np.linalg.norm(trained, axis=1))
    assert abs(r_untrained - 2.0) > 0.5
    assert abs(r_trained - 2.0) < 0.25
    assert mode_coverage(trained, centres, 0.05, n_std=6)["modes"] >= 6


def test_ais_update_and_likelihood_on_points(ring):
    X, _ = ring
    model = MLPGAN(**{**SMALL, "n_iter": 6}, generator_update=AISUpdate(
        every=3, n_temperatures=3, n_particles=32)).fit(X)
    assert "ais/ess" in model.history_
    assert model.sample(5, from_proposal=True, random_state=0).shape == (5, 2)
    ll = ais_log_likelihood(model, X[:4], sigma2=0.05, n_temperatures=10, n_chains=2,
                            random_state=0)
    assert ll.values.shape == (4,) and np.isfinite(ll.values).all()


def test_mixtures_and_mode_coverage():
    X, labels, centres = load_dataset("grid", n_samples=5000, return_labels=True,
                                      return_centres=True, random_state=0)
    assert X.shape == (5000, 2) and centres.shape == (25, 2)
    np.testing.assert_allclose(centres.min(0), [-4, -4])
    np.testing.assert_allclose(centres[labels], X, atol=0.05 * 6)
    real = mode_coverage(X, centres, 0.05)
    assert real["modes"] == 25 and real["high_quality"] > 0.98 and real["kl"] < 0.01
    one_mode = np.repeat(centres[:1], 100, axis=0)
    assert mode_coverage(one_mode, centres, 0.05) == pytest.approx(
        {"modes": 1.0, "high_quality": 1.0, "kl": np.log(25)})
    far = mode_coverage(X + 1.0, centres, 0.05)
    assert far["modes"] == 0 and far["high_quality"] == 0 and np.isnan(far["kl"])
    with pytest.raises(ValueError, match="same d"):
        mode_coverage(X, centres[:, :1], 0.05)
    with pytest.raises(ValueError, match="positive"):
        load_dataset("ring", std=0)
