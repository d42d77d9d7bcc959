from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from seqgan.losses import R1, R2
from seqgan.nn._temporal_conv import (
    Resample1d,
    ResidualBlock1d,
    SeriesView,
    TemporalConvDiscriminator,
    TemporalConvGenerator,
    TemporalMix,
    minibatch_std,
)

SMALL = {"channels": (8, 16, 16), "n_blocks": 1, "expansion": 2}  # resampling factor 4


def _generator(**kwargs) -> TemporalConvGenerator:
    torch.manual_seed(0)
    return TemporalConvGenerator(3, noise_dim=4, **{"global_noise_dim": 0, **SMALL, **kwargs})


def _discriminator(**kwargs) -> TemporalConvDiscriminator:
    torch.manual_seed(0)
    return TemporalConvDiscriminator(3, **{**SMALL, **kwargs})


def _perturb(module: torch.nn.Module) -> None:
    """Give the zero-initialised last layers of the residual branches non-zero weights."""
    with torch.no_grad():
        for name, param in module.named_parameters():
            if ".project." in name:
                param.normal_(0.0, 0.3)


@pytest.mark.parametrize("seq_len", [1, 2, 7, 8, 13, 24, 33])  # 7, 13, 33: not multiples of 4
def test_generator_any_length(seq_len):
    generator = _generator(global_noise_dim=2, condition_dim=3, static_dim=2)
    out = generator(torch.randn(5, seq_len, 4), torch.randn(5, 2), torch.eye(3)[[0, 1, 2, 0, 1]],
                    torch.randn(5, 2))
    assert out.shape == (5, seq_len, 3)
    assert torch.isfinite(out).all() and (out > 0).all() and (out < 1).all()
    assert generator.padded_length(seq_len) % 4 == 0


def test_generator_linear_output_and_no_extras():
    generator = _generator(output_activation="linear", channels=16)  # one stage, no resampling
    out = generator(torch.randn(2, 5, 4))
    assert out.shape == (2, 5, 3)
    assert generator.factor == 1


def test_generator_uses_every_input():
    generator = _generator(global_noise_dim=2, condition_dim=3)
    _perturb(generator)
    noise, global_noise = torch.randn(4, 40, 4), torch.randn(4, 2)
    condition = torch.eye(3)[[0, 1, 2, 0]]
    base = generator(noise, global_noise, condition)
    assert not torch.allclose(base, generator(noise, global_noise, condition.roll(1, 0)))
    assert not torch.allclose(base, generator(noise, -global_noise, condition))
    changed = noise.clone()
    changed[:, 3] += 1.0  # one step of the noise changes nearby outputs only
    delta = (generator(changed, global_noise, condition) - base).abs().amax((0, 2))
    assert delta[3] > 0 and (delta[30:] == 0).all()


@pytest.mark.parametrize("n_positional", [0, 6])
def test_step_features_tell_the_steps_apart(n_positional):
    generator = _generator(n_positional=n_positional)
    _perturb(generator)
    out = generator(torch.zeros(2, 16, 4))  # the same input at every step
    varies = (out - out[:, :1]).abs().amax() > 1e-4
    assert bool(varies) == bool(n_positional)  # replicated edges: no other clue to position
    longer = generator(torch.zeros(2, 40, 4))  # features of a step do not depend on T
    torch.testing.assert_close(longer[:, :3], out[:, :3])  # beyond the reach of the end


def test_generator_rejects_missing_condition():
    generator = _generator(condition_dim=3)
    with pytest.raises(ValueError, match=r"`condition` must have shape \(batch, 3\)"):
        generator(torch.randn(2, 8, 4))


@pytest.mark.parametrize("seq_len", [1, 3, 8, 13, 24])
@pytest.mark.parametrize("minibatch_std_group", [0, 2])
def test_discriminator_shapes(seq_len, minibatch_std_group):
    discriminator = _discriminator(condition_dim=2, minibatch_std_group=minibatch_std_group)
    logits = discriminator(torch.rand(4, seq_len, 3), torch.eye(2)[[0, 1, 1, 0]])
    assert logits.shape == (4,) and torch.isfinite(logits).all()


@pytest.mark.parametrize("differences", [True, False])
@pytest.mark.parametrize("minibatch_std_group", [0, 2])
@pytest.mark.parametrize("max_pool", [False, True])
def test_padded_steps_do_not_reach_the_logits(differences, minibatch_std_group, max_pool):
    discriminator = _discriminator(differences=differences, max_pool=max_pool,
                                   minibatch_std_group=minibatch_std_group)
    _perturb(discriminator)
    x = torch.rand(4, 15, 3)
    lengths = torch.tensor([15, 9, 6, 1])
    mask = (torch.arange(15) < lengths[:, None]).float()
    logits = discriminator(x, mask=mask)
    garbage = torch.where(mask.bool()[..., None], x, torch.randn_like(x) * 100)
    torch.testing.assert_close(discriminator(garbage, mask=mask), logits)


