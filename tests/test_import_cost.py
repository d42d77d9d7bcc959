"""``import seqgan`` and ``seqgan --help`` import no heavy library (issue 23: they took 4.6 s
and 6 s). Public names load on first use; ``seqgan fit --help`` still imports the default
model (its signature lists the hyperparameters)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("torch", "sklearn", "scipy", "pandas", "optuna", "matplotlib", "statsmodels")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def test_import_seqgan_is_light():
    loaded = _modules_after("import seqgan")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_the_command_line_help_is_light():
    loaded = _modules_after(
        "import contextlib, io\nfrom seqgan.cli import main\n"
        "with contextlib.suppress(SystemExit), "
        "contextlib.redirect_stdout(io.StringIO()):\n    main(['--help'])"
    )
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_public_names_still_resolve():
    loaded = _modules_after(
        "import seqgan\nassert seqgan.TimeGAN.__name__ == 'TimeGAN'\n"
        "assert seqgan.ais.AISUpdate and seqgan.DivergenceError\n"
        "from seqgan import R3GAN, load\nfrom seqgan.models import DataSpec\n"
        "assert set(seqgan.__all__) <= set(dir(seqgan))"
    )
    assert "torch" in loaded
