"""Gradient penalties against direct autograd, masks, pair inputs, registry, clipping, SN."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from seqgan.losses import (
    R1,
    R2,
    GradientPenalty,
    Regularizer,
    WeightClipping,
    available_regularizers,
    build_regularizers,
    get_objective,
    get_regularizer,
    spectral_norm,
)


@pytest.fixture
def mlp():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 1))
    return lambda x: net(x).squeeze(-1), net


def direct_gradients(critic, *inputs):
    """Per-sample squared gradient norm, straight from autograd (the reference)."""
    leaves = [x.detach().clone().requires_grad_(True) for x in inputs]
    grads = torch.autograd.grad(critic(*leaves).sum(), leaves)
    return sum(g.pow(2).flatten(1).sum(1) for g in grads)


def close(a, b, tol=1e-5):
    return torch.allclose(torch.as_tensor(a), torch.as_tensor(b), atol=tol, rtol=tol)


# ------------------------------------------------------------------ against direct autograd
def test_gradient_penalty_of_a_linear_critic_is_its_weight_norm():
    critic = nn.Linear(3, 1)
    real, fake = torch.randn(6, 3), torch.randn(6, 3)
    penalty = GradientPenalty(weight=10.0).penalty(lambda x: critic(x).squeeze(-1), real, fake)
    norm = critic.weight.detach().norm()
    assert close(penalty, 10.0 * (norm - 1.0) ** 2)


def test_gradient_penalty_matches_autograd_on_interpolates(mlp):
    critic, _ = mlp
    real, fake = torch.randn(8, 3), torch.randn(8, 3)
    torch.manual_seed(1)
    penalty = GradientPenalty(weight=10.0).penalty(critic, real, fake)
    torch.manual_seed(1)
    eps = torch.rand(8)
    mixed = eps[:, None] * real + (1 - eps[:, None]) * fake
    expected = 10.0 * ((direct_gradients(critic, mixed).sqrt() - 1.0) ** 2).mean()
    assert close(penalty, expected)


def test_zero_centred_gradient_penalty(mlp):
    critic, _ = mlp
    real, fake = torch.randn(8, 3), torch.randn(8, 3)
    torch.manual_seed(2)
    penalty = GradientPenalty(weight=2.0, target=0.0).penalty(critic, real, fake)
    torch.manual_seed(2)
    eps = torch.rand(8)[:, None]
    assert close(penalty, 2.0 * direct_gradients(critic, eps * real + (1 - eps) * fake).mean())


def test_r1_and_r2_match_autograd(mlp):
    critic, _ = mlp
    real, fake = torch.randn(8, 3), torch.randn(8, 3)
    assert close(R1(gamma=4.0).penalty(critic, real, fake),
                 2.0 * direct_gradients(critic, real).mean())
    assert close(R2(gamma=4.0).penalty(critic, real, fake),
                 2.0 * direct_gradients(critic, fake).mean())
    assert close(R1(gamma=4.0).penalty(critic, real, None),
                 R1(gamma=4.0).penalty(critic, real, torch.randn(8, 3)))


def test_penalty_trains_the_critic_and_not_the_inputs(mlp):
    critic, net = mlp
    real = torch.randn(8, 3, requires_grad=True)
    fake = torch.randn(8, 3, requires_grad=True)
    for regularizer in (GradientPenalty(), R1(), R2()):
        net.zero_grad()
        regularizer.penalty(critic, real, fake).backward()
        weights = [net[0].weight, net[0].bias, net[2].weight]  # the last bias has no gradient
        assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in weights)
        assert real.grad is None and fake.grad is None


# ------------------------------------------------------------------ sequences and masks
class SequenceCritic(nn.Module):
    """A bidirectional LSTM scoring every step: padded values would reach valid steps."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(2, 4, batch_first=True, bidirectional=True)
        self.out = nn.Linear(8, 1)

    def forward(self, x):
        return self.out(self.rnn(x)[0]).squeeze(-1)  # (batch, seq_len)