@pytest.mark.parametrize("length", [5, 8, 11])
def test_masked_logit_equals_unpadded_logit(length):
    discriminator = _discriminator(minibatch_std_group=2, max_pool=True)
    _perturb(discriminator)
    x = torch.rand(4, 20, 3)
    mask = torch.zeros(4, 20)
    mask[:, :length] = 1
    torch.testing.assert_close(discriminator(x, mask=mask), discriminator(x[:, :length]),
                               atol=1e-5, rtol=1e-5)


def test_discriminator_sees_differences_and_condition():
    discriminator = _discriminator(condition_dim=2)
    _perturb(discriminator)
    x = torch.rand(3, 8, 3)
    one, other = torch.eye(2)[[0, 0, 0]], torch.eye(2)[[1, 1, 1]]
    assert not torch.allclose(discriminator(x, one), discriminator(x, other))
    with pytest.raises(ValueError, match="`condition` must have shape"):
        discriminator(x)


def test_fresh_residual_block_is_the_identity():
    torch.manual_seed(0)
    block = ResidualBlock1d(8, expansion=3, groups=4, kernel_size=5, n_blocks=6)
    h = torch.randn(2, 10, 8)
    torch.testing.assert_close(block(h), h)
    assert (block.project.weight == 0).all() and (block.project.bias == 0).all()
    fan_in = block.expand.weight.shape[1]  # He init scaled by n_blocks ** (-1/4)
    expected = (2 / 1.04) ** 0.5 / fan_in ** 0.5 * 6 ** -0.25
    assert abs(block.expand.weight.std().item() / expected - 1) < 0.15


def test_fresh_networks_are_chains_of_identities():
    generator, discriminator = _generator(), _discriminator()
    for module in (generator, discriminator):
        for stage in module.stages:
            h = torch.randn(2, 6, stage.blocks[0].expand.in_features)
            torch.testing.assert_close(stage(h), h)


def test_groups_fall_back_to_a_divisor():
    block = ResidualBlock1d(6, expansion=2, groups=8)  # 12 hidden channels
    assert block.mix.groups == 4
    assert ResidualBlock1d(6).mix.groups == 12  # default: depthwise


@pytest.mark.parametrize("groups", [None, 1, 3])
@pytest.mark.parametrize("padding_mode", ["zeros", "replicate"])
def test_temporal_mix_is_a_same_padded_conv1d(groups, padding_mode):
    torch.manual_seed(0)
    mix = TemporalMix(6, kernel_size=5, groups=groups, padding_mode=padding_mode).double()
    torch.nn.init.normal_(mix.weight)
    torch.nn.init.normal_(mix.bias)
    h = torch.randn(2, 9, 6, dtype=torch.float64)
    expected = F.conv1d(F.pad(h.transpose(1, 2), (2, 2), mode=(
        "constant" if padding_mode == "zeros" else "replicate")), mix.weight, mix.bias,
        groups=mix.groups).transpose(1, 2)
    torch.testing.assert_close(mix(h), expected)


def test_gradients_reach_every_parameter():
    generator, discriminator = _generator(global_noise_dim=2), _discriminator(
        minibatch_std_group=2)
    fake = generator(torch.randn(4, 10, 4), torch.randn(4, 2))
    discriminator(fake).sum().backward()
    # at initialisation the branch output layers are zero, so only they (of each branch) learn
    for module in (generator, discriminator):
        for name, param in module.named_parameters():
            assert param.grad is not None, name
            if ".expand." not in name and ".mix." not in name:
                assert param.grad.abs().sum() > 0, name
    generator.zero_grad()
    discriminator.zero_grad()
    _perturb(generator)
    _perturb(discriminator)
    discriminator(generator(torch.randn(4, 10, 4), torch.randn(4, 2))).sum().backward()
    for module in (generator, discriminator):
        for name, param in module.named_parameters():
            assert param.grad.abs().sum() > 0, name


def test_zero_centred_penalties_differentiate_twice():
    discriminator = _discriminator()
    _perturb(discriminator)
    real, fake = torch.rand(4, 9, 3), torch.rand(4, 9, 3)
    mask = torch.ones(4, 9)
    mask[1, 6:] = 0
    penalty = R1(1.0).penalty(discriminator, real, fake, mask=mask) + R2(1.0).penalty(
        lambda x: discriminator(x, mask=mask), real, fake)
    assert torch.isfinite(penalty) and penalty > 0
    penalty.backward()  # through the input gradient: every weight (biases of a piecewise-linear
    for name, param in discriminator.named_parameters():  # network do not move it)
        if name.endswith("weight"):
            assert param.grad is not None and param.grad.abs().sum() > 0, name


