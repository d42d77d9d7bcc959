"""Building blocks shared by models: recurrent stacks, activations by name, and means and
broadcasts over the valid steps of padded sequences."""

from seqgan.nn._activations import ACTIVATIONS, make_activation
from seqgan.nn._masking import masked_mean, masked_step_mean, per_sequence, repeat_over_steps
from seqgan.nn._rnn import CELLS, RNNStack, twice_differentiable

__all__ = ["ACTIVATIONS", "CELLS", "RNNStack", "make_activation", "masked_mean",
           "masked_step_mean", "per_sequence", "repeat_over_steps", "twice_differentiable"]