LENGTHS = torch.tensor([6, 4, 3, 5])
MASK = (torch.arange(6)[None] < LENGTHS[:, None]).float()


@pytest.mark.parametrize("regularizer", [GradientPenalty(), R1(), R2()], ids=repr)
def test_padded_steps_do_not_change_the_penalty(regularizer):
    torch.manual_seed(0)
    critic = SequenceCritic()
    real = torch.randn(4, 6, 2) * MASK[..., None]
    fake = torch.randn(4, 6, 2) * MASK[..., None]
    garbage = 50.0 * torch.randn(4, 6, 2) * (1 - MASK[..., None])
    torch.manual_seed(3)
    clean = regularizer.penalty(critic, real, fake, mask=MASK)
    torch.manual_seed(3)
    dirty = regularizer.penalty(critic, real + garbage, fake - garbage, mask=MASK)
    assert close(clean, dirty)
    torch.manual_seed(3)
    unmasked = regularizer.penalty(critic, real + garbage, fake - garbage)
    assert not close(clean, unmasked)


def test_masked_r1_matches_autograd_of_the_per_sample_masked_mean():
    torch.manual_seed(0)
    critic = SequenceCritic()
    real = torch.randn(4, 6, 2) * MASK[..., None]

    def score(x):  # each sequence's mean logit over its valid steps
        return (critic(x * MASK[..., None]) * MASK).sum(1) / MASK.sum(1)

    assert close(R1(gamma=2.0).penalty(critic, real, None, mask=MASK),
                 direct_gradients(score, real).mean())


def test_per_sequence_logits_with_mask():
    torch.manual_seed(0)
    critic = SequenceCritic()
    last = lambda x: critic(x)[:, 0]  # noqa: E731 (batch,) logits
    real = torch.randn(4, 6, 2)
    value = R1().penalty(last, real, None, mask=MASK)
    assert value.dim() == 0 and torch.isfinite(value)


# ------------------------------------------------------------------ pair inputs (BiGAN)
class PairCritic(nn.Module):
    def __init__(self):
        super().__init__()
        self.x_in = nn.Linear(2, 3)
        self.z_in = nn.Linear(3, 3)
        self.out = nn.Linear(3, 1)

    def forward(self, x, z, label=None):
        h = torch.tanh(self.x_in(x).mean(1) + self.z_in(z))
        if label is not None:
            h = h + label.float()[:, None]
        return self.out(h).squeeze(-1)


def test_pair_inputs_differentiate_every_float_tensor():
    torch.manual_seed(0)
    critic = PairCritic()
    real = (torch.randn(5, 4, 2), torch.randn(5, 3))
    fake = (torch.randn(5, 4, 2), torch.randn(5, 3))
    assert close(R1(gamma=2.0).penalty(critic, real, fake), direct_gradients(critic, *real).mean())
    assert close(R2(gamma=2.0).penalty(critic, real, fake), direct_gradients(critic, *fake).mean())
    torch.manual_seed(4)
    gp = GradientPenalty().penalty(critic, real, fake)
    torch.manual_seed(4)
    eps = torch.rand(5)
    mixed = [eps.view(-1, *[1] * (r.dim() - 1)) * r + (1 - eps.view(-1, *[1] * (r.dim() - 1))) * f
             for r, f in zip(real, fake, strict=True)]
    expected = ((direct_gradients(critic, *mixed).sqrt() - 1) ** 2).mean() * 10
    assert close(gp, expected)


def test_pair_inputs_with_an_integer_tensor():
    torch.manual_seed(0)
    critic = PairCritic()
    label = torch.tensor([0, 1, 1, 0, 1])
    real = (torch.randn(5, 4, 2), torch.randn(5, 3), label)
    fake = (torch.randn(5, 4, 2), torch.randn(5, 3), label)
    for regularizer in (GradientPenalty(), R1(), R2()):
        assert torch.isfinite(regularizer.penalty(critic, real, fake))


