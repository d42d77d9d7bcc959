"""Every python block of README.md and docs/*.md runs as written: each on its own (a fresh
namespace, so a block that uses a name it does not define fails), in a temporary folder with
``benchmarks/`` beside it. A block with an ``if __name__ == "__main__":`` guard runs as a
script in a fresh interpreter, as a user would run it (worker processes import it again).
docs/extending.md has its own test (tests/test_docs_extending.py).

Budgets in the blocks are small on purpose (each says what a real run uses); blocks that
still train for more than about 10 s on 2 CPU cores are marked slow.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import NO_DATA, SHARED_DATA

REPO = Path(__file__).resolve().parents[1]
PAGES = [
    REPO / "README.md",
    *sorted(p for p in (REPO / "docs").glob("*.md") if p.name != "extending.md"),
]
BLOCKS = [
    (page.relative_to(REPO).as_posix(), i, code)
    for page in PAGES
    for i, code in enumerate(re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S))
]
#: Blocks measured above ~10 s on this 2-core machine (one thread).
SLOW = {
    ("README.md", 0),
    ("docs/tuning.md", 0),
    ("docs/tuning.md", 1),
    ("docs/ais.md", 0),
    ("docs/models.md", 0),
    ("docs/benchmarks.md", 0),
}
#: Dataset files a block needs (downloads are not for tests).
FILES = {
    "stocks": "stock_data.csv",
    "energy": "energy_data.csv.gz",
    "mnist": "mnist",
    "ecg5000": "ECG5000_TRAIN.txt",
    "mitdb": "mitdb100_beats.npz",
}


def _params():
    for page, index, code in BLOCKS:
        marks = [pytest.mark.slow] if (page, index) in SLOW else []
        needed = [FILES[name] for name in FILES if f'load_dataset("{name}"' in code]
        if any(not (SHARED_DATA / f).exists() for f in needed):
            marks.append(pytest.mark.skip(reason=NO_DATA))
        yield pytest.param(page, index, code, marks=marks, id=f"{page}[{index}]")


def test_every_page_with_examples_is_collected():
    pages = {page for page, _, _ in BLOCKS}
    assert {"README.md", "docs/ais.md", "docs/benchmarks.md", "docs/tuning.md"} <= pages
    assert len(BLOCKS) >= 21


@pytest.mark.parametrize(("page", "index", "code"), list(_params()))
def test_block_runs_as_written(page, index, code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    (tmp_path / "benchmarks").symlink_to(REPO / "benchmarks")
    if 'if __name__ == "__main__":' in code:
        script = tmp_path / "example.py"
        script.write_text(code)
        env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
        done = subprocess.run(
            [sys.executable, str(script)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        namespace: dict = {}
    else:
        namespace = {"__name__": "__main__"}
        exec(compile(code, f"{page} block {index}", "exec"), namespace)
    CHECKS.get((page, index), lambda ns, folder: None)(namespace, tmp_path)


def _readme_model(namespace, folder):
    assert (folder / "r3gan.seqgan").is_file()
    assert namespace["X_syn"].shape == (500, 24, 5)


def _readme_images(namespace, folder):
    assert namespace["sevens"].shape == (16, 1, 8, 8)
    assert (folder / "runs" / "digits" / "training.gif").is_file()


def _benchmark(namespace, folder):
    summary = (folder / "runs" / "bench-toy" / "summary.md").read_text()
    assert "| crnngan |" in summary and "Not meaningful" in summary


def _tuning(namespace, folder):
    assert namespace["study"].best_value is not None  # at least one trial completed
    assert (folder / "runs" / "r3gan-sines" / "report" / "trials.csv").is_file()


CHECKS = {
    ("README.md", 0): _readme_model,
    ("README.md", 1): _readme_images,
    ("docs/benchmarks.md", 0): _benchmark,
    ("docs/tuning.md", 0): _tuning,
}
