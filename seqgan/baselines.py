"""Classical, non-GAN generators to compare GANs with.

:class:`VARBaseline` is a vector autoregression fitted to the training sequences and simulated
with Gaussian innovations: if a GAN does not beat it, the GAN is not worth its cost.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from seqgan._validation import check_int, check_random_state

logger = logging.getLogger(__name__)


def _lagged(X: np.ndarray, order: int, start: int) -> tuple[np.ndarray, np.ndarray]:
    """Regressors ``[1, x_{t-1}, ..., x_{t-order}]`` and targets ``x_t`` for ``t >= start``,
    pooled over sequences. X (n, T, d) -> (rows, 1 + d * order), (rows, d)."""
    _, T, d = X.shape
    targets = X[:, start:].reshape(-1, d)
    lags = [X[:, start - i : T - i].reshape(-1, d) for i in range(1, order + 1)]
    return np.hstack([np.ones((len(targets), 1)), *lags]), targets


class VARBaseline:
    """Vector autoregression VAR(p), fitted by least squares pooled over all training
    sequences, simulated with Gaussian innovations.

    ``x_t = c + A_1 x_{t-1} + ... + A_p x_{t-p} + e_t``, ``e_t ~ N(0, Sigma)``. The coefficients
    are the ordinary least-squares estimates over every step ``t >= p`` of every sequence (for
    a single sequence this is exactly statsmodels' ``VAR(X).fit(p)``, which the tests check);
    ``Sigma`` is the residual covariance with statsmodels' degrees-of-freedom correction. The
    order is chosen by BIC over ``1..max_order`` when ``order`` is None. A sample starts from
    the first ``p`` steps of a randomly chosen training sequence and is simulated forward.

    Why not statsmodels' ``VAR`` itself (measured for issue 23, 2-core CPU, best of 3): it fits
    one series, and the training data are many short independent windows. Concatenated into
    one series they gain a false transition at every window boundary: the VAR(2) coefficients
    then differ from the pooled fit by up to 0.95 on sines (10,000 x 24 x 5) and 0.34 on the
    overlapping stocks windows (3661 x 24 x 6), where ``select_order`` even fails on a singular
    covariance. The pooled fit is also faster: 0.49 s against 1.38 s (sines), 0.04 s against
    0.20 s (stocks), BIC order selection 1.8 s against 5.5 s (sines).

    Parameters
    ----------
    order : int or None
        Lag order ``p``; None selects it by BIC.
    max_order : int
        Largest order tried by BIC (at most ``seq_len - 2``).
    random_state : int, numpy Generator or None
        Default seed of :meth:`sample`.

    Attributes
    ----------
    order_ : int
    intercept_ : ndarray (d,)
    coefs_ : ndarray (p, d, d)
        ``coefs_[i]`` is ``A_{i+1}``.
    sigma_ : ndarray (d, d)

    Examples
    --------
    >>> from seqgan.baselines import VARBaseline
    >>> from seqgan.datasets import load_dataset
    >>> X = load_dataset("sines", n_samples=200, seq_len=24, n_features=3, random_state=0)
    >>> VARBaseline(random_state=0).fit(X).sample(5).shape
    (5, 24, 3)
    """

    def __init__(self, *, order: int | None = None, max_order: int = 4,
                 random_state: Any = None) -> None:
        self.order = order
        self.max_order = max_order
        self.random_state = random_state

    def fit(self, X: Any, y: Any = None) -> VARBaseline:
        """Fit on sequences X (n, seq_len, d) of one length; returns self."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 3:
            raise ValueError("VARBaseline needs X of shape (n_sequences, seq_len, n_features); "
                             f"got shape {X.shape}.")
        if not np.isfinite(X).all():
            raise ValueError("X contains NaN or infinite values; clean or impute them first.")
        n, T, d = X.shape
        max_order = check_int("max_order", self.max_order, low=1, owner="VARBaseline")
        if self.order is not None:
            candidates = [check_int("order", self.order, low=1, high=T - 2,
                                    owner="VARBaseline")]
        else:
            candidates = list(range(1, min(max_order, T - 2) + 1))
            if not candidates:
                raise ValueError(f"Sequences of {T} steps are too short for a VAR; need >= 3.")
        start = max(candidates)
        best = None
        for p in candidates:
            # every order is compared on the same rows (t >= the largest order), as
            # statsmodels' select_order does
            Z, Y = _lagged(X, p, start)
            B, *_ = np.linalg.lstsq(Z, Y, rcond=None)
            resid = Y - Z @ B
            rows = len(Y)
            sigma_ml = resid.T @ resid / rows
            _, logdet = np.linalg.slogdet(sigma_ml + 1e-12 * np.eye(d))
            bic = logdet + np.log(rows) / rows * (d * d * p + d)
            if best is None or bic < best[0]:
                best = (bic, p)
        p = best[1]
        Z, Y = _lagged(X, p, p)
        B, *_ = np.linalg.lstsq(Z, Y, rcond=None)
        resid = Y - Z @ B
        self.order_ = p
        self.intercept_ = B[0]
        self.coefs_ = B[1:].reshape(p, d, d).transpose(0, 2, 1)
        self.sigma_ = resid.T @ resid / max(len(Y) - Z.shape[1], 1)
        self.seq_len_, self.n_features_in_ = T, d
        self._starts = X[:, :p].copy()
        logger.info("VAR(%d) fitted on %d sequences.", p, n)
        return self

    def sample(self, n: int, *, seq_len: int | None = None, random_state: Any = None
               ) -> np.ndarray:
        """Simulate ``n`` sequences (n, seq_len, d)."""
        if not hasattr(self, "coefs_"):
            from sklearn.exceptions import NotFittedError
            raise NotFittedError("This VARBaseline is not fitted yet; call fit(X) first.")
        n = check_int("n", n, low=1)
        T = self.seq_len_ if seq_len is None else check_int("seq_len", seq_len,
                                                            low=self.order_ + 1)
        rng = check_random_state(self.random_state if random_state is None else random_state)
        p, d = self.order_, self.n_features_in_
        out = np.empty((n, T, d))
        out[:, :p] = self._starts[rng.integers(0, len(self._starts), size=n)]
        chol = np.linalg.cholesky(self.sigma_ + 1e-12 * np.eye(d))
        noise = rng.standard_normal((n, T, d)) @ chol.T
        for t in range(p, T):
            value = self.intercept_ + noise[:, t]
            for i in range(p):
                value = value + out[:, t - 1 - i] @ self.coefs_[i].T
            out[:, t] = value
        return out
