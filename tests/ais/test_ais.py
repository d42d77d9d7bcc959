"""AIS/DRE generator update and AIS log-likelihood: the checks the issue asks for."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import seqgan
from seqgan import CRNNGAN, RCGAN, BiGAN, TimeGAN
from seqgan.ais import (
    AISUpdate,
    GaussianMixtureProposal,
    LatentCodec,
    ais_log_likelihood,
    anneal,
    bdmc,
    choose_sigma2,
    effective_sample_size,
    importance_weights,
    log_mean_exp,
    sequence_logits,
    temperatures,
)
from seqgan.losses import available_losses, get_objective
from seqgan.training import StopAt
from tests.conftest import TINY

MODELS = {
    "crnngan": (CRNNGAN, {}),
    "rcgan": (RCGAN, {}),
    "timegan": (TimeGAN, {"n_iter_autoencoder": 2, "n_iter_supervisor": 2, "n_iter_joint": 3}),
    "bigan": (BiGAN, {"latent_dim": 3}),
}
SMALL_AIS = {"every": 2, "n_temperatures": 3, "n_particles": 16, "n_components": 2}


def make(name, **kwargs):
    cls, extra = MODELS[name]
    params = {**TINY, **extra, **kwargs}
    if cls is TimeGAN:
        params.pop("n_iter")
    return cls(**params)


def state(model):
    return {k: v.clone() for k, v in model.module_.state_dict().items()}


# ---------------------------------------------------------------- importance weights
def test_weights_self_normalise_and_ess_is_kish():
    log_w = torch.log(torch.tensor([1.0, 1.0, 2.0, 4.0]))
    w, stats = importance_weights(log_w, truncate=False)
    assert torch.allclose(w.mean(), torch.tensor(1.0))
    assert torch.allclose(w, torch.tensor([0.5, 0.5, 1.0, 2.0]))
    # Kish: (sum w)^2 / sum w^2 = 64 / 22, as a fraction of 4
    assert stats["ess"] == pytest.approx(64 / 22 / 4)
    assert stats["max_weight"] == pytest.approx(4 / 8)
    assert float(effective_sample_size(log_w)) == pytest.approx(64 / 22)
    # shifting every log weight changes nothing
    w2, _ = importance_weights(log_w + 123.0, truncate=False)
    assert torch.allclose(w, w2)


def test_truncation_caps_at_sqrt_n_and_renormalises():
    log_w = torch.log(torch.tensor([1.0, 1.0, 1.0, 100.0]))
    w, stats = importance_weights(log_w, truncate=True)
    normalised = torch.tensor([1.0, 1.0, 1.0, 100.0]) * 4 / 103
    assert stats["ess"] == pytest.approx(float(normalised.sum() ** 2 / normalised.pow(2).sum())
                                         / 4)
    capped = normalised.clamp_max(2.0)  # sqrt(4)
    assert torch.allclose(w, capped / capped.mean())
    assert torch.allclose(w.mean(), torch.tensor(1.0))
    assert float(w[3] / w[0]) == pytest.approx(2.0 / (4 / 103), rel=1e-5)  # was 100


def test_non_finite_logits_give_a_clear_error():
    with pytest.raises(FloatingPointError, match="not finite"):
        importance_weights(torch.tensor([float("nan"), float("-inf")]))


def test_sequence_logits_average_valid_steps():
    logits = torch.tensor([[1.0, 3.0, 100.0], [2.0, 2.0, 2.0]])
    mask = torch.tensor([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
    assert torch.equal(sequence_logits(logits, mask), torch.tensor([2.0, 2.0]))
    assert torch.equal(sequence_logits(logits.unsqueeze(-1)), logits.mean(1))
    assert torch.equal(sequence_logits(torch.tensor([0.5, 1.0])), torch.tensor([0.5, 1.0]))


# ---------------------------------------------------------------- exact reduction
@pytest.mark.parametrize("loss", sorted(available_losses()))
def test_unit_weights_give_the_plain_gradient_bit_for_bit(loss):
    torch.manual_seed(0)
    fake = torch.randn(6, 5, requires_grad=True)
    real = torch.randn(6, 5)
    mask = torch.ones(6, 5)
    mask[0, 3:] = 0
    objective = get_objective(loss)
    for m in (None, mask):
        plain = torch.autograd.grad(objective.generator_loss(fake, real, mask=m), fake)[0]
        weighted = torch.autograd.grad(objective.generator_loss(
            fake, real, mask=m, weights=torch.ones(6)), fake)[0]
        assert torch.equal(plain, weighted)


def test_weights_weight_each_sequence():
    objective = get_objective("wasserstein")  # G loss -mean(d)
    fake = torch.tensor([1.0, 3.0])
    assert float(objective.generator_loss(fake, weights=torch.tensor([1.5, 0.5]))) == \
        pytest.approx(-(1.5 * 1 + 0.5 * 3) / 2)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_prior_proposal_with_beta_zero_is_the_plain_update(name, tiny_X):
    y = np.arange(len(tiny_X)) % 2 if name == "rcgan" else None
    plain = make(name).fit(tiny_X, condition=y)
    wrapped = make(name, generator_update=AISUpdate(proposal="prior", beta=0.0)).fit(
        tiny_X, condition=y)
    a, b = state(plain), state(wrapped)
    assert a.keys() == {k for k in b if not k.startswith("proposal.")}
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert (wrapped.history_["ais/ess"].dropna() == 1.0).all()


def test_beta_changes_the_update(tiny_X):
    plain = make("crnngan").fit(tiny_X)
    tilted = make("crnngan", generator_update=AISUpdate(proposal="prior", beta=1.0)).fit(tiny_X)
    assert not all(torch.equal(v, state(tilted)[k]) for k, v in state(plain).items())
    assert (tilted.history_["ais/ess"].dropna() < 1.0).all()


# ---------------------------------------------------------------- every model, full wrapper
@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_model_trains_with_the_wrapper_and_samples_from_q(name, tiny_X, tmp_path):
    y = np.arange(len(tiny_X)) % 2 if name == "rcgan" else None
    model = make(name, generator_update=AISUpdate(**SMALL_AIS)).fit(tiny_X, condition=y)
    history = model.history_
    for column in ("ais/ess", "ais/max_weight", "ais/refit_ess", "ais/acceptance"):
        assert column in history and history[column].notna().any()
    assert history["ais/ess"].dropna().between(0, 1).all()
    assert model.module_["proposal"].fitted
    cond = None if y is None else [1] * 4
    prior = model.sample(4, condition=cond, random_state=0)
    from_q = model.sample(4, condition=cond, random_state=0, from_proposal=True)
    assert prior.shape == from_q.shape == (4, *tiny_X.shape[1:])
    assert np.isfinite(from_q).all() and not np.array_equal(prior, from_q)
    path = model.save(tmp_path / "m.seqgan")
    again = seqgan.load(path)
    assert again.generator_update == model.generator_update
    assert np.array_equal(again.sample(4, condition=cond, random_state=0, from_proposal=True),
                          from_q)


def test_resume_with_the_wrapper_is_exact(tmp_path, tiny_X):
    params = {"n_iter": 8, "generator_update": AISUpdate(**SMALL_AIS)}
    full = make("crnngan", **params).fit(tiny_X)
    make("crnngan", **params).fit(tiny_X, checkpoint_dir=tmp_path,
                                  callbacks=[StopAt("adversarial", 3)])
    resumed = make("crnngan", **params).fit(tiny_X, checkpoint_dir=tmp_path, resume=True)
    a, b = state(full), state(resumed)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert full.history_.equals(resumed.history_)


def test_from_proposal_needs_the_wrapper_and_the_training_length(tiny_X):
    plain = make("crnngan").fit(tiny_X)
    with pytest.raises(ValueError, match="generator_update=AISUpdate"):
        plain.sample(2, from_proposal=True)
    wrapped = make("crnngan", generator_update=AISUpdate(**SMALL_AIS)).fit(tiny_X)
    with pytest.raises(ValueError, match="seq_len=8"):
        wrapped.sample(2, seq_len=12, from_proposal=True)


@pytest.mark.parametrize("kwargs, match", [
    ({"schedule": "cubic"}, "Unknown schedule 'cubic'"),
    ({"proposal": "flow"}, "Unknown proposal 'flow'"),
    ({"smoothing": 0.0}, "smoothing"),
    ({"defensive": 1.0}, "defensive"),
    ({"every": 0}, "every"),
])
def test_bad_settings_are_named(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        AISUpdate(**kwargs)


def test_model_refuses_a_non_ais_generator_update(tiny_X):
    with pytest.raises(TypeError, match="AISUpdate"):
        make("crnngan", generator_update="ais").fit(tiny_X)


# ---------------------------------------------------------------- proposal and schedules
def test_weighted_em_recovers_a_known_mixture():
    torch.manual_seed(0)
    true_means = torch.tensor([[-2.0, 1.0], [2.0, -1.0]])
    true_var = torch.tensor([[0.3, 0.2], [0.2, 0.5]])
    # particles from a broad N(0, 3^2 I); weights = mixture density / sampling density
    u = 3.0 * torch.randn(20000, 2)
    comp = torch.distributions.Normal(true_means, true_var.sqrt())
    log_target = torch.logsumexp(comp.log_prob(u[:, None, :]).sum(-1) + math.log(0.5), 1)
    log_sampling = torch.distributions.Normal(0.0, 3.0).log_prob(u).sum(-1)
    weights = torch.exp(log_target - log_sampling)
    proposal = GaussianMixtureProposal(2, n_components=2, defensive=0.0)
    proposal.refit(u, weights, n_iter=50, generator=torch.Generator().manual_seed(1))
    order = proposal.means[:, 0].argsort()
    assert torch.allclose(proposal.means[order], true_means, atol=0.1)
    assert torch.allclose(proposal.variances[order], true_var, atol=0.08)
    assert torch.allclose(proposal.mix, torch.tensor([0.5, 0.5]), atol=0.05)
    # its density integrates like one: log q of its own samples against a known mixture
    x = proposal.sample(5000, generator=torch.Generator().manual_seed(2))
    log_truth = torch.logsumexp(comp.log_prob(x[:, None, :]).sum(-1) + math.log(0.5), 1)
    assert float((proposal.log_prob(x) - log_truth).mean()) == pytest.approx(0.0, abs=0.05)


def test_smoothing_moves_parameters_part_of_the_way():
    proposal = GaussianMixtureProposal(1, n_components=1, defensive=0.0)
    proposal.refit(torch.zeros(4, 1), torch.ones(4))
    proposal.refit(torch.full((4, 1), 10.0), torch.ones(4), smoothing=0.1)
    assert float(proposal.means) == pytest.approx(1.0)


def test_defensive_mixture_bounds_the_ratio():
    proposal = GaussianMixtureProposal(3, n_components=1, defensive=0.2)
    proposal.refit(torch.randn(64, 3) * 0.01 + 5.0, torch.ones(64))
    u = torch.randn(1000, 3)
    ratio = seqgan.ais.standard_normal_log_prob(u) - proposal.log_prob(u)
    assert float(ratio.max()) <= math.log(1 / 0.2) + 1e-5


@pytest.mark.parametrize("schedule", ["linear", "geometric", "sigmoid"])
def test_temperatures_run_from_zero_to_one(schedule):
    betas = temperatures(schedule, 20)
    assert betas.shape == (21,) and betas[0] == 0 and betas[-1] == 1
    assert (betas.diff() > 0).all()


def test_geometric_steps_are_small_near_the_prior():
    steps = temperatures("geometric", 20).diff()
    assert steps[1] < steps[-1] / 100


def test_codec_maps_normal_base_to_each_prior():
    codec = LatentCodec([(2, 3), (4,)], ("uniform", "symmetric"))
    assert codec.dim == 10
    a, b = codec.decode(torch.randn(50000, 10, generator=torch.Generator().manual_seed(0)))
    assert a.shape == (50000, 2, 3) and b.shape == (50000, 4)
    assert 0 < float(a.min()) and float(a.max()) < 1
    assert float(a.mean()) == pytest.approx(0.5, abs=0.01)
    assert float(b.var()) == pytest.approx(1 / 3, abs=0.01)  # U(-1, 1)


# ---------------------------------------------------------------- AIS log-likelihood
def linear_gaussian(n=20, seed=0):
    g = torch.Generator().manual_seed(seed)
    d, p, s2 = 3, 5, 0.1
    w, b = torch.randn(p, d, generator=g), torch.randn(p, generator=g)
    u = torch.randn(n, d, generator=g)
    x = u @ w.T + b + math.sqrt(s2) * torch.randn(n, p, generator=g)
    exact = torch.distributions.MultivariateNormal(b, w @ w.T + s2 * torch.eye(p)).log_prob(x)
    return w, b, s2, u, x, exact


def test_ais_matches_the_exact_likelihood_of_a_linear_gaussian_generator():
    w, b, s2, _, x, exact = linear_gaussian()
    chains = 16
    xr = x.repeat_interleave(chains, 0)

    def loglik(u):
        return (-0.5 * (xr - u @ w.T - b).pow(2).sum(-1) / s2
                - 0.5 * x.shape[1] * math.log(2 * math.pi * s2))

    result = anneal(loglik, torch.randn(len(xr), 3, generator=torch.Generator().manual_seed(1)),
                    schedule="sigmoid", n_temperatures=500, n_leapfrog=20, step_size=0.1,
                    generator=torch.Generator().manual_seed(2))
    estimate = log_mean_exp(result.log_weights.view(len(x), chains), 1)
    assert abs(float((estimate - exact).mean())) < 0.1  # no bias
    assert float((estimate - exact).abs().mean()) < 0.2  # and small errors per sequence
    assert 0.4 < result.acceptance < 0.95


def test_bdmc_gap_shrinks_with_more_temperatures():
    w, b, s2, u, x, _ = linear_gaussian(n=16, seed=3)
    chains = 8
    xr = x.repeat_interleave(chains, 0)

    def loglik(z):
        return (-0.5 * (xr - z @ w.T - b).pow(2).sum(-1) / s2
                - 0.5 * x.shape[1] * math.log(2 * math.pi * s2))

    gaps = []
    for n_temps in (10, 100, 500):
        fwd = anneal(loglik, torch.randn(len(xr), 3, generator=torch.Generator().manual_seed(4)),
                     schedule="sigmoid", n_temperatures=n_temps, n_leapfrog=5,
                     generator=torch.Generator().manual_seed(5))
        rev = anneal(loglik, u.repeat_interleave(chains, 0), schedule="sigmoid",
                     n_temperatures=n_temps, n_leapfrog=5, reverse=True,
                     generator=torch.Generator().manual_seed(6))
        lower = log_mean_exp(fwd.log_weights.view(len(x), chains), 1)
        upper = -log_mean_exp(rev.log_weights.view(len(x), chains), 1)
        gaps.append(float((upper - lower).mean()))
    assert gaps[0] > gaps[1] > gaps[2] >= -0.05
    assert gaps[0] > 1.0 and gaps[2] < 0.3


def test_model_log_likelihood_bdmc_and_sigma_choice(tiny_X):
    model = make("bigan", n_iter=5).fit(tiny_X)
    ll = ais_log_likelihood(model, tiny_X[:4], sigma2=0.05, n_temperatures=30, n_chains=2,
                            n_leapfrog=2, random_state=0)
    assert ll.values.shape == (4,) and np.isfinite(ll.values).all()
    again = ais_log_likelihood(model, tiny_X[:4], sigma2=0.05, n_temperatures=30, n_chains=2,
                               n_leapfrog=2, random_state=0)
    assert np.array_equal(ll.values, again.values)  # reproducible
    gap_few = bdmc(model, 6, sigma2=0.05, n_temperatures=5, n_chains=2, random_state=0).gap
    gap_many = bdmc(model, 6, sigma2=0.05, n_temperatures=100, n_chains=2,
                    random_state=0).gap
    assert gap_many < gap_few
    best, scores = choose_sigma2(model, tiny_X[:4], grid=(1e-4, 0.05, 10.0),
                                 n_temperatures=20, n_chains=2, n_leapfrog=2, random_state=0)
    assert best == max(scores, key=scores.get) and set(scores) == {1e-4, 0.05, 10.0}
    with pytest.raises(ValueError, match="sigma2"):
        ais_log_likelihood(model, tiny_X[:2], sigma2=0.0)


# ---------------------------------------------------------------- post-hoc samplers
def test_post_hoc_samplers_follow_the_discriminator(tiny_X):
    from seqgan.ais import discriminator_rejection_sample, latent_langevin_sample

    model = make("bigan", n_iter=10).fit(tiny_X)  # its pair discriminator sees z directly
    samples, acceptance = discriminator_rejection_sample(model, 20, burn_in=200,
                                                         batch_size=100, random_state=0)
    assert samples.shape == (20, *tiny_X.shape[1:]) and 0 < acceptance <= 1
    moved = latent_langevin_sample(model, 20, n_steps=20, step_size=0.05, random_state=0)
    still = latent_langevin_sample(model, 20, n_steps=0, random_state=0)
    assert moved.shape == still.shape == (20, *tiny_X.shape[1:])
    assert not np.allclose(moved, still)

    # both raise the mean logit of what they return, which is what they are for (the tiny
    # discriminator is made steep so that its logits vary over the latent space)
    last = [m for m in model.module_["discriminator"].modules()
            if isinstance(m, torch.nn.Linear)][-1]
    with torch.no_grad():
        last.weight.mul_(20.0)
    view = model.latent_view()

    def mean_logit(u):
        with torch.no_grad():
            return float(view.logits(u).mean())

    prior = torch.randn(300, view.dim, generator=torch.Generator().manual_seed(1))
    _, _, strict = discriminator_rejection_sample(model, 300, gamma_percentile=20, burn_in=500,
                                                  return_latent=True, random_state=1)
    _, langevin = latent_langevin_sample(model, 300, n_steps=50, step_size=0.05,
                                         return_latent=True, random_state=1)
    assert mean_logit(strict) > mean_logit(prior) + 0.1
    assert mean_logit(langevin) > mean_logit(prior) + 0.1


def test_likelihood_and_samplers_work_on_image_models():
    from seqgan import DCGAN
    from seqgan.ais import discriminator_rejection_sample, latent_langevin_sample
    from seqgan.datasets import load_dataset

    X = load_dataset("digits")[:64]
    g = DCGAN(latent_dim=3, base_channels=4, n_iter=3, batch_size=16, random_state=0,
              verbose=False).fit(X)
    ll = ais_log_likelihood(g, X[:4], sigma2=0.05, n_temperatures=10, n_chains=2,
                            random_state=0)
    assert ll.values.shape == (4,) and np.isfinite(ll.values).all()
    # 64 pixels: the Gaussian normaliser alone is -32 log(2 pi 0.05) ~ 37 nats per image
    assert ll.mean < 64 * -0.5 * np.log(2 * np.pi * 0.05) + 1e-6
    samples, acceptance = discriminator_rejection_sample(g, 5, burn_in=200, random_state=0)
    assert samples.shape == (5, 1, 8, 8) and 0 < acceptance <= 1
    assert latent_langevin_sample(g, 3, n_steps=3, random_state=0).shape == (3, 1, 8, 8)


def test_rejection_sampling_takes_one_label_at_a_time():
    from seqgan import CGAN
    from seqgan.ais import discriminator_rejection_sample
    from seqgan.datasets import load_dataset

    X, y = load_dataset("digits", return_labels=True)
    c = CGAN(latent_dim=2, base_channels=4, n_iter=1, batch_size=16, random_state=0,
             verbose=False).fit(X[:64], y[:64])
    samples, _ = discriminator_rejection_sample(c, 3, condition=7, burn_in=50, random_state=0)
    assert samples.shape == (3, 1, 8, 8)
    with pytest.raises(ValueError, match="single label"):
        discriminator_rejection_sample(c, 3, condition=[7, 7, 7], burn_in=50)
