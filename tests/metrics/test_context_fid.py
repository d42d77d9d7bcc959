"""Context-FID: the Fréchet distance, the TS2Vec loss and encoder, the whole metric."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seqgan.datasets import load_dataset
from seqgan.metrics import TS2Vec, context_fid, frechet_distance, hierarchical_contrastive_loss


def test_frechet_distance_of_diagonal_gaussians():
    mu1, mu2 = np.array([0.0, 1.0]), np.array([1.0, 3.0])
    s1, s2 = np.diag([1.0, 4.0]), np.diag([9.0, 1.0])
    # closed form for diagonal covariances: sum (sqrt(a) - sqrt(b))^2
    expected = 1 + 4 + (1 - 3) ** 2 + (2 - 1) ** 2
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected)
    assert frechet_distance(mu1, s1, mu1, s1) == pytest.approx(0.0, abs=1e-9)


def test_contrastive_loss_prefers_matching_views():
    torch.manual_seed(0)
    z = torch.randn(4, 8, 16)
    same = hierarchical_contrastive_loss(z, z + 0.01 * torch.randn_like(z))
    other = hierarchical_contrastive_loss(z, torch.randn(4, 8, 16))
    assert torch.isfinite(same) and same < other


@pytest.fixture(scope="module")
def sines():
    a = load_dataset("sines", n_samples=200, seq_len=16, n_features=3, random_state=0)
    b = load_dataset("sines", n_samples=200, seq_len=16, n_features=3, random_state=1)
    return a, b


def test_context_fid_separates_noise_and_is_reproducible(sines):
    a, b = sines
    noise = np.random.default_rng(0).uniform(size=a.shape)
    close = context_fid(a, b, fast=True, random_state=0)
    far = context_fid(a, noise, fast=True, random_state=0)
    assert 0 <= close < far
    assert context_fid(a, b, fast=True, random_state=0) == close


def test_a_shared_encoder_compares_models(sines):
    a, b = sines
    encoder = TS2Vec(output_dims=16, hidden_dims=8, depth=2, n_iters=20, random_state=0).fit(a)
    assert encoder.encode(a).shape == (200, 16)
    shifted = context_fid(a, b + 0.2, encoder=encoder)
    assert context_fid(a, b, encoder=encoder) < shifted
    with pytest.raises(ValueError, match="shape"):
        encoder.encode(a[..., :2])


def test_bad_input(sines):
    a, _ = sines
    with pytest.raises(ValueError, match="same number of features"):
        context_fid(a, a[..., :2], fast=True)
    with pytest.raises(ValueError, match="at least 2 sequences"):
        context_fid(a[:1], a[:1], fast=True)
