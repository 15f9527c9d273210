"""`nfvo fault`: switch faults on a running lab's emulated controllers (via its API)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from nfvo.cli.apiclient import ApiOpt, KeyOpt
from nfvo.cli.apiclient import call as _call

fault_app = typer.Typer(no_args_is_help=True, help="Inject or clear faults on a running `nfvo lab`.")

DomainOpt = Annotated[str, typer.Option("--domain", help="ran, transport or core")]


@fault_app.command("inject")
def inject(
    domain: DomainOpt,
    kind: Annotated[str, typer.Option(help="reject, delay, drop, timeout or partial")],
    on: Annotated[str | None, typer.Option(help="open, read, edit, commit, cancel, lock or any")] = None,
    times: Annotated[int, typer.Option(min=0, help="how many operations it hits; 0 = until cleared")] = 1,
    delay_ms: Annotated[float, typer.Option(min=0, help="delay before the operation")] = 0.0,
    status: Annotated[str | None, typer.Option(help="error-tag / gRPC status for reject")] = None,
    api: ApiOpt = "http://127.0.0.1:8080",
    api_key: KeyOpt = None,
) -> None:
    """Make a controller act out a fault on its next matching operation(s)."""
    body: dict[str, object] = {"kind": kind, "on": on, "times": times, "delay_ms": delay_ms, "status": status}
    reply = _call("POST", f"{api}/api/v1/lab/controllers/{domain}/faults", api_key, body)
    typer.echo(json.dumps(reply.json(), indent=2))


@fault_app.command("clear")
def clear(domain: DomainOpt, api: ApiOpt = "http://127.0.0.1:8080", api_key: KeyOpt = None) -> None:
    """Drop a controller's pending faults and end delays or hangs in progress."""
    _call("DELETE", f"{api}/api/v1/lab/controllers/{domain}/faults", api_key)
    typer.echo(f"faults cleared on {domain}")


@fault_app.command("list")
def list_faults(api: ApiOpt = "http://127.0.0.1:8080", api_key: KeyOpt = None) -> None:
    """Each controller with its pending faults and how many operations faults have hit."""
    typer.echo(json.dumps(_call("GET", f"{api}/api/v1/lab/controllers", api_key).json(), indent=2))
