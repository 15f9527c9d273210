"""A real PostgreSQL cluster for the tests: initdb + pg_ctl in a temporary folder, on
127.0.0.1 and a free port, with a fresh database per test."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

BIN_DIRS = [Path(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)]


def _binary(name: str) -> str | None:
    for folder in BIN_DIRS:
        if (folder / name).exists():
            return str(folder / name)
    return shutil.which(name)


def _as_postgres(cmd: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root; CI runs as root, a laptop usually not.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """Yield an admin URL (postgresql+psycopg://...) of a running throw-away cluster."""
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        message = "PostgreSQL server binaries not found: apt-get install -y postgresql"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: a failure, not a skip)")
        pytest.skip(message)
    # Not under pytest's tmp_path: that tree is private to the user running pytest, and
    # the server may run as another user (postgres, when the tests run as root).
    base = Path(tempfile.mkdtemp(prefix="nfvo-pg-"))
    data = base / "pgdata"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    port = _free_port()
    user = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")
    subprocess.run(
        _as_postgres([initdb, "--no-sync", "-A", "trust", "-U", user, "-D", str(data)]),
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off"
    subprocess.run(
        _as_postgres([pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start"]),
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    try:
        yield f"postgresql+psycopg://{user}@127.0.0.1:{port}"
    finally:
        subprocess.run(
            _as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True, timeout=60, check=False,
        )  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


def fresh_database(admin_url: str) -> str:
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    conninfo = admin_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{admin_url}/{name}"
