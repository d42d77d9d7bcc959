"""Building blocks shared by models: recurrent stacks and activations by name."""

from seqgan.nn._activations import ACTIVATIONS, make_activation
from seqgan.nn._fast_gru import fused_gru, release_workspaces
from seqgan.nn._rnn import CELLS, RNNStack, twice_differentiable

__all__ = ["ACTIVATIONS", "CELLS", "RNNStack", "fused_gru", "make_activation",
           "release_workspaces", "twice_differentiable"]
