"""`nfvo reconcile`: drift between the controllers and the store, optionally repaired."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from nfvo.catalog import load_substrate
from nfvo.cli.serve import database_url
from nfvo.lifecycle import Orchestrator
from nfvo.resources import example_substrate
from nfvo.store import Store


def reconcile_command(
    db: Annotated[str, typer.Option(help="the store: a SQLite file or a database URL")],
    substrate: Annotated[
        Path | None, typer.Option(help="substrate YAML naming the controllers (default: the lab's)")
    ] = None,
    repair: Annotated[bool, typer.Option(help="delete orphans, push missing or differing config")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the drift as JSON")] = False,
) -> None:
    """Compare what each domain controller holds with what the store says.

    Exit status 0: no drift (or all repaired); 1: drift remains; 2: bad input.
    """
    store = Store(database_url(db))
    orchestrator = Orchestrator(store, load_substrate(substrate or example_substrate()))
    try:
        drifts = orchestrator.reconcile(repair=repair)
    finally:
        orchestrator.close()
        store.close()
    if as_json:
        typer.echo(json.dumps([asdict(d) for d in drifts], indent=2))
    elif not drifts:
        typer.echo("No drift: every controller holds exactly what the store says.")
    for d in [] if as_json else drifts:
        status = " (repaired)" if d.repaired else ""
        typer.echo(
            f"{d.kind:<11} {d.domain:<10} {d.controller:<14} {d.slice_id or '-':<20} {d.detail}{status}"
        )
    raise typer.Exit(1 if any(not d.repaired for d in drifts) else 0)
