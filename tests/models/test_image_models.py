"""Image GANs (DCGAN, CGAN, ImageBiGAN): the estimator contract on tiny digits subsets, the
objective variants, the conditional class check and the inverse map."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import seqgan
from seqgan import CGAN, DCGAN, ImageBiGAN
from seqgan.datasets import load_dataset
from seqgan.models._image_base import ImageGANEstimator

SMALL = {"latent_dim": 3, "base_channels": 4, "n_iter": 3, "batch_size": 16, "device": "cpu",
         "random_state": 0, "verbose": False}
IMAGE_MODELS = {DCGAN: SMALL, CGAN: SMALL, ImageBiGAN: SMALL}


@pytest.fixture(scope="module")
def digits():
    X, y = load_dataset("digits", return_labels=True)
    return X[:64], y[:64]


def fit(model, X, y, **kwargs):
    return model.fit(X, y, **kwargs) if model.supports_condition else model.fit(X, **kwargs)


def sample(model, n, **kwargs):
    if model.supports_condition:
        kwargs.setdefault("condition", [3] * n)
    return model.sample(n, **kwargs)


def test_every_public_image_model_is_tested():
    public = {getattr(seqgan, n) for n in seqgan.__all__}
    assert {c for c in public if isinstance(c, type) and issubclass(c, ImageGANEstimator)} \
        == set(IMAGE_MODELS)


@pytest.fixture(params=list(IMAGE_MODELS), ids=lambda c: c.__name__)
def model(request):
    return request.param(**IMAGE_MODELS[request.param])


def test_fit_sample_shape_range_and_reproducibility(model, digits):
    X, y = digits
    with pytest.raises(NotFittedError):
        model.sample(2)
    assert fit(model, X, y) is model
    assert model.image_shape_ == (1, 8, 8) and len(model.history_) == 3
    images = sample(model, 5, random_state=1)
    assert images.shape == (5, 1, 8, 8) and images.dtype == X.dtype
    assert images.min() >= X.min() - 1e-5 and images.max() <= X.max() + 1e-5
    np.testing.assert_array_equal(images, sample(model, 5, random_state=1))
    assert not np.array_equal(images, sample(model, 5, random_state=2))
    np.testing.assert_allclose(sample(model, 5, random_state=1, batch_size=2), images,
                               rtol=1e-5, atol=1e-6)


def test_same_seed_same_model_global_rng_untouched_and_clone(model, digits):
    X, y = digits
    torch.manual_seed(5)
    expected = torch.rand(2)
    torch.manual_seed(5)
    fit(model, X, y)
    assert torch.equal(torch.rand(2), expected)
    twin = fit(clone(model), X, y)
    for (k, v), w in zip(model.module_.state_dict().items(),
                         twin.module_.state_dict().values(), strict=True):
        assert torch.equal(v, w), k


def test_save_load_roundtrip(model, digits, tmp_path):
    X, y = digits
    fit(model, X, y)
    again = seqgan.load(model.save(tmp_path / "m.seqgan"))
    assert type(again) is type(model) and again.get_params() == model.get_params()
    np.testing.assert_array_equal(sample(again, 4, random_state=0),
                                  sample(model, 4, random_state=0))
    assert again.image_shape_ == model.image_shape_


def test_exact_resume(model, digits, tmp_path):
    from seqgan.training import StopAt

    X, y = digits
    model.set_params(n_iter=4)
    full = fit(clone(model), X, y)
    fit(clone(model), X, y, checkpoint_dir=tmp_path, callbacks=[StopAt("adversarial", 2)])
    resumed = fit(clone(model), X, y, checkpoint_dir=tmp_path, resume=True)
    for (k, v), w in zip(full.module_.state_dict().items(),
                         resumed.module_.state_dict().values(), strict=True):
        assert torch.equal(v, w), k
    assert full.history_.equals(resumed.history_)


def test_pixels_in_other_ranges_and_dtypes_come_back_in_kind(digits):
    X, _ = digits
    raw = np.rint((X[:, 0] + 1) * 127.5).astype(np.uint8)  # (n, 8, 8) uint8 in [0, 255]
    g = DCGAN(**SMALL).fit(raw)
    out = g.sample(6, random_state=0)
    assert out.shape == (6, 1, 8, 8) and out.dtype == np.uint8
    assert np.abs(g.encoder_.transform(raw)).max() <= 1.0 + 1e-6


def test_bad_inputs_say_what_to_do(digits):
    X, y = digits
    with pytest.raises(ValueError, match=r"\(n_images, channels, height, width\)"):
        DCGAN(**SMALL).fit(X[:, 0, 0])
    bad = X.copy()
    bad[2, 0, 1, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        DCGAN(**SMALL).fit(bad)
    with pytest.raises(ValueError, match="image_size=8"):
        DCGAN(image_size=28, **SMALL).fit(X)
    with pytest.raises(ValueError, match="conditional"):
        CGAN(**SMALL).fit(X)
    with pytest.raises(ValueError, match="unconditional"):
        DCGAN(**SMALL).fit(X, condition=y)
    with pytest.raises(ValueError, match="sequence data"):
        DCGAN(**SMALL).fit(X, id_column="id")
    with pytest.raises(ValueError, match="d_norm"):
        DCGAN(**{**SMALL, "d_norm": "instance"}).fit(X)
    c = CGAN(**SMALL).fit(X, y)
    with pytest.raises(ValueError, match="unseen"):
        c.sample(2, condition=[11, 12])
    g = DCGAN(**SMALL).fit(X)
    with pytest.raises(ValueError, match=r"shape \(n, 3\)"):
        g.generate(np.zeros((2, 5)))


@pytest.mark.parametrize("options, norm", [
    ({"loss": "wgan-gp"}, "layer"),
    ({"loss": "hinge", "spectral_norm": True}, "none"),
    ({"loss": "least-squares"}, "batch"),
    ({"loss": "rpgan", "regularizers": {"r1": 1.0, "r2": 1.0}}, "layer"),
])
def test_objective_variants_train_and_pick_the_critic_norm(digits, options, norm):
    X = np.kron(digits[0], np.ones((1, 1, 2, 2), dtype=np.float32))  # 16 x 16: 2 conv layers
    g = DCGAN(**{**SMALL, **options}).fit(X)
    assert g._d_norm() == norm
    assert np.isfinite(g.history_["discriminator/loss"]).all()
    has_layer_norm = any(isinstance(m, torch.nn.GroupNorm) for m in g.module_.modules())
    has_batch_norm = any(isinstance(m, torch.nn.BatchNorm2d)
                         for m in g.module_["discriminator"].modules())
    assert has_layer_norm == (norm == "layer") and has_batch_norm == (norm == "batch")


def test_mnist_sized_networks_upsample_7_14_28():
    X = np.random.default_rng(0).uniform(-1, 1, (8, 1, 28, 28)).astype(np.float32)
    g = DCGAN(latent_dim=2, base_channels=8, n_iter=1, batch_size=8, random_state=0,
              verbose=False).fit(X)
    acts = [m for m in g.module_["generator"].layers]
    assert len(acts) == 3  # dense to 7 x 7, then 14 x 14, then 28 x 28
    assert g.sample(2, random_state=0).shape == (2, 1, 28, 28)


def test_cgan_generates_the_requested_class():
    from seqgan.metrics import ImageClassifier

    X, y = load_dataset("digits", return_labels=True)
    clf = ImageClassifier(n_epochs=5, random_state=0).fit(X, y)
    c = CGAN(latent_dim=8, base_channels=32, n_iter=400, batch_size=64, lr_g=5e-4, lr_d=5e-4,
             random_state=0, verbose=False).fit(X, y)
    labels = np.repeat(np.arange(10), 10)
    hit = clf.predict(c.sample(100, condition=labels, random_state=0)) == labels
    assert hit.mean() > 0.7, hit.mean()
    # an untrained CGAN does not: the check can fail
    untrained = CGAN(latent_dim=8, base_channels=32, n_iter=0, random_state=0,
                     verbose=False).fit(X, y)
    assert (clf.predict(untrained.sample(100, condition=labels, random_state=0))
            == labels).mean() < 0.5


def test_image_bigan_inverse_map(digits):
    X, _ = digits
    b = ImageBiGAN(**{**SMALL, "n_iter": 30, "cycle_weight": 1.0}).fit(X)
    assert b.encode(X).shape == (64, 3)
    assert np.abs(b.encode(X)).max() <= 1.0  # uniform prior: tanh codes
    rec = b.reconstruct(X)
    assert rec.shape == X.shape
    scores = b.anomaly_score(X)
    assert scores.shape == (64,) and np.isfinite(scores).all()
    untrained = ImageBiGAN(**{**SMALL, "n_iter": 0}).fit(X)
    assert np.abs(rec - X).mean() < np.abs(untrained.reconstruct(X) - X).mean()
    assert b.anomaly_score(-X).mean() > scores.mean()  # inverted digits: white background
    with pytest.raises(ValueError, match=r"shape \(1, 4, 4\)"):
        b.encode(np.zeros((2, 1, 4, 4)))


def test_ais_generator_update_on_images(digits):
    from seqgan.ais import AISUpdate

    X, _ = digits
    update = AISUpdate(every=2, n_temperatures=3, n_particles=16, n_leapfrog=2)
    g = DCGAN(**{**SMALL, "n_iter": 4, "generator_update": update}).fit(X)
    assert "ais/ess" in g.history_
    assert g.sample(3, from_proposal=True, random_state=0).shape == (3, 1, 8, 8)


def test_sequence_models_point_images_to_the_image_models(digits):
    with pytest.raises(ValueError, match="ImageBiGAN"):
        seqgan.BiGAN(n_iter=1, verbose=False).fit(digits[0])
