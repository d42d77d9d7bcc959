"""``fit`` warns when the last diversity diagnostic says the generator collapsed (issue 23: the
README demo ended at diversity 0.009 and nothing told the user), and is silent otherwise."""

from __future__ import annotations

import logging

import pytest

from seqgan import CRNNGAN
from seqgan.models._gan import GANEstimator

TINY = {**CRNNGAN.get_test_params(), "n_iter": 4, "diagnostics_every": 2}


def _fit_with_diversity(monkeypatch, tiny_X, value: float) -> CRNNGAN:
    monkeypatch.setattr(GANEstimator, "_diversity", staticmethod(lambda trainer: value))
    return CRNNGAN(**TINY).fit(tiny_X)


def test_a_collapsed_fit_warns_with_what_it_means_and_what_to_try(monkeypatch, tiny_X, caplog):
    with caplog.at_level(logging.WARNING, logger="seqgan"):
        model = _fit_with_diversity(monkeypatch, tiny_X, 0.0086)
    assert model.history_["diagnostics/diversity"].dropna().iloc[-1] == pytest.approx(0.0086)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    text = warnings[0].getMessage()
    assert "CRNNGAN may have collapsed" in text and "0.0086" in text
    assert "at iteration 4" in text and "about 1 is healthy" in text
    assert "`n_iter`" in text and "`lr_g`" in text and "or R3GAN" in text


def test_r3gan_is_not_told_to_try_r3gan(monkeypatch, tiny_X, caplog):
    from seqgan import R3GAN

    monkeypatch.setattr(GANEstimator, "_diversity", staticmethod(lambda trainer: 0.001))
    with caplog.at_level(logging.WARNING, logger="seqgan"):
        R3GAN(**{**R3GAN.get_test_params(), "n_iter": 4, "diagnostics_every": 2}).fit(tiny_X)
    text = " ".join(r.getMessage() for r in caplog.records if "collapsed" in r.getMessage())
    assert "R3GAN may have collapsed" in text and "or R3GAN" not in text


def test_a_diverse_fit_does_not_warn(monkeypatch, tiny_X, caplog):
    with caplog.at_level(logging.WARNING, logger="seqgan"):
        _fit_with_diversity(monkeypatch, tiny_X, 0.9)
    assert not [r for r in caplog.records if "collapsed" in r.getMessage()]


def test_without_diagnostics_nothing_is_claimed(tiny_X, caplog):
    with caplog.at_level(logging.WARNING, logger="seqgan"):
        model = CRNNGAN(**{**TINY, "diagnostics_every": None}).fit(tiny_X)
    assert "diagnostics/diversity" not in model.history_
    assert not [r for r in caplog.records if "collapsed" in r.getMessage()]
