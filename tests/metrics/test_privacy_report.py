"""seqgan.metrics.privacy_report: a memorising fake is flagged (copies with the right indices,
DCR ratio far below 1, membership leaks), an independent generator is not; errors; the
markdown and figures; ``seqgan report --holdout``."""

from __future__ import annotations

import numpy as np
import pytest

from seqgan.metrics import (
    PrivacyReport,
    distance_to_closest_record,
    membership_inference_score,
    privacy_report,
)

SHAPE = (8, 2)


def _real(n: int, seed: int) -> np.ndarray:
    """Smooth random series with per-feature offsets and scales (so that standardising
    matters): noisy sines of random phase."""
    rng = np.random.default_rng(seed)
    t = np.arange(SHAPE[0])[None, :, None]
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1, SHAPE[1]))
    base = np.sin(0.6 * t + phase) + 0.3 * rng.normal(size=(n, *SHAPE))
    return base * np.array([1.0, 50.0]) + np.array([0.0, 100.0])


class Memorising:
    """Returns training rows ``0, 1, ..., n - 1`` (cycled) plus noise of 0.1% of each
    feature's scale."""

    def __init__(self, X_train: np.ndarray) -> None:
        self.X_train = X_train

    def sample(self, n: int, random_state: int = 0) -> np.ndarray:
        idx = np.arange(n) % len(self.X_train)
        noise = np.random.default_rng(random_state).normal(size=(n, *SHAPE))
        return self.X_train[idx] + 1e-3 * self.X_train.std(axis=(0, 1)) * noise


class Independent:
    """Draws new series from the data's distribution: what a perfect generator does."""

    def sample(self, n: int, random_state: int = 0) -> np.ndarray:
        return _real(n, 1000 + random_state)


class WithBudget(Independent):
    """What a model trained with differential privacy sets (issue 21, part 2)."""

    def __init__(self) -> None:
        self.privacy_spent_ = {"epsilon": 2.9, "delta": 1e-5}


@pytest.fixture(scope="module")
def data():
    return _real(300, 0), _real(150, 1)


def test_memorising_fake_is_flagged_with_the_right_indices(data):
    train, holdout = data
    result = privacy_report(Memorising(train), train, holdout)
    assert isinstance(result, PrivacyReport)
    assert result.n_copies == 300
    assert sorted(result.copies.synthetic_index) == list(range(300))
    # synthetic series i is a copy of training series i
    assert (result.copies.train_index == result.copies.synthetic_index).all()
    assert (result.nearest_train == np.arange(300)).all()
    assert result.copies.distance.is_monotonic_increasing
    assert result.dcr["ratio_median"] < 0.05
    assert result.copies_p_value < 1e-10
    assert result.mia_auc > 0.9 and "membership leaks" in result.readings["membership"]
    assert "reproduces training records" in result.readings["dcr"]
    assert "likely copies" in result.readings["copies"]


def test_independent_generator_is_not_flagged(data):
    train, holdout = data
    result = privacy_report(Independent(), train, holdout)
    assert result.n_synthetic == len(train) and result.dcr_synthetic.shape == (300,)
    assert result.dcr_holdout.shape == (150,) and result.nearest_train.shape == (300,)
    assert 0.85 < result.dcr["ratio_median"] < 1.2
    assert abs(result.mia_auc - 0.5) < 3 * result.mia_auc_se
    assert result.n_copies <= 10  # about 3 expected by chance (1% of 300)
    assert result.copies_p_value > 0.01
    assert "no sign of copying" in result.readings["dcr"]
    assert "cannot tell" in result.readings["membership"]
    assert "no formal guarantee" in result.readings["privacy"]
    assert result.privacy_spent is None and result.markdown_path is None


def test_numbers_are_the_public_metrics_in_the_standardised_space(data):
    train, holdout = data
    synthetic = Independent().sample(100)
    result = privacy_report(None, train, holdout, synthetic=synthetic)
    mean, std = train.mean(axis=(0, 1)), train.std(axis=(0, 1))
    t, h, s = ((x - mean) / std for x in (train, holdout, synthetic))
    assert result.dcr == pytest.approx(distance_to_closest_record(t, s, h))
    assert result.mia_auc == pytest.approx(membership_inference_score(t, h, s))
    # in raw units the second feature (scale 50) would dominate: the numbers differ
    assert distance_to_closest_record(train, synthetic, holdout)["synthetic_median"] > (
        5 * result.dcr["synthetic_median"])
    i = 7
    by_hand = np.sqrt(((s[i][None] - t) ** 2).sum(axis=(1, 2)))
    assert result.dcr_synthetic[i] == pytest.approx(by_hand.min())
    assert result.nearest_train[i] == by_hand.argmin()
    assert result.threshold == pytest.approx(np.percentile(result.dcr_holdout, 1))


def test_privacy_budget_is_shown(data, tmp_path):
    train, holdout = data
    result = privacy_report(WithBudget(), train, holdout, tmp_path, n_samples=50)
    assert result.privacy_spent == {"epsilon": 2.9, "delta": 1e-5}
    assert "epsilon = 2.9" in result.readings["privacy"]
    assert "epsilon = 2.9" in result.markdown_path.read_text()


