"""Shared fixtures: real servers on 127.0.0.1, started by the tests themselves."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from nfvo.store import Store

# Imported inside the fixtures, so that a suite loads only the parts it exercises.
if TYPE_CHECKING:
    import uvicorn

    from nfvo.domain import Substrate
    from nfvo.lifecycle import Orchestrator
    from simulator.lab.lab import Lab

DATA = Path(__file__).parent / "data"


def require_executable(path: str, package: str) -> None:
    """Skip when a Debian package's program is missing — except in CI, where it must be there."""
    if shutil.which(path) is None and not Path(path).exists():
        message = f"{path} not found: install the Debian package {package} (apt-get install -y {package})"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " — CI=true, so this is a failure, not a skip")
        pytest.skip(message)


@pytest.fixture(scope="session")
def lab_substrate() -> Substrate:
    from nfvo.catalog import load_substrate
    from nfvo.resources import example_substrate

    return load_substrate(example_substrate())


@pytest.fixture
def lab(lab_substrate: Substrate) -> Iterator[Lab]:
    from simulator.lab.lab import Lab

    with Lab(lab_substrate, ephemeral_ports=True) as running:
        yield running


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    from postgres import postgres_cluster

    with postgres_cluster() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The same tests run on the embedded default (SQLite) and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'nfvo.db'}"
    else:
        from postgres import fresh_database

        url = fresh_database(request.getfixturevalue("postgres_admin_url"))
    s = Store(url)
    yield s
    s.close()


@pytest.fixture
def orchestrator(lab: Lab, store: Store) -> Iterator[Orchestrator]:
    from nfvo.lifecycle import Orchestrator

    orch = Orchestrator(store, lab.substrate, confirm_timeout_s=10)
    yield orch
    orch.close()


class LiveServer:
    def __init__(self, server: uvicorn.Server) -> None:
        self.server = server
        self.thread = threading.Thread(target=server.run, daemon=True)

    @property
    def url(self) -> str:
        sock = self.server.servers[0].sockets[0]
        host, port = sock.getsockname()[:2]
        return f"http://{host}:{port}"

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def api(orchestrator: Orchestrator, lab: Lab) -> Iterator[str]:
    """A real uvicorn serving the API on an ephemeral loopback port; yields its base URL
    with an admin API key as the URL's user name (http://KEY@127.0.0.1:PORT), which httpx
    and curl send as Basic credentials: the API always needs a key. No rate limit."""
    import uvicorn

    from nfvo.api.app import create_app
    from nfvo.api.settings import Security
    from nfvo.domain.access import Role
    from nfvo.store import keys

    admin = keys.create_key(orchestrator.store, Role.ADMIN, None, "tests").token
    app = create_app(orchestrator, lab, security=Security(rate_limit=None))
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    live = LiveServer(uvicorn.Server(config)).start()
    yield live.url.replace("http://", f"http://{admin}@", 1)
    live.stop()
