from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from seqgan import CRNNGAN, DivergenceError
from seqgan.data import SequenceEncoder
from seqgan.losses import NonSaturating
from seqgan.training import (
    Callback,
    EarlyStopping,
    Phase,
    StopAt,
    Trainer,
    Update,
    load_checkpoint,
    save_checkpoint,
)
from tests.conftest import TINY


def toy_setup(skip_if=None, **trainer_kwargs):
    """Two linear 'networks'; update a moves only a, update b only b."""
    torch.manual_seed(0)
    module = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 1)})
    opts = {k: torch.optim.SGD(module[k].parameters(), lr=0.1) for k in ("a", "b")}

    def loss(batch):  # both networks appear in both losses
        x = batch.real[:, 0]
        joint = (module["a"](x) + module["b"](x)).pow(2).mean()
        return {"loss": joint, "batch": torch.tensor(float(batch.size))}

    phases = [Phase("one", 4, [Update("a", "a", loss), Update("b", "b", loss, steps=2,
                                                               skip_if=skip_if)])]
    data = SequenceEncoder().fit_transform(np.random.default_rng(0).normal(size=(10, 3, 2)))
    trainer = Trainer(module, opts, phases, batch_size=4, device=torch.device("cpu"),
                      progress=False, **trainer_kwargs)
    return module, trainer, data


def test_history_has_a_row_per_iteration_and_a_column_per_loss():
    _, trainer, data = toy_setup()
    trainer.fit(data)
    frame = trainer.history_frame
    assert list(frame["iteration"]) == [1, 2, 3, 4]
    assert {"a/loss", "a/batch", "b/loss", "b/batch"} <= set(frame.columns)
    assert (frame["a/batch"] == 4).all()
    assert trainer.finished and not trainer.stopped_early


def test_an_update_moves_only_its_own_parameters():
    module, trainer, data = toy_setup(skip_if=lambda losses: True)  # b is always skipped
    b_before = [p.clone() for p in module["b"].parameters()]
    a_before = [p.clone() for p in module["a"].parameters()]
    trainer.fit(data)
    assert all(torch.equal(p, q) for p, q in zip(b_before, module["b"].parameters(),
                                                   strict=True))
    assert not all(torch.equal(p, q) for p, q in zip(a_before, module["a"].parameters(),
                                                       strict=True))
    assert (trainer.history_frame["b/skipped"] == 2).all()
    assert all(p.grad is None for p in module["b"].parameters())  # no wasted weight grads


def test_other_parameters_record_no_gradients_during_a_loss_unless_tracked():
    torch.manual_seed(0)
    module = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 1)})
    opts = {k: torch.optim.SGD(module[k].parameters(), lr=0.1) for k in ("a", "b")}
    seen = []

    def loss(batch):
        seen.append([p.requires_grad for p in module.parameters()])
        x = batch.real[:, 0]
        return {"loss": (module["a"](x) + module["b"](x)).pow(2).mean()}

    phases = [Phase("one", 1, [Update("a", "a", loss),
                               Update("b", "b", loss, track=tuple(module["a"].parameters()))])]
    data = SequenceEncoder().fit_transform(np.random.default_rng(0).normal(size=(10, 3, 2)))
    Trainer(module, opts, phases, batch_size=4, device=torch.device("cpu"),
            progress=False).fit(data)
    assert seen == [[True, True, False, False], [True, True, True, True]]
    assert all(p.requires_grad for p in module.parameters())  # restored


def test_callbacks_see_every_iteration_and_can_stop():
    seen = []

    class Spy(Callback):
        def on_iteration_end(self, trainer, phase, iteration, logs):
            seen.append((phase.name, iteration, logs["a/loss"]))

        def on_phase_end(self, trainer, phase):
            seen.append(("end", phase.name))

    _, trainer, data = toy_setup(callbacks=[Spy(), StopAt("one", 2)])
    trainer.fit(data)
    assert [s[1] for s in seen] == [1, 2]
    assert trainer.stopped_early and (trainer.phase_index, trainer.iteration) == (0, 2)


def test_early_stopping_on_a_flat_loss():
    _, trainer, data = toy_setup(callbacks=[EarlyStopping("a/batch", patience=2)])
    trainer.fit(data)
    assert len(trainer.history) == 3  # best at 1, no improvement at 2 and 3


