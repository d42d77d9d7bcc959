"""scikit-learn's estimator checks on every sequence model (issue 19, part 4).

``check_estimator`` runs on each model with its tiny settings (``get_test_params()``). Its checks
build 2-D data (``make_blobs``, ``(n_samples, n_features)``); a sequence model takes 3-D
``(n_sequences, seq_len, n_features)`` (a 2-D array is refused: one long series goes in as a
DataFrame), so the checks whose point is a fit on such data cannot run as written. Each of them
is in ``NOT_APPLICABLE`` with the reason, and where the property matters for a sequence model
(fit returns self, idempotence, ``n_features_in_``, read-only and F-contiguous input, NaN/inf,
pickling, parameters left alone by ``fit``) its 3-D twin is the test named there, below.

The test fails on a check that fails and is not in the table, and on a check in the table that
now passes (the table stays true).
"""

from __future__ import annotations

import pickle
import warnings

import joblib
import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import check_estimator
from sklearn.utils.validation import check_is_fitted

from seqgan.models import available_models, get_model
from seqgan.models._image_base import LatentVectorGANEstimator

if tuple(int(p) for p in sklearn.__version__.split(".")[:2]) < (1, 6):
    pytest.skip("check_estimator(expected_failed_checks=...) needs scikit-learn >= 1.6",
                allow_module_level=True)

TWO_D = "fits 2-D X (n_samples, n_features); sequence models take 3-D X"

#: scikit-learn checks that do not apply to a sequence model -> why (and the 3-D twin, if any).
NOT_APPLICABLE: dict[str, str] = {
    "check_fit_score_takes_y": f"{TWO_D}; twin: test_fit_takes_y_and_returns_self",
    "check_estimators_overwrite_params": f"{TWO_D}; twin: test_fit_leaves_parameters_alone",
    "check_dont_overwrite_parameters": f"{TWO_D}; twin: test_fit_leaves_parameters_alone",
    "check_estimators_fit_returns_self": f"{TWO_D}; twin: test_fit_takes_y_and_returns_self",
    "check_readonly_memmap_input": f"{TWO_D}; twin: test_read_only_and_f_contiguous_input",
    "check_n_features_in_after_fitting": f"{TWO_D}; twin: test_n_features_in_and_is_fitted",
    "check_n_features_in": f"{TWO_D}; twin: test_n_features_in_and_is_fitted",
    "check_fit_check_is_fitted": f"{TWO_D}; twin: test_n_features_in_and_is_fitted",
    "check_positive_only_tag_during_fit": f"{TWO_D}; any real values are accepted (no "
                                          "positive-only tag to check)",
    "check_estimators_dtypes": f"{TWO_D}; twin: test_dtypes",
    "check_complex_data": "complex X is refused with a TypeError (the values' type is wrong, "
                          "as for text) whose message has scikit-learn's wording ('Complex "
                          "data not supported'); scikit-learn expects a ValueError",
    "check_dtype_object": "object arrays are refused (they hold text in practice; a DataFrame "
                          "with `categorical=` is the way in), scikit-learn expects numbers in "
                          "an object array to be fitted; and " + TWO_D,
    "check_pipeline_consistency": f"{TWO_D}; twin: test_pipeline_and_dict_unchanged",
    "check_estimators_nan_inf": f"{TWO_D}; twin: test_nan_inf_and_empty_data_messages",
    "check_estimators_pickle": f"{TWO_D}; twin: test_pickle_round_trip (pickling is supported)",
    "check_array_api_input": "torch model on numpy input, no array API support (scikit-learn "
                             "skips it unless SCIPY_ARRAY_API=1)",
    "check_f_contiguous_array_estimator": f"{TWO_D}; twin: test_read_only_and_f_contiguous_input",
    "check_methods_sample_order_invariance": f"{TWO_D}; and no per-sample method (predict, "
                                            "transform, score) whose order could matter",
    "check_methods_subset_invariance": f"{TWO_D}; and no per-sample method (predict, "
                                       "transform, score) whose subsets could matter",
    "check_fit2d_1sample": f"{TWO_D} with one row",
    "check_fit2d_1feature": f"{TWO_D} with one column",
    "check_fit2d_predict1d": f"{TWO_D}; and no predict/transform",
    "check_dict_unchanged": f"{TWO_D}; twin: test_pipeline_and_dict_unchanged",
    "check_fit_idempotent": f"{TWO_D}; twin: test_fit_idempotent",
}


def sequence_models() -> list[type]:
    classes = [get_model(name) for name in available_models()]
    return [c for c in classes if not issubclass(c, LatentVectorGANEstimator)]


SEQUENCE_MODELS = sequence_models()


@pytest.fixture(params=SEQUENCE_MODELS, ids=lambda c: c.__name__)
def model(request):
    return request.param(**request.param.get_test_params())


