"""docs/extending.md runs as written: each code block in a fresh namespace, in a temporary
folder; the sequence GAN it defines then passes the estimator contract suite."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from seqgan.models import _registry
from tests.models.test_estimator_contract import run_contract

PAGE = Path(__file__).resolve().parents[1] / "docs" / "extending.md"
BLOCKS = re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.S)


@pytest.fixture(autouse=True)
def _registry_restored():
    """Models the page registers do not outlive the test (other tests list the registry)."""
    saved = dict(_registry._registered)
    yield
    _registry._registered.clear()
    _registry._registered.update(saved)


def _run(block: str, tmp_path, monkeypatch) -> dict:
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "docs_extending"}
    exec(compile(block, str(PAGE), "exec"), namespace)
    return namespace


def test_the_page_has_its_three_examples():
    assert len(BLOCKS) == 3


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=["gan", "objective", "non_gan"])
def test_block_runs_as_written(index, tmp_path, monkeypatch):
    _run(BLOCKS[index], tmp_path, monkeypatch)


def test_the_new_gan_passes_the_contract_suite(tmp_path, monkeypatch, tiny_X, vitals):
    namespace = _run(BLOCKS[0], tmp_path, monkeypatch)
    names = run_contract(namespace["ConvGAN"], tmp_path, tiny_X, vitals)
    assert "test_exact_resume_across_phases" in names and len(names) >= 10


def test_the_non_gan_model_joins_the_registry(tmp_path, monkeypatch):
    namespace = _run(BLOCKS[2], tmp_path, monkeypatch)
    from seqgan.models import get_model

    assert get_model("gaussianar") is namespace["GaussianAR"]
