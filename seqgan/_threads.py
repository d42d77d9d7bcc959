"""seqgan's CPU thread policy: several jobs on one machine share its cores instead of spinning.

torch's CPU build runs its operations on OpenMP threads, one per core by default. Between two
operations a waiting OpenMP thread spins (keeps its core busy) for a while before it sleeps.
Alone, that saves a few microseconds per operation; with several training processes on one
machine the spinning threads take the cores from the threads that have work, and every small
operation waits on a descheduled thread: measured on 2 cores (benchmarks/concurrency.py) a
R3GAN iteration took 1.2 s instead of 0.07 s while other jobs ran.

OpenMP reads its wait policy once, when torch loads it. So ``import seqgan`` sets
``OMP_WAIT_POLICY=PASSIVE`` (waiting threads sleep at once) when that variable is not set and
torch is not imported yet. A user who imports torch first, or who sets the variable, keeps
what they chose; :func:`thread_policy` says which policy a process got.
"""

from __future__ import annotations

import os
import sys

#: The environment variable this module sets, and the value.
WAIT_POLICY, PASSIVE = "OMP_WAIT_POLICY", "PASSIVE"


def apply_default_policy(environ: dict[str, str] | None = None) -> bool:
    """Set ``OMP_WAIT_POLICY=PASSIVE`` unless it is set or torch (OpenMP) is loaded already;
    True if it was set here. Called once by ``import seqgan``."""
    environ = os.environ if environ is None else environ
    if WAIT_POLICY in environ or "torch" in sys.modules:
        return False
    environ[WAIT_POLICY] = PASSIVE
    return True


def thread_policy() -> dict[str, object]:
    """The threads this process trains with: ``torch_threads`` (``torch.get_num_threads()``),
    ``omp_wait_policy`` (the variable's value when torch loaded OpenMP, or None: OpenMP's own
    default, threads that spin before they sleep), ``cpu_count``."""
    import torch

    return {"torch_threads": torch.get_num_threads(),
            "omp_wait_policy": os.environ.get(WAIT_POLICY) or None,
            "cpu_count": os.cpu_count()}
