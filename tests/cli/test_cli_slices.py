"""`nfvo slice` and `nfvo op` against a real API server (uvicorn + the lab), as subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import urlsplit

NFVO = [sys.executable, "-m", "nfvo"]


def nfvo(api: str, *args: str) -> subprocess.CompletedProcess[str]:
    parts = urlsplit(api)
    env = {
        **os.environ,
        "NFVO_API_KEY": parts.username or "",
        "NFVO_API": f"http://{parts.hostname}:{parts.port}",
    }
    return subprocess.run([*NFVO, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def test_create_modify_list_and_delete_from_the_terminal(api: str) -> None:
    created = nfvo(api, "slice", "create", "urllc", "--set", "throughput_mbps=250", "--wait")
    assert created.returncode == 0, created.stderr
    slice_id = created.stderr.split()[-1]
    assert json.loads(created.stdout)["state"] == "COMPLETED"

    modified = nfvo(api, "slice", "modify", slice_id, "--set", "throughput_mbps=300", "--wait")
    assert modified.returncode == 0, modified.stderr
    assert json.loads(modified.stdout)["kind"] == "MODIFY"
    shown = json.loads(nfvo(api, "slice", "show", slice_id).stdout)
    assert shown["state"] == "ACTIVE"

    listing = nfvo(api, "slice", "list")
    assert slice_id in listing.stdout and "ACTIVE" in listing.stdout
    ops = nfvo(api, "op", "list", "--slice", slice_id)
    assert ops.stdout.count(slice_id) == 2 and "MODIFY" in ops.stdout

    deleted = nfvo(api, "slice", "delete", slice_id, "--wait")
    assert deleted.returncode == 0 and json.loads(deleted.stdout)["kind"] == "TERMINATE"


def test_refusals_print_the_problem_and_exit_2(api: str) -> None:
    infeasible = nfvo(api, "slice", "create", "urllc", "--set", "user_plane_budget_ms=0.1")
    assert infeasible.returncode == 2 and "422" in infeasible.stderr and "hint:" in infeasible.stderr
    assert "Traceback" not in infeasible.stderr
    bad = nfvo(api, "slice", "create", "urllc", "--set", "no-equals-sign")
    assert bad.returncode == 2 and "NAME=VALUE" in bad.stderr
    missing = nfvo(api, "op", "cancel", "op-000000000000")
    assert missing.returncode == 2 and "404" in missing.stderr
    unreachable = subprocess.run(
        [*NFVO, "slice", "list", "--api", "http://127.0.0.1:9"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert unreachable.returncode == 2 and "cannot reach" in unreachable.stderr
