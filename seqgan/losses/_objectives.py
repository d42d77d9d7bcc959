"""Adversarial objectives computed from discriminator logits (pre-sigmoid scores).

Every objective is one small class with a ``name`` (its registry key) and two methods,
:meth:`Objective.discriminator_loss` and :meth:`Objective.generator_loss`. Logits come per
sequence ``(batch,)`` or per time step ``(batch, seq_len)`` (a trailing axis of size 1 is
allowed); a ``mask`` ``(batch, seq_len)`` of 1.0/0.0 leaves padded steps out. Objectives compute
and do nothing else: no ``backward()``, no ``step()``. Log-probabilities are written with
``softplus`` (``-log sigmoid(t) = softplus(-t)``), never ``log(sigmoid(t))``.
"""

from __future__ import annotations

from typing import ClassVar

import torch
import torch.nn.functional as F

from seqgan._validation import check_float
from seqgan.nn._masking import masked_mean


def _squeeze(logits: torch.Tensor) -> torch.Tensor:
    return logits.squeeze(-1) if logits.dim() == 3 and logits.shape[-1] == 1 else logits


class Objective:
    """An adversarial objective: the discriminator's and the generator's loss from logits.

    Subclass it and set ``name`` to add a loss (one small class, one registry entry in
    ``_OBJECTIVES``). Logits are per sequence ``(batch,)`` or per time step ``(batch, seq_len)``
    (or ``(batch, seq_len, 1)``); a ``mask`` ``(batch, seq_len)`` leaves padded steps out of the
    means (:func:`masked_mean`), and ``fake_mask`` does the same for the fakes when their lengths
    differ from the real ones (default: ``mask``). Objectives compute only (no backward, no
    step).

    Attributes
    ----------
    name : str
        Registry key, e.g. ``"hinge"``.
    default_regularizers : dict of str to float
        Penalties the objective is meant with, ``{regularizer name: weight}`` (e.g. WGAN-GP's
        ``{"gp": 10.0}``); models merge them with the user's own through
        :func:`seqgan.losses.build_regularizers`. Empty for most objectives.
    weight_clip : float or None
        Bound ``c`` for clipping the discriminator's weights to ``[-c, c]`` after each of its
        steps (:class:`seqgan.losses.WeightClipping`); only the original WGAN sets it.

    Notes
    -----
    Objectives whose discriminator loss is a sum of a real and a fake term may also define
    ``fake_term(fake_logits, mask=None) -> scalar``, the fake term alone (used for the loss on
    an extra batch of fakes, e.g. TimeGAN's and RCGAN's). Relativistic objectives, which pair
    real and fake logits, do not define it.
    """

    name: ClassVar[str] = ""
    weight_clip: float | None = None
    #: True when the generator's loss needs the real logits too (relativistic objectives).
    relativistic: ClassVar[bool] = False

    @property
    def default_regularizers(self) -> dict[str, float]:
        return {}

    def discriminator_loss(self, real_logits: torch.Tensor, fake_logits: torch.Tensor,
                           mask: torch.Tensor | None = None,
                           fake_mask: torch.Tensor | None = None) -> torch.Tensor:
        """The discriminator's loss (to minimise).

        Parameters
        ----------
        real_logits, fake_logits : Tensor (batch,) or (batch, seq_len[, 1])
        mask : Tensor (batch, seq_len) or None
            Valid steps of the real sequences (and of the fakes when ``fake_mask`` is None).
        fake_mask : Tensor (batch, seq_len) or None

        Returns
        -------
        Tensor ()
        """
        raise NotImplementedError

    def generator_loss(self, fake_logits: torch.Tensor, real_logits: torch.Tensor | None = None,
                       mask: torch.Tensor | None = None,
                       fake_mask: torch.Tensor | None = None,
                       weights: torch.Tensor | None = None) -> torch.Tensor:
        """The generator's loss (to minimise).

        Parameters
        ----------
        fake_logits : Tensor (batch,) or (batch, seq_len[, 1])
        real_logits : Tensor or None
            Needed by relativistic objectives only.
        mask, fake_mask : Tensor (batch, seq_len) or None
            As in :meth:`discriminator_loss`; the fakes use ``fake_mask`` if given, else
            ``mask``.
        weights : Tensor (batch,) or None
            Weight of each fake sequence (importance weights of
            :class:`seqgan.ais.AISUpdate`): the loss becomes the weighted mean over samples
            (see :func:`masked_mean`); None is the plain mean.

        Returns
        -------
        Tensor ()
        """
        raise NotImplementedError

    def _params(self) -> dict[str, object]:
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({args})"