def test_checkpoint_is_atomic_and_versioned(tmp_path):
    path = tmp_path / "c.pt"
    save_checkpoint(path, {"x": torch.ones(2)})
    assert list(tmp_path.iterdir()) == [path]  # no temp file left behind
    assert torch.equal(load_checkpoint(path)["x"], torch.ones(2))
    torch.save({"format": 99}, path)
    with pytest.raises(ValueError, match="format 99"):
        load_checkpoint(path)


def weights(model):
    return {k: v.clone() for k, v in model.module_.state_dict().items()}


def test_resume_is_exact(tmp_path, tiny_X):
    params = {**TINY, "n_iter": 12}
    full = CRNNGAN(**params).fit(tiny_X)

    part = CRNNGAN(**params).fit(tiny_X, checkpoint_dir=tmp_path, callbacks=[
        StopAt("adversarial", 5)])
    assert part.stopped_early_ and len(part.history_) == 5
    resumed = CRNNGAN(**params).fit(tiny_X, checkpoint_dir=tmp_path, resume=True)
    assert not resumed.stopped_early_
    a, b = weights(full), weights(resumed)
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a), "resumed weights differ from uninterrupted"
    assert full.history_.equals(resumed.history_)
    # and the interrupted run's weights really were different
    assert not all(torch.equal(a[k], v) for k, v in weights(part).items())


def test_resume_refuses_other_data(tmp_path, tiny_X):
    CRNNGAN(**TINY).fit(tiny_X, checkpoint_dir=tmp_path, callbacks=[StopAt("adversarial", 1)])
    with pytest.raises(ValueError, match="while training on other data"):
        CRNNGAN(**TINY).fit(tiny_X + 1, checkpoint_dir=tmp_path, resume=True)


class NaNAfter(NonSaturating):
    """A loss that turns NaN on its n-th generator call (to test the guard)."""

    def __init__(self, n):
        self.n, self.calls = n, 0

    def generator_loss(self, fake_logits, real_logits=None, mask=None, fake_mask=None):
        self.calls += 1
        loss = super().generator_loss(fake_logits, real_logits, mask, fake_mask)
        return loss * float("nan") if self.calls >= self.n else loss


def test_divergence_guard_restores_last_good_state(tiny_X):
    model = CRNNGAN(**{**TINY, "n_iter": 30}, loss=NaNAfter(15))
    with pytest.raises(DivergenceError, match=r"'generator' loss 'loss' became nan at "
                                              r"iteration 15 .*restored.*iteration 10"):
        model.fit(tiny_X)
    assert len(model.history_) == 10  # rolled back to the snapshot at iteration 10
    assert all(torch.isfinite(p).all() for p in model.module_.parameters())
    assert np.isfinite(model.sample(4, random_state=0)).all()  # usable as it is


def test_shared_batches_and_repeated_update_names():
    torch.manual_seed(0)
    module = nn.ModuleDict({"a": nn.Linear(2, 1)})
    opts = {"a": torch.optim.SGD(module.parameters(), lr=0.01)}
    seen, after = [], []

    def loss(batch):
        seen.append(batch)
        return {"loss": module["a"](batch.real[:, 0]).pow(2).mean(),
                "n": torch.tensor(float(len(seen)))}

    phases = [Phase("p", 1, [Update("g", "a", loss), Update("e", "a", loss, fresh_batch=False),
                             Update("g", "a", loss, after_step=lambda: after.append(1)),
                             Update("e", "a", loss, fresh_batch=False)])]
    data = SequenceEncoder().fit_transform(np.random.default_rng(0).normal(size=(50, 3, 2)))
    trainer = Trainer(module, opts, phases, batch_size=4, device=torch.device("cpu"),
                      progress=False)
    trainer.fit(data)
    assert seen[0] is seen[1] and seen[2] is seen[3] and seen[1] is not seen[2]
    row = trainer.history[0]
    assert row["g/n"] == (1 + 3) / 2 and row["e/n"] == (2 + 4) / 2
    assert after == [1]


def test_progress_bar_names_are_not_cut():
    from seqgan.training._trainer import progress_label

    assert progress_label("discriminator/grad_norm") == "D/grad_norm"
    assert progress_label("generator/loss") == "G/loss"
    assert progress_label("diagnostics/diversity") == "diversity"
    assert progress_label("supervisor/loss") == "supervisor/loss"
