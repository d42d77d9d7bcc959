"""Regularizers of the discriminator: gradient penalties, weight clipping, spectral norm.

A :class:`Regularizer` is a penalty added to the discriminator's loss, computed from the critic
(a callable from inputs to logits) and a batch of real and fake inputs. Inputs are tensors
``(batch, ...)`` or tuples of tensors (pair discriminators such as BiGAN's ``(x, z)``);
gradients are taken with respect to every floating-point tensor of the tuple. Penalties compute
only; the Trainer calls ``backward()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import ClassVar

import torch
from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import spectral_norm as _torch_spectral_norm

from seqgan._validation import check_float, check_int
from seqgan.losses._objectives import Objective
from seqgan.nn import per_sequence

Inputs = torch.Tensor | tuple[torch.Tensor, ...]
Critic = Callable[..., torch.Tensor]


# ---------------------------------------------------------------------------- helpers
def _as_tuple(inputs: Inputs, name: str) -> tuple[torch.Tensor, ...]:
    items = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    if not items or not all(isinstance(t, torch.Tensor) for t in items):
        raise TypeError(f"`{name}` must be a tensor (batch, ...) or a tuple of tensors; got "
                        f"{type(inputs).__name__}.")
    batch = items[0].shape[0] if items[0].dim() else None
    if batch is None or any(t.dim() == 0 or t.shape[0] != batch for t in items):
        raise ValueError(f"Every tensor of `{name}` must have the batch on its first axis, the "
                         f"same for all; got shapes {[tuple(t.shape) for t in items]}.")
    if not any(t.is_floating_point() for t in items):
        raise TypeError(f"`{name}` has no floating-point tensor to take gradients of.")
    return items


def _call(critic: Critic, inputs: tuple[torch.Tensor, ...], as_tuple: bool) -> torch.Tensor:
    logits = critic(*inputs) if as_tuple else critic(inputs[0])
    if not isinstance(logits, torch.Tensor):
        raise TypeError(
            "`critic` must return one logits tensor (batch,) or (batch, seq_len); got "
            f"{type(logits).__name__}. Wrap a discriminator that returns more, e.g. "
            "`lambda x: discriminator(x, lengths)[0]`.")
    return logits


def _mask_view(mask: torch.Tensor, tensor: torch.Tensor) -> torch.Tensor | None:
    """``mask`` shaped to broadcast over ``tensor`` if it is a sequence (batch, seq_len, ...)."""
    if tensor.is_floating_point() and tensor.dim() >= 3 and tensor.shape[:2] == mask.shape:
        return mask.to(tensor.dtype).view(*mask.shape, *([1] * (tensor.dim() - 2)))
    return None


def _input_gradients(critic: Critic, inputs: tuple[torch.Tensor, ...], as_tuple: bool,
                     mask: torch.Tensor | None) -> torch.Tensor:
    """Squared norm (batch,) of the gradient of each sample's critic value with respect to all
    its floating-point inputs; padded steps (``mask`` 0) are zeroed before the critic, so they
    contribute nothing."""
    leaves = [t.detach().requires_grad_(True) if t.is_floating_point() else t for t in inputs]
    fed = []
    for t in leaves:
        view = _mask_view(mask, t) if mask is not None else None
        fed.append(t if view is None else t * view)
    scores = per_sequence(_call(critic, tuple(fed), as_tuple), mask)
    wrt = [t for t in leaves if t.is_floating_point()]
    try:
        grads = torch.autograd.grad(scores.sum(), wrt, create_graph=True, allow_unused=True)
    except RuntimeError as error:
        raise RuntimeError(
            f"{error}\nGradient penalties differentiate the critic twice (create_graph=True); "
            "a critic built from custom autograd functions without a differentiable backward "
            "(e.g. a fused recurrent kernel) cannot be used with them.") from error
    total = scores.new_zeros(scores.shape[0])
    for g in grads:
        if g is not None:
            total = total + g.pow(2).flatten(1).sum(1)
    return total


# ---------------------------------------------------------------------------- penalties
class Regularizer:
    """A penalty on the discriminator, added to its loss.

    Subclass it, set ``name`` (the registry key) and implement :meth:`penalty`.

    Attributes
    ----------
    name : str
    weight : float
        Multiplies the penalty (``lambda`` or ``gamma`` in the papers).
    """

    name: ClassVar[str] = ""
    weight: float

    def penalty(self, critic: Critic, real: Inputs | None, fake: Inputs | None, *,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        """The weighted penalty, a scalar to add to the discriminator's loss.

        Parameters
        ----------
        critic : callable
            ``critic(x) -> logits`` (or ``critic(*x)`` for tuple inputs), logits of shape
            (batch,) or (batch, seq_len[, 1]). Per-step logits are averaged over each sample's
            valid steps to give its critic value, matching the means of the objectives.
        real, fake : Tensor (batch, ...) or tuple of Tensors
            Real and generated inputs of the same shapes, e.g. (batch, seq_len, n_channels) or
            BiGAN's ``(x, z)``. They are detached: the penalty's gradient reaches the critic's
            parameters only.
        mask : Tensor (batch, seq_len) or None
            Valid steps. Inputs shaped (batch, seq_len, ...) are multiplied by it before the
            critic, so padded steps change neither the critic value nor the gradient.

        Returns
        -------
        Tensor ()
        """
        raise NotImplementedError

    def _params(self) -> dict[str, object]:
        return {"weight": self.weight}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({args})"


class GradientPenalty(Regularizer):
    """WGAN-GP gradient penalty ``lambda * E[(||grad d(x_hat)|| - target)^2]``.

    ``x_hat = eps * real + (1 - eps) * fake`` with one ``eps ~ U(0, 1)`` per sample, broadcast
    over the sample's other axes (and shared by all tensors of a tuple input; tensors that are
    not floating point are taken from ``real``). The norm runs over all non-batch axes of all
    input tensors. ``eps`` is drawn from torch's default generator (seeded by the estimators).

    Parameters
    ----------
    weight : float
        ``lambda`` (10 in the paper).
    target : float
        The norm the gradient is pulled to: 1 (Gulrajani et al.) or 0 (zero-centred, Thanh-Tung,
        Tran, Venkatesh, ICLR 2019).

    References
    ----------
    Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017, Algorithm 1.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> gp = GradientPenalty(weight=10.0)
    >>> critic = nn.Linear(3, 1, bias=False)
    >>> with torch.no_grad():
    ...     _ = critic.weight.copy_(torch.tensor([[2.0, 0.0, 0.0]]))
    >>> gp.penalty(lambda x: critic(x).squeeze(-1), torch.randn(4, 3), torch.randn(4, 3))
    tensor(10., grad_fn=<MulBackward0>)
    """

    name = "gp"

    def __init__(self, weight: float = 10.0, target: float = 1.0) -> None:
        self.weight = check_float("weight", weight, low=0.0, owner="GradientPenalty")
        self.target = check_float("target", target, low=0.0, owner="GradientPenalty")

    def _params(self):
        return {"weight": self.weight, "target": self.target}

    def penalty(self, critic, real, fake, *, mask=None):
        as_tuple = isinstance(real, (tuple, list))
        real_t, fake_t = _as_tuple(real, "real"), _as_tuple(fake, "fake")
        shapes = [tuple(t.shape) for t in real_t], [tuple(t.shape) for t in fake_t]
        if shapes[0] != shapes[1]:
            raise ValueError("The gradient penalty interpolates real and fake inputs, which must "
                             f"have the same shapes; got {shapes[0]} and {shapes[1]}.")
        first = next(t for t in real_t if t.is_floating_point())
        eps = torch.rand(first.shape[0], device=first.device, dtype=first.dtype)
        mixed = tuple(
            torch.lerp(f.detach(), r.detach(), eps.to(r.dtype).view(-1, *([1] * (r.dim() - 1))))
            if r.is_floating_point() else r
            for r, f in zip(real_t, fake_t, strict=True))
        squared = _input_gradients(critic, mixed, as_tuple, mask)
        if self.target == 0.0:
            return self.weight * squared.mean()
        # sqrt(s + tiny) keeps the gradient finite where a sample's gradient vanishes.
        norm = torch.sqrt(squared + torch.finfo(squared.dtype).tiny)
        return self.weight * (norm - self.target).pow(2).mean()


class R1(Regularizer):
    """Zero-centred gradient penalty on real data, ``gamma / 2 * E_x[||grad d(x)||^2]``.

    Parameters
    ----------
    gamma : float

    References
    ----------
    Mescheder, Geiger, Nowozin, "Which Training Methods for GANs do actually Converge?",
    ICML 2018, Eq. (9); with R2 in Huang et al., "The GAN is dead; long live the GAN!" (R3GAN),
    NeurIPS 2024.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> critic = nn.Linear(3, 1)
    >>> with torch.no_grad():
    ...     _ = critic.weight.copy_(torch.tensor([[1.0, 2.0, 2.0]]))
    >>> R1(gamma=2.0).penalty(lambda x: critic(x).squeeze(-1), torch.randn(5, 3), None)
    tensor(9., grad_fn=<MulBackward0>)
    """

    name = "r1"
    _on = "real"

    def __init__(self, gamma: float = 1.0) -> None:
        self.weight = check_float("gamma", gamma, low=0.0, owner=type(self).__name__)

    @property
    def gamma(self) -> float:
        return self.weight

    def _params(self):
        return {"gamma": self.weight}

    def penalty(self, critic, real, fake, *, mask=None):
        inputs = real if self._on == "real" else fake
        as_tuple = isinstance(inputs, (tuple, list))
        squared = _input_gradients(critic, _as_tuple(inputs, self._on), as_tuple, mask)
        return 0.5 * self.weight * squared.mean()


class R2(R1):
    """Zero-centred gradient penalty on generated data, ``gamma / 2 * E[||grad d(G(z))||^2]``.

    Parameters
    ----------
    gamma : float

    References
    ----------
    Huang, Gokaslan, Kuleshov, Tompkin, "The GAN is dead; long live the GAN! A Modern GAN
    Baseline" (R3GAN), NeurIPS 2024, Sec. 2.2.
    """

    name = "r2"
    _on = "fake"


_REGULARIZERS: dict[str, type[Regularizer]] = {
    cls.name: cls for cls in (GradientPenalty, R1, R2)
}


def available_regularizers() -> dict[str, str]:
    """Regularizer names mapped to the first line of their docs.

    Examples
    --------
    >>> sorted(available_regularizers())
    ['gp', 'r1', 'r2']
    """
    return {name: (cls.__doc__ or "").strip().splitlines()[0] for name, cls in
            sorted(_REGULARIZERS.items())}


def get_regularizer(name: str, weight: float | None = None) -> Regularizer:
    """A :class:`Regularizer` from its name (see :func:`available_regularizers`).

    Parameters
    ----------
    name : str
        ``"gp"``, ``"r1"`` or ``"r2"``.
    weight : float or None
        ``lambda`` / ``gamma``; None keeps the class default.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid names.

    Examples
    --------
    >>> get_regularizer("r1", 0.5)
    R1(gamma=0.5)
    """
    if not isinstance(name, str) or name not in _REGULARIZERS:
        raise ValueError(f"Unknown regularizer {name!r}. Valid names: "
                         f"{', '.join(sorted(_REGULARIZERS))}.")
    cls = _REGULARIZERS[name]
    return cls() if weight is None else cls(weight)


def build_regularizers(spec: Mapping[str, float] | Iterable[Regularizer] | None = None, *,
                       objective: Objective | None = None) -> list[Regularizer]:
    """Regularizer objects from ``{name: weight}``, merged over an objective's defaults.

    Parameters
    ----------
    spec : dict of str to float, iterable of Regularizer, or None
        E.g. ``{"r1": 1.0, "r2": 1.0}``. A weight of 0 (or None) removes the entry, so
        ``{"gp": 0}`` turns off WGAN-GP's default penalty.
    objective : Objective or None
        Its ``default_regularizers`` come first; ``spec`` overrides them by name.

    Returns
    -------
    list of Regularizer
        In order: the objective's defaults, then the new names of ``spec``.

    Examples
    --------
    >>> from seqgan.losses import get_objective
    >>> build_regularizers({"r1": 1.0}, objective=get_objective("wgan-gp"))
    [GradientPenalty(weight=10.0, target=1.0), R1(gamma=1.0)]
    """
    merged: dict[str, Regularizer | float | None] = {}
    if objective is not None:
        merged.update(objective.default_regularizers)
    if spec is None:
        pass
    elif isinstance(spec, Mapping):
        for name in spec:
            get_regularizer(name)  # unknown names fail here, listing the valid ones
        merged.update(spec)
    elif isinstance(spec, Iterable) and not isinstance(spec, str):
        for item in spec:
            if not isinstance(item, Regularizer):
                raise TypeError("`regularizers` must be a dict {name: weight} or a list of "
                                f"Regularizer objects; got an item {item!r}.")
            merged[item.name or type(item).__name__] = item
    else:
        raise TypeError("`regularizers` must be a dict {name: weight}, a list of Regularizer "
                        f"objects or None; got {spec!r}.")
    out = []
    for name, value in merged.items():
        if isinstance(value, Regularizer):
            out.append(value)
        elif value is not None and value != 0:
            out.append(get_regularizer(name, value))
    return out


# ---------------------------------------------------------------------------- constraints
class WeightClipping:
    """Clamp every parameter of a module to ``[-clip, clip]`` (the original WGAN's critic).

    Not a penalty but a rule applied after each discriminator step: pass
    ``Update(..., after_step=lambda: clipping.apply(discriminator))`` in the model's recipe.

    Parameters
    ----------
    clip : float
        ``c`` (0.01 in the paper).

    References
    ----------
    Arjovsky, Chintala, Bottou, "Wasserstein GAN", ICML 2017, Algorithm 1.

    Examples
    --------
    >>> from torch import nn
    >>> critic = nn.Linear(3, 1)
    >>> WeightClipping(0.01).apply(critic)
    >>> bool(critic.weight.abs().max() <= 0.01)
    True
    """

    def __init__(self, clip: float = 0.01) -> None:
        self.clip = check_float("clip", clip, low=0.0, closed="neither", owner="WeightClipping")

    def apply(self, module: nn.Module) -> None:
        """Clamp ``module``'s parameters in place (no gradient is recorded)."""
        with torch.no_grad():
            for p in module.parameters():
                p.clamp_(-self.clip, self.clip)

    def __repr__(self) -> str:
        return f"WeightClipping(clip={self.clip!r})"


def _weight_names(module: nn.Module) -> list[str]:
    if isinstance(module, nn.RNNBase):  # weight_ih_l{k}, weight_hh_l{k}[_reverse], weight_hr_l{k}
        return [n for n in module._flat_weights_names if n.startswith("weight_")]
    if isinstance(module, nn.RNNCellBase):
        return ["weight_ih", "weight_hh"]
    if isinstance(module, (nn.Linear, nn.Bilinear, nn.modules.conv._ConvNd)):
        return ["weight"]
    return []


def spectral_norm(module: nn.Module, *, n_power_iterations: int = 1,
                  eps: float = 1e-12) -> nn.Module:
    """Spectrally normalise every Linear, Conv and recurrent weight of ``module``, in place.

    Wraps each weight with :func:`torch.nn.utils.parametrizations.spectral_norm`: the weight
    used in ``forward`` is ``W / sigma(W)``, with ``sigma`` estimated by power iteration (one
    step per forward pass in training mode). Recurrent layers (``nn.LSTM``, ``nn.GRU``,
    ``nn.RNN`` and their cells) have every ``weight_ih_l{k}``, ``weight_hh_l{k}`` (and
    ``_reverse``) normalised as one matrix over all gates. Weights already parametrized are
    left alone, so calling it twice is harmless. Apply it when the networks are built (before
    the optimizer and before loading a state dict: the parameters become
    ``...parametrizations.weight.original``).

    Parameters
    ----------
    module : nn.Module
    n_power_iterations : int
    eps : float

    Returns
    -------
    nn.Module
        ``module`` itself.

    References
    ----------
    Miyato, Kataoka, Koyama, Yoshida, "Spectral Normalization for Generative Adversarial
    Networks", ICLR 2018.

    Examples
    --------
    >>> from torch import nn
    >>> critic = spectral_norm(nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1)))
    >>> [name for name, _ in critic.named_parameters()][:2]
    ['0.bias', '0.parametrizations.weight.original']
    """
    n_power_iterations = check_int("n_power_iterations", n_power_iterations, low=1,
                                   owner="spectral_norm")
    eps = check_float("eps", eps, low=0.0, closed="neither", owner="spectral_norm")
    targets = [(m, name) for m in module.modules() for name in _weight_names(m)]
    for m, name in targets:
        if parametrize.is_parametrized(m, name):
            continue
        _torch_spectral_norm(m, name, n_power_iterations=n_power_iterations, eps=eps)
    return module
