"""How training slows down when several fits share one machine (issue 22).

Runs 1, 2 and 4 concurrent fits of each model on generated sines, each a separate process
started at the same moment, and reports the median seconds per training iteration of the
concurrent fits against one fit alone, for each thread setting:

* ``torch``: torch's defaults (one OpenMP thread per core; a waiting thread spins before it
  sleeps);
* ``NAME=VALUE[+NAME=VALUE...]``: these environment variables, e.g. ``OMP_NUM_THREADS=1`` (what
  docs/training.md recommends for several jobs) or ``OMP_WAIT_POLICY=PASSIVE``.

``OMP_NUM_THREADS``, ``OMP_WAIT_POLICY`` and ``GOMP_SPINCOUNT`` are removed from the workers'
environment before a setting's own are added. Fair sharing of C cores by N jobs costs about
``max(1, N / C)`` times one alone for jobs that use one core well; the target of issue 22 is
at most ``N x 1.3``.

    python benchmarks/concurrency.py --out benchmarks/results/concurrency

Each fit runs for ``--seconds`` (after ``--warmup`` iterations) or ``--iterations``, whichever
comes first, so a collapse shows as few iterations, not as an endless run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

MODELS = {
    # model name -> (constructor keyword arguments, the phase whose iterations are timed)
    "TimeGAN": ({"n_iter_autoencoder": 1, "n_iter_supervisor": 1, "n_iter_joint": 100_000},
                "joint"),
    "R3GAN": ({"n_iter": 100_000}, "adversarial"),
}


def worker(model_name: str, seconds: float, iterations: int, warmup: int) -> dict:
    """One fit in this process; returns its timing (seconds per iteration after warm-up)."""
    import torch

    import seqgan
    from seqgan.training import Callback

    kwargs, phase_name = MODELS[model_name]

    class Clock(Callback):
        def __init__(self) -> None:
            self.start, self.count = None, 0

        def on_iteration_end(self, trainer, phase, iteration, logs) -> None:
            if phase.name != phase_name:
                return
            now = time.perf_counter()
            if iteration == warmup:
                self.start = now
            elif self.start is not None:
                self.count += 1
                if now - self.start >= seconds or self.count >= iterations:
                    self.elapsed = now - self.start
                    trainer.should_stop = True

    X = seqgan.datasets.load_dataset("sines", n_samples=1000, random_state=0)
    model = getattr(seqgan, model_name)(**kwargs, random_state=0, verbose=False,
                                        diagnostics_every=None)
    clock = Clock()
    model.fit(X, callbacks=[clock])
    return {"model": model_name, "iterations": clock.count,
            "seconds_per_iteration": clock.elapsed / clock.count,
            "torch_threads": torch.get_num_threads(),
            "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY")}


def run_group(model_name: str, jobs: int, setting: str, args: argparse.Namespace) -> list[dict]:
    """Start ``jobs`` workers at once with the thread ``setting``; their results."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    if setting != "torch":
        env.update(item.split("=", 1) for item in setting.split("+"))
    cmd = [sys.executable, __file__, "--worker", model_name, "--seconds", str(args.seconds),
           "--iterations", str(args.iterations), "--warmup", str(args.warmup)]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True)
             for _ in range(jobs)]
    results = []
    for proc in procs:
        out, _ = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"a {model_name} worker failed (exit {proc.returncode})")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="TimeGAN,R3GAN")
    parser.add_argument("--jobs", default="1,2,4")
    parser.add_argument("--settings", default="torch,OMP_NUM_THREADS=1,OMP_WAIT_POLICY=PASSIVE")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.seconds, args.iterations, args.warmup)))
        return
    rows = []
    for model_name in args.models.split(","):
        for setting in args.settings.split(","):
            alone = None
            for jobs in (int(j) for j in args.jobs.split(",")):
                results = run_group(model_name, jobs, setting, args)
                per_it = statistics.median(r["seconds_per_iteration"] for r in results)
                alone = per_it if jobs == 1 else alone
                row = {"model": model_name, "setting": setting, "jobs": jobs,
                       "threads_per_job": results[0]["torch_threads"],
                       "omp_wait_policy": results[0]["omp_wait_policy"],
                       "ms_per_iteration": round(1000 * per_it, 2),
                       "slowdown": round(per_it / alone, 2) if alone else None,
                       "target": round(1.3 * jobs, 2)}
                rows.append(row)
                print(json.dumps(row), flush=True)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.json").write_text(json.dumps(
            {"cpu_count": os.cpu_count(), "seconds": args.seconds, "rows": rows}, indent=1))
        lines = ["| model | setting | jobs | threads/job | ms/iteration | slowdown vs 1 | "
                 "target |", "|---|---|---|---|---|---|---|"]
        lines += [f"| {r['model']} | {r['setting']} | {r['jobs']} | {r['threads_per_job']} | "
                  f"{r['ms_per_iteration']} | {r['slowdown']} | {r['target']} |" for r in rows]
        (args.out / "results.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