def test_same_seed_same_networks():
    first, second = _generator(), _generator()
    for a, b in zip(first.state_dict().values(), second.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    torch.manual_seed(1)
    third = TemporalConvGenerator(3, noise_dim=4, **SMALL)
    assert not torch.equal(first.out.weight, third.out.weight)


@pytest.mark.parametrize("taps", [(1, 3, 3, 1), (1, 1), (1, 2, 3, 3, 2, 1)])
@pytest.mark.parametrize("steps", [2, 5, 8])
def test_resampling_matches_the_filter(taps, steps):
    x = torch.randn(2, steps, 3, dtype=torch.float64)
    up, down = Resample1d("up", taps), Resample1d("down", taps)
    flat = x.transpose(1, 2).reshape(6, 1, steps)
    up_taps = torch.tensor(up.taps, dtype=torch.float64).view(1, 1, -1)
    expected_up = F.conv_transpose1d(flat, up_taps, stride=2, padding=up.padding)
    torch.testing.assert_close(up(x), expected_up.reshape(2, 3, -1).transpose(1, 2))
    padded = F.pad(flat, (down.padding, down.padding))
    if padded.shape[-1] >= len(taps):
        down_taps = torch.tensor(down.taps, dtype=torch.float64).view(1, 1, -1)
        expected_down = F.conv1d(padded, down_taps, stride=2)[..., : steps // 2]
        torch.testing.assert_close(down(x), expected_down.reshape(2, 3, -1).transpose(1, 2))
    assert up(x).shape[1] == 2 * steps and down(x).shape[1] == steps // 2


@pytest.mark.parametrize("direction", ["up", "down"])
def test_replicate_padding_is_zero_padding_of_the_extended_series(direction):
    x = torch.randn(2, 6, 3, dtype=torch.float64)
    extended = torch.cat([x[:, :1].repeat(1, 4, 1), x, x[:, -1:].repeat(1, 4, 1)], 1)
    zeros = Resample1d(direction)(extended)
    crop = 8 if direction == "up" else 2
    torch.testing.assert_close(Resample1d(direction, padding_mode="replicate")(x),
                               zeros[:, crop:-crop])


def test_resampling_keeps_constants_away_from_the_borders():
    ones = torch.ones(1, 12, 2)
    assert torch.allclose(Resample1d("up")(ones)[:, 1:-1], torch.ones(1, 22, 2))
    assert torch.allclose(Resample1d("down")(ones)[:, 1:-1], torch.ones(1, 4, 2))
    for direction in ("up", "down"):  # replicate padding keeps them everywhere
        out = Resample1d(direction, padding_mode="replicate")(ones)
        assert torch.allclose(out, torch.ones_like(out))
    with pytest.raises(ValueError, match="even number"):
        Resample1d("down", (1, 2, 1))


def test_minibatch_std():
    same = torch.randn(1, 5, 3).repeat(4, 1, 1)
    assert minibatch_std(same).abs().max() < 1e-3
    varied = torch.randn(4, 5, 3)
    stat = minibatch_std(varied, group_size=2)
    assert stat.shape == (4, 1) and torch.equal(stat[0], stat[2])
    assert minibatch_std(varied, group_size=3).unique().numel() == 1  # 4 % 3: one group


def test_invalid_arguments():
    with pytest.raises(ValueError, match="`channels`"):
        TemporalConvGenerator(3, channels=())
    with pytest.raises(ValueError, match="`n_blocks`"):
        TemporalConvDiscriminator(3, channels=(8, 16), n_blocks=(1, 2, 3))
    with pytest.raises(ValueError, match="`output_activation`"):
        TemporalConvGenerator(3, output_activation="tanh")
    with pytest.raises(ValueError, match="`kernel_size`"):
        ResidualBlock1d(4, kernel_size=2)
    with pytest.raises(ValueError, match="`padding_mode`"):
        Resample1d("up", padding_mode="reflect")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_runs_on_cuda():
    generator, discriminator = _generator().cuda(), _discriminator().cuda()
    fake = generator(torch.randn(2, 9, 4, device="cuda"))
    assert discriminator(fake, mask=torch.ones(2, 9, device="cuda")).device.type == "cuda"


# ---------------------------------------------------------------------------- SeriesView
def _correlated_series(n: int = 400, steps: int = 12) -> torch.Tensor:
    """Three channels: a random walk, a noisy copy of it, and a constant channel per series."""
    g = torch.Generator().manual_seed(0)
    walk = torch.randn(n, steps, generator=g).cumsum(1) * 0.01 + torch.rand(n, 1, generator=g)
    near = walk + 0.05 * torch.randn(n, steps, generator=g)
    slow = 5.0 + 0.1 * torch.randn(n, 1, generator=g).expand(n, steps)
    return torch.stack([walk, near, slow], 2)


@pytest.mark.parametrize("mode", ["standardised", "whitened"])
def test_series_view_normalises_values_and_differences(mode):
    x = _correlated_series()
    view = SeriesView(3, mode=mode, differences=1)
    view.set_statistics(x)
    out = view(x)
    assert out.shape == (400, 12, 6)
    level, diff = out[..., :3].reshape(-1, 3), out[:, 1:, 3:].reshape(-1, 3)
    torch.testing.assert_close(level.mean(0), torch.zeros(3), atol=1e-4, rtol=0)
    # second moments (the view centres values, not differences); the slow channel's
    # differences are all 0: the floor keeps them 0, not inf
    for part, active in ((level, [0, 1, 2]), (diff, [0, 1])):
        moments = (part.T @ part / len(part))[active][:, active]
        if mode == "standardised":  # unit variance per channel, correlations kept
            torch.testing.assert_close(moments.diagonal(), torch.ones(len(active)), atol=2e-3,
                                       rtol=0)
        else:
            torch.testing.assert_close(moments, torch.eye(len(active)), atol=2e-2, rtol=0)
    assert not diff[:, 2].any()
    if mode == "standardised":  # the copy's levels correlate with the walk's as in the data
        assert float(torch.corrcoef(level[:, :2].T)[0, 1]) > 0.95


def test_series_view_raw_is_the_series_and_its_differences():
    x = _correlated_series(20)
    view = SeriesView(3, mode="raw")
    view.set_statistics(x)
    out = view(x)
    torch.testing.assert_close(out[..., :3], x)
    torch.testing.assert_close(out[:, 1:, 3:], x[:, 1:] - x[:, :-1])
    assert not out[:, 0, 3:].any()
    assert SeriesView(3, differences=0, mode="raw")(x).shape == (20, 12, 3)
    second = SeriesView(3, differences=2, mode="raw")(x)
    torch.testing.assert_close(second[:, 2:, 6:], x[:, 2:] - 2 * x[:, 1:-1] + x[:, :-2])
    assert not second[:, :2, 6:].any()


def test_series_view_masks_padding_and_ignores_it_in_its_statistics():
    x = _correlated_series(50)
    mask = torch.ones(50, 12)
    mask[::2, 7:] = 0
    garbage = torch.where(mask.bool()[..., None], x, torch.full_like(x, 1e6))
    clean = SeriesView(3)
    clean.set_statistics(x[1::2])  # the full-length half ...
    padded = SeriesView(3)
    padded.set_statistics(garbage, mask)  # ... and all, padding set to 1e6 and masked out
    out = padded(garbage, mask)
    assert not out[::2, 7:].any()  # padded steps, and the difference into them, are 0
    second = SeriesView(3, differences=2)
    second.set_statistics(garbage, mask)
    assert not second(garbage, mask)[::2, 7:].any() and torch.isfinite(second.maps).all()
    assert torch.isfinite(out).all() and float(out.abs().max()) < 50
    # the padding did not reach the statistics: close to those of the unpadded half
    torch.testing.assert_close(padded.center, clean.center, atol=0.05, rtol=0.05)


def test_series_view_of_constant_data_is_finite():
    view = SeriesView(2)
    view.set_statistics(torch.ones(5, 4, 2))
    out = view(torch.ones(3, 4, 2))
    assert torch.isfinite(out).all() and not out.any()


@pytest.mark.parametrize("mode", ["standardised", "whitened"])
def test_series_view_leaves_out_a_channel_that_never_varies(mode):
    """A constant feature or a copy (0 in the encoded data) is decoded without the network:
    the view must not amplify what the generator puts there (it used to, about 1,000-fold)."""
    x = _correlated_series()
    x[..., 2] = 0.0
    view = SeriesView(3, mode=mode, differences=1)
    view.set_statistics(x)
    assert not view.maps[:, 2].any() and not view.maps[:, :, 2].any()
    fake = x.clone()
    fake[..., 2] = torch.randn(fake.shape[:2])
    torch.testing.assert_close(view(fake), view(x))
    assert view(x)[..., [0, 1, 3, 4]].std() > 0.5


def test_series_view_rejects_an_unknown_mode_or_order():
    with pytest.raises(ValueError, match="standardised"):
        SeriesView(2, mode="zca")
    with pytest.raises(ValueError, match="0, 1 or 2"):
        SeriesView(2, differences=3)


def test_second_differences_are_standardised_too():
    x = _correlated_series()
    view = SeriesView(3, differences=2)
    view.set_statistics(x)
    second = view(x)[:, 2:, 6:8].reshape(-1, 2)
    torch.testing.assert_close(second.pow(2).mean(0), torch.ones(2), atol=2e-3, rtol=0)
