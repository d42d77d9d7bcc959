"""Differential privacy (issue 21, part 2): DP-SGD through Opacus on the networks that see real
data, Poisson batches, one privacy account, refusals of what breaks the guarantee, and
``privacy_spent_`` in model files."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

import seqgan
from seqgan import CRNNGAN, R3GAN, RCGAN, BiGAN, TimeGAN
from seqgan.data import SequenceData
from seqgan.training import DPSGD, Phase, Trainer, Update

pytest.importorskip("opacus")

PRIVACY = {"epsilon": 3.0, "delta": 1e-5, "bounds": (-1.0, 1.0)}
#: Each sequence model's tiny settings that DP accepts.
PRIVATE_SETTINGS = {
    CRNNGAN: {},
    RCGAN: {},
    TimeGAN: {},
    BiGAN: {},
    R3GAN: {"gamma": 0.0, "discriminator_view": "raw", "n_positional": 0},
}


def sines(n: int = 48, steps: int = 8) -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.sin(rng.uniform(0.2, 0.6, size=(n, 1, 2)) * np.arange(steps)[None, :, None])


def tiny(cls: type, **kwargs) -> object:
    return cls(**{**cls.get_test_params(), **PRIVATE_SETTINGS[cls], **kwargs})


# ---------------------------------------------------------------------- every model
@pytest.mark.parametrize("cls", list(PRIVATE_SETTINGS), ids=lambda c: c.__name__)
def test_a_tiny_private_fit_of_every_sequence_model(cls):
    model = tiny(cls, privacy=PRIVACY).fit(sines())
    spent = model.privacy_spent_
    assert set(spent) == {"epsilon", "delta", "steps", "noise_multiplier", "max_grad_norm"}
    assert 0 < spent["epsilon"] <= PRIVACY["epsilon"]
    assert spent["steps"] > 0 and spent["noise_multiplier"] > 0
    assert model.sample(3, random_state=0).shape == (3, 8, 2)
    # the fitted networks have torch's recurrent layers again (fast sampling, same file)
    from opacus.layers import DPGRU, DPLSTM

    assert not any(isinstance(m, (DPGRU, DPLSTM)) for m in model.module_.modules())


def test_without_privacy_there_is_no_privacy_spent():
    model = CRNNGAN(**CRNNGAN.get_test_params()).fit(sines())
    assert not hasattr(model, "privacy_spent_")


def test_epsilon_spent_is_at_most_the_target_and_close_to_it():
    model = tiny(RCGAN, n_iter=20, d_steps=2, privacy={**PRIVACY, "epsilon": 1.0}).fit(sines())
    spent = model.privacy_spent_
    assert spent["steps"] == 20 * 2  # the discriminator's steps; the generator's are public
    assert 0.95 <= spent["epsilon"] <= 1.0


def test_timegan_counts_the_steps_of_all_five_networks_in_one_account():
    # with weight averages of its sampling networks (they follow the DP layers by name)
    model = tiny(TimeGAN, ema=0.5, privacy=PRIVACY).fit(sines())
    assert model.sample(2, random_state=0).shape == (2, 8, 2)
    # autoencoder 2 + supervisor 2 + joint 3 x (G, E, G, E, D)
    assert model.privacy_spent_["steps"] == 2 + 2 + 3 * 5


def test_a_smaller_epsilon_needs_more_noise():
    def noise(epsilon: float) -> float:
        return DPSGD(networks={}, private_optimizers=(), epsilon=epsilon, delta=1e-5,
                     max_grad_norm=1.0, sample_rate=0.1, n_sequences=100,
                     planned_steps=50).noise_multiplier

    assert noise(1.0) > noise(3.0) > noise(10.0) > 0


def test_privacy_spent_is_saved_and_loaded_and_the_history_is_not_saved(tmp_path):
    model = tiny(CRNNGAN, privacy=PRIVACY).fit(sines())
    path = model.save(tmp_path / "m.seqgan")
    loaded = seqgan.load(path)
    assert loaded.privacy_spent_ == model.privacy_spent_
    assert {**loaded.privacy, "bounds": tuple(loaded.privacy["bounds"])} == model.privacy
    assert len(model.history_) == 3 and loaded.history_.empty
    np.testing.assert_allclose(loaded.sample(2, random_state=1), model.sample(2, random_state=1))


def test_bounds_replace_the_scaling_fitted_on_the_data():
    X = sines()
    model = tiny(CRNNGAN, privacy={**PRIVACY, "bounds": (-2.0, [2.0, 4.0])}).fit(X)
    np.testing.assert_allclose(model.scaler_.offset_, [-2.0, -2.0])
    np.testing.assert_allclose(model.scaler_.scale_, [4.0, 6.0])
    assert model.encoder_.length_counts_ == [1]  # the number of sequences is not kept


# ---------------------------------------------------------------------- the mechanism
class _Critic(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.GRU(2, 3, batch_first=True)
        self.out = nn.Linear(3, 1)

    def forward(self, x):
        return self.out(self.rnn(x)[0]).mean((1, 2))


def _engine(net: nn.Module, noise: float | None, max_grad_norm: float = 0.05) -> DPSGD:
    from seqgan.training._privacy import use_dp_rnns

    use_dp_rnns([net])
    engine = DPSGD(networks={"d": net}, private_optimizers={"d"}, epsilon=3.0, delta=1e-5,
                   max_grad_norm=max_grad_norm, sample_rate=0.5, n_sequences=8,
                   planned_steps=10)
    if noise is not None:
        engine.noise_multiplier = noise
    return engine


def _per_sample_grads(net: nn.Module, x: torch.Tensor) -> torch.Tensor:
    rows = []
    for i in range(len(x)):
        net.zero_grad()
        net(x[i:i + 1]).sum().backward()
        rows.append(torch.cat([p.grad.flatten() for p in net.parameters()]))
    return torch.stack(rows)


def test_gradients_are_clipped_per_sample_then_summed_and_scaled():
    torch.manual_seed(0)
    net = _Critic()
    engine = _engine(net, noise=0.0)
    x = torch.randn(5, 4, 2) * 3
    expected = _per_sample_grads(net, x)
    assert (expected.norm(dim=1) > engine.max_grad_norm).all()  # every sample is clipped
    clipped = expected * (engine.max_grad_norm / expected.norm(dim=1, keepdim=True))
    engine.attach()
    engine.activate(list(net.parameters()))
    net.zero_grad()
    # a batch mean whose network sees the batch twice (real and a copy, concatenated)
    (net(torch.cat([x, x])).sum() / len(x) / 2).backward()
    engine.privatize(list(net.parameters()), len(x))
    engine.detach()
    got = torch.cat([p.grad.flatten() for p in net.parameters()])
    torch.testing.assert_close(got, clipped.sum(0) / engine.expected_batch_size,
                               rtol=1e-4, atol=1e-6)
    assert got.norm() * engine.expected_batch_size <= len(x) * engine.max_grad_norm + 1e-5


def test_the_noise_has_the_calibrated_scale():
    torch.manual_seed(0)
    net = _Critic()
    engine = _engine(net, noise=None, max_grad_norm=1.0)
    assert engine.noise_multiplier > 0.5
    engine.attach()
    engine.activate(list(net.parameters()))
    x = torch.randn(4, 4, 2)
    (net(x).sum() / len(x)).backward()
    engine.privatize(list(net.parameters()), len(x))
    engine.detach()
    noisy = torch.cat([p.grad.flatten() for p in net.parameters()]) * engine.expected_batch_size
    clean = _per_sample_grads(net, x)
    clean = (clean * (1.0 / clean.norm(dim=1, keepdim=True)).clamp(max=1.0)).sum(0)
    noise = noisy - clean
    assert not torch.allclose(noisy, clean)  # the gradients differ from the non-DP ones
    std = float(noise.std())
    assert 0.6 * engine.noise_multiplier < std < 1.4 * engine.noise_multiplier


def test_a_batch_that_is_not_whole_copies_is_an_error():
    net = _Critic()
    engine = _engine(net, noise=0.0)
    engine.attach()
    engine.activate(list(net.parameters()))
    net(torch.randn(5, 4, 2)).sum().backward()
    with pytest.raises(RuntimeError, match="whole copies of the batch"):
        engine.privatize(list(net.parameters()), 3)
    engine.detach()


def test_private_updates_get_poisson_batches_and_the_others_zeros():
    torch.manual_seed(0)
    net = nn.Linear(2, 1)
    n = 200
    data = SequenceData(np.ones((n, 3, 2), np.float32), np.full(n, 3))
    engine = _engine(nn.Sequential(), noise=0.0)
    engine.sample_rate = 0.1
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    phase = Phase("p", 1, [Update("d", "d", lambda b: {"loss": net(b.real).mean()})])
    trainer = Trainer(net, {"d": opt}, [phase], batch_size=20, device=torch.device("cpu"),
                      progress=False, privacy=engine)
    trainer._prepare(data)
    sizes = [trainer.next_batch(private=True).size for _ in range(300)]
    assert len(set(sizes)) > 5 and abs(np.mean(sizes) - 20) < 1.5
    public = trainer.next_batch(private=False)
    assert public.size == 20 and not public.real.any()


# ---------------------------------------------------------------------- refusals
@pytest.mark.parametrize(("cls", "kwargs", "fit_kwargs", "match"), [
    (CRNNGAN, {"privacy": {"epsilon": 3.0, "delta": 1e-5}}, {}, "bounds"),
    (CRNNGAN, {"privacy": {**PRIVACY, "feature_matching": 1}}, {}, "unknown key"),
    (CRNNGAN, {"privacy": {**PRIVACY, "epsilon": -1}}, {}, r"epsilon.*\(0, inf\)"),
    (CRNNGAN, {"privacy": {"epsilon": 3.0}}, {}, "needs 'delta'"),
    (CRNNGAN, {"privacy": PRIVACY, "feature_matching": True}, {}, "feature_matching=False"),
    (CRNNGAN, {"privacy": PRIVACY, "balance": True}, {}, "balance=False"),
    (CRNNGAN, {"privacy": PRIVACY, "loss": "rpgan"}, {}, "non-relativistic loss"),
    (CRNNGAN, {"privacy": PRIVACY, "spectral_norm": True}, {}, "spectral_norm=False"),
    (CRNNGAN, {"privacy": PRIVACY, "loss": "wgan-gp"}, {}, "regularizers=None"),
    (RCGAN, {"privacy": PRIVACY}, {"condition": np.arange(48) % 2}, "condition"),
    (TimeGAN, {"privacy": PRIVACY}, {"static": np.zeros((48, 1))}, "static"),
    (TimeGAN, {"privacy": PRIVACY, "d_threshold": 0.15}, {}, "d_threshold=None"),
    (R3GAN, {"privacy": PRIVACY, "gamma": 1.0}, {}, "gamma=0"),
    (R3GAN, {"privacy": PRIVACY, "discriminator_view": "standardised"}, {},
     "discriminator_view='raw'"),
    (R3GAN, {"privacy": PRIVACY, "minibatch_std": 2}, {}, "minibatch_std=0"),
    (R3GAN, {"privacy": PRIVACY, "n_positional": 8}, {}, "n_positional=0"),
])
def test_what_breaks_the_guarantee_is_refused(cls, kwargs, fit_kwargs, match):
    with pytest.raises(ValueError, match=match):
        tiny(cls, **kwargs).fit(sines(), **fit_kwargs)


def test_variable_lengths_are_refused():
    X = [s[: 6 + i % 3] for i, s in enumerate(sines())]
    with pytest.raises(ValueError, match="different lengths"):
        tiny(CRNNGAN, privacy=PRIVACY, seq_len=None).fit(X)


def test_scaling_none_needs_no_bounds():
    model = tiny(CRNNGAN, scaling=None, privacy={"epsilon": 3.0, "delta": 1e-5}).fit(sines())
    assert model.privacy_spent_["epsilon"] <= 3.0


def test_batch_statistics_in_a_private_network_are_refused():
    from seqgan.models._privacy import prepare_networks

    class Model:
        def _private_networks(self):
            return ("discriminator",)

    module = nn.ModuleDict({"discriminator": nn.Sequential(nn.Linear(2, 4),
                                                           nn.BatchNorm1d(4))})
    with pytest.raises(ValueError, match="batch statistics"):
        prepare_networks(Model(), module)


def test_without_opacus_privacy_fails_in_fit_naming_the_extra(monkeypatch):
    model = tiny(CRNNGAN, privacy=PRIVACY)
    monkeypatch.setitem(sys.modules, "opacus", None)
    with pytest.raises(ImportError, match=r"pip install seqgan\[privacy\]"):
        model.fit(sines())


def test_importing_seqgan_does_not_import_opacus():
    code = ("import seqgan, seqgan.training, seqgan.models\nseqgan.TimeGAN\nimport sys\n"
            "print('opacus' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


# ---------------------------------------------------------------------- command line
def test_the_command_line_trains_privately_and_shows_the_budget(tmp_path, capsys):
    from seqgan.cli import main

    np.save(tmp_path / "x.npy", sines(n=24, steps=6))
    run = tmp_path / "run"
    assert main(["fit", "--model", "crnngan", "--data", str(tmp_path / "x.npy"), "--n-iter",
                 "2", "--hidden-dim", "4", "--batch-size", "8", "--no-verbose",
                 "--privacy-epsilon", "3", "--privacy-bounds=-1,1", "--out",
                 str(run)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"differential privacy: epsilon [0-9.]+ spent \(delta 1e-05\) in 2 DP-SGD",
                     out), out
    assert main(["info", str(run)]) == 0
    assert "in 2 DP-SGD steps" in capsys.readouterr().out
    assert main(["fit", "--model", "crnngan", "--data", str(tmp_path / "x.npy"),
                 "--privacy-bounds", "0", "--privacy-epsilon", "3", "--out", str(run)]) == 1
    assert "--privacy-bounds must be LO,HI" in capsys.readouterr().err


def test_a_resumed_private_run_continues_the_account_exactly(tmp_path):
    from seqgan.training import StopAt

    whole = tiny(CRNNGAN, n_iter=4, privacy=PRIVACY).fit(sines())
    part = tiny(CRNNGAN, n_iter=4, privacy=PRIVACY)
    part.fit(sines(), checkpoint_dir=tmp_path, callbacks=[StopAt("adversarial", 2)])
    assert part.stopped_early_ and part.privacy_spent_["steps"] == 2
    assert part.privacy_spent_["epsilon"] < whole.privacy_spent_["epsilon"]
    part.fit(sines(), checkpoint_dir=tmp_path, resume=True)
    assert part.privacy_spent_ == whole.privacy_spent_
    np.testing.assert_allclose(part.sample(2, random_state=0), whole.sample(2, random_state=0),
                               rtol=1e-5, atol=1e-6)
