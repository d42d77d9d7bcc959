"""One training loop for every model: phases of updates, callbacks, checkpoints, exact resume."""

from seqgan.training._callbacks import Callback, EarlyStopping, LambdaCallback, StopAt
from seqgan.training._checkpoint import load_checkpoint, save_checkpoint
from seqgan.training._recipe import Batch, Phase, Update
from seqgan.training._trainer import DivergenceError, Trainer

__all__ = ["Batch", "Callback", "DivergenceError", "EarlyStopping", "LambdaCallback", "Phase",
           "StopAt", "Trainer", "Update", "load_checkpoint", "save_checkpoint"]
