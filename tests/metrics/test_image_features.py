"""Classifier-feature FID, precision and recall for images, on scikit-learn's 8x8 digits."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

from seqgan.datasets import load_dataset
from seqgan.metrics import (
    ImageClassifier,
    frechet_distance,
    image_fid,
    image_precision_recall,
)
from seqgan.metrics._image_features import _inside, _kth_radii


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """The tiny CNN on 8x8 images is fastest on one thread (two contend on a busy machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def digits():
    X, y = load_dataset("digits", return_labels=True)
    order = np.random.default_rng(0).permutation(len(X))
    X, y = X[order], y[order]
    return X[:900], y[:900], X[900:], y[900:]


@pytest.fixture(scope="module")
def clf(digits):
    X, y, _, _ = digits
    return ImageClassifier(n_epochs=5, random_state=0).fit(X, y)


# ---------------------------------------------------------------------- classifier
def test_classifier_learns_digits(clf, digits):
    _, _, X_test, y_test = digits
    assert clf.score(X_test, y_test) > 0.85
    assert clf.n_classes_ == 10 and clf.input_shape_ == (1, 8, 8)
    np.testing.assert_array_equal(clf.classes_, np.arange(10))
    proba = clf.predict_proba(X_test)
    assert proba.shape == (len(X_test), 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(clf.predict(X_test), proba.argmax(axis=1))
    features = clf.features(X_test)
    assert features.shape == (len(X_test), 64) and features.dtype == np.float64


def test_predict_returns_the_original_labels(digits):
    X, y, X_test, y_test = digits
    model = ImageClassifier(n_epochs=3, random_state=0).fit(X, 2 * y + 100)
    np.testing.assert_array_equal(model.classes_, 2 * np.arange(10) + 100)
    pred = model.predict(X_test)
    assert set(np.unique(pred)) <= set(model.classes_)
    assert np.mean(pred == 2 * y_test + 100) > 0.7


def test_same_random_state_gives_identical_features(digits):
    X, y, X_test, _ = digits
    state = torch.get_rng_state()
    one = ImageClassifier(n_epochs=1, random_state=3).fit(X, y).features(X_test)
    assert torch.equal(torch.get_rng_state(), state)  # the global RNG is left untouched
    two = ImageClassifier(n_epochs=1, random_state=3).fit(X, y).features(X_test)
    other = ImageClassifier(n_epochs=1, random_state=4).fit(X, y).features(X_test)
    np.testing.assert_array_equal(one, two)
    assert not np.allclose(one, other)


def test_any_pixel_range_channel_less_images_and_tensors(clf, digits):
    X, y, X_test, y_test = digits
    # [0, 255] pixels without a channel axis: standardisation makes the range irrelevant
    to_255 = lambda a: (a[:, 0] + 1) * 127.5  # noqa: E731
    model = ImageClassifier(n_epochs=5, random_state=0).fit(to_255(X), y)
    assert model.input_shape_ == (1, 8, 8)
    assert model.score(to_255(X_test), y_test) > 0.85
    np.testing.assert_array_equal(clf.features(torch.as_tensor(X_test)), clf.features(X_test))
    np.testing.assert_array_equal(clf.features(X_test[:, 0]), clf.features(X_test))


def test_non_square_multichannel_images():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3, 9, 13)).astype(np.float32)
    y = np.repeat([0, 1], 32)
    X[y == 1, :, :4] += 2.0  # a bright top band marks class 1
    model = ImageClassifier(feature_dim=8, n_epochs=5, batch_size=16, random_state=0).fit(X, y)
    assert model.input_shape_ == (3, 9, 13)
    assert model.features(X).shape == (64, 8)
    assert model.score(X, y) > 0.9


# ---------------------------------------------------------------------- FID
@pytest.mark.filterwarnings("ignore::scipy.linalg.LinAlgWarning")  # dead ReLU features
def test_fid_ranks_holdout_above_noise_and_a_single_class(clf, digits):
    X, _, X_test, y_test = digits
    noise = np.random.default_rng(0).uniform(-1, 1, size=X_test.shape).astype(np.float32)
    close = image_fid(X, X_test, classifier=clf)
    assert 0 < close < image_fid(X, noise, classifier=clf) / 10
    assert close < image_fid(X, X_test[y_test == 3], classifier=clf) / 10
    assert image_fid(X, X, classifier=clf) == pytest.approx(0.0, abs=1e-6)
    fr, ff = clf.features(X), clf.features(X_test)
    expected = frechet_distance(fr.mean(0), np.cov(fr, rowvar=False), ff.mean(0),
                                np.cov(ff, rowvar=False))
    assert close == pytest.approx(expected)
    assert image_fid(torch.as_tensor(X), torch.as_tensor(X_test), classifier=clf) == close


