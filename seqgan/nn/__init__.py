"""Building blocks shared by models: recurrent stacks and activations by name."""

from seqgan.nn._activations import ACTIVATIONS, make_activation
from seqgan.nn._rnn import CELLS, RNNStack

__all__ = ["ACTIVATIONS", "CELLS", "RNNStack", "make_activation"]
