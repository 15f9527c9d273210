"""Wiring for `nfvo lab`: the emulated lab, the store, the orchestrator and the API server."""

from __future__ import annotations

import secrets
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from nfvo.api.app import create_app
from nfvo.api.settings import Security, Webhooks
from nfvo.catalog import load_substrate
from nfvo.domain.access import Role
from nfvo.lifecycle import Orchestrator
from nfvo.store import Store, keys
from simulator.lab.lab import Lab


@dataclass
class LabRuntime:
    lab: Lab
    store: Store
    orchestrator: Orchestrator
    server: uvicorn.Server
    db_url: str
    admin_key: str  # the bootstrap admin key: printed once by `nfvo lab`, unless it came from the environment
    admin_key_from_env: bool

    @property
    def base_url(self) -> str:
        # With port 0 the OS picked one: ask the listening socket once the server is up.
        if self.server.started and self.server.servers and self.server.servers[0].sockets:
            host, port = self.server.servers[0].sockets[0].getsockname()[:2]
            return f"http://{host}:{port}"
        return f"http://{self.server.config.host}:{self.server.config.port}"


def db_url_for(db: Path | None, scratch: Path) -> str:
    # The emulated controllers keep their configuration in memory, so a database that
    # outlived them would describe slices no controller holds: a fresh one by default.
    return f"sqlite:///{(db or scratch / 'nfvo.db').resolve()}"


@contextmanager
def lab_runtime(
    substrate_file: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    db: Path | None = None,
    ephemeral_ports: bool = False,
    api_key: str | None = None,
) -> Iterator[LabRuntime]:
    """Start everything; on exit stop the API, finish running operations, stop the lab.

    The API needs keys, as everywhere: `api_key` (e.g. from NFVO_API_KEY) becomes an
    admin key, or a fresh admin key is made for this run.
    """
    substrate = load_substrate(substrate_file)
    with (
        tempfile.TemporaryDirectory(prefix="nfvo-lab-") as scratch,
        Lab(substrate, ephemeral_ports=ephemeral_ports) as lab,
    ):
        url = db_url_for(db, Path(scratch))
        store = Store(url)
        orchestrator = Orchestrator(store, lab.substrate)
        orchestrator.recover()  # a kept --db may hold operations a killed process left open
        if api_key is not None:
            keys.install_env_key(store, api_key)
            admin_key = api_key
        else:
            admin_key = keys.create_key(store, Role.ADMIN, None, "nfvo lab bootstrap admin").token
        # A lab on its own temporary store forgets its subscriptions when it stops anyway: a
        # webhook key made for this run is all it needs (no warning about restarts). With
        # --db, the key must outlive the process: NFVO_WEBHOOK_KEY, as for `nfvo serve`.
        security = Security(webhooks=Webhooks(secret_key=secrets.token_urlsafe(32))) if db is None else None
        app = create_app(orchestrator, lab, security=security)
        config = uvicorn.Config(app, host=host, port=port, log_level="warning")
        server = uvicorn.Server(config)
        try:
            yield LabRuntime(lab, store, orchestrator, server, url, admin_key, api_key is not None)
        finally:
            orchestrator.close()
            store.close()


@contextmanager
def serving_in_background(server: uvicorn.Server) -> Iterator[None]:
    thread = threading.Thread(target=server.run, name="nfvo-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise SystemExit(f"the API server did not start on {server.config.host}:{server.config.port}")
        time.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)