def test_budget_of_a_model_trained_with_differential_privacy(data, tmp_path):
    pytest.importorskip("opacus")
    from seqgan import CRNNGAN, load

    train, _ = data  # in [-1, 1], the bounds given instead of scaling fitted on the data
    scaled = np.clip((train - train.mean(axis=(0, 1))) / (3 * train.std(axis=(0, 1))), -1, 1)
    model = CRNNGAN(**CRNNGAN.get_test_params(),
                    privacy={"epsilon": 3.0, "delta": 1e-5, "bounds": (-1.0, 1.0)})
    model.fit(scaled[:48])
    model.save(tmp_path / "dp.seqgan")
    result = privacy_report(load(tmp_path / "dp.seqgan"), scaled[:48], scaled[150:],
                            n_samples=20)
    epsilon = model.privacy_spent_["epsilon"]
    assert result.privacy_spent == model.privacy_spent_ and 0 < epsilon <= 3.0
    assert f"(epsilon = {epsilon:g}, delta = 1e-05)" in result.readings["privacy"]


def test_files_written(data, tmp_path):
    train, holdout = data
    result = privacy_report(Memorising(train[:40]), train, holdout, tmp_path / "out",
                            n_samples=40)
    assert result.markdown_path == tmp_path / "out" / "privacy_report.md"
    assert set(result.figure_paths) == {"dcr_histogram", "closest_pairs"}
    for path in result.figure_paths.values():
        assert path.parent == tmp_path / "out"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000
    text = result.markdown_path.read_text()
    for part in ("## Distance to closest record", "## Membership inference", "## Near copies",
                 "No formal guarantee", "(dcr_histogram.png)", "(closest_pairs.png)",
                 "| synthetic index | training index | distance |"):
        assert part in text
    assert "(20 more in `PrivacyReport.copies`.)" in text  # 40 flagged, 20 rows shown


def test_lists_of_series_are_accepted(data):
    train, holdout = data
    result = privacy_report(None, list(train), list(holdout), synthetic=list(train[:5]))
    assert result.n_copies == 5 and result.dcr["synthetic_median"] == 0.0


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"X_holdout": "short"}, ValueError, r"`X_holdout` must hold at least 100 records for the "
                                         r"1st percentile.*got 50.*copy_percentile >= 2"),
    ({"X_holdout": "features"}, ValueError,
     r"`X_holdout` must have shape \(n_samples, 8, 2\) like `X_train`; got \(150, 8, 3\)"),
    ({"synthetic": "length"}, ValueError,
     r"`synthetic` must have shape \(n_samples, 8, 2\) like `X_train`; got \(10, 6, 2\)"),
    ({"X_train": "nan"}, ValueError, r"`X_train` contains NaN \(first in sample 3\).*impute"),
    ({"X_train": "2d"}, ValueError, r"`X_train` must have shape \(n_samples, seq_len, "
                                    r"n_features\)"),
    ({"X_train": "ragged"}, ValueError, r"`X_train` must hold series of one length"),
    ({"copy_percentile": 0.0}, ValueError, r"'copy_percentile' parameter of privacy_report"),
    ({"copy_percentile": 60}, ValueError, r"'copy_percentile' parameter of privacy_report"),
    ({"model": "none"}, TypeError, r"`model` must be a fitted seqgan model.*or `synthetic`"),
])
def test_errors(data, kwargs, error, match):
    train, holdout = data
    args = {"model": Independent(), "X_train": train, "X_holdout": holdout}
    made = {"short": holdout[:50], "features": np.concatenate([holdout, holdout[..., :1]], 2),
            "length": train[:10, :6], "nan": train.copy(), "2d": train[:, :, 0],
            "ragged": [train[0], train[1, :5]], "none": None}
    made["nan"][3, 2, 1] = np.nan
    for key, value in kwargs.items():
        args[key] = made[value] if isinstance(value, str) else value
    with pytest.raises(error, match=match):
        privacy_report(**args)


def test_command_line_holdout(tmp_path, capsys):
    import seqgan
    from seqgan.cli import main
    from seqgan.datasets import load_dataset

    X = load_dataset("sines", n_samples=60, seq_len=8, n_features=2, random_state=0)
    model = seqgan.R3GAN(**seqgan.R3GAN.get_test_params()).fit(X)
    model.save(tmp_path / "model.seqgan")
    run = [str(tmp_path / "model.seqgan"), "--data", "sines", "--data-option", "n_samples=60",
           "--data-option", "seq_len=8", "--data-option", "n_features=2"]
    holdout = ["--holdout", "sines", "--holdout-option", "n_samples=50", "--holdout-option",
               "seq_len=8", "--holdout-option", "n_features=2", "--holdout-option",
               "random_state=1"]
    # 50 holdout records are too few for the 1st percentile: the error says what to do
    assert main(["report", *run, *holdout, "--privacy-only"]) == 1
    assert "copy_percentile" in capsys.readouterr().err
    assert main(["report", *run, *holdout, "--privacy-only", "--copy-percentile", "5",
                 "-o", str(tmp_path / "out")]) == 0
    said = capsys.readouterr().out
    page = tmp_path / "out" / "privacy" / "privacy_report.md"
    assert f"privacy report written to {page}" in said and "membership:" in said
    assert "60 training, 50 holdout and 60 synthetic series of 8 steps x 2 features" in (
        page.read_text())
    assert not (tmp_path / "out" / "report.html").exists()
    assert main(["report", *run, "--privacy-only"]) == 1
    assert "--privacy-only needs --holdout" in capsys.readouterr().err