class NonSaturating(Objective):
    """Goodfellow et al. (2014), with the non-saturating generator loss.

    D: ``softplus(-d(x)) + softplus(d(G(z)))`` (binary cross-entropy from logits);
    G: ``softplus(-d(G(z)))`` = ``-log D(G(z))``.

    References
    ----------
    Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.

    Examples
    --------
    >>> import torch
    >>> NonSaturating().generator_loss(torch.zeros(4))  # log 2
    tensor(0.6931)
    """

    name = "non-saturating"

    def fake_term(self, fake_logits, mask=None):
        """``E[softplus(d(G(z)))]`` = ``-E[log(1 - D(G(z)))]``."""
        return masked_mean(F.softplus(fake_logits), mask)

    def discriminator_loss(self, real_logits, fake_logits, mask=None, fake_mask=None):
        fake_mask = mask if fake_mask is None else fake_mask
        return masked_mean(F.softplus(-real_logits), mask) + self.fake_term(fake_logits, fake_mask)

    def generator_loss(self, fake_logits, real_logits=None, mask=None, fake_mask=None,
                       weights=None):
        return masked_mean(F.softplus(-fake_logits), mask if fake_mask is None else fake_mask,
                           weights)


class Minimax(NonSaturating):
    """The original (saturating) minimax game: G minimises ``log(1 - D(G(z)))``.

    D as :class:`NonSaturating`; G: ``-softplus(d(G(z)))`` = ``log(1 - D(G(z)))``. Its gradients
    vanish when D wins (``d(G(z)) -> -inf``); kept for studies.

    References
    ----------
    Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014, Eq. (1).
    """

    name = "minimax"

    def generator_loss(self, fake_logits, real_logits=None, mask=None, fake_mask=None,
                       weights=None):
        return -masked_mean(F.softplus(fake_logits), mask if fake_mask is None else fake_mask,
                            weights)


class Wasserstein(Objective):
    """Wasserstein GAN: a critic with clipped weights estimates the earth mover's distance.

    D (critic): ``E[d(G(z))] - E[d(x)]``; G: ``-E[d(G(z))]``. The critic must be
    1-Lipschitz: the original recipe clips its weights to ``[-c, c]`` after every step
    (``weight_clip``, see :class:`seqgan.losses.WeightClipping`), uses RMSprop (lr 5e-5) and
    5 critic steps per generator step.

    Parameters
    ----------
    weight_clip : float or None
        Clip bound ``c`` (0.01 in the paper); None: no clipping (then give the critic another
        Lipschitz constraint, e.g. spectral normalisation).

    References
    ----------
    Arjovsky, Chintala, Bottou, "Wasserstein GAN", ICML 2017.

    Examples
    --------
    >>> import torch
    >>> Wasserstein().discriminator_loss(torch.tensor([2.0, 4.0]), torch.tensor([-1.0, 1.0]))
    tensor(-3.)
    """

    name = "wasserstein"

    def __init__(self, weight_clip: float | None = 0.01) -> None:
        if weight_clip is not None:
            weight_clip = check_float("weight_clip", weight_clip, low=0.0, closed="neither",
                                      owner=type(self).__name__)
        self.weight_clip = weight_clip

    def _params(self):
        return {"weight_clip": self.weight_clip}

    def fake_term(self, fake_logits, mask=None):
        """``E[d(G(z))]``."""
        return masked_mean(fake_logits, mask)

    def discriminator_loss(self, real_logits, fake_logits, mask=None, fake_mask=None):
        fake_mask = mask if fake_mask is None else fake_mask
        return self.fake_term(fake_logits, fake_mask) - masked_mean(real_logits, mask)

    def generator_loss(self, fake_logits, real_logits=None, mask=None, fake_mask=None,
                       weights=None):
        return -masked_mean(fake_logits, mask if fake_mask is None else fake_mask, weights)


