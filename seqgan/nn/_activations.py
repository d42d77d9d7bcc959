"""Hidden-layer activations chosen by name (a hyperparameter the tuning studies search)."""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

_ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "prelu": nn.PReLU,
    "elu": nn.ELU,
    "rrelu": nn.RReLU,
    "selu": nn.SELU,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,
    "sigmoid": nn.Sigmoid,
    "identity": nn.Identity,
}
ACTIVATIONS = tuple(_ACTIVATIONS)


def make_activation(name: str) -> nn.Module:
    """A new activation module: relu, leaky_relu (slope 0.2), prelu, elu, rrelu, selu, tanh,
    gelu, sigmoid or identity."""
    if name not in _ACTIVATIONS:
        raise ValueError(f"Unknown activation {name!r}. Valid names: {', '.join(ACTIVATIONS)}.")
    return _ACTIVATIONS[name]()
