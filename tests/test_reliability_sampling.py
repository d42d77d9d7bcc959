"""Issue 20, item 14: sampling memory. ``sample`` fills its output chunk by chunk (peak about the
output plus one chunk), ``sample_iter`` streams chunks that concatenate to ``sample``'s result,
and a request that cannot fit is refused before allocating. Every case on every sequence
model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from seqgan.models import _base, get_model
from tests.conftest import SEQUENCE_MODELS, small_sines


def _X() -> np.ndarray:
    return small_sines()


@pytest.fixture(scope="module", params=SEQUENCE_MODELS, ids=lambda c: c.__name__)
def model(request):
    cls = request.param
    return cls(**cls.get_test_params()).fit(_X())


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setattr(_base, "_SAMPLE_BLOCK", 7)


@pytest.mark.parametrize("chunk_size", [1, 5, 7, 16, 100])
def test_chunks_concatenate_to_the_samples(model, small_blocks, chunk_size):
    whole = model.sample(30, random_state=2, batch_size=4)
    chunks = list(model.sample_iter(30, chunk_size=chunk_size, random_state=2, batch_size=3))
    assert [len(c) for c in chunks[:-1]] == [chunk_size] * (len(chunks) - 1)
    np.testing.assert_allclose(np.concatenate(chunks), whole, rtol=1e-5, atol=1e-6)


def test_samples_do_not_depend_on_the_batch_size_across_blocks(model, small_blocks):
    a = model.sample(30, random_state=5, batch_size=30)
    np.testing.assert_allclose(
        model.sample(30, random_state=5, batch_size=4), a, rtol=1e-5, atol=1e-6
    )
    assert not np.allclose(a[:7], a[7:14])  # each block draws new latents


def test_the_default_batch_size_gives_the_same_samples(model, small_blocks):
    np.testing.assert_allclose(model.sample(30, random_state=5), model.sample(
        30, random_state=5, batch_size=1024), rtol=1e-5, atol=1e-6)


def test_r3gan_samples_about_8192_steps_per_pass_on_the_cpu(monkeypatch):
    from seqgan import R3GAN
    model = R3GAN(**R3GAN.get_test_params()).fit(_X())
    assert [model._sample_batch_size(t) for t in (4, 24, 384, 10**6)] == [1024, 341, 21, 16]
    sizes = []
    real_generate = model._generate
    monkeypatch.setattr(model, "_generate", lambda m, z, c, T: sizes.append(len(z[0])) or
                        real_generate(m, z, c, T))
    model.sample(50, seq_len=2048)  # 8192 // 2048 = 4, raised to the floor of 16
    assert sizes == [16, 16, 16, 2]
    model.device_ = "cuda"  # accelerators keep big batches (only the rule is read)
    assert model._sample_batch_size(384) == 1024


def test_up_to_one_block_the_samples_are_those_of_earlier_versions(model):
    # one draw of every latent for n <= _SAMPLE_BLOCK, as before: same seed, same samples
    a = model.sample(9, random_state=1)
    np.testing.assert_array_equal(a[:4], model.sample(9, random_state=1)[:4])
    assert _base._SAMPLE_BLOCK >= 65536


def test_a_request_that_cannot_fit_is_refused_before_allocating(model, monkeypatch):
    monkeypatch.setattr(_base, "_available_memory", lambda: 1e6)
    with pytest.raises(
        MemoryError,
        match=r"sample\(20000000\) .* needs about \d+\.\d GB .* "
        r"more than the 0\.0 GB .*sample_iter",
    ):
        model.sample(20_000_000)
    assert len(next(model.sample_iter(20_000_000, chunk_size=8))) == 8  # streaming works


def test_sample_iter_checks_its_arguments(model):
    with pytest.raises(ValueError, match="'chunk_size' parameter must be an int in"):
        next(model.sample_iter(4, chunk_size=0))
    with pytest.raises(TypeError, match="'n' parameter must be an int"):
        next(model.sample_iter(2.5))


def test_long_frames_stream_with_ids_running_on(vitals, small_blocks):
    cls = get_model("crnngan")
    model = cls(**{**cls.get_test_params(), "seq_len": None}).fit(
        vitals, id_column="patient", time_column="hour", categorical=["position"]
    )
    whole = model.sample(20, random_state=0)
    streamed = pd.concat(
        list(model.sample_iter(20, chunk_size=6, random_state=0)), ignore_index=True
    )
    pd.testing.assert_frame_equal(streamed, whole, check_exact=False, rtol=1e-5)
    assert streamed["patient"].nunique() == 20


def test_models_with_their_own_sampling_say_so():
    cls = get_model("mlpgan")
    params = {**cls.get_test_params(), "n_iter": 2, "hidden_dim": 4, "batch_size": 8}
    model = cls(**params).fit(np.random.default_rng(0).normal(size=(64, 2)))
    with pytest.raises(NotImplementedError, match="sample_iter.* streams sequence models"):
        next(model.sample_iter(4))