def test_pair_inputs_with_a_sequence_mask():
    torch.manual_seed(0)
    critic = PairCritic()
    real = (torch.randn(4, 6, 2), torch.randn(4, 3))
    garbage = 50.0 * torch.randn(4, 6, 2) * (1 - MASK[..., None])
    a = R1().penalty(critic, real, None, mask=MASK)
    b = R1().penalty(critic, (real[0] + garbage, real[1]), None, mask=MASK)
    assert close(a, b)


# ------------------------------------------------------------------ errors
def test_critic_must_return_one_tensor():
    critic = SequenceCritic()
    with pytest.raises(TypeError, match=r"must return one logits tensor.*lambda x"):
        R1().penalty(lambda x: (critic(x), None), torch.randn(2, 6, 2), None)


def test_gradient_penalty_needs_matching_shapes():
    with pytest.raises(ValueError, match="same shapes"):
        GradientPenalty().penalty(nn.Linear(3, 1), torch.randn(4, 3), torch.randn(5, 3))


def test_inputs_need_a_batch_axis():
    with pytest.raises(TypeError, match="`real` must be a tensor"):
        R1().penalty(nn.Linear(3, 1), [1.0, 2.0], None)
    with pytest.raises(ValueError, match="batch on its first axis"):
        R1().penalty(nn.Linear(3, 1), (torch.randn(4, 3), torch.randn(5, 3)), None)


