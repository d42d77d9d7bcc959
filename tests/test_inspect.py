"""Looking inside training: snapshots and GIFs, the classifier probe, latent class maps,
interpolation and activations, on tiny trained models."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from sklearn.base import clone

from seqgan import CGAN, CRNNGAN, DCGAN
from seqgan.datasets import load_dataset
from seqgan.inspect import (
    ClassifierProbe,
    Snapshots,
    generator_activations,
    interpolate,
    interpolation_path,
    latent_class_map,
    plot_activations,
    plot_interpolation,
    plot_latent_map,
)
from seqgan.metrics import ImageClassifier
from seqgan.plots import plot_history, plot_images

SMALL = {"base_channels": 8, "batch_size": 32, "device": "cpu", "random_state": 0,
         "verbose": False}


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits", return_labels=True)


@pytest.fixture(scope="module")
def classifier(digits):
    X, y = digits
    return ImageClassifier(n_epochs=3, random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def dcgan2d(digits):
    return DCGAN(latent_dim=2, n_iter=60, **SMALL).fit(digits[0])


def nonempty_png(path) -> bool:
    return path.is_file() and path.stat().st_size > 1000 and Image.open(path).size[0] > 50


def test_snapshots_write_frames_and_gifs_without_changing_training(digits, classifier,
                                                                   tmp_path):
    X = digits[0][:256]
    model = DCGAN(latent_dim=2, n_iter=6, **SMALL)
    snaps = Snapshots(tmp_path, every=3, n=16,
                      latent_map={"classifier": classifier, "resolution": 8})
    fitted = clone(model).fit(X, callbacks=[snaps])
    names = sorted(p.name for p in tmp_path.iterdir())
    assert [n for n in names if n.startswith("snapshot_")] == [
        "snapshot_000001.png", "snapshot_000003.png", "snapshot_000006.png"]
    assert len([n for n in names if n.startswith("latent_map_")]) == 3
    assert all(nonempty_png(p) for p in snaps.frames_)
    with Image.open(snaps.gif_path_) as gif:
        assert gif.n_frames == 3
    assert (tmp_path / "latent_map.gif").stat().st_size > 1000
    plain = clone(model).fit(X)
    for (k, v), w in zip(plain.module_.state_dict().items(),
                         fitted.module_.state_dict().values(), strict=True):
        assert torch.equal(v, w), k


def test_snapshots_of_sequences(tmp_path):
    X = load_dataset("sines", n_samples=32, seq_len=8, n_features=2, random_state=0)
    snaps = Snapshots(tmp_path, every=2, n=4)
    CRNNGAN(hidden_dim=4, n_iter=2, batch_size=8, random_state=0, verbose=False).fit(
        X, callbacks=[snaps])
    assert len(snaps.frames_) == 2 and all(nonempty_png(p) for p in snaps.frames_)
    with pytest.raises(ValueError, match="image model"):
        CRNNGAN(hidden_dim=4, n_iter=1, random_state=0, verbose=False).fit(
            X, callbacks=[Snapshots(tmp_path, latent_map={"classifier": object()})])


def test_snapshots_of_points_and_their_latent_map(tmp_path):
    from sklearn.neighbors import KNeighborsClassifier

    from seqgan import MLPGAN

    X, y = load_dataset("ring", n_samples=128, n_modes=4, return_labels=True, random_state=0)
    knn = KNeighborsClassifier(1).fit(X, y)
    snaps = Snapshots(tmp_path, every=2, n=32, latent_map={"classifier": knn, "resolution": 8})
    MLPGAN(hidden_dim=8, n_iter=4, batch_size=32, random_state=0, verbose=False).fit(
        X, callbacks=[snaps])
    assert len(snaps.frames_) == 3 and all(nonempty_png(p) for p in snaps.frames_)
    assert nonempty_png(tmp_path / "latent_map_000004.png")
    assert (tmp_path / "training.gif").stat().st_size > 1000


def test_classifier_probe_logs_accuracy_and_catches_a_bad_generator(digits):
    X = digits[0][:512]
    probe = ClassifierProbe(every=2, n=128, n_final=300)
    model = DCGAN(latent_dim=2, n_iter=4, **SMALL)
    fitted = clone(model).fit(X, callbacks=[probe])
    logged = fitted.history_["probe/accuracy"]
    assert logged.notna().tolist() == [False, True, False, True]
    assert [i for i, _ in probe.accuracies_] == [2, 4]
    # 4 iterations make blobs: both probes tell them from digits almost always
    assert min(a for _, a in probe.accuracies_) > 0.8
    assert probe.final_accuracy_ > 0.8
    assert fitted.history_["probe/final_accuracy"].iloc[-1] == probe.final_accuracy_
    plain = clone(model).fit(X)
    for v, w in zip(plain.module_.state_dict().values(),
                    fitted.module_.state_dict().values(), strict=True):
        assert torch.equal(v, w)


def test_probe_on_sequences_uses_the_discriminative_score():
    X = load_dataset("sines", n_samples=64, seq_len=8, n_features=2, random_state=0)
    probe = ClassifierProbe(every=1, n=16, n_final=40)
    CRNNGAN(hidden_dim=4, n_iter=2, batch_size=8, random_state=0, verbose=False).fit(
        X, callbacks=[probe])
    assert len(probe.accuracies_) == 2 and 0.5 <= probe.final_accuracy_ <= 1.0


def test_latent_map_on_a_2d_latent_has_one_colour_per_class_present(dcgan2d, classifier,
                                                                    tmp_path):
    found = latent_class_map(dcgan2d, classifier, resolution=24)
    assert found.labels.shape == (1, 24, 24) and found.panels == [""]
    assert len(found.classes) >= 2
    fig = plot_latent_map(found, path=tmp_path / "map.png")
    assert nonempty_png(tmp_path / "map.png")
    image = fig.axes[0].images[0]
    colours = np.unique(image.to_rgba(image.get_array()).reshape(-1, 4), axis=0)
    assert len(colours) == len(found.classes)
    # the labels are the classifier's on the generated images at the grid points
    z = np.array([[found.axis[3], found.axis[5]]], dtype=np.float32)
    assert classifier.predict(dcgan2d.generate(z))[0] == found.labels[0, 5, 3]


def test_latent_map_slices_a_3d_cube_and_gives_one_map_per_class(digits, classifier):
    X, y = digits
    cube = DCGAN(latent_dim=3, n_iter=2, **SMALL).fit(X[:128])
    found = latent_class_map(cube, classifier, resolution=6, slices=4)
    assert found.labels.shape == (4, 6, 6) and found.panels[0] == "z2 = -3"
    conditional = CGAN(latent_dim=2, n_iter=2, **SMALL).fit(X[:128], y[:128])
    per_class = latent_class_map(conditional, classifier, resolution=5, condition=[1, 7])
    assert per_class.panels == ["class 1", "class 7"]
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        latent_class_map(DCGAN(latent_dim=1, n_iter=1, **SMALL).fit(X[:64]), classifier)
    with pytest.raises(TypeError, match="image model"):
        latent_class_map(CRNNGAN(), classifier)


def test_interpolation_paths_and_strip(dcgan2d, tmp_path):
    a, b = np.array([3.0, 0.0]), np.array([0.0, 3.0])
    line = interpolation_path(a, b, steps=5)
    arc = interpolation_path(a, b, steps=5, method="slerp")
    np.testing.assert_allclose(line[[0, -1]], [a, b], atol=1e-6)
    np.testing.assert_allclose(arc[[0, -1]], [a, b], atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(arc, axis=1), 3.0, rtol=1e-5)  # on the circle
    assert np.linalg.norm(line[2]) < 2.2  # the chord cuts inside
    images = interpolate(dcgan2d, a, b, steps=5)
    np.testing.assert_array_equal(images[0], dcgan2d.generate(a[None].astype(np.float32))[0])
    plot_interpolation(dcgan2d, steps=6, path=tmp_path / "interp.png")
    assert nonempty_png(tmp_path / "interp.png")
    with pytest.raises(ValueError, match="slerp"):
        interpolation_path(a, b, method="cubic")


def test_activations_per_layer(dcgan2d, tmp_path):
    acts = generator_activations(dcgan2d, latent=[0.5, -0.5])
    assert list(acts) == ["layers.0", "layers.1"]
    assert acts["layers.0"].shape == (8, 4, 4) and acts["layers.1"].shape == (1, 8, 8)
    other = generator_activations(dcgan2d, latent=[-2.0, 2.0])
    assert not np.allclose(acts["layers.0"], other["layers.0"])
    plot_activations(dcgan2d, path=tmp_path / "acts.png")
    assert nonempty_png(tmp_path / "acts.png")
    X = load_dataset("sines", n_samples=32, seq_len=8, n_features=2, random_state=0)
    crnn = CRNNGAN(hidden_dim=4, n_iter=1, random_state=0, verbose=False).fit(X)
    seq_acts = generator_activations(crnn)
    assert seq_acts["out"].shape == (8, 2)  # one call per step, stacked over time
    plot_activations(crnn, path=tmp_path / "seq_acts.png")
    assert nonempty_png(tmp_path / "seq_acts.png")


def test_history_and_image_grid_figures(dcgan2d, tmp_path):
    plot_history(dcgan2d.history_, path=tmp_path / "history.png")
    plot_images(dcgan2d.sample(16, random_state=0), path=tmp_path / "grid.png")
    assert nonempty_png(tmp_path / "history.png") and nonempty_png(tmp_path / "grid.png")


def test_probe_on_images_below_the_cnn_size_falls_back():
    X = np.random.default_rng(0).uniform(-1, 1, (64, 1, 4, 4)).astype(np.float32)
    probe = ClassifierProbe(every=1, n=16, n_final=40)
    DCGAN(latent_dim=2, n_iter=1, **SMALL).fit(X, callbacks=[probe])
    assert 0.0 <= probe.final_accuracy_ <= 1.0