# ---------------------------------------------------------------------- precision / recall
def test_knn_radii_and_manifold_membership_by_hand():
    points = np.array([[0.0], [1.0], [2.0], [10.0]])
    np.testing.assert_array_equal(_kth_radii(points, 1, chunk=3), [1, 1, 1, 8])
    np.testing.assert_array_equal(_kth_radii(points, 2, chunk=2), [2, 1, 2, 9])
    # balls [-1, 1], [0, 2], [1, 3], [2, 18]
    queries = np.array([[-1.0], [-1.5], [2.5], [18.0], [18.5]])
    np.testing.assert_array_equal(_inside(queries, points, _kth_radii(points, 1, 2), chunk=3),
                                  [True, False, True, True, False])


def test_precision_recall_of_holdout_repeats_and_noise(clf, digits):
    X, _, X_test, _ = digits
    rng = np.random.default_rng(0)
    holdout = image_precision_recall(X, X_test, classifier=clf)
    assert set(holdout) == {"precision", "recall"}
    assert holdout["precision"] > 0.6 and holdout["recall"] > 0.6

    repeated = image_precision_recall(X, np.repeat(X_test[:1], 300, axis=0), classifier=clf)
    assert repeated["recall"] < 0.05  # one image covers almost nothing of the real data

    gauss = rng.normal(size=X_test.shape).astype(np.float32)
    assert image_precision_recall(X, gauss, classifier=clf)["precision"] < 0.2
    # 8x8 uniform noise looks like a blurry digit to the classifier: precision stays
    # well below the holdout's but is not near 0 (see docs/metrics.md)
    uniform = rng.uniform(-1, 1, size=X_test.shape).astype(np.float32)
    assert image_precision_recall(X, uniform, classifier=clf)["precision"] < (
        holdout["precision"] - 0.3)


# ---------------------------------------------------------------------- errors
def test_bad_images(clf, digits):
    X, y, X_test, _ = digits
    with pytest.raises(ValueError, match=r"\(n_images, channels, height, width\)"):
        ImageClassifier().fit(X.reshape(len(X), -1), y)
    with pytest.raises(ValueError, match=r"\(n_images, channels, height, width\)"):
        clf.features(X_test[:, None])
    bad = X_test.copy()
    bad[0, 0, 0, 0] = np.nan
    bad[1, 0, 0, 0] = np.inf
    with pytest.raises(ValueError, match="contains 2 NaN value"):
        clf.features(bad)
    with pytest.raises(ValueError, match="NaN"):
        ImageClassifier().fit(bad, y[:len(bad)])
    with pytest.raises(ValueError, match=r"fitted on \(1, 8, 8\)"):
        clf.features(np.zeros((4, 1, 8, 9)))
    with pytest.raises(ValueError, match="at least 8x8"):
        ImageClassifier().fit(X[:, :, :6, :], y)


def test_bad_labels(digits):
    X, y, _, _ = digits
    with pytest.raises(ValueError, match="900 images but `y` has 899 labels"):
        ImageClassifier().fit(X, y[:-1])
    with pytest.raises(ValueError, match="at least 2 classes"):
        ImageClassifier().fit(X, np.zeros(len(X), dtype=int))
    with pytest.raises(ValueError, match="integer class labels"):
        ImageClassifier().fit(X, y + 0.5)
    with pytest.raises(ValueError, match="1-D array of labels"):
        ImageClassifier().fit(X, y[:, None])


def test_bad_parameters_and_unfitted(digits):
    X, _, _, _ = digits
    with pytest.raises(ValueError, match="'n_epochs' parameter of ImageClassifier"):
        ImageClassifier(n_epochs=0)
    with pytest.raises(ValueError, match="'lr' parameter of ImageClassifier"):
        ImageClassifier(lr=0.0)
    with pytest.raises(NotFittedError, match="not fitted yet; call fit"):
        ImageClassifier().features(X)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        image_fid(X, X, classifier=ImageClassifier())


def test_bad_metric_inputs(clf, digits):
    X, _, X_test, _ = digits
    with pytest.raises(TypeError, match="fitted seqgan.metrics.ImageClassifier"):
        image_fid(X, X_test, classifier=None)
    with pytest.raises(ValueError, match="at least 2 images in `fake`"):
        image_fid(X, X_test[:1], classifier=clf)
    with pytest.raises(ValueError, match="at least 2 images in `real`"):
        image_fid(X[:1], X_test, classifier=clf)
    with pytest.raises(ValueError, match=r"at least 6 images in `fake` \(k \+ 1 with k=5\)"):
        image_precision_recall(X, X_test[:5], classifier=clf, k=5)
    with pytest.raises(ValueError, match="'k' parameter of image_precision_recall"):
        image_precision_recall(X, X_test, classifier=clf, k=0)
    with pytest.raises(ValueError, match=r"fitted on \(1, 8, 8\)"):
        image_fid(X, np.zeros((10, 1, 9, 9)), classifier=clf)
