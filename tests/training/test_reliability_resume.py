"""Issue 20, item 2: resume refuses a checkpoint of a run with other training parameters, and
accepts only the documented ones (iteration counts, verbose, device)."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from seqgan.models import get_model
from seqgan.training import StopAt
from seqgan.training._checkpoint import CHECKPOINT_NAME, load_checkpoint, save_checkpoint
from tests.conftest import SEQUENCE_MODELS, small_sines

#: (changed parameters, what the error must list)
REFUSED = [
    ({"lr_g": 0.05, "lr_d": 0.05}, r"lr_d=0\.\d+ in the checkpoint, 0\.05 now.*lr_g="),
    ({"loss": "hinge"}, r"loss='[a-z-]+' in the checkpoint, 'hinge' now"),
    ({"random_state": 1}, r"random_state=0 in the checkpoint, 1 now"),
    ({"batch_size": 4}, r"batch_size=8 in the checkpoint, 4 now"),
    ({"scaling": None}, r"scaling='(minmax|standard)' in the checkpoint, None now"),
]


def _X() -> np.ndarray:
    return small_sines()


def _last_phase(model) -> str:
    return "joint" if "n_iter_joint" in model.get_params() else "adversarial"


@pytest.mark.parametrize("changes, listed", REFUSED, ids=lambda v: str(v)[:40])
@pytest.mark.parametrize("cls", SEQUENCE_MODELS, ids=lambda c: c.__name__)
def test_resume_with_other_training_parameters_is_refused(cls, changes, listed, tmp_path):
    params = cls.get_test_params()
    cls(**params).fit(_X(), checkpoint_dir=tmp_path)
    changed = cls(**{**params, **changes})
    with pytest.raises(ValueError, match=listed) as info:
        changed.fit(_X(), checkpoint_dir=tmp_path, resume=True)
    message = str(info.value)
    assert CHECKPOINT_NAME in message and "start afresh" in message and "n_iter" in message
    assert not hasattr(changed, "module_")  # nothing was trained with unused values


@pytest.mark.parametrize("cls", SEQUENCE_MODELS, ids=lambda c: c.__name__)
def test_resume_may_train_longer_and_change_verbosity(cls, tmp_path):
    params = cls.get_test_params()
    last = "n_iter_joint" if "n_iter_joint" in params else "n_iter"
    first = cls(**params).fit(
        _X(), checkpoint_dir=tmp_path, callbacks=[StopAt(_last_phase(cls()), 1)]
    )
    more = {**params, last: params[last] + 2, "verbose": False}
    resumed = cls(**more).fit(_X(), checkpoint_dir=tmp_path, resume=True)
    assert len(resumed.history_) == len(first.history_) + params[last] + 1
    full = cls(**more).fit(_X())
    for a, b in zip(
        full.module_.state_dict().values(), resumed.module_.state_dict().values(), strict=True
    ):
        assert torch.equal(a, b)  # the longer run is exactly the uninterrupted longer run


def test_an_ended_phase_cannot_change_its_iterations(tmp_path):
    cls = get_model("timegan")
    params = cls.get_test_params()
    cls(**params).fit(_X(), checkpoint_dir=tmp_path, callbacks=[StopAt("joint", 1)])
    with pytest.raises(ValueError, match="phase 'autoencoder' ran 2 iterations and has ended"):
        cls(**{**params, "n_iter_autoencoder": 5}).fit(_X(), checkpoint_dir=tmp_path, resume=True)


def test_a_phase_cannot_end_before_the_iterations_it_ran(tmp_path):
    cls = get_model("crnngan")
    params = {**cls.get_test_params(), "n_iter": 6}
    cls(**params).fit(_X(), checkpoint_dir=tmp_path, callbacks=[StopAt("adversarial", 5)])
    with pytest.raises(ValueError, match="has run 5 iterations already; 3 now"):
        cls(**{**params, "n_iter": 3}).fit(_X(), checkpoint_dir=tmp_path, resume=True)


def test_a_checkpoint_of_an_older_version_without_parameters_is_accepted(tmp_path, caplog):
    cls = get_model("crnngan")
    params = {**cls.get_test_params(), "n_iter": 4}
    cls(**params).fit(_X(), checkpoint_dir=tmp_path, callbacks=[StopAt("adversarial", 2)])
    path = tmp_path / CHECKPOINT_NAME
    state = load_checkpoint(path)
    del state["config"], state["phase_iterations"], state["format"]
    save_checkpoint(path, state)
    with caplog.at_level(logging.WARNING):
        resumed = cls(**params).fit(_X(), checkpoint_dir=tmp_path, resume=True)
    assert "did not store the run's hyperparameters" in caplog.text
    assert len(resumed.history_) == 4
