"""Objectives: a contract every objective passes, and golden values computed by hand."""

from __future__ import annotations

import math

import pytest
import torch

from seqgan.losses import (
    WGANGP,
    Hinge,
    LeastSquares,
    Minimax,
    NonSaturating,
    Objective,
    RpGAN,
    Wasserstein,
    available_losses,
    get_objective,
)


def softplus(t: float) -> float:
    """log(1 + e^t), by hand."""
    return math.log1p(math.exp(t))


def relu(t: float) -> float:
    return max(t, 0.0)


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def close(tensor: torch.Tensor, value: float) -> bool:
    return math.isclose(float(tensor), value, rel_tol=1e-6, abs_tol=1e-6)


# Logits where every objective's losses have a strictly signed gradient (the hinge is active,
# least squares are below their targets), for the gradient-direction checks.
REAL_LOW = torch.linspace(-0.9, 0.5, 6)
FAKE_HIGH = torch.linspace(0.1, 0.9, 6)

MASK = torch.tensor([[1.0, 1.0, 1.0, 1.0],
                     [1.0, 1.0, 0.0, 0.0],
                     [1.0, 1.0, 1.0, 0.0]])


class ObjectiveContract:
    """Checks every :class:`Objective` must pass. Subclass it and set ``objective``."""

    objective: Objective

    def d_loss(self, real, fake, mask=None, fake_mask=None):
        return self.objective.discriminator_loss(real, fake, mask, fake_mask)

    def g_loss(self, fake, real, mask=None, fake_mask=None):
        return self.objective.generator_loss(fake, real, mask=mask, fake_mask=fake_mask)

    def test_registered_by_name(self):
        assert self.objective.name in available_losses()
        assert type(get_objective(self.objective.name)) is type(self.objective)
        assert get_objective(self.objective) is self.objective
        assert repr(self.objective).startswith(type(self.objective).__name__ + "(")

    @pytest.mark.parametrize("shape", [(5,), (5, 4), (5, 4, 1)], ids=["seq", "step", "step1"])
    def test_scalar_and_finite(self, shape):
        real, fake = torch.randn(shape), torch.randn(shape)
        for loss in (self.d_loss(real, fake), self.g_loss(fake, real)):
            assert loss.dim() == 0
            assert torch.isfinite(loss)

    def test_finite_for_extreme_logits(self):
        real = torch.tensor([1e4, -1e4, 80.0, -80.0], requires_grad=True)
        fake = torch.tensor([-1e4, 1e4, -80.0, 80.0], requires_grad=True)
        loss = self.d_loss(real, fake) + self.g_loss(fake, real)
        loss.backward()
        assert torch.isfinite(loss)
        assert torch.isfinite(real.grad).all() and torch.isfinite(fake.grad).all()

    def test_batch_size_one(self):
        for shape in [(1,), (1, 3)]:
            real, fake = torch.randn(shape), torch.randn(shape)
            assert torch.isfinite(self.d_loss(real, fake))
            assert torch.isfinite(self.g_loss(fake, real))
        mask = torch.tensor([[1.0, 0.0, 0.0]])
        assert torch.isfinite(self.d_loss(torch.randn(1, 3), torch.randn(1, 3), mask))

    def test_generator_loss_decreases_when_fake_logits_increase(self):
        fake = REAL_LOW.clone().requires_grad_(True)
        self.g_loss(fake, FAKE_HIGH).backward()
        assert (fake.grad < 0).all()

    def test_discriminator_loss_rewards_separation(self):
        real = REAL_LOW.clone().requires_grad_(True)
        fake = FAKE_HIGH.clone().requires_grad_(True)
        self.d_loss(real, fake).backward()
        assert (real.grad < 0).all()  # higher real logits: lower loss
        assert (fake.grad > 0).all()  # lower fake logits: lower loss

    def test_mask_equals_loss_on_valid_steps(self):
        real, fake = torch.randn(3, 4), torch.randn(3, 4)
        valid = MASK.bool()
        assert close(self.d_loss(real, fake, MASK), float(self.d_loss(real[valid], fake[valid])))
        assert close(self.g_loss(fake, real, MASK), float(self.g_loss(fake[valid], real[valid])))

    def test_padded_steps_do_not_count(self):
        real, fake = torch.randn(3, 4), torch.randn(3, 4)
        noise = 100.0 * torch.randn(3, 4) * (1 - MASK)
        assert close(self.d_loss(real, fake, MASK), float(self.d_loss(real + noise, fake - noise,
                                                                      MASK)))
        assert close(self.g_loss(fake, real, MASK), float(self.g_loss(fake + noise, real, MASK)))

    def test_unmasked_per_step_is_the_mean_over_all_steps(self):
        real, fake = torch.randn(3, 4), torch.randn(3, 4)
        assert close(self.d_loss(real, fake), float(self.d_loss(real.flatten(), fake.flatten())))
        assert close(self.d_loss(real, fake, torch.ones(3, 4)), float(self.d_loss(real, fake)))

    def test_constant_per_step_logits_equal_per_sequence(self):
        real, fake = torch.randn(3), torch.randn(3)
        steps = (real[:, None].expand(3, 5), fake[:, None].expand(3, 5))
        assert close(self.d_loss(*steps), float(self.d_loss(real, fake)))
        assert close(self.g_loss(steps[1], steps[0]), float(self.g_loss(fake, real)))

    def test_trailing_unit_axis(self):
        real, fake = torch.randn(3, 4), torch.randn(3, 4)
        assert close(self.d_loss(real[..., None], fake[..., None], MASK),
                     float(self.d_loss(real, fake, MASK)))

    def test_fake_term_is_the_fake_part_of_the_discriminator_loss(self):
        fake_term = getattr(self.objective, "fake_term", None)
        if fake_term is None:
            pytest.skip("relativistic objective: no separate fake term")
        real, fake, other = torch.randn(3, 4), torch.randn(3, 4), torch.randn(3, 4)
        difference = self.d_loss(real, fake, MASK) - self.d_loss(real, other, MASK)
        assert close(difference, float(fake_term(fake, MASK) - fake_term(other, MASK)))

    def test_computes_only(self):
        real = torch.randn(4, requires_grad=True)
        fake = torch.randn(4, requires_grad=True)
        self.d_loss(real, fake)
        self.g_loss(fake, real)
        assert real.grad is None and fake.grad is None


