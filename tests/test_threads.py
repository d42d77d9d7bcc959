"""seqgan's thread policy (issue 22): ``import seqgan`` makes waiting OpenMP threads sleep
instead of spin, unless the user chose a policy or imported torch first."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from seqgan._threads import apply_default_policy


def _policy_after(code: str, **env: str) -> dict:
    environ = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"} | env
    out = subprocess.run([sys.executable, "-c", code + "\nimport json, os\n"
                          "from seqgan._threads import thread_policy\n"
                          "print(json.dumps(thread_policy()))"],
                         env=environ, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_import_seqgan_sets_the_passive_wait_policy_before_torch_loads():
    policy = _policy_after("import seqgan\nimport torch")
    assert policy["omp_wait_policy"] == "PASSIVE"
    assert policy["torch_threads"] >= 1 and policy["cpu_count"] >= 1


def test_a_policy_the_user_chose_is_kept():
    assert _policy_after("import seqgan", OMP_WAIT_POLICY="ACTIVE")["omp_wait_policy"] == "ACTIVE"


def test_torch_imported_first_keeps_openmps_default():
    # OpenMP read its settings when torch loaded: setting the variable now would be a lie
    assert _policy_after("import torch\nimport seqgan")["omp_wait_policy"] is None


def test_apply_default_policy_on_an_environment(monkeypatch):
    monkeypatch.delitem(sys.modules, "torch", raising=False)  # (as before torch loads)
    environ: dict[str, str] = {}
    assert apply_default_policy(environ) and environ == {"OMP_WAIT_POLICY": "PASSIVE"}
    kept = {"OMP_WAIT_POLICY": "active"}
    assert not apply_default_policy(kept) and kept == {"OMP_WAIT_POLICY": "active"}
    monkeypatch.setitem(sys.modules, "torch", object())
    late: dict[str, str] = {}
    assert not apply_default_policy(late) and late == {}
