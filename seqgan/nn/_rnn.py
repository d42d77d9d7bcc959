"""Recurrent stacks that respect sequence lengths."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from seqgan.nn._fast_gru import can_fuse, enabled, fused_gru, release_workspaces

CELLS = ("gru", "lstm")

_STATE = threading.local()


@contextlib.contextmanager
def twice_differentiable() -> Iterator[None]:
    """Run recurrent layers with kernels that can be differentiated twice.

    Gradient penalties (WGAN-GP, R1, R2) take the gradient of a gradient. Inside this context
    :class:`RNNStack` skips the fused GRU (its backward is not differentiable) and cuDNN
    (which has no double backward for RNNs).
    """
    previous = getattr(_STATE, "twice", False)
    _STATE.twice = True
    try:
        with torch.backends.cudnn.flags(enabled=False):
            yield
    finally:
        _STATE.twice = previous


class RNNStack(nn.Module):
    """A GRU or LSTM stack, batch first, that ignores padding when lengths vary.

    Input (batch, seq_len, input_dim) -> output (batch, seq_len, hidden_dim * directions); with
    ``lengths`` (batch,) the padded steps are packed away (outputs there are zero) so that a
    backward direction starts at each sequence's own end.

    Unidirectional GRUs on the CPU run through a fused stack with a hand-written backward
    pass (``seqgan/nn/_fast_gru.py``, same weights and results up to float rounding) when no
    packing is needed. ``fused=False`` turns it off for this module, the environment variable
    ``SEQGAN_FUSED_GRU=0`` (read at every call) everywhere, and :func:`twice_differentiable`
    inside its context; ``nn.GRU`` runs then. The fused stack keeps its buffers for reuse
    while the module trains: leaving training mode (``eval()``) frees them, and so does the
    module's deletion.
    """

    def __init__(self, input_dim: int, hidden_dim: int, num_layers: int = 1, *,
                 cell: str = "lstm", bidirectional: bool = False, dropout: float = 0.0,
                 fused: bool = True) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"Unknown cell {cell!r}. Valid: {', '.join(CELLS)}.")
        rnn_cls = nn.GRU if cell == "gru" else nn.LSTM
        self.rnn = rnn_cls(input_dim, hidden_dim, num_layers, batch_first=True,
                           bidirectional=bidirectional, dropout=dropout if num_layers > 1 else 0.0)
        self.output_dim = hidden_dim * (2 if bidirectional else 1)
        self.fused = fused

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        total = x.shape[1]
        if lengths is None or bool((lengths == total).all()):
            if (self.fused and not getattr(_STATE, "twice", False)
                    and can_fuse(self.rnn, x) and enabled()):
                return fused_gru(self.rnn, x)
            return self.rnn(x)[0]
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.rnn(packed)
        return pad_packed_sequence(out, batch_first=True, total_length=total)[0]

    def train(self, mode: bool = True) -> RNNStack:
        """Set training mode; leaving it frees the fused GRU's reused buffers."""
        if self.training and not mode:
            release_workspaces(self.rnn)
        return super().train(mode)
