"""Issue 20, items 4 and 16: bad inputs are refused with a clear error of the right type (or
warned about), on every sequence model. One case per row."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from tests.conftest import SEQUENCE_MODELS, small_sines

CONDITIONAL = [c for c in SEQUENCE_MODELS if c.supports_condition]
STATIC = [c for c in SEQUENCE_MODELS if c.supports_static]


def _X() -> np.ndarray:
    return small_sines()


def _huge() -> np.ndarray:
    X = _X()
    X[0, 0, 0], X[1, 0, 0] = -1.7e308, 1.7e308
    return X


#: (case, fit arguments, error, message)
BAD_DATA = [
    ("complex X", lambda: {"X": _X() + 1j}, TypeError, r"`X` holds complex numbers"),
    ("complex list", lambda: {"X": list(_X() * (1 + 1j))}, TypeError, r"`X` holds complex"),
    (
        "X near float64 limit",
        lambda: {"X": _huge()},
        ValueError,
        r"overflow the (minmax|standard) scaler.*not a training problem",
    ),
]

#: (parameter, bad value, error, message); rows of parameters a model lacks are left out.
BAD_PARAMS = [
    ("lr_g", "1e-3", TypeError, r"'lr_g' parameter of \w+ must be a float in \(0, inf\)"),
    ("lr_d", [0.1], TypeError, r"'lr_d' parameter"),
    ("hidden_dim", 2.5, TypeError, r"'hidden_dim' parameter of \w+ must be an int"),
    ("batch_size", 2.5, TypeError, r"'batch_size' parameter"),
    ("batch_size", "8", TypeError, r"'batch_size' parameter"),
    ("n_iter", 3.0, TypeError, r"'n_iter' parameter"),
    ("latent_dim", True, TypeError, r"'latent_dim' parameter"),
    ("lr_g", -0.1, ValueError, r"'lr_g' parameter .* Got -0.1"),
    ("batch_size", 0, ValueError, r"'batch_size' parameter .* Got 0"),
    ("hidden_dim", -5, ValueError, r"'hidden_dim' parameter .* Got -5"),
    ("scaling", "log", ValueError, r"'scaling' parameter .* Got 'log'"),
]


def _param_rows():
    for cls in SEQUENCE_MODELS:
        names = cls().get_params()
        for name, value, error, match in BAD_PARAMS:
            if name in names:
                yield pytest.param(
                    cls, name, value, error, match, id=f"{cls.__name__}-{name}={value!r}"
                )


@pytest.mark.parametrize("case, args, error, match", BAD_DATA, ids=[r[0] for r in BAD_DATA])
@pytest.mark.parametrize("cls", SEQUENCE_MODELS, ids=lambda c: c.__name__)
def test_bad_training_data_is_refused(cls, case, args, error, match):
    with pytest.raises(error, match=match):
        cls(**cls.get_test_params()).fit(**args())


@pytest.mark.parametrize("cls, name, value, error, match", list(_param_rows()))
def test_a_hyperparameter_of_a_wrong_type_is_a_type_error_and_a_wrong_value_a_value_error(
    cls, name, value, error, match
):
    with pytest.raises(error, match=match) as info:
        cls(**{**cls.get_test_params(), name: value}).fit(_X())
    assert type(info.value) is error


@pytest.mark.parametrize("cls", STATIC, ids=lambda c: c.__name__)
def test_complex_static_features_are_refused(cls):
    static = np.random.default_rng(0).normal(size=(24, 2)) * 1j
    with pytest.raises(TypeError, match="`static` holds complex numbers"):
        cls(**cls.get_test_params()).fit(_X(), static=static)


def _labels():
    return np.repeat([0, 1], 12)


def _vectors():
    return np.random.default_rng(0).uniform(0, 1, size=(24, 2))


#: (case, training condition, error, message)
BAD_CONDITIONS = [
    (
        "3-D condition",
        lambda: np.zeros((24, 2, 2)),
        ValueError,
        r"`condition` must have shape \(n,\) .* or \(n, c\).*got shape \(24, 2, 2\).*reshape",
    ),
    ("complex condition", lambda: _vectors() * 1j, TypeError, r"`condition` holds complex"),
    ("complex labels", lambda: _labels() + 0j, TypeError, r"`condition` holds complex"),
    ("scalar condition", lambda: 1.0, ValueError, r"one entry per sequence"),
]


@pytest.mark.parametrize(
    "case, condition, error, match", BAD_CONDITIONS, ids=[r[0] for r in BAD_CONDITIONS]
)
@pytest.mark.parametrize("cls", CONDITIONAL, ids=lambda c: c.__name__)
def test_bad_training_conditions_are_refused(cls, case, condition, error, match):
    with pytest.raises(error, match=match):
        cls(**cls.get_test_params()).fit(_X(), condition=condition())


@pytest.fixture(scope="module", params=CONDITIONAL, ids=lambda c: c.__name__)
def continuous_model(request):
    cls = request.param
    return cls(**cls.get_test_params()).fit(_X(), condition=_vectors())


#: (case, sampling condition for 4 samples, error, message)
BAD_SAMPLE_CONDITIONS = [
    ("3-D", np.zeros((4, 2, 1)), ValueError, r"got shape \(4, 2, 1\)"),
    ("complex", np.zeros((4, 2)) + 1j, TypeError, r"`condition` holds complex"),
    ("wrong width", np.zeros((4, 3)), ValueError, r"must have 2 column\(s\)"),
    ("NaN", np.full((4, 2), np.nan), ValueError, r"NaN or inf"),
]


@pytest.mark.parametrize(
    "case, condition, error, match",
    BAD_SAMPLE_CONDITIONS,
    ids=[r[0] for r in BAD_SAMPLE_CONDITIONS],
)
def test_bad_sampling_conditions_are_refused(continuous_model, case, condition, error, match):
    with pytest.raises(error, match=match):
        continuous_model.sample(4, condition=condition)


@pytest.mark.parametrize(
    "value, warns", [(0.5, False), (1.05, False), (1.5, True), (-3.0, True), (1e6, True)]
)
def test_a_continuous_condition_far_outside_the_training_range_warns(
    continuous_model, value, warns, caplog
):
    condition = np.full((4, 2), 0.5)
    condition[:, 1] = value
    with caplog.at_level(logging.WARNING, logger="seqgan"):
        continuous_model.sample(4, condition=condition, random_state=0)
    assert ("far outside the training range" in caplog.text) is warns
    if warns:
        assert "column 1" in caplog.text and "column 0" not in caplog.text


def test_continuous_conditions_scale_with_the_units():
    from seqgan.data._condition import ConditionEncoder

    base = ConditionEncoder().fit_transform(_vectors(), 24)
    for c in (1e-12, 1e-8, 1e8):
        np.testing.assert_allclose(
            ConditionEncoder().fit_transform(_vectors() * c, 24), base, rtol=1e-6, atol=1e-6
        )
    constant = np.ones((24, 1)) * 1e-9
    assert (ConditionEncoder().fit_transform(constant, 24) == 0).all()