REAL = torch.tensor([2.0, -1.0])
FAKE = torch.tensor([0.5, -3.0])


class TestNonSaturating(ObjectiveContract):
    objective = NonSaturating()

    def test_golden(self):
        d = mean([softplus(-2.0), softplus(1.0)]) + mean([softplus(0.5), softplus(-3.0)])
        assert close(self.d_loss(REAL, FAKE), d)
        assert close(self.g_loss(FAKE, REAL), mean([softplus(-0.5), softplus(3.0)]))

    def test_golden_masked_per_step(self):
        real = torch.tensor([[1.0, 2.0], [3.0, 9.0]])
        fake = torch.tensor([[0.0, -1.0], [2.0, 9.0]])
        mask = torch.tensor([[1.0, 1.0], [1.0, 0.0]])
        d = (mean([softplus(-1.0), softplus(-2.0), softplus(-3.0)])
             + mean([softplus(0.0), softplus(-1.0), softplus(2.0)]))
        assert close(self.d_loss(real, fake, mask), d)
        assert close(self.g_loss(fake, real, mask),
                     mean([softplus(0.0), softplus(1.0), softplus(-2.0)]))

    def test_fake_mask_differs_from_mask(self):
        real, fake = torch.tensor([[1.0, 5.0]]), torch.tensor([[2.0, 7.0]])
        d = self.d_loss(real, fake, torch.tensor([[1.0, 1.0]]), torch.tensor([[1.0, 0.0]]))
        assert close(d, mean([softplus(-1.0), softplus(-5.0)]) + softplus(2.0))


class TestMinimax(ObjectiveContract):
    objective = Minimax()

    def test_golden(self):
        assert close(self.g_loss(FAKE, REAL), -mean([softplus(0.5), softplus(-3.0)]))
        assert close(self.d_loss(REAL, FAKE), float(NonSaturating().discriminator_loss(REAL,
                                                                                       FAKE)))

    def test_saturates_when_the_discriminator_wins(self):
        fake = torch.tensor([-30.0], requires_grad=True)
        self.g_loss(fake, None).backward()
        assert 0 > float(fake.grad) > -1e-10  # the vanishing gradient it is known for


class TestWasserstein(ObjectiveContract):
    objective = Wasserstein()

    def test_golden(self):
        assert close(self.d_loss(REAL, FAKE), mean([0.5, -3.0]) - mean([2.0, -1.0]))
        assert close(self.g_loss(FAKE, REAL), -mean([0.5, -3.0]))

    def test_clipping_by_default(self):
        assert Wasserstein().weight_clip == 0.01
        assert Wasserstein(weight_clip=None).weight_clip is None
        assert Wasserstein().default_regularizers == {}

    def test_invalid_clip(self):
        with pytest.raises(ValueError, match="'weight_clip' parameter of Wasserstein"):
            Wasserstein(weight_clip=0.0)


