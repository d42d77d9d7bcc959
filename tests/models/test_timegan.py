"""TimeGAN's joint iteration: the reference's steps, without repeated work."""

from __future__ import annotations

import seqgan
from seqgan.training import Callback
from tests.models.test_estimator_contract import TINY_MODELS

TINY = TINY_MODELS[seqgan.TimeGAN]


class CountEmbedderCalls(Callback):
    def on_train_begin(self, trainer):
        self.calls = 0
        trainer.module["embedder"].register_forward_hook(self._count)

    def _count(self, module, inputs, output):
        self.calls += 1


def test_the_embedder_step_reuses_the_generator_steps_embedding(tiny_X):
    # per joint iteration: generator step (its embedding is kept), embedder step (reuses it),
    # again both on a new batch, then the discriminator step on a third: 3 forward passes
    counter = CountEmbedderCalls()
    params = {**TINY, "n_iter_autoencoder": 0, "n_iter_supervisor": 0, "n_iter_joint": 2}
    model = seqgan.TimeGAN(**params).fit(tiny_X, callbacks=[counter])
    assert counter.calls == 6
    assert model.history_.filter(like="embedder/").notna().all().all()


def test_training_gives_back_the_fused_grus_buffers(tiny_X):
    from seqgan.nn import RNNStack, _fast_gru

    model = seqgan.TimeGAN(**{**TINY, "cell": "gru"}).fit(tiny_X)
    stacks = [m for m in model.module_.modules() if isinstance(m, RNNStack)]
    assert stacks and all(_fast_gru._pooled_bytes(m.rnn) == 0 for m in stacks)
