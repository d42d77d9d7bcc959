"""Issue 20, items 8-13: model files and checkpoints. Damaged or crafted files give one clear
error naming the file; killed writes leave no lasting temp files; files follow the umask; the
history round-trips exactly. Every case runs on every sequence model."""

from __future__ import annotations

import json
import os
import pickle
import signal
import struct
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

import seqgan
from seqgan._files import atomic_write, remove_stale_temp_files
from seqgan.models import get_model
from seqgan.training._checkpoint import CHECKPOINT_NAME, load_checkpoint, save_checkpoint
from tests.conftest import SEQUENCE_MODELS, small_sines


def _X() -> np.ndarray:
    return small_sines()


@pytest.fixture(scope="module", params=SEQUENCE_MODELS, ids=lambda c: c.__name__)
def fitted(request, tmp_path_factory):
    cls = request.param
    model = cls(**cls.get_test_params()).fit(_X())
    path = model.save(tmp_path_factory.mktemp(cls.__name__) / "m.seqgan")
    return model, path


def _copy(path, tmp_path):
    target = tmp_path / "copy.seqgan"
    target.write_bytes(path.read_bytes())
    return target


def _meta_and_tensors(path):
    with safe_open(str(path), framework="pt") as f:
        return json.loads(f.metadata()["seqgan"]), {k: f.get_tensor(k) for k in f.keys()}


def _rewrite(path, change):
    meta, tensors = _meta_and_tensors(path)
    raw = change(meta)
    save_file(
        tensors, str(path), metadata={"seqgan": raw if isinstance(raw, str) else json.dumps(raw)}
    )


# ---------------------------------------------------------------- 8: checksum of the weights
def test_flipped_bytes_in_the_weights_are_refused(fitted, tmp_path):
    _, path = fitted
    target = _copy(path, tmp_path)
    data = bytearray(target.read_bytes())
    header = struct.unpack("<Q", bytes(data[:8]))[0]
    start = 8 + header
    for offset in np.linspace(start, len(data) - 1, 6).astype(int):  # 6 corrupted spots
        data[offset] ^= 0x55
    target.write_bytes(bytes(data))
    with pytest.raises(
        ValueError,
        match=r"copy.seqgan' is not a valid seqgan model file: the "
        r"checksum of its weights does not match",
    ):
        seqgan.load(target)


def test_a_file_without_checksum_loads_and_a_wrong_one_is_refused(fitted, tmp_path):
    model, path = fitted
    target = _copy(path, tmp_path)
    _rewrite(target, lambda m: {k: v for k, v in m.items() if k != "tensor_sha256"})
    np.testing.assert_array_equal(
        seqgan.load(target).sample(3, random_state=0), model.sample(3, random_state=0)
    )
    _rewrite(target, lambda m: {**m, "tensor_sha256": "0" * 64})
    with pytest.raises(ValueError, match="checksum of its weights does not match"):
        seqgan.load(target)


# ---------------------------------------------------------------- 10: malformed metadata
def _drop(key):
    return lambda m: {k: v for k, v in m.items() if k != key}


def _param(name, value):
    return lambda m: {**m, "params": {**m["params"], name: value}}


def _other_class(m):
    other = "TimeGAN" if m["class"] != "TimeGAN" else "CRNNGAN"
    return {**m, "class": other}