@pytest.fixture
def y(model, tiny_X):
    """Labels: the condition of a conditional model, ignored (with a warning) by the others."""
    return np.repeat([0, 1], len(tiny_X) // 2)


def fit(model, X, y=None):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*`y` is ignored", UserWarning)
        return model.fit(X, y)


def samples(model):
    conditional = model.encoder_.condition_encoder_ is not None
    return model.sample(4, condition=[0, 1, 0, 1] if conditional else None, random_state=0)


# ---------------------------------------------------------------- scikit-learn's own checks
def test_check_estimator(model):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*`y` is ignored", UserWarning)
        results = check_estimator(model, on_fail=None, on_skip=None,
                                  expected_failed_checks=NOT_APPLICABLE)
    failed = [f"{r['check_name']}: {r['exception']}" for r in results
              if r["status"] == "failed"]
    assert not failed, "\n".join(failed)
    stale = sorted({r["check_name"] for r in results
                    if r["expected_to_fail"] and r["status"] == "passed"})
    assert not stale, f"checks in NOT_APPLICABLE that pass now: {stale}"
    passed = {r["check_name"] for r in results if r["status"] == "passed"}
    # the meaningful checks that need no data, and the error-message checks that run as written
    assert {"check_estimator_cloneable", "check_no_attributes_set_in_init",
            "check_get_params_invariance", "check_set_params", "check_estimators_unfitted",
            "check_parameters_default_constructible", "check_estimator_repr",
            "check_do_not_raise_errors_in_init_or_set_params", "check_fit1d",
            "check_estimators_empty_data_messages", "check_estimator_sparse_array",
            "check_estimator_sparse_matrix", "check_estimator_sparse_tag"} <= passed


# ---------------------------------------------------------------- 3-D twins
def test_fit_takes_y_and_returns_self(model, tiny_X, y):
    assert fit(model, tiny_X, y) is model
    if not model.supports_condition:
        with pytest.warns(UserWarning, match="`y` is ignored"):
            clone(model).fit(tiny_X, y)
        np.testing.assert_array_equal(samples(model), samples(clone(model).fit(tiny_X)))


def test_fit_leaves_parameters_alone(model, tiny_X, y):
    """check_dont_overwrite_parameters / check_estimators_overwrite_params on 3-D data."""
    params = model.get_params()
    before = dict(model.__dict__)
    fit(model, tiny_X, y)
    assert joblib.hash(model.get_params()) == joblib.hash(params)
    added = [k for k in model.__dict__ if k not in before]
    public = [k for k in added if not (k.startswith("_") or k.endswith("_"))]
    assert not public, f"fit set public attributes {public}"
    changed = [k for k in before if not k.startswith("_")
               and joblib.hash(model.__dict__[k]) != joblib.hash(before[k])]
    assert not changed, f"fit changed public attributes {changed}"


def test_fit_idempotent(model, tiny_X, y):
    first = samples(fit(model, tiny_X, y))
    np.testing.assert_array_equal(samples(fit(model, tiny_X, y)), first)


def test_n_features_in_and_is_fitted(model, tiny_X, y):
    assert not hasattr(model, "n_features_in_")
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    fit(model, tiny_X, y)
    check_is_fitted(model)
    assert model.n_features_in_ == tiny_X.shape[2]


def test_read_only_and_f_contiguous_input(model, tiny_X, y, tmp_path):
    """check_readonly_memmap_input / check_f_contiguous_array_estimator on 3-D data."""
    expected = samples(fit(clone(model), tiny_X, y))
    np.save(tmp_path / "X.npy", tiny_X)
    memmap = np.load(tmp_path / "X.npy", mmap_mode="r")
    assert not memmap.flags.writeable
    np.testing.assert_array_equal(samples(fit(clone(model), memmap, y)), expected)
    fortran = np.asfortranarray(tiny_X)
    assert fortran.flags.f_contiguous and not fortran.flags.c_contiguous
    np.testing.assert_array_equal(samples(fit(clone(model), fortran, y)), expected)


def test_dtypes(model, tiny_X, y):
    """check_estimators_dtypes on 3-D data: float32, float64, int32 and int64 X are fitted and
    samples come back in X's float dtype."""
    for dtype in (np.float32, np.float64, np.int32, np.int64):
        X = (tiny_X * 10).astype(dtype)
        out = samples(fit(clone(model), X, y))
        assert out.shape == (4, 8, 2) and np.isfinite(out).all(), dtype


def test_nan_inf_and_empty_data_messages(model, tiny_X, y):
    """inf is refused; NaN is a missing value (docs/data.md): fitted around, and sampled as a
    gap with ``missing="pattern"``; a feature with nothing observed is refused."""
    X = tiny_X.copy()
    X[0, 0, 0] = np.inf
    with pytest.raises(ValueError, match="inf"):
        clone(model).fit(X)
    X[0, 0, 0] = np.nan
    assert np.isfinite(samples(fit(clone(model), X, y))).all()
    X[:, :, 1] = np.nan
    with pytest.raises(ValueError, match=r"\['x1'\] of `X` are never observed"):
        clone(model).fit(X)
    with pytest.raises(ValueError, match=r"0 sample\(s\) \(shape=\(0, 8, 2\)\) while a minimum"):
        clone(model).fit(np.empty((0, 8, 2)))
    with pytest.raises(ValueError, match=r"0 feature\(s\) \(shape=\(12, 8, 0\)\) while a mini"):
        clone(model).fit(np.empty((12, 8, 0)))
    with pytest.raises(ValueError, match=r"0 feature\(s\) \(shape=\(12, 0\)\) while a minimum"):
        clone(model).fit(np.empty((12, 0)))  # scikit-learn's own case, 2-D


def test_pickle_round_trip(model, tiny_X, y):
    unfitted = pickle.loads(pickle.dumps(model))
    assert unfitted.get_params() == model.get_params()
    fit(model, tiny_X, y)
    twin = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(samples(twin), samples(model))
    assert twin.n_features_in_ == model.n_features_in_


def test_pipeline_and_dict_unchanged(model, tiny_X, y):
    """A one-step Pipeline fits like the model (scikit-learn's transformers are 2-D, so a
    sequence model is the last step on its own); sampling leaves ``__dict__`` unchanged."""
    pipe = make_pipeline(clone(model))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*`y` is ignored", UserWarning)
        pipe.fit(tiny_X, y)
    fit(model, tiny_X, y)
    np.testing.assert_array_equal(samples(pipe[-1]), samples(model))
    before = {k: joblib.hash(v) for k, v in model.__dict__.items()}
    samples(model)
    assert {k: joblib.hash(v) for k, v in model.__dict__.items()} == before