class _NotTwiceDifferentiable(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return 2 * x

    @staticmethod
    def backward(ctx, grad):
        out = torch.empty_like(grad)
        torch.mul(grad, 2, out=out)
        return out


def test_a_critic_without_double_backward_gets_a_clear_error():
    first, last = nn.Linear(3, 4), nn.Linear(4, 1)
    critic = lambda x: last(_NotTwiceDifferentiable.apply(first(x))).squeeze(-1)  # noqa: E731
    with pytest.raises(RuntimeError, match="differentiate the critic twice"):
        R1().penalty(critic, torch.randn(4, 3), None)


def test_invalid_weights():
    with pytest.raises(ValueError, match="'gamma' parameter of R1 must be a float in"):
        R1(gamma=-1.0)
    with pytest.raises(ValueError, match="'target' parameter of GradientPenalty"):
        GradientPenalty(target=-1.0)


# ------------------------------------------------------------------ registry
def test_registry():
    assert set(available_regularizers()) == {"gp", "r1", "r2"}
    assert isinstance(get_regularizer("gp"), GradientPenalty)
    assert get_regularizer("gp").weight == 10.0
    assert get_regularizer("r2", 0.5).gamma == 0.5
    assert all(isinstance(get_regularizer(n), Regularizer) for n in available_regularizers())


def test_unknown_regularizer_lists_valid_names():
    with pytest.raises(ValueError, match=r"Unknown regularizer 'r3'. Valid names: gp, r1, r2\."):
        get_regularizer("r3")
    with pytest.raises(ValueError, match="Valid names: gp, r1, r2"):
        build_regularizers({"R1": 1.0})


def test_build_regularizers():
    assert build_regularizers(None) == []
    built = build_regularizers({"r1": 1.0, "gp": 10.0})
    assert [type(r) for r in built] == [R1, GradientPenalty]
    assert [r.weight for r in built] == [1.0, 10.0]


def test_build_regularizers_merges_objective_defaults():
    wgan_gp = get_objective("wgan-gp")
    expected = "[GradientPenalty(weight=10.0, target=1.0)]"
    assert repr(build_regularizers(objective=wgan_gp)) == expected
    assert [r.weight for r in build_regularizers({"gp": 5.0}, objective=wgan_gp)] == [5.0]
    assert build_regularizers({"gp": 0}, objective=wgan_gp) == []
    assert build_regularizers(objective=get_objective("hinge")) == []
    own = GradientPenalty(weight=1.0, target=0.0)
    assert build_regularizers([own], objective=wgan_gp) == [own]


def test_build_regularizers_type_errors():
    with pytest.raises(TypeError, match=r"dict \{name: weight\}"):
        build_regularizers("gp")
    with pytest.raises(TypeError, match="Regularizer objects"):
        build_regularizers([1.0])


# ------------------------------------------------------------------ weight clipping
def test_weight_clipping():
    torch.manual_seed(0)
    critic = nn.Sequential(nn.Linear(3, 8), nn.LSTM(8, 4))
    with torch.no_grad():
        for p in critic.parameters():
            p.mul_(10)
    WeightClipping(0.05).apply(critic)
    assert all(p.abs().max() <= 0.05 for p in critic.parameters())
    assert any(p.abs().max() == 0.05 for p in critic.parameters())
    assert get_objective("wasserstein").weight_clip == 0.01
    with pytest.raises(ValueError, match="'clip' parameter of WeightClipping"):
        WeightClipping(0.0)


# ------------------------------------------------------------------ spectral normalisation
def top_singular_value(weight: torch.Tensor) -> float:
    return float(torch.linalg.matrix_norm(weight.detach().flatten(1), 2))


def test_spectral_norm_wraps_every_weight_and_bounds_it():
    torch.manual_seed(0)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv1d(2, 4, 3, padding=1)
            self.lstm = nn.LSTM(4, 5, num_layers=2, batch_first=True, bidirectional=True)
            self.gru = nn.GRU(10, 3, batch_first=True)
            self.cell = nn.LSTMCell(3, 3)
            self.out = nn.Linear(3, 1)

        def forward(self, x):
            h = self.conv(x.transpose(1, 2)).transpose(1, 2)
            h = self.gru(self.lstm(h)[0])[0]
            h = self.cell(h[:, -1])[0]
            return self.out(h).squeeze(-1)

    net = Net()
    with torch.no_grad():
        for name, p in net.named_parameters():
            if "weight" in name:
                p.mul_(5.0)  # far from norm 1 before normalisation
    spectral_norm(net)
    wrapped = {(type(m).__name__, name) for m in net.modules()
               if hasattr(m, "parametrizations") for name in m.parametrizations}
    expected_lstm = {f"weight_{k}_l{layer}{suffix}" for k in ("ih", "hh") for layer in (0, 1)
                     for suffix in ("", "_reverse")}
    assert {n for t, n in wrapped if "LSTM" in t and "Cell" not in t} == expected_lstm
    assert {n for t, n in wrapped if "GRU" in t} == {"weight_ih_l0", "weight_hh_l0"}
    assert {n for t, n in wrapped if "Cell" in t} == {"weight_ih", "weight_hh"}
    assert ("ParametrizedConv1d", "weight") in wrapped
    assert ("ParametrizedLinear", "weight") in wrapped

    net.train()
    x = torch.randn(4, 7, 2)
    for _ in range(20):
        net(x)
    for m in net.modules():
        for name in getattr(m, "parametrizations", {}):
            assert abs(top_singular_value(getattr(m, name)) - 1.0) < 0.05, (type(m), name)
    net(x).sum().backward()  # still trains
    assert all(p.grad is not None for p in net.parameters() if p.requires_grad)


def test_spectral_norm_is_idempotent_and_returns_the_module():
    net = nn.Sequential(nn.Linear(3, 3), nn.GRU(3, 3))
    assert spectral_norm(net) is net
    names = [n for n, _ in net.named_parameters()]
    spectral_norm(net)
    assert [n for n, _ in net.named_parameters()] == names


def test_spectral_norm_with_a_gradient_penalty():
    torch.manual_seed(0)
    critic = spectral_norm(SequenceCritic())
    penalty = GradientPenalty().penalty(critic, torch.randn(4, 6, 2), torch.randn(4, 6, 2),
                                        mask=MASK)
    penalty.backward()
    assert torch.isfinite(penalty)