class TestWGANGP(ObjectiveContract):
    objective = WGANGP()

    def test_same_losses_as_wasserstein(self):
        for a, b in [(self.d_loss(REAL, FAKE), Wasserstein().discriminator_loss(REAL, FAKE)),
                     (self.g_loss(FAKE, REAL), Wasserstein().generator_loss(FAKE, REAL))]:
            assert close(a, float(b))

    def test_carries_its_gradient_penalty(self):
        assert WGANGP().default_regularizers == {"gp": 10.0}
        assert WGANGP(gp_weight=5).default_regularizers == {"gp": 5.0}
        assert WGANGP().weight_clip is None

    def test_invalid_weight(self):
        with pytest.raises(ValueError, match=r"'gp_weight' parameter of WGANGP .*Got -1"):
            WGANGP(gp_weight=-1.0)


class TestHinge(ObjectiveContract):
    objective = Hinge()

    def test_golden(self):
        d = mean([relu(1 - 2.0), relu(1 + 1.0)]) + mean([relu(1 + 0.5), relu(1 - 3.0)])
        assert close(self.d_loss(REAL, FAKE), d)
        assert close(self.g_loss(FAKE, REAL), -mean([0.5, -3.0]))


class TestLeastSquares(ObjectiveContract):
    objective = LeastSquares()

    def test_golden(self):
        d = 0.5 * mean([(2.0 - 1) ** 2, (-1.0 - 1) ** 2]) + 0.5 * mean([0.5**2, (-3.0) ** 2])
        assert close(self.d_loss(REAL, FAKE), d)
        assert close(self.g_loss(FAKE, REAL), 0.5 * mean([(0.5 - 1) ** 2, (-3.0 - 1) ** 2]))

    def test_golden_other_coding(self):
        objective = LeastSquares(a=-1, b=1, c=0)
        d = 0.5 * mean([(2.0 - 1) ** 2, (-1.0 - 1) ** 2]) + 0.5 * mean([1.5**2, (-2.0) ** 2])
        assert close(objective.discriminator_loss(REAL, FAKE), d)
        assert close(objective.generator_loss(FAKE), 0.5 * mean([0.5**2, 3.0**2]))
        assert repr(objective) == "LeastSquares(a=-1.0, b=1.0, c=0.0)"

    def test_invalid_target(self):
        with pytest.raises(TypeError, match="'a' parameter of LeastSquares"):
            LeastSquares(a="0")


class TestRpGAN(ObjectiveContract):
    objective = RpGAN()

    def test_golden_pairs_real_i_with_fake_i(self):
        # pairs (2.0, 0.5) and (-1.0, -3.0)
        assert close(self.d_loss(REAL, FAKE), mean([softplus(0.5 - 2.0), softplus(-3.0 + 1.0)]))
        assert close(self.g_loss(FAKE, REAL), mean([softplus(2.0 - 0.5), softplus(-1.0 + 3.0)]))
        swapped = FAKE.flip(0)  # other pairs, other loss
        assert not close(self.d_loss(REAL, swapped), float(self.d_loss(REAL, FAKE)))

    def test_golden_per_step_pairs_with_both_masks(self):
        real = torch.tensor([[1.0, 2.0, 3.0]])
        fake = torch.tensor([[0.0, 4.0, -5.0]])
        mask = torch.tensor([[1.0, 1.0, 1.0]])
        fake_mask = torch.tensor([[1.0, 1.0, 0.0]])  # the last pair is not valid
        expected = mean([softplus(0.0 - 1.0), softplus(4.0 - 2.0)])
        assert close(self.d_loss(real, fake, mask, fake_mask), expected)
        assert close(self.g_loss(fake, real, fake_mask=fake_mask),
                     mean([softplus(1.0 - 0.0), softplus(2.0 - 4.0)]))

    def test_generator_loss_needs_real_logits(self):
        with pytest.raises(ValueError, match="`real_logits` is required"):
            self.objective.generator_loss(FAKE)

    def test_batches_must_pair(self):
        with pytest.raises(ValueError, match=r"same shape; got \(2,\) and \(3,\)"):
            self.d_loss(REAL, torch.zeros(3))
        with pytest.raises(ValueError, match="same shape"):
            self.g_loss(torch.zeros(2, 4), REAL)


def test_unknown_loss_lists_valid_names():
    with pytest.raises(ValueError, match=r"Unknown loss 'lsgan'. Valid names: hinge, "
                                         r"least-squares, minimax, non-saturating, rpgan, "
                                         r"wasserstein, wgan-gp\."):
        get_objective("lsgan")


def test_every_registered_objective_has_a_contract_test():
    tested = {cls.objective.name for cls in ObjectiveContract.__subclasses__()}
    assert tested == set(available_losses())


def test_available_losses_describe_each():
    for name, line in available_losses().items():
        assert line and not line.startswith(" "), name
