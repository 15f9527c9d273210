"""`nfvo keys`: make the first API keys of a store (later ones through /api/v1/keys)."""

from __future__ import annotations

from typing import Annotated

import typer

from nfvo.cli.serve import database_url
from nfvo.domain.access import Role
from nfvo.store import Store
from nfvo.store import keys as key_store

keys_app = typer.Typer(no_args_is_help=True, help="Make, list and revoke API keys in a store.")
DbOpt = Annotated[str, typer.Option(help="the store: a SQLite file or a database URL")]


@keys_app.command("create")
def create(
    db: DbOpt,
    role: Annotated[Role, typer.Option(help="tenant, operator or admin")],
    name: Annotated[str, typer.Option(help="what the key is for")],
    tenant: Annotated[str | None, typer.Option(help="the tenant (role tenant only; it must exist)")] = None,
) -> None:
    """Make a key and print it: this once, never again."""
    store = Store(database_url(db))
    try:
        made = key_store.create_key(store, role, tenant, name)
    finally:
        store.close()
    typer.echo(f"key {made.key.id} ({made.key.role.value}): {made.token}")


@keys_app.command("list")
def list_keys(db: DbOpt) -> None:
    """Every key, without its secret."""
    store = Store(database_url(db))
    try:
        for key in key_store.list_keys(store):
            state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
            typer.echo(f"{key.id}  {key.role.value:<8} {key.tenant or '-':<16} {state:<24} {key.name}")
    finally:
        store.close()


@keys_app.command("revoke")
def revoke(db: DbOpt, key_id: Annotated[str, typer.Argument(help="the key's id")]) -> None:
    store = Store(database_url(db))
    try:
        key_store.revoke_key(store, key_id)
    finally:
        store.close()
    typer.echo(f"key {key_id} revoked")
