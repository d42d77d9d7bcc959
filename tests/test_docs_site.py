"""The docs site builds with ``mkdocs build --strict`` (no broken link inside the docs, every
docstring of the API reference parsed without a warning). Needs the ``docs`` extra
(``pip install -e ".[docs]"``); skips without it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_mkdocs_build_strict(tmp_path):
    mkdocs = shutil.which("mkdocs")
    if mkdocs is None:
        pytest.skip('mkdocs not installed: pip install -e ".[docs]"')
    done = subprocess.run([mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"PATH": str(Path(mkdocs).parent), "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stderr[-4000:]
    api = (tmp_path / "site" / "api" / "index.html").read_text()
    for name in ("R3GAN", "TimeGAN", "load_dataset", "Trainer", "DivergenceError"):
        assert name in api
    assert (tmp_path / "site" / "getting-started" / "index.html").is_file()
    assert (tmp_path / "site" / "figures" / "readme_demo.png").is_file()
