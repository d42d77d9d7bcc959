"""Checks every sequence estimator must pass. Every registered sequence model runs through them
with its own tiny settings (``get_test_params()``); image models and MLPGAN have their own suite
(tests/models/test_image_models.py). ``run_contract(cls, ...)`` runs them on any class (the
models of docs/extending.md)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import seqgan
from seqgan.models import available_models, get_model
from seqgan.models._image_base import LatentVectorGANEstimator


def sequence_models() -> list[type]:
    """Every registered model that trains on sequences."""
    classes = [get_model(name) for name in available_models()]
    return [c for c in classes if not issubclass(c, LatentVectorGANEstimator)]


TINY_MODELS = {cls: cls.get_test_params() for cls in sequence_models()}


def n_iterations(model):
    """Total iterations over all phases, from the model's own parameters."""
    params = model.get_params()
    return sum(v for k, v in params.items() if k == "n_iter" or k.startswith("n_iter_"))


def test_every_public_model_is_in_the_contract_suite():
    public = {getattr(seqgan, n) for n in seqgan.__all__}
    models = {c for c in public if isinstance(c, type) and issubclass(c, seqgan.Estimator)
              and c not in (seqgan.Estimator, seqgan.GANEstimator)
              and not issubclass(c, LatentVectorGANEstimator)}
    assert models == set(TINY_MODELS)  # image models and MLPGAN have their own suites


@pytest.fixture(params=list(TINY_MODELS), ids=lambda c: c.__name__)
def model(request):
    return request.param(**TINY_MODELS[request.param])


def test_init_stores_params_unchanged_and_clone_works(model):
    params = model.get_params()
    twin = clone(model)
    assert twin.get_params() == params and twin is not model
    model.set_params(batch_size=7)
    assert model.batch_size == 7


def test_not_fitted_error(model):
    with pytest.raises(NotFittedError, match="not fitted yet"):
        model.sample(2)
    with pytest.raises(NotFittedError):
        model.save("never.seqgan")


def test_fit_returns_self_and_sets_fitted_attributes(model, tiny_X):
    assert model.fit(tiny_X) is model
    assert model.n_features_in_ == 2
    assert len(model.history_) == n_iterations(model)
    assert model.spec_.seq_len == 8


def test_sample_shape_and_reproducibility(model, tiny_X):
    model.fit(tiny_X)
    a = model.sample(5, random_state=3)
    assert a.shape == (5, 8, 2) and a.dtype == tiny_X.dtype
    np.testing.assert_array_equal(a, model.sample(5, random_state=3))
    assert not np.array_equal(a, model.sample(5, random_state=4))
    assert model.sample(3, seq_len=20).shape == (3, 20, 2)  # past the training length
    # batching does not change the result (beyond float32 rounding of other kernel sizes)
    np.testing.assert_allclose(model.sample(5, random_state=3, batch_size=2), a, rtol=1e-5)


def test_same_seed_same_model_and_global_rng_untouched(model, tiny_X):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    model.fit(tiny_X)
    assert torch.equal(torch.rand(3), expected), "fit changed the global torch RNG"
    twin = clone(model).fit(tiny_X)
    for (k, v), w in zip(model.module_.state_dict().items(),
                         twin.module_.state_dict().values(), strict=True):
        assert torch.equal(v, w), k


def test_save_load_roundtrip(model, tiny_X, tmp_path):
    model.fit(tiny_X)
    path = model.save(tmp_path / "m.seqgan")
    again = seqgan.load(path)
    assert type(again) is type(model)
    assert again.get_params() == model.get_params()
    np.testing.assert_array_equal(again.sample(6, random_state=1), model.sample(6, random_state=1))
    np.testing.assert_array_equal(again.scaler_.offset_, model.scaler_.offset_)
    assert again.history_.shape == model.history_.shape


def test_invalid_hyperparameter_message(model, tiny_X):
    model.set_params(batch_size=0)
    with pytest.raises(ValueError, match=rf"The 'batch_size' parameter of "
                                         rf"{type(model).__name__} must be an int in \[1, inf\). "
                                         r"Got 0\."):
        model.fit(tiny_X)
    model.set_params(batch_size="8")  # a wrong type is a TypeError (issue 20, item 16)
    with pytest.raises(TypeError, match="must be an int"):
        model.fit(tiny_X)


