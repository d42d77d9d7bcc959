"""The examples of README.md and of the core issue, run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_examples_run_as_written(tmp_path, monkeypatch):
    """Every python block of README.md, in order, in one namespace (later blocks use the
    imports of the first)."""
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) >= 2
    for code in blocks:
        exec(compile(code, str(README), "exec"), namespace)  # asserts inside must hold
    assert (tmp_path / "r3gan.seqgan").is_file()
    assert namespace["sevens"].shape == (16, 1, 8, 8)
    assert (tmp_path / "runs" / "digits" / "training.gif").is_file()


def test_long_dataframe_example(tmp_path, vitals):
    import seqgan

    vitals.drop(columns="position").to_csv(tmp_path / "vitals.csv", index=False)
    df = pd.read_csv(tmp_path / "vitals.csv")  # columns: patient, hour, hr, sbp, spo2
    model = seqgan.CRNNGAN(hidden_dim=8, n_iter=20, random_state=0, verbose=False)
    model.fit(df, id_column="patient", time_column="hour")
    synth = model.sample(100)
    assert list(synth.columns) == ["patient", "hour", "hr", "sbp", "spo2"]
    assert synth["patient"].nunique() == 100
    lo, hi = df["sbp"].min(), df["sbp"].max()
    span = hi - lo
    assert synth["sbp"].between(lo - span, hi + span).all()  # plausible range of the data
