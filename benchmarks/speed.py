"""Training and sampling speed of every model: ms per iteration of each phase, and how it scales
with sequence length and batch size.

    python benchmarks/speed.py                      # full table -> benchmarks/results/speed.md
    python benchmarks/speed.py --quick              # a smoke run (seconds), printed only
    python benchmarks/speed.py --models TimeGAN --seq-lens 24 --batch-sizes 128  # printed only

(``--out FILE`` saves any run's table; only the full default grid replaces the committed one.)

Each cell: the median wall time of ``--iterations`` iterations per phase after ``--warmup``
iterations, measured by a Trainer callback (so it includes batch drawing, every loss, backward
and optimizer step, exactly as ``fit`` runs them). Data: sines with ``--features`` channels.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

import seqgan
from seqgan.datasets import load_dataset
from seqgan.training import Callback

RESULTS = Path(__file__).resolve().parent / "results"

# The reference architecture of each model (the paper's or the reference code's sizes).
REFERENCE = {
    "CRNNGAN": {"hidden_dim": 64, "num_layers": 2},
    "TimeGAN": {"hidden_dim": 24, "num_layers": 3, "cell": "gru"},
    "RCGAN": {"hidden_dim": 100, "num_layers": 1},
    "BiGAN": {"hidden_dim": 64, "num_layers": 1},
    "R3GAN": {},  # its defaults: channels [32, 64], one block per stage
}


class PhaseTimer(Callback):
    """Records the wall time of every iteration, per phase."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}

    def on_train_begin(self, trainer) -> None:
        self.t = time.perf_counter()

    def on_iteration_end(self, trainer, phase, iteration, logs) -> None:
        now = time.perf_counter()
        self.times.setdefault(phase.name, []).append(now - self.t)
        self.t = now


def calibration() -> float:
    """Milliseconds for PyTorch's own ``nn.GRU`` (6 -> 24, 3 layers, batch 128, length 24),
    forward and backward, median of 30: how fast this machine runs many small operations at
    the moment. Shared virtual machines drift (this one by up to 1.6x within an hour on the
    workloads below); compare tables through it, or better, A/B in alternation."""
    torch.manual_seed(0)
    gru = torch.nn.GRU(6, 24, 3, batch_first=True)
    x = torch.randn(128, 24, 6)
    times = []
    for _ in range(35):
        start = time.perf_counter()
        gru(x)[0].sum().backward()
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times[5:]))


def iteration_params(model_cls: type, n: int) -> dict[str, int]:
    names = [k for k in model_cls().get_params() if k == "n_iter" or k.startswith("n_iter_")]
    return dict.fromkeys(names, n)


def measure(name: str, seq_len: int, batch_size: int, args: argparse.Namespace) -> list[dict]:
    cls = getattr(seqgan, name)
    X = load_dataset("sines", n_samples=max(4 * batch_size, 1000), seq_len=seq_len,
                     n_features=args.features, random_state=0)
    timer = PhaseTimer()
    model = cls(**REFERENCE[name], **iteration_params(cls, args.warmup + args.iterations),
                batch_size=batch_size, device=args.device, random_state=0, verbose=False)
    model.fit(X, callbacks=[timer])
    rows = [{"model": name, "seq_len": seq_len, "batch_size": batch_size, "phase": phase,
             "ms_per_iteration": 1000 * float(np.median(times[args.warmup:]))}
            for phase, times in timer.times.items()]
    start = time.perf_counter()
    model.sample(args.n_sample, random_state=0)
    rows.append({"model": name, "seq_len": seq_len, "batch_size": batch_size,
                 "phase": f"sample {args.n_sample}",
                 "ms_per_iteration": 1000 * (time.perf_counter() - start)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(REFERENCE))
    parser.add_argument("--seq-lens", nargs="+", type=int, default=[24, 96, 384])
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[32, 128, 512])
    parser.add_argument("--features", type=int, default=6)
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--n-sample", type=int, default=10000)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument("--out", help="markdown file for the table (default: "
                        "benchmarks/results/speed.md for the full default grid; a smaller run "
                        "only prints, so that it never replaces the committed table)")
    args = parser.parse_args()
    full_grid = not args.quick and all(
        getattr(args, k) == parser.get_default(k) for k in ("models", "seq_lens", "batch_sizes"))
    out = args.out or (str(RESULTS / "speed.md") if full_grid else None)
    if args.quick:
        args.seq_lens, args.batch_sizes, args.iterations, args.warmup = [24], [32], 3, 1
        args.n_sample = 100
    torch.set_num_threads(args.threads)

    before = calibration()
    print(f"machine speed probe: {before:.1f} ms")
    rows = []
    for name in args.models:
        # length scaling at batch 128, batch scaling at length 24 (the reference setting)
        cells = {(s, 128 if not args.quick else args.batch_sizes[0]) for s in args.seq_lens}
        cells |= {(24, b) for b in args.batch_sizes}
        for seq_len, batch_size in sorted(cells):
            rows += measure(name, seq_len, batch_size, args)
            print(pd.DataFrame(rows[-4:]).to_string(index=False, header=False))
    table = pd.DataFrame(rows).pivot_table(index=["model", "phase"],
                                           columns=["seq_len", "batch_size"],
                                           values="ms_per_iteration", sort=False)
    header = (f"# Speed (ms per iteration; sampling: ms for {args.n_sample} sequences)\n\n"
              f"Command: `python benchmarks/speed.py {' '.join(_cli_args(args))}`  \n"
              f"Date: {datetime.date.today()}; seqgan {seqgan.__version__}; torch "
              f"{torch.__version__}; {platform.processor() or platform.machine()}, "
              f"{torch.get_num_threads()} threads; {args.features} features; median of "
              f"{args.iterations} iterations after {args.warmup} warm-up. Machine speed "
              f"(torch.nn.GRU 6 -> 24 x 3 layers, batch 128, length 24, forward + backward): "
              f"{before:.1f} ms before, {calibration():.1f} ms after.\n\n")
    if out is None:
        print(header + markdown(table))
        return
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(header + markdown(table) + "\n")
    print(f"wrote {out}")


def markdown(table: pd.DataFrame) -> str:
    """A pivot table as a GitHub markdown table (no extra dependency)."""
    cols = [" / ".join(f"{n}={v}" for n, v in zip(table.columns.names, c, strict=True))
            for c in table.columns]
    head = ["model", "phase", *cols]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for (model, phase), values in table.iterrows():
        cells = ["" if pd.isna(v) else f"{v:.1f}" for v in values]
        lines.append("| " + " | ".join([model, phase, *cells]) + " |")
    return "\n".join(lines)


def _cli_args(args: argparse.Namespace) -> list[str]:
    return ["--quick"] if args.quick else [
        "--models", *args.models, "--seq-lens", *map(str, args.seq_lens),
        "--batch-sizes", *map(str, args.batch_sizes)]


if __name__ == "__main__":
    main()
