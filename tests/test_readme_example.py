"""The long-DataFrame example of README.md (its python blocks run in
tests/test_docs_examples.py)."""

from __future__ import annotations

import pandas as pd


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
