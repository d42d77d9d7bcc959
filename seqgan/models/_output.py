"""Generator output activations that follow the data's scaling, so that a generator can produce
exactly the range the scaler maps the training data to, and nothing outside it.

``scaling="minmax"`` maps every feature's training range to [0, 1] (see
:class:`seqgan.data.FeatureScaler`): the matching output is a sigmoid. ``"standard"`` and
``None`` leave values unbounded: the matching output is linear. A tanh output ([-1, 1]) matches
no sequence scaling; it is kept only to load model files written before the outputs followed the
scaling (RCGAN's generator ended in tanh then).

>>> from seqgan.models._output import output_activation_for, scaled_range
>>> output_activation_for("minmax"), scaled_range("minmax")
('sigmoid', (0.0, 1.0))
>>> output_activation_for("standard"), scaled_range("standard")
('linear', None)
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

OutputActivation = Literal["sigmoid", "tanh", "linear"]

#: Range of each output activation (None: unbounded).
ACTIVATION_RANGE: dict[str, tuple[float, float] | None] = {
    "sigmoid": (0.0, 1.0),
    "tanh": (-1.0, 1.0),
    "linear": None,
}


def scaled_range(scaling: str | None) -> tuple[float, float] | None:
    """The range the sequence scaler maps training data to: (0, 1) for ``"minmax"``, None
    (unbounded) for ``"standard"`` and no scaling."""
    return (0.0, 1.0) if scaling == "minmax" else None


def output_activation_for(scaling: str | None) -> OutputActivation:
    """The output activation whose range is the scaling's range (sigmoid or linear)."""
    for name, bounds in ACTIVATION_RANGE.items():
        if bounds == scaled_range(scaling):
            return name  # type: ignore[return-value]
    raise AssertionError(f"no output activation for scaling {scaling!r}")  # internal invariant


def apply_output(y: torch.Tensor, activation: str) -> torch.Tensor:
    """``y`` (any shape) through the output activation named ``activation``."""
    if activation == "sigmoid":
        return torch.sigmoid(y)
    if activation == "tanh":
        return torch.tanh(y)
    return y


class Output(nn.Module):
    """The output activation as a module (no parameters, so weights load either way)."""

    def __init__(self, activation: str) -> None:
        super().__init__()
        if activation not in ACTIVATION_RANGE:
            raise ValueError(
                f"`activation` must be one of {sorted(ACTIVATION_RANGE)}; got {activation!r}."
            )
        self.activation = activation

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        return apply_output(y, self.activation)

    def extra_repr(self) -> str:
        return self.activation


def resolve_output_activation(
    owner: str, activation: str, scaling: str | None
) -> OutputActivation:
    """``activation`` ("auto" or a name) checked against ``scaling``: "auto" is the scaling's
    own activation; a name whose range differs from the scaled data's range is refused."""
    matching = output_activation_for(scaling)
    if activation == "auto":
        return matching
    if activation not in ACTIVATION_RANGE:
        raise ValueError(
            f"The 'output_activation' parameter of {owner} must be 'auto' or one "
            f"of {sorted(ACTIVATION_RANGE)}. Got {activation!r}."
        )
    if ACTIVATION_RANGE[activation] != scaled_range(scaling):
        raise ValueError(
            f"{owner}(output_activation={activation!r}) produces values in "
            f"{_describe(ACTIVATION_RANGE[activation])}, but scaling={scaling!r} maps the "
            f"training data to {_describe(scaled_range(scaling))}: part of the output range "
            f"would lie outside the data's. Use output_activation='auto' (here "
            f"{matching!r}) or change `scaling`."
        )
    return activation  # type: ignore[return-value]


def _describe(bounds: tuple[float, float] | None) -> str:
    return "(-inf, inf)" if bounds is None else f"[{bounds[0]:g}, {bounds[1]:g}]"
