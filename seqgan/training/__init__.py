"""One training loop for every model: phases of updates, callbacks, checkpoints, exact resume,
the update rules it applies (optimizers by name, EMA of weights, adaptive D/G balance), and
differentially private training (DP-SGD) of the updates that see real data."""

from seqgan.training._callbacks import Callback, EarlyStopping, LambdaCallback, StopAt
from seqgan.training._checkpoint import load_checkpoint, save_checkpoint
from seqgan.training._privacy import DPSGD
from seqgan.training._recipe import Batch, Phase, Recipe, Update, chain_hooks
from seqgan.training._trainer import DivergenceError, Trainer
from seqgan.training._update_rules import EMA, OPTIMIZERS, AdaptiveBalance, make_optimizer

__all__ = ["DPSGD", "EMA", "OPTIMIZERS", "AdaptiveBalance", "Batch", "Callback",
           "DivergenceError", "EarlyStopping", "LambdaCallback", "Phase", "Recipe", "StopAt",
           "Trainer", "Update",
           "chain_hooks", "load_checkpoint", "make_optimizer", "save_checkpoint"]
