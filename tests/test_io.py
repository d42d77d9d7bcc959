from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import save_file

import seqgan
from seqgan._io import FORMAT_VERSION
from tests.conftest import TINY


@pytest.fixture
def saved(tmp_path, tiny_X):
    return seqgan.CRNNGAN(**TINY).fit(tiny_X).save(tmp_path / "m.seqgan")


def _rewrite_meta(path, **changes):
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        meta = json.loads(f.metadata()["seqgan"])
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    meta.update(changes)
    save_file(tensors, str(path), metadata={"seqgan": json.dumps(meta)})


def test_wrong_format_version_is_refused(saved):
    _rewrite_meta(saved, format_version=FORMAT_VERSION + 1, library_version="9.9")
    with pytest.raises(ValueError, match=r"format version 2 \(written by seqgan 9.9\).*reads "
                                         r"format 1"):
        seqgan.load(saved)


def test_unknown_class_is_refused(saved):
    _rewrite_meta(saved, **{"class": "os.system"})
    known = ("does not know. Known models: BiGAN, CGAN, CRNNGAN, DCGAN, ImageBiGAN, MLPGAN, "
             "R3GAN, RCGAN, TimeGAN")
    with pytest.raises(ValueError, match=known):
        seqgan.load(saved)


def test_non_seqgan_files_are_refused(tmp_path):
    plain = tmp_path / "plain.safetensors"
    save_file({"x": torch.zeros(1)}, str(plain))
    with pytest.raises(ValueError, match="not a seqgan model"):
        seqgan.load(plain)
    junk = tmp_path / "junk.seqgan"
    junk.write_bytes(b"not a model at all")
    with pytest.raises(ValueError, match="is not a seqgan model file"):
        seqgan.load(junk)
    with pytest.raises(FileNotFoundError, match="No model file"):
        seqgan.load(tmp_path / "missing.seqgan")


def test_save_does_not_leave_partial_files(saved):
    assert sorted(p.name for p in saved.parent.iterdir()) == ["m.seqgan"]
