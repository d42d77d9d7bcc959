"""Context-FID (Jeha et al., PSA-GAN, ICLR 2022): the Fréchet distance between TS2Vec
representations of real and synthetic windows."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import linalg

from seqgan._validation import check_random_state, seed_from
from seqgan.metrics._input import as_pair, require_equal_length
from seqgan.metrics._ts2vec import TS2Vec


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray,
                     sigma2: np.ndarray) -> float:
    """``||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^{1/2})`` between two Gaussians."""
    diff = np.asarray(mu1) - np.asarray(mu2)
    covmean = linalg.sqrtm(sigma1 @ sigma2)
    if not np.isfinite(covmean).all():  # near-singular product: regularise, as FID code does
        eps = np.eye(len(sigma1)) * 1e-6
        covmean = linalg.sqrtm((sigma1 + eps) @ (sigma2 + eps))
    covmean = np.real(covmean)
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def context_fid(real: Any, synthetic: Any, *, encoder: TS2Vec | None = None,
                n_iters: int | None = None, output_dims: int = 320, hidden_dims: int = 64,
                depth: int = 10, random_state: Any = None, device: Any = "cpu",
                fast: bool = False) -> float:
    """Context-FID: FID between TS2Vec embeddings of real and synthetic windows (lower is
    better, 0 for identical sets of embeddings).

    A TS2Vec encoder (:class:`seqgan.metrics.TS2Vec`, the paper's architecture) is trained
    on the real windows, as in Diffusion-TS's code (batch 8, 600 iterations above 100,000
    values, else 200), unless a fitted ``encoder`` is given: pass the same encoder to compare
    several models fairly (values are only comparable with the same encoder). Each window is
    represented by the max over time of its encoding; the Fréchet distance compares the means
    and covariances of the two sets of representations. Not Inception-FID.

    ``fast=True`` uses a small encoder (hidden 16, output 32, depth 3, 50 iterations) for
    tests.
    """
    r, s = as_pair(real, synthetic)
    require_equal_length("context_fid", ("real", r), ("synthetic", s))
    if r.n_sequences < 2 or s.n_sequences < 2:
        raise ValueError("context_fid needs at least 2 sequences in each set.")
    if encoder is None:
        if fast:
            output_dims, hidden_dims, depth = 32, 16, 3
            n_iters = 50 if n_iters is None else n_iters
        encoder = TS2Vec(output_dims=output_dims, hidden_dims=hidden_dims, depth=depth,
                         n_iters=n_iters, device=device,
                         random_state=seed_from(check_random_state(random_state))).fit(r.values)
    er, es = encoder.encode(r.values), encoder.encode(s.values)
    return frechet_distance(er.mean(0), np.cov(er, rowvar=False), es.mean(0),
                            np.cov(es, rowvar=False))