def test_unknown_loss_lists_valid_names(model, tiny_X):
    model.set_params(loss="wasserstein-ish")
    with pytest.raises(ValueError, match="Unknown loss 'wasserstein-ish'. Valid names: .*"
                                         "non-saturating"):
        model.fit(tiny_X)


def test_variable_length_input_gives_realistic_lengths(model):
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(n, 2)) for n in rng.choice([4, 8], size=40, p=[0.5, 0.5])]
    model.fit(seqs)
    out = model.sample(200, random_state=0)
    assert isinstance(out, list) and len(out) == 200
    lengths = np.array([len(s) for s in out])
    assert set(np.unique(lengths)) == {4, 8}
    assert 0.35 < (lengths == 4).mean() < 0.65


def test_long_dataframe_in_gives_long_dataframe_out(model, vitals):
    model.fit(vitals, id_column="patient", time_column="hour", categorical=["position"])
    synth = model.sample(7, random_state=0)
    assert list(synth.columns) == list(vitals.columns)
    assert synth["patient"].nunique() == 7
    assert synth["hr"].dtype == vitals["hr"].dtype
    assert set(synth["position"]) <= {"supine", "sitting"}
    assert synth.groupby("patient").size().between(4, 8).all()


def test_condition_is_refused_by_unconditional_models(model, tiny_X):
    if model.supports_condition:
        pytest.skip("conditional model")
    with pytest.raises(ValueError, match="unconditional"):
        model.fit(tiny_X, condition=np.zeros(len(tiny_X)))


def test_y_is_ignored_by_unconditional_models(model, tiny_X):
    """scikit-learn's convention for unsupervised estimators: fit(X, y) ignores y (with a
    warning when y is given, since it conditions nothing)."""
    if model.supports_condition:
        pytest.skip("conditional model: y is the condition")
    with pytest.warns(UserWarning, match="`y` is ignored"):
        model.fit(tiny_X, np.zeros(len(tiny_X)))
    a = model.sample(3, random_state=0)
    b = clone(model).fit(tiny_X, None).sample(3, random_state=0)
    np.testing.assert_array_equal(a, b)


def test_exact_resume_across_phases(model, tiny_X, tmp_path):
    from seqgan.training import StopAt

    full = clone(model).fit(tiny_X)
    phases = list(dict.fromkeys(full.history_["phase"]))
    stop_phase = phases[1] if len(phases) > 1 else phases[0]
    clone(model).fit(tiny_X, checkpoint_dir=tmp_path, callbacks=[StopAt(stop_phase, 1)])
    resumed = clone(model).fit(tiny_X, checkpoint_dir=tmp_path, resume=True)
    for (k, v), w in zip(full.module_.state_dict().items(),
                         resumed.module_.state_dict().values(), strict=True):
        assert torch.equal(v, w), k
    assert full.history_.equals(resumed.history_)


def test_latent_view_maps_base_latents_to_samples(model, tiny_X):
    model.fit(tiny_X)
    view = model.latent_view()
    u = torch.randn(5, view.dim, generator=torch.Generator().manual_seed(0))
    x = view.generate(u)
    assert x.shape == (5, 8, 2) and view.seq_len == 8
    assert [t.shape[0] for t in view.decode(u)] == [5] * len(view.decode(u))
    assert view.logits(u).shape[0] == 5
    values = x.detach().cpu().numpy()
    np.testing.assert_allclose(view.to_user(values), model._values_to_user(values))
    assert model.latent_view(seq_len=12).generate(
        torch.zeros(2, model.latent_view(seq_len=12).dim)).shape == (2, 12, 2)


def run_contract(cls, tmp_path, tiny_X, vitals) -> list[str]:
    """Every check above on a fresh ``cls(**cls.get_test_params())``; returns the names run."""
    import inspect

    fixtures = {"tiny_X": tiny_X, "vitals": vitals}
    checks = [f for name, f in sorted(globals().items())
              if name.startswith("test_") and "model" in inspect.signature(f).parameters]
    for check in checks:
        args = {}
        for name in inspect.signature(check).parameters:
            if name == "model":
                args[name] = cls(**cls.get_test_params())
            elif name == "tmp_path":
                args[name] = tmp_path / check.__name__
                args[name].mkdir()
            else:
                args[name] = fixtures[name]
        check(**args)
    return [c.__name__ for c in checks]
