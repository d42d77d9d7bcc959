"""Issue 20, item 3: the divergence guard also catches finite blow-ups (weights or losses growing
by orders of magnitude), on every sequence model."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from seqgan import DivergenceError
from seqgan.data import SequenceEncoder
from seqgan.training import Phase, Trainer, Update
from tests.conftest import SEQUENCE_MODELS, small_sines


def _X() -> np.ndarray:
    return small_sines()


@pytest.mark.parametrize("lr", [1e6, 1e4])
@pytest.mark.parametrize("cls", SEQUENCE_MODELS, ids=lambda c: c.__name__)
def test_a_runaway_learning_rate_is_reported_as_divergence(cls, lr):
    model = cls(**{**cls.get_test_params(), "lr_g": lr, "lr_d": lr})
    with pytest.raises(
        DivergenceError, match=r"diverged: .*(grew from norm|blew up|became -?(inf|nan)).*restored"
    ):
        model.fit(_X())
    assert all(torch.isfinite(p).all() for p in model.module_.parameters())
    assert np.isfinite(model.sample(2, random_state=0)).all()  # usable as restored


@pytest.mark.parametrize("cls", SEQUENCE_MODELS, ids=lambda c: c.__name__)
def test_ordinary_training_is_not_taken_for_divergence(cls):
    cls(**{**cls.get_test_params()}).fit(_X())


def _toy(loss_scale, iterations=30):
    torch.manual_seed(0)
    module = nn.ModuleDict({"a": nn.Linear(2, 1)})
    opts = {"a": torch.optim.SGD(module.parameters(), lr=1e-6)}
    calls = []

    def loss(batch):
        calls.append(1)
        out = module["a"](batch.real[:, 0]).pow(2).mean() + 1.0
        value = out + out.detach() * (loss_scale(len(calls)) - 1)  # the gradient of `out`
        return {"loss": value, "n": torch.tensor(1e12)}

    phases = [Phase("p", iterations, [Update("u", "a", loss)])]
    data = SequenceEncoder().fit_transform(np.random.default_rng(0).normal(size=(10, 3, 2)))
    return Trainer(
        module, opts, phases, batch_size=4, device=torch.device("cpu"), progress=False
    ), data


def test_a_finite_loss_growing_a_million_times_stops_training():
    trainer, data = _toy(lambda call: 10.0**call)  # x10 per iteration
    with pytest.raises(
        DivergenceError,
        match=r"'u' loss 'loss' blew up to .* at iteration 7 "
        r"of phase 'p'.*restored.*iteration 0",
    ):
        trainer.fit(data)
    assert trainer.history == []


def test_large_statistics_and_steady_large_losses_are_not_divergence():
    trainer, data = _toy(lambda call: 1e9)  # large but steady; the statistic 'n' is 1e12
    trainer.fit(data)
    assert trainer.finished
