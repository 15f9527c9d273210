"""`nfvo serve`: the orchestrator and its API against the controllers a substrate names
(no emulated lab). Several processes may share one PostgreSQL (or SQLite) database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from nfvo.api.app import create_app
from nfvo.api.settings import RateLimit, Security
from nfvo.catalog import load_substrate
from nfvo.domain import ApprovalPolicy
from nfvo.lifecycle import Orchestrator
from nfvo.store import Store, keys


def database_url(db: str) -> str:
    """A database URL, or a path to a SQLite file."""
    return db if "://" in db else f"sqlite:///{Path(db).resolve()}"


def serve_command(
    db: Annotated[str, typer.Option(help="database URL (postgresql+psycopg://...) or a SQLite file")],
    substrate: Annotated[Path, typer.Option(help="substrate YAML naming the domain controllers")],
    host: Annotated[str, typer.Option(help="API address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="API port")] = 8080,
    workers: Annotated[int, typer.Option(min=1, help="operations run at once in this process")] = 4,
    require_approval: Annotated[
        list[str] | None,
        typer.Option(help="a slice type (eMBB, URLLC, mMTC, V2X) an operator must approve; repeatable"),
    ] = None,
    approve_dedicated: Annotated[
        bool, typer.Option(help="dedicated slices need an operator's approval")
    ] = False,
    api_key: Annotated[
        str | None,
        typer.Option(
            envvar="NFVO_API_KEY",
            show_envvar=True,
            help="install this as an admin API key (at least 16 characters); `nfvo keys create` makes others",
        ),
    ] = None,
    rate_limit: Annotated[
        float, typer.Option(min=0.0, help="requests per second per client (API key or address); 0: no limit")
    ] = 20.0,
    burst: Annotated[int, typer.Option(min=1, help="requests a client may send at once")] = 40,
) -> None:
    """Serve the API (every request needs an API key); operations left open by a crashed
    process are recovered first."""
    store = Store(database_url(db))
    if api_key is not None:
        keys.install_env_key(store, api_key)
    if not any(k.revoked_at is None for k in keys.list_keys(store)):
        typer.echo(
            "No API key exists yet: make an admin key with "
            f"`nfvo keys create --db {db} --role admin --name ops`, or set NFVO_API_KEY.",
            err=True,
        )
    security = Security(rate_limit=RateLimit(rate_limit, burst) if rate_limit > 0 else None)
    approvals = ApprovalPolicy(frozenset(require_approval or ()), approve_dedicated)
    orchestrator = Orchestrator(store, load_substrate(substrate), workers=workers, approvals=approvals)
    try:
        recovered = orchestrator.recover()
        if recovered:
            typer.echo(f"Recovered {len(recovered)} operation(s) left open by a stopped process.")
        typer.echo(f"API: http://{host}:{port}/api/v1 (store: {store.engine.url.render_as_string()})")
        uvicorn.run(create_app(orchestrator, security=security), host=host, port=port, log_level="warning")
    finally:
        orchestrator.close()
        store.close()
