"""seqgan.report: files, embedded figures, the metric table with floors, and (in headless
chromium) every figure rendered non-blank."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import seqgan
from seqgan._report import DEFAULT_METRICS, headline

FIGURES = ("series", "differences", "overview", "marginals", "autocorrelation", "pca", "tsne",
           "training")


def _browser() -> str | None:
    return next((path for name in ("chromium", "chromium-browser", "google-chrome")
                 if (path := shutil.which(name))), None)


@pytest.fixture(scope="module")
def fitted():
    from seqgan.datasets import load_dataset

    X = load_dataset("sines", n_samples=64, seq_len=12, n_features=2, random_state=0)
    return seqgan.R3GAN(**seqgan.R3GAN.get_test_params()).fit(X), X


@pytest.fixture(scope="module")
def page(fitted, tmp_path_factory):
    model, X = fitted
    return seqgan.report(model, X, tmp_path_factory.mktemp("report"), fast=True)


def test_files_and_embedded_figures(page):
    assert page.name == "report.html"
    text = page.read_text()
    for name in FIGURES:
        assert (page.parent / f"{name}.png").stat().st_size > 1000
        match = re.search(rf'id="figure-{name}"><img alt="{name}" '
                          r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
        assert match, f"figure {name} is not embedded"
        image = Image.open(io.BytesIO(base64.b64decode(match.group(1))))
        assert image.size == Image.open(page.parent / f"{name}.png").size
    assert "src=\"http" not in text and "<script" not in text  # self-contained


def test_metric_table_has_floors_and_readings(page):
    text = page.read_text()
    table = text[text.index('id="metric-table"'): text.index("</table>",
                                                             text.index('id="metric-table"'))]
    rows = re.findall(r"<tr><td>(.*?)</td><td class=\"num\">(.*?)</td>"
                      r"<td class=\"num floor\">(.*?)</td><td>.*?</td><td>(.*?)</td></tr>", table)
    expected = [m for m in DEFAULT_METRICS if m != "context_fid"]  # fast leaves it out
    assert len(rows) == len(expected)
    for _, value, floor, reading in rows:
        assert np.isfinite(float(value)) and np.isfinite(float(floor))
        assert reading.endswith((".", ")"))
    assert "tells synthetic from real" in table and "50% would be indistinguishable" in table


def test_bad_arguments_are_named(fitted, tmp_path):
    model, X = fitted
    with pytest.raises(ValueError, match="Unknown report metrics"):
        seqgan.report(model, X, tmp_path, metrics=["accuracy"], fast=True)
    with pytest.raises(ValueError, match="at least 4 sequences"):
        seqgan.report(model, X[:3], tmp_path, fast=True)
    with pytest.raises(TypeError, match="fitted seqgan model"):
        seqgan.report(object(), X, tmp_path)


def test_headline_numbers_are_quick(fitted):
    model, X = fitted
    rows = headline(model, X)
    assert [r.name.split()[0] for r in rows] == ["Strict", "Autocorrelation", "Diversity"]


@pytest.mark.slow  # a second fit and report: about 10 s on two cores
def test_the_command_line_reports_a_run_folder(tmp_path, capsys):
    from seqgan.cli import main

    run = tmp_path / "run"
    options = ["--data-option", "n_samples=48", "--data-option", "seq_len=8",
               "--data-option", "n_features=2"]
    assert main(["fit", "--data", "sines", *options, "--n-iter", "2", "--channels", "4",
                 "--batch-size", "8", "--no-verbose", "--device", "cpu", "--out",
                 str(run)]) == 0
    said = capsys.readouterr().out
    assert f"seqgan report {run}" in said and "tells synthetic from real" in said
    assert main(["report", str(run), "--fast"]) == 0  # the data comes from run.json
    page = run / "report" / "report.html"
    assert page.exists() and f"written to {page}" in capsys.readouterr().out
    assert "48 of 8 steps x 2 features" in page.read_text()
    assert main(["report", str(tmp_path / "nowhere")]) == 1
    assert "holds no model.seqgan" in capsys.readouterr().err


def _regions_of(page: Path, tmp_path: Path, width: int = 800, height: int = 500
                ) -> list[np.ndarray]:
    """Screenshot of the report with a test stylesheet that stacks the figures in boxes of
    ``width`` x ``height`` at the top of the page; one grey-level array per figure."""
    text = page.read_text()
    style = ("<style>body{margin:0!important;padding:0!important;max-width:none!important}"
             "body>:not(#figures){display:none!important}figure{margin:0!important;"
             f"height:{height}px;overflow:hidden}}figcaption{{display:none}}"
             f"figure img{{width:{width}px!important;height:{height}px!important;"
             "border:none!important;max-width:none!important}</style>")
    probe = tmp_path / "probe.html"
    probe.write_text(text.replace("</head>", style + "</head>", 1))
    shot = tmp_path / "shot.png"
    n = text.count('<figure id="figure-')
    subprocess.run([_browser(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--hide-scrollbars", f"--screenshot={shot}",
                    f"--window-size={width},{n * height}", probe.as_uri()],
                   check=True, capture_output=True, timeout=120)
    grey = np.asarray(Image.open(shot).convert("L"), dtype=float)
    return [grey[i * height: (i + 1) * height, :width] for i in range(n)]


@pytest.mark.skipif(_browser() is None,
                    reason="headless chromium not installed (Debian: apt-get install chromium)")
def test_every_figure_renders_in_headless_chromium(page, tmp_path):
    regions = _regions_of(page, tmp_path)
    assert len(regions) == len(FIGURES)
    for name, region in zip(FIGURES, regions, strict=True):
        dark = (region < 200).mean()
        assert region.std() > 10 and dark > 0.01, f"figure {name} rendered blank"


def test_data_with_missing_values_is_compared_on_its_complete_sequences(fitted, tmp_path):
    """The metrics need complete series: the report compares the complete real sequences
    (and says how many it left out), or with fewer than 4 of them interpolates the gaps."""
    model, X = fitted
    gappy = np.asarray(X, dtype=float).copy()
    gappy[:5, 2, 0] = np.nan
    html = seqgan.report(model, gappy, tmp_path / "a", fast=True).read_text()
    assert f"the {len(X) - 5} complete ones are compared (5 with missing values left out)" in html
    gappy[:, 3, 1] = np.nan
    html = seqgan.report(model, gappy, tmp_path / "b", fast=True).read_text()
    assert "gaps filled by linear interpolation" in html
    assert [row.name for row in headline(model, gappy)]
