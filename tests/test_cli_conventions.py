"""What users expect of a package and its command (issue 19, part 4): ``python -m seqgan``,
``--version``, ``--threads``, a license, a changelog and ``py.typed``."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from importlib import resources
from pathlib import Path

import pytest
import torch

import seqgan
from seqgan.cli import _parser, main

ROOT = Path(__file__).resolve().parents[1]


def test_python_dash_m_seqgan_is_the_command():
    out = subprocess.run([sys.executable, "-m", "seqgan", "--help"], capture_output=True,
                         text=True, check=True).stdout
    assert out.startswith("usage: seqgan") and "fit" in out and "--version" in out
    version = subprocess.run([sys.executable, "-m", "seqgan", "--version"],
                             capture_output=True, text=True, check=True).stdout
    assert version.strip() == f"seqgan {seqgan.__version__}"


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"seqgan {seqgan.__version__}"


@pytest.fixture
def restore_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_fit_threads_sets_torch_threads_and_run_json(tmp_path, restore_threads):
    torch.set_num_threads(2)
    run = tmp_path / "run"
    assert main(["fit", "--model", "crnngan", "--data", "sines", "--data-option",
                 "n_samples=16", "--data-option", "seq_len=8", "--out", str(run),
                 "--n-iter", "1", "--hidden-dim", "4", "--no-verbose", "--device", "cpu",
                 "--threads", "1"]) == 0
    assert torch.get_num_threads() == 1
    assert json.loads((run / "run.json").read_text())["torch_threads"] == 1


def test_threads_options(monkeypatch, restore_threads):
    parser, _ = _parser(None)
    assert parser.parse_args(["tune", "--model", "crnngan", "--data", "sines", "--threads",
                              "3"]).threads == 3
    assert parser.parse_args(["bench", "--out", "x"]).threads is None  # torch's default
    with pytest.raises(SystemExit):
        parser.parse_args(["bench", "--out", "x", "--threads", "0"])
    import seqgan.benchmark

    seen = {}

    def fake_run(config, out, command):
        seen["threads"] = config.threads
        return []

    monkeypatch.setattr(seqgan.benchmark, "run_benchmark", fake_run)
    assert main(["bench", "--models", "crnngan", "--datasets", "sines", "--out", "x",
                 "--threads", "2"]) == 0
    assert seen["threads"] == 2  # each run's threads, set in its worker


def test_license_changelog_and_py_typed():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert meta["project"]["license"] == "Apache-2.0"
    assert meta["project"]["license-files"] == ["LICENSE"]
    license_text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in license_text and "Version 2.0" in license_text
    assert f"## {seqgan.__version__}" in (ROOT / "CHANGELOG.md").read_text()
    assert "py.typed" in meta["tool"]["setuptools"]["package-data"]["seqgan"]
    assert resources.files("seqgan").joinpath("py.typed").is_file()
