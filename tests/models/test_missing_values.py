"""Missing values in every sequence model: fit on NaN, complete or patterned samples, the
discriminator's view, save/load, the refusals; and R3GAN learning values and gaps on sines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import seqgan
import seqgan.models._missing as missing_values
from seqgan.models._missing import (
    interpolate_gaps,
    observe_fakes,
    observe_real,
    observed_profile,
    pattern_count_loss,
)

SEQUENCE_MODELS = [seqgan.R3GAN, seqgan.TimeGAN, seqgan.RCGAN, seqgan.CRNNGAN, seqgan.BiGAN]


def with_gaps(X: np.ndarray, rate: float = 0.3, features=(0,), seed: int = 0) -> np.ndarray:
    out = X.astype(np.float64)
    rng = np.random.default_rng(seed)
    for j in features:
        out[..., j][rng.random(X.shape[:2]) < rate] = np.nan
    return out


@pytest.mark.parametrize("cls", SEQUENCE_MODELS, ids=lambda c: c.__name__)
def test_fit_on_gaps_then_sample_complete_or_patterned(cls, tiny_X, tmp_path):
    X = with_gaps(tiny_X)
    model = cls(**cls.get_test_params()).fit(X)
    assert model.spec_.missing == (0,) and model.spec_.n_channels == 3
    assert "generator/pattern" in model.history_.columns  # the pattern-count term
    complete = model.sample(30, random_state=0)
    assert complete.shape == (30, 8, 2) and np.isfinite(complete).all()
    patterned = model.sample(30, random_state=0, missing="pattern")
    gaps = np.isnan(patterned)
    assert not gaps[..., 1].any()  # the complete feature never gets a gap
    np.testing.assert_array_equal(patterned[~gaps], complete[~gaps])  # same draw, gaps added
    again = seqgan.load(model.save(tmp_path / "m.seqgan"))
    np.testing.assert_array_equal(np.isnan(again.sample(30, random_state=0, missing="pattern")),
                                  gaps)
    parts = list(model.sample_iter(30, chunk_size=7, random_state=0, missing="pattern"))
    np.testing.assert_array_equal(np.concatenate(parts), patterned)


def test_long_frame_with_empty_cells_round_trip():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"id": np.repeat(np.arange(20), 6), "t": np.tile(np.arange(6), 20),
                          "hr": rng.normal(70, 5, 120), "temp": rng.normal(37, 0.3, 120)})
    frame.loc[rng.random(120) < 0.25, "hr"] = np.nan
    model = seqgan.R3GAN(**seqgan.R3GAN.get_test_params()).fit(frame, id_column="id",
                                                               time_column="t")
    out = model.sample(10, random_state=0, missing="pattern")
    assert list(out.columns) == ["id", "t", "hr", "temp"] and out["temp"].notna().all()
    assert model.sample(10, random_state=0)["hr"].notna().all()


def test_bad_missing_argument_and_private_models_are_refused(tiny_X):
    model = seqgan.CRNNGAN(**seqgan.CRNNGAN.get_test_params()).fit(with_gaps(tiny_X))
    with pytest.raises(ValueError, match="`missing` must be 'none' .* or 'pattern'"):
        model.sample(4, missing="zeros")
    pytest.importorskip("opacus")
    private = seqgan.CRNNGAN(**seqgan.CRNNGAN.get_test_params(),
                             privacy={"epsilon": 3.0, "delta": 1e-5, "bounds": (0, 20)})
    with pytest.raises(ValueError, match="cannot train with differential privacy.*missing "
                                         "values.*impute them"):
        private.fit(with_gaps(tiny_X))


def test_interpolation_of_gaps():
    x = torch.tensor([0.0, 2, 0, 0, 8, 0]).view(1, 6, 1)
    seen = torch.tensor([0.0, 1, 0, 0, 1, 0]).view(1, 6, 1)
    np.testing.assert_allclose(interpolate_gaps(x, seen).flatten(), [2, 2, 4, 6, 8, 8])
    assert (interpolate_gaps(x, torch.zeros_like(seen)) == 0).all()  # nothing observed


def test_the_discriminator_sees_fakes_through_real_and_own_patterns():
    torch.manual_seed(0)
    real = torch.rand(4, 5, 3)  # channels: value 0, value 1 (complete), observation of 0
    real[..., 2] = (torch.rand(4, 5) > 0.3).float()
    real[..., 0] *= real[..., 2]
    seen_real = observe_real(real, (0,))
    assert torch.equal(seen_real[..., 0][real[..., 2] > 0], real[..., 0][real[..., 2] > 0])
    fake = torch.rand(4, 5, 3, requires_grad=True)
    out = observe_fakes(fake, real, (0,))
    assert torch.equal(out[:2, :, 2], real[:2, :, 2])  # half through the real batch's pattern
    assert torch.equal(out[2:, :, 2], (fake[2:, :, 2] > 0.5).float())  # half through its own
    assert torch.equal(out[..., 1], fake[..., 1])
    out[..., 0].sum().backward()
    grad = fake.grad[..., 0]
    assert (grad[:2][real[:2, :, 2] > 0] > 0).all()  # observed values learn
    out = observe_fakes(fake, real, (0,))
    fake.grad = None
    out[2:, :, 2].sum().backward()
    assert (fake.grad[2:, :, 2] == 1).all()  # straight through to the gap probabilities


def test_r3gan_learns_values_and_bursty_gaps_on_sines():
    """Sines with 30% of a feature's steps removed in bursts (mean gap 4 steps): the
    completed samples keep the data's smoothness and marginal (zero-filled training would
    put 30% of the values at the bottom of the range), and the generated gaps have the data's
    rate and cluster in bursts."""
    from seqgan.datasets import load_dataset

    X = load_dataset("sines", n_samples=600, seq_len=24, n_features=2, random_state=0)
    rng = np.random.default_rng(1)
    gone = np.zeros(X.shape[:2], dtype=bool)
    gone[:, 0] = rng.random(len(X)) < 0.3
    for t in range(1, X.shape[1]):
        u = rng.random(len(X))
        gone[:, t] = np.where(gone[:, t - 1], u >= 0.25, u < 0.107)
    Xm = X.astype(np.float64)
    Xm[..., 0][gone] = np.nan
    model = seqgan.R3GAN(n_iter=500, channels=[16, 32], random_state=0, verbose=False,
                         device="cpu").fit(Xm)
    S = model.sample(600, random_state=0)
    low = np.quantile(X[..., 0], 0.05)
    assert (S[..., 0] < low).mean() < 0.15, (S[..., 0] < low).mean()
    rough = np.abs(np.diff(S[..., 0], axis=1)).mean() / np.abs(np.diff(X[..., 0], axis=1)).mean()
    assert 0.6 < rough < 1.5, rough
    P = np.isnan(model.sample(600, random_state=1, missing="pattern")[..., 0])
    assert abs(P.mean() - gone.mean()) < 0.1, (P.mean(), gone.mean())
    gap = P.sum() / max((P[:, 1:] & ~P[:, :-1]).sum() + P[:, 0].sum(), 1)
    assert gap > 2.0, gap  # bursts; independent gaps at this rate would average 1.4 steps


def test_observed_profile_counts_steps_within_each_length():
    observed = torch.tensor([[[1.0], [0.0], [1.0]], [[0.0], [1.0], [0.0]]])  # (2, 3, 1)
    mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]])  # the second is 2 steps long
    profile = observed_profile(observed, mask)
    assert torch.allclose(profile[:, 0], torch.tensor([0.5, 0.5, 1.0]))
    assert torch.allclose(observed_profile(observed, None)[:, 0], torch.tensor([0.5, 0.5, 0.5]))


def test_pattern_count_loss_is_zero_at_the_data_counts_and_moves_tied_gaps():
    """At each step, as many generated gaps as the data's rate implies: 0 when that holds
    with the margin; gaps tied to one step (all samples missing at step 0, none at step 1,
    against a flat rate) are spread by its gradient."""
    profile = torch.full((2, 1), 0.5)
    logits = torch.tensor([-2.0, -2.0, 2.0, 2.0]).view(4, 1, 1).repeat(1, 2, 1)
    assert pattern_count_loss(torch.sigmoid(logits), profile).item() == 0.0
    tied = torch.tensor([[-2.0, 2.0]]).repeat(4, 1).unsqueeze(-1)  # (4, 2, 1)
    tied = tied + 0.1 * torch.arange(4.0).view(4, 1, 1)  # distinct ranks
    tied.requires_grad_(True)
    optimizer = torch.optim.SGD([tied], lr=20.0)
    before = pattern_count_loss(torch.sigmoid(tied), profile).item()
    for _ in range(50):
        optimizer.zero_grad()
        pattern_count_loss(torch.sigmoid(tied), profile).backward()
        optimizer.step()
    assert before > 0.5
    missing = (tied.detach() < 0).float().mean(0).squeeze(-1)
    assert torch.equal(missing, torch.tensor([0.5, 0.5])), missing
    # padded steps count neither way
    mask = torch.tensor([[1.0, 1.0], [1.0, 1.0], [1.0, 0.0], [1.0, 0.0]])
    short = torch.tensor([[-2.0, -2.0], [2.0, 2.0], [-2.0, 9.0], [2.0, -9.0]]).unsqueeze(-1)
    profile = torch.tensor([[0.5], [0.5]])
    assert pattern_count_loss(torch.sigmoid(short), profile, mask).item() == 0.0


def test_pattern_count_term_is_in_the_generator_loss_only_with_gaps(monkeypatch, tiny_X):
    """The pattern-count term is in the generator's loss (history column
    'generator/pattern') when the data has gaps, and switched off by its weight."""
    X = with_gaps(tiny_X)
    model = seqgan.R3GAN(**seqgan.R3GAN.get_test_params()).fit(X)
    assert "generator/pattern" in model.history_.columns
    assert np.isfinite(model.history_["generator/pattern"]).all()
    monkeypatch.setattr(missing_values, "PATTERN_WEIGHT", 0.0)
    off = seqgan.R3GAN(**seqgan.R3GAN.get_test_params()).fit(X)
    assert "generator/pattern" not in off.history_.columns
    complete = seqgan.R3GAN(**seqgan.R3GAN.get_test_params()).fit(tiny_X)
    assert "generator/pattern" not in complete.history_.columns