class WGANGP(Wasserstein):
    """WGAN-GP: the Wasserstein loss with a gradient penalty instead of weight clipping.

    D: ``E[d(G(z))] - E[d(x)] + lambda * E[(||grad d(x_hat)|| - 1)^2]`` on interpolates
    ``x_hat = eps * x + (1 - eps) * G(z)``, ``eps ~ U(0, 1)`` per sample; G: ``-E[d(G(z))]``.
    The losses here are the Wasserstein ones; the penalty is a regularizer
    (:class:`seqgan.losses.GradientPenalty`, registry name ``"gp"``) that the objective
    declares in ``default_regularizers = {"gp": gp_weight}`` and models add to the
    discriminator's loss (see :func:`seqgan.losses.build_regularizers`).

    Parameters
    ----------
    gp_weight : float
        ``lambda`` (10 in the paper).

    References
    ----------
    Gulrajani, Ahmed, Arjovsky, Dumoulin, Courville, "Improved Training of Wasserstein GANs",
    NeurIPS 2017.

    Examples
    --------
    >>> WGANGP().default_regularizers
    {'gp': 10.0}
    """

    name = "wgan-gp"

    def __init__(self, gp_weight: float = 10.0) -> None:
        self.gp_weight = check_float("gp_weight", gp_weight, low=0.0, owner="WGANGP")
        self.weight_clip = None

    def _params(self):
        return {"gp_weight": self.gp_weight}

    @property
    def default_regularizers(self) -> dict[str, float]:
        return {"gp": self.gp_weight}


class Hinge(Objective):
    """Hinge loss: D ``relu(1 - d(x)) + relu(1 + d(G(z)))``; G ``-d(G(z))``.

    References
    ----------
    Lim, Ye, "Geometric GAN", arXiv:1705.02894, 2017; Miyato et al., "Spectral Normalization for
    Generative Adversarial Networks", ICLR 2018.

    Examples
    --------
    >>> import torch
    >>> Hinge().discriminator_loss(torch.tensor([0.5, 2.0]), torch.tensor([-2.0, 0.0]))
    tensor(0.7500)
    """

    name = "hinge"

    def fake_term(self, fake_logits, mask=None):
        """``E[relu(1 + d(G(z)))]``."""
        return masked_mean(F.relu(1.0 + fake_logits), mask)

    def discriminator_loss(self, real_logits, fake_logits, mask=None, fake_mask=None):
        fake_mask = mask if fake_mask is None else fake_mask
        return masked_mean(F.relu(1.0 - real_logits), mask) + self.fake_term(fake_logits,
                                                                             fake_mask)

    def generator_loss(self, fake_logits, real_logits=None, mask=None, fake_mask=None,
                       weights=None):
        return -masked_mean(fake_logits, mask if fake_mask is None else fake_mask, weights)


class LeastSquares(Objective):
    """Least-squares GAN: D ``(d(x) - b)^2 / 2 + (d(G(z)) - a)^2 / 2``; G ``(d(G(z)) - c)^2 / 2``.

    The discriminator's raw output (no sigmoid) is regressed on ``b`` for real and ``a`` for
    fake data, and the generator pulls its output towards ``c``. The default ``a, b, c = 0, 1,
    1`` is the paper's 0-1-1 coding; ``-1, 1, 0`` minimises the Pearson chi-square divergence.

    Parameters
    ----------
    a, b, c : float
        Targets for fake (D), real (D) and fake (G).

    References
    ----------
    Mao, Li, Xie, Lau, Wang, Smolley, "Least Squares Generative Adversarial Networks", ICCV 2017,
    Eq. (2) and Sec. 3.2.

    Examples
    --------
    >>> import torch
    >>> LeastSquares().generator_loss(torch.tensor([0.0, 2.0]))
    tensor(0.5000)
    """

    name = "least-squares"

    def __init__(self, a: float = 0.0, b: float = 1.0, c: float = 1.0) -> None:
        self.a = check_float("a", a, owner="LeastSquares")
        self.b = check_float("b", b, owner="LeastSquares")
        self.c = check_float("c", c, owner="LeastSquares")

    def _params(self):
        return {"a": self.a, "b": self.b, "c": self.c}

    def fake_term(self, fake_logits, mask=None):
        """``E[(d(G(z)) - a)^2] / 2``."""
        return 0.5 * masked_mean((fake_logits - self.a).pow(2), mask)

    def discriminator_loss(self, real_logits, fake_logits, mask=None, fake_mask=None):
        fake_mask = mask if fake_mask is None else fake_mask
        return (0.5 * masked_mean((real_logits - self.b).pow(2), mask)
                + self.fake_term(fake_logits, fake_mask))

    def generator_loss(self, fake_logits, real_logits=None, mask=None, fake_mask=None,
                       weights=None):
        fake_mask = mask if fake_mask is None else fake_mask
        return 0.5 * masked_mean((fake_logits - self.c).pow(2), fake_mask, weights)


