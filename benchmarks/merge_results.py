"""Merge the rows of some methods from one benchmark results folder into another, and rewrite
the target's summary.

    python benchmarks/merge_results.py benchmarks/results/timegan_protocol \\
        benchmarks/results/r3gan_protocol --methods r3gan

Rows of the target for those methods are replaced; the target's own rows, metrics and reference
rows stay. Only metrics the target reports are kept (a column the target lacks is dropped), so
the merged table compares like with like; both runs must follow the same protocol (the target's
config is kept and the source's command is appended to the target's run.json). A "## Notes"
section at the end of the target's summary.md (written by hand) is kept.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from seqgan.benchmark import BenchmarkConfig, summary_markdown

#: A section of the target's summary.md from this heading on is kept as it is.
NOTES = "\n## Notes"


def merge(target: Path, source: Path, methods: list[str]) -> pd.DataFrame:
    table = pd.read_csv(target / "results.csv")
    extra = pd.read_csv(source / "results.csv")
    missing = sorted(set(methods) - set(extra["method"]))
    if missing:
        raise ValueError(f"{source / 'results.csv'} has no rows of {', '.join(missing)}.")
    extra = extra[extra["method"].isin(methods)][[c for c in table.columns if c in extra]]
    merged = pd.concat([table[~table["method"].isin(methods)], extra], ignore_index=True)
    order = {d: i for i, d in enumerate(dict.fromkeys(table["dataset"]))}
    merged = merged[merged["dataset"].isin(order)]
    merged = merged.sort_values("dataset", key=lambda s: s.map(order), kind="stable")
    meta = json.loads((target / "run.json").read_text())
    source_meta = json.loads((source / "run.json").read_text())
    config = meta.get("config") or {}
    metrics = [m for m in (config.get("metrics") or ["discriminative", "predictive"])
               if m in merged.columns]
    seeds = sorted(set(merged["seed"]))
    cfg = BenchmarkConfig.from_mapping({**config, "models": config.get("models") or
                                        {m: {} for m in dict.fromkeys(merged["method"])},
                                        "datasets": list(order), "metrics": metrics,
                                        "seeds": seeds})
    seeds_by_method = {m: sorted(set(g["seed"])) for m, g in merged.groupby("method", sort=False)}
    meta["command"] = (f"{meta.get('command')}; rows of {', '.join(methods)} from "
                       f"`{source_meta.get('command')}` ({source_meta.get('date')}), merged by "
                       f"`python benchmarks/merge_results.py {target} {source} --methods "
                       f"{','.join(methods)}`; seeds per method: {seeds_by_method}")
    merged.to_csv(target / "results.csv", index=False)
    (target / "run.json").write_text(json.dumps(meta, indent=2, default=str))
    summary = target / "summary.md"
    before = summary.read_text() if summary.exists() else ""
    notes = before[before.index(NOTES):] if NOTES in before else ""  # written by hand: kept
    summary.write_text(summary_markdown(merged, cfg, meta) + notes)
    return merged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", type=Path)
    parser.add_argument("source", type=Path)
    parser.add_argument("--methods", required=True, help="comma-separated method names")
    args = parser.parse_args()
    merge(args.target, args.source, args.methods.split(","))


if __name__ == "__main__":
    main()