#: (case, change of the metadata, what the reason says)
BAD_METADATA = [
    ("no encoder", _drop("encoder"), r"lacks 'encoder'"),
    ("no spec", _drop("spec"), r"lacks 'spec'"),
    ("no params", _drop("params"), r"lacks 'params'"),
    ("no class", _drop("class"), r"lacks 'class'"),
    ("invalid JSON", lambda m: json.dumps(m)[:-7], r"metadata is not valid JSON"),
    ("JSON list", lambda m: "[1, 2]", r"metadata is a list"),
    ("negative size", _param("batch_size", -5), r"parameters break .* rules.*batch_size"),
    ("wrong-type size", _param("batch_size", "8"), r"parameters break .* rules.*batch_size"),
    ("unknown parameter", _param("no_such_option", 1), r"has no parameter\(s\) no_such_option"),
    ("other class", _other_class, r"has no parameter|do not fit|break"),
    ("params a list", lambda m: {**m, "params": [1]}, r"'params' are not a JSON object"),
    (
        "unknown training part",
        _param("loss", {"__seqgan__": "os.system"}),
        r"cannot be decoded.*unknown training part",
    ),
    ("spec too wide", lambda m: {**m, "spec": {**m["spec"], "n_channels": 7}}, r"do not fit"),
    ("spec key missing", lambda m: {**m, "spec": {"seq_len": 8}}, r"do not fit"),
    ("encoder emptied", lambda m: {**m, "encoder": {}}, r"do not fit.*missing key"),
    ("history broken", lambda m: {**m, "history": {"columns": ["a"], "data": 5}}, r"do not fit"),
]


@pytest.mark.parametrize("case, change, reason", BAD_METADATA, ids=[r[0] for r in BAD_METADATA])
def test_malformed_metadata_is_one_clear_error(fitted, tmp_path, case, change, reason):
    _, path = fitted
    target = _copy(path, tmp_path)
    _rewrite(target, change)
    with pytest.raises(
        ValueError,
        match=rf"copy.seqgan' is not a valid seqgan model file: "
        rf".*{reason}",
    ):
        seqgan.load(target)


def test_hidden_dim_out_of_range_is_refused_before_building_networks(tmp_path):
    cls = get_model("crnngan")
    path = cls(**cls.get_test_params()).fit(_X()).save(tmp_path / "m.seqgan")
    _rewrite(path, _param("hidden_dim", -5))
    with pytest.raises(
        ValueError,
        match=r"not a valid seqgan model file: its parameters break "
        r"CRNNGAN's rules .*'hidden_dim'.*Got -5",
    ):
        seqgan.load(path)


# ---------------------------------------------------------------- 9: damaged checkpoints
def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _empty(path):
    path.write_bytes(b"")


def _pickle_payload(path):
    class Payload:
        def __reduce__(self):
            return (print, ("this must never run",))

    torch.save({"format": 1, "x": Payload()}, path)


def _junk(path):
    path.write_bytes(os.urandom(300))


def _plain_pickle(path):
    path.write_bytes(pickle.dumps({"format": 1}))


#: (case, damage, what the error says)
BAD_CHECKPOINTS = [
    ("truncated", _truncate, r"truncated or corrupt"),
    ("empty", _empty, r"empty \(0 bytes\)"),
    ("pickle payload", _pickle_payload, r"Python objects other than tensors.*can run code"),
    ("random bytes", _junk, r"truncated or corrupt"),
    ("plain pickle", _plain_pickle, r"truncated or corrupt"),
]


@pytest.mark.parametrize(
    "case, damage, what", BAD_CHECKPOINTS, ids=[r[0] for r in BAD_CHECKPOINTS]
)
@pytest.mark.parametrize("cls", SEQUENCE_MODELS, ids=lambda c: c.__name__)
def test_a_damaged_checkpoint_says_what_is_wrong_and_what_to_do(
    cls, case, damage, what, tmp_path, capsys
):
    params = cls.get_test_params()
    cls(**params).fit(_X(), checkpoint_dir=tmp_path)
    damage(tmp_path / CHECKPOINT_NAME)
    with pytest.raises(
        ValueError,
        match=rf"checkpoint '.*{CHECKPOINT_NAME}' cannot be used: "
        rf"it .*{what}.*Delete it to start afresh",
    ) as info:
        cls(**params).fit(_X(), checkpoint_dir=tmp_path, resume=True)
    assert "weights_only" not in str(info.value)
    err = info.value
    assert err.__cause__ is None and (err.__context__ is None or err.__suppress_context__)
    assert "must never run" not in capsys.readouterr().out


