from __future__ import annotations

import inspect

import numpy as np
import pytest

import seqgan.metrics
from seqgan.data import SequenceData
from seqgan.metrics import MetricResult, MetricSpec, available_metrics, get_metric
from seqgan.metrics._input import as_sequences

#: The names benchmark configs and tuning accepted before the registry: they must not change.
SEQUENCE_METRICS = ["acd", "context_fid", "correlational", "discriminative", "dtw", "ed",
                    "kurtosis", "mdd", "mmd", "predictive", "skewness", "strict_discriminative"]


@pytest.fixture
def pair():
    rng = np.random.default_rng(0)
    return rng.normal(size=(16, 6, 2)), rng.normal(size=(16, 6, 2)) + 0.5


def test_names_by_data():
    assert available_metrics("sequences") == SEQUENCE_METRICS
    assert available_metrics("images") == ["fid"]
    assert available_metrics() == sorted([*SEQUENCE_METRICS, "fid"])
    with pytest.raises(ValueError, match="`data` must be None, 'sequences' or 'images'"):
        available_metrics("points")


def test_lookup_and_errors():
    assert get_metric("Discriminative") is get_metric("discriminative")
    assert isinstance(get_metric("mmd"), MetricSpec)
    with pytest.raises(ValueError, match="Unknown metric 'fidd'; known metrics: acd, .*fid"):
        get_metric("fidd")
    with pytest.raises(TypeError, match="named by a string"):
        get_metric(seqgan.metrics.mmd)


@pytest.mark.parametrize("name", available_metrics())
def test_every_entry_names_a_public_function_and_says_if_it_is_seeded(name):
    spec = get_metric(name)
    function = spec.function
    assert getattr(seqgan.metrics, function.__name__) is function
    assert spec.seeded == ("random_state" in inspect.signature(function).parameters)
    if spec.extra is not None:
        assert getattr(seqgan.metrics, spec.extra.split(":")[1])


def test_score_is_a_float_with_the_callers_seed_unless_options_give_one(pair):
    real, synth = pair
    mmd = get_metric("mmd")
    assert mmd.score(real, synth, seed=3) == seqgan.metrics.mmd(real, synth, random_state=3)
    assert mmd.score(real, synth, {"random_state": 1, "max_samples": 8}, seed=3) == (
        seqgan.metrics.mmd(real, synth, random_state=1, max_samples=8))
    acd = get_metric("acd")  # takes no random_state: the seed is not passed
    assert acd.score(real, synth, {"max_lag": 2}, seed=3) == seqgan.metrics.acd(real, synth,
                                                                                 max_lag=2)
    assert acd.details(real, synth) == {}


def test_a_metric_result_counts_by_its_mean(monkeypatch, pair):
    spec = MetricSpec("seqgan.metrics._registry:_resolve", seeded=True)
    monkeypatch.setattr(MetricSpec, "function",
                        property(lambda self: lambda r, s, random_state: MetricResult.from_values(
                            [random_state, random_state + 2])))
    value = spec.score(*pair, seed=1)
    assert value == 2.0 and type(value) is float


def test_tuning_offers_the_entries_marked_for_it():
    from seqgan import tuning

    assert set(tuning.METRICS) == {"discriminative", "predictive", "context_fid",
                                   "strict_discriminative"}
    assert tuning.IMAGE_METRICS == ("fid",)


def test_metric_inputs_become_the_data_container():
    ragged = [np.ones((3, 2)), np.ones((5, 2), dtype=np.float32)]
    data = as_sequences("real", ragged)
    assert isinstance(data, SequenceData)
    assert data.values.dtype == np.float64 and data.values.shape == (2, 5, 2)
    assert data.lengths.tolist() == [3, 5] and data.variable_length
    assert data.mask().sum() == 8 and data.static is None and data.condition is None
    assert not hasattr(seqgan.metrics._input, "Sequences")
