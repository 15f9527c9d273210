"""The servers the API bench loads, each ONE uvicorn worker in its own process:

    python bench/api/servers.py hello PORT   # the baseline: bare FastAPI, one GET
    python bench/api/servers.py nfvo PORT    # what `nfvo lab` serves: the API over SQLite
                                             # and the emulated lab (NFVO_API_KEY is the admin key)

The nfvo server is wired as `nfvo lab` wires it (nfvo.cli.runtime), with two changes a
bench needs: the rate limit lets everything through (its bucket code still runs), and
the log lines go to stderr as JSON (the caller sends them to a file).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

import uvicorn
from fastapi import FastAPI

# BENCH_UVICORN_HTTP=h11 BENCH_UVICORN_LOOP=asyncio measure uvicorn without httptools and
# uvloop (what a plain `pip install uvicorn` gives); the default picks them when installed.
SERVER_OPTIONS = {
    "http": os.environ.get("BENCH_UVICORN_HTTP", "auto"),
    "loop": os.environ.get("BENCH_UVICORN_LOOP", "auto"),
}


def hello_app() -> FastAPI:
    app = FastAPI()

    @app.get("/hello")
    def hello() -> dict[str, str]:
        return {"status": "ok"}

    return app


def roomy_substrate(folder: Path) -> Path:
    """The lab substrate with 1000 times its capacity, so that the POST bench measures
    admissions (202), not a full ledger (422)."""
    from nfvo.resources import example_substrate

    text = example_substrate().read_text(encoding="utf-8")
    scaled = re.sub(r"\b(cpu|memory_gb|capacity_gbps): (\d+)", lambda m: f"{m[1]}: {int(m[2]) * 1000}", text)
    path = folder / "roomy.yaml"
    path.write_text(scaled, encoding="utf-8")
    return path


def serve_nfvo(port: int) -> None:
    from nfvo import logs
    from nfvo.api.app import create_app
    from nfvo.api.settings import RateLimit, Security
    from nfvo.catalog import load_substrate
    from nfvo.lifecycle import Orchestrator
    from nfvo.store import Store, keys
    from simulator.lab.lab import Lab

    logs.configure(os.environ.get("BENCH_LOG_FORMAT", "json"))  # type: ignore[arg-type]
    security = Security(rate_limit=RateLimit(per_second=1e9, burst=10**9))
    with (
        tempfile.TemporaryDirectory(prefix="nfvo-bench-") as scratch,
        Lab(load_substrate(roomy_substrate(Path(scratch))), ephemeral_ports=True) as lab,
    ):
        store = Store(f"sqlite:///{Path(scratch) / 'nfvo.db'}")
        keys.install_env_key(store, os.environ["NFVO_API_KEY"])
        orchestrator = Orchestrator(store, lab.substrate)
        try:
            app = create_app(orchestrator, lab, security=security)
            uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", workers=1, **SERVER_OPTIONS)
        finally:
            orchestrator.close()
            store.close()


if __name__ == "__main__":
    which, port = sys.argv[1], int(sys.argv[2])
    if which == "hello":
        app = hello_app()
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", workers=1, **SERVER_OPTIONS)
    else:
        serve_nfvo(port)