# ---------------------------------------------------------------- 11: killed writes
_KILLED_WRITER = """
import sys, time
from seqgan._files import atomic_write
def write(handle):
    handle.write(b"x" * 100_000)
    handle.flush()
    print("writing", flush=True)
    time.sleep(60)
atomic_write(sys.argv[1], write)
"""


def _killed_write(target):
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "writing"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def _leftovers(target):
    return sorted(target.parent.glob(f".{target.name}.*.tmp"))


def test_temp_files_of_killed_saves_are_removed_by_the_next_save(fitted, tmp_path):
    model, _ = fitted
    target = tmp_path / "m.seqgan"
    for _ in range(3):
        _killed_write(target)
    assert len(_leftovers(target)) == 1  # each write removed the previous one's leftover
    other = tmp_path / ".other.seqgan.abc.tmp"
    other.write_bytes(b"not ours")
    model.save(target)
    assert _leftovers(target) == [] and other.exists()  # only the same target's leftovers
    seqgan.load(target)


def test_temp_files_of_killed_checkpoints_are_removed_by_the_next_checkpoint(tmp_path):
    target = tmp_path / CHECKPOINT_NAME
    _killed_write(target)
    assert len(_leftovers(target)) == 1
    cls = get_model("crnngan")
    cls(**cls.get_test_params()).fit(_X(), checkpoint_dir=tmp_path)
    assert _leftovers(target) == [] and load_checkpoint(target)["format"] == 1


def test_a_temp_file_a_live_writer_holds_is_kept(tmp_path):
    import fcntl

    target = tmp_path / "m.seqgan"
    live = tmp_path / ".m.seqgan.live.tmp"
    with open(live, "wb") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        assert remove_stale_temp_files(target) == 0 and live.exists()
    assert remove_stale_temp_files(target) == 1 and not live.exists()


# ---------------------------------------------------------------- 12: permissions
@pytest.fixture
def umask():
    old = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(old)


@pytest.mark.parametrize(
    "mask, private, mode",
    [(0o022, False, 0o644), (0o002, False, 0o664), (0o077, False, 0o600), (0o022, True, 0o600)],
)
def test_files_follow_the_umask_unless_private(fitted, tmp_path, umask, mask, private, mode):
    model, _ = fitted
    umask(mask)
    path = model.save(tmp_path / "m.seqgan", private=private)
    assert path.stat().st_mode & 0o777 == mode
    save_checkpoint(tmp_path / "c.pt", {"x": 1})
    if not private:
        assert (tmp_path / "c.pt").stat().st_mode & 0o777 == mode
    atomic_write(tmp_path / "f.bin", lambda h: h.write(b"1"), private=private)
    assert (tmp_path / "f.bin").stat().st_mode & 0o777 == mode


# ---------------------------------------------------------------- 13: exact history
def test_the_history_round_trips_exactly(fitted, tmp_path):
    model, path = fitted
    loaded = seqgan.load(path)
    pd.testing.assert_frame_equal(
        loaded.history_, model.history_, check_exact=True, check_dtype=False
    )
    floats = model.history_.select_dtypes("float")
    assert not floats.empty
    np.testing.assert_array_equal(loaded.history_[floats.columns].to_numpy(), floats.to_numpy())


def test_a_history_with_gaps_and_extreme_values_round_trips(tmp_path):
    cls = get_model("crnngan")
    model = cls(**cls.get_test_params()).fit(_X())
    model.history_ = pd.DataFrame(
        {
            "phase": ["a", "b", "c"],
            "iteration": [1, 2, 3],
            "x/loss": [0.1 + 2e-17, np.nan, 1e-300],
            "x/big": [np.inf, -1.7976931348623157e308, 1 / 3],
        }
    )
    loaded = seqgan.load(model.save(tmp_path / "m.seqgan"))
    pd.testing.assert_frame_equal(
        loaded.history_, model.history_, check_exact=True, check_dtype=False
    )


def test_saving_is_not_slowed_by_cleaning(fitted, tmp_path):
    model, _ = fitted
    start = time.perf_counter()
    model.save(tmp_path / "m.seqgan")
    assert time.perf_counter() - start < 10