def _pair(real_logits: torch.Tensor, fake_logits: torch.Tensor, mask: torch.Tensor | None,
          fake_mask: torch.Tensor | None, owner: str
          ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Real and fake logits of the same shape, and the mask of pairs valid on both sides."""
    real_logits, fake_logits = _squeeze(real_logits), _squeeze(fake_logits)
    if real_logits.shape != fake_logits.shape:
        raise ValueError(
            f"{owner} pairs real sequence i with fake sequence i (and step t with step t), so "
            f"`real_logits` and `fake_logits` must have the same shape; got "
            f"{tuple(real_logits.shape)} and {tuple(fake_logits.shape)}.")
    if real_logits.dim() == 1:
        return real_logits, fake_logits, None
    if mask is not None and fake_mask is not None:
        return real_logits, fake_logits, mask * fake_mask
    return real_logits, fake_logits, mask if mask is not None else fake_mask


class RpGAN(Objective):
    """Relativistic paired GAN: D ``softplus(-(d(x_i) - d(G(z_i))))``; G the pair reversed.

    D: ``E_i[softplus(d(G(z_i)) - d(x_i))]``; G: ``E_i[softplus(d(x_i) - d(G(z_i)))]``. Each loss
    compares a real sample with a fake one: real sequence ``i`` of the batch is paired with fake
    sequence ``i`` (so both batches must have the same size), and with per-step logits step
    ``t`` of real ``i`` with step ``t`` of fake ``i``; a pair counts when it is valid on both
    sides (``mask * fake_mask``). The generator's loss needs ``real_logits``. With the
    zero-centred R1 and R2 penalties (``regularizers={"r1": gamma, "r2": gamma}``) this is the
    R3GAN objective, which has a local convergence guarantee.

    References
    ----------
    Jolicoeur-Martineau, "The relativistic discriminator: a key element missing from standard
    GAN", ICLR 2019; Huang, Gokaslan, Kuleshov, Tompkin, "The GAN is dead; long live the GAN! A
    Modern GAN Baseline" (R3GAN), NeurIPS 2024.

    Examples
    --------
    >>> import torch
    >>> RpGAN().generator_loss(torch.tensor([0.0]), torch.tensor([0.0]))  # log 2
    tensor(0.6931)
    """

    name = "rpgan"
    relativistic = True

    def discriminator_loss(self, real_logits, fake_logits, mask=None, fake_mask=None):
        real_logits, fake_logits, pair_mask = _pair(real_logits, fake_logits, mask, fake_mask,
                                                    "RpGAN")
        return masked_mean(F.softplus(fake_logits - real_logits), pair_mask)

    def generator_loss(self, fake_logits, real_logits=None, mask=None, fake_mask=None,
                       weights=None):
        if real_logits is None:
            raise ValueError(
                "The 'rpgan' objective is relativistic: its generator loss compares each fake "
                "with a real sample, so `real_logits` is required in generator_loss(fake_logits,"
                " real_logits, ...); got None.")
        real_logits, fake_logits, pair_mask = _pair(real_logits, fake_logits, mask, fake_mask,
                                                    "RpGAN")
        return masked_mean(F.softplus(real_logits - fake_logits), pair_mask, weights)


_OBJECTIVES: dict[str, type[Objective]] = {
    cls.name: cls for cls in (NonSaturating, Minimax, Wasserstein, WGANGP, Hinge, LeastSquares,
                              RpGAN)
}


def available_losses() -> dict[str, str]:
    """Objective names mapped to the first line of their docs.

    Examples
    --------
    >>> sorted(available_losses())  # doctest: +NORMALIZE_WHITESPACE
    ['hinge', 'least-squares', 'minimax', 'non-saturating', 'rpgan', 'wasserstein', 'wgan-gp']
    """
    return {name: (cls.__doc__ or "").strip().splitlines()[0] for name, cls in
            sorted(_OBJECTIVES.items())}


def get_objective(loss: str | Objective) -> Objective:
    """An :class:`Objective` from its name (see :func:`available_losses`) or as given.

    Parameters
    ----------
    loss : str or Objective
        A registry name (built with its default parameters) or an instance (returned as is).

    Returns
    -------
    Objective

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid names.

    Examples
    --------
    >>> get_objective("hinge")
    Hinge()
    """
    if isinstance(loss, Objective):
        return loss
    if isinstance(loss, str) and loss in _OBJECTIVES:
        return _OBJECTIVES[loss]()
    raise ValueError(f"Unknown loss {loss!r}. Valid names: {', '.join(sorted(_OBJECTIVES))}.")
