"""`nfvo slice ...` and `nfvo op ...`: what the API offers on slices and operations, from a
terminal (over HTTP, with an API key from --api-key or NFVO_API_KEY).

Exit status: 0 done (with --wait: the operation COMPLETED), 1 the operation ended otherwise
(with --wait; `plan`: it would not deploy), 2 refused or bad input (the API's problem detail
and hint are printed).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from nfvo.cli.apiclient import DEFAULT_API, ApiOpt, KeyOpt, call

slice_app = typer.Typer(no_args_is_help=True, help="Create, list, show, modify and delete slices.")
op_app = typer.Typer(
    no_args_is_help=True, help="List and show operations; retry, roll back, cancel, approve."
)
FINAL = ("COMPLETED", "ROLLED_BACK", "FAILED", "FAILED_TEMP")

SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="a template input, NAME=VALUE (VALUE parsed as JSON if it can be)"),
]
WaitOpt = Annotated[bool, typer.Option(help="wait for the operation to end; exit 1 unless it COMPLETED")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]


def parse_inputs(pairs: list[str] | None) -> dict[str, object]:
    inputs: dict[str, object] = {}
    for pair in pairs or []:
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            typer.secho(f"error: --set {pair!r} is not NAME=VALUE", fg="red", err=True)
            raise typer.Exit(2)
        try:
            inputs[name] = json.loads(raw)
        except json.JSONDecodeError:
            inputs[name] = raw  # a plain string, e.g. --set cell_site=cell-2
    return inputs


def _finish(api: str, key: str | None, operation: dict[str, Any], wait: bool) -> None:
    if not wait:
        typer.echo(json.dumps(operation, indent=2))
        return
    while operation["state"] not in FINAL:
        time.sleep(0.2)
        operation = call("GET", f"{api}/api/v1/operations/{operation['id']}", key).json()
    typer.echo(json.dumps(operation, indent=2))
    raise typer.Exit(0 if operation["state"] == "COMPLETED" else 1)


@slice_app.command("create")
def create(
    template: Annotated[str, typer.Argument(help="a catalog template name, e.g. urllc")],
    inputs: SetOpt = None,
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    wait: WaitOpt = False,
    api: ApiOpt = DEFAULT_API,
    api_key: KeyOpt = None,
) -> None:
    """Submit a slice from a catalog template."""
    body: dict[str, object] = {"template": template, "inputs": parse_inputs(inputs)}
    if name:
        body["name"] = name
    accepted = call("POST", f"{api}/api/v1/slices", api_key, body).json()
    typer.echo(f"slice {accepted['slice']['id']}", err=True)
    _finish(api, api_key, accepted["operation"], wait)


@slice_app.command("plan")
def plan(
    template: Annotated[str, typer.Argument(help="a catalog template name, e.g. urllc")],
    inputs_file: Annotated[Path | None, typer.Option("--inputs", help="YAML file of template inputs")] = None,
    inputs: SetOpt = None,
    as_json: JsonOpt = False,
    api: ApiOpt = DEFAULT_API,
    api_key: KeyOpt = None,
) -> None:
    """Dry run: placement, per-domain diff and twin verdict; deploys nothing (exit 1: would not deploy)."""
    from nfvo.cli.place import _inputs
    from nfvo.cli.plan_text import format_plan

    values = {**_inputs(inputs_file), **parse_inputs(inputs)}  # --set wins over the file
    body: dict[str, object] = {"template": template, "inputs": values}
    answer = call("POST", f"{api}/api/v1/plans", api_key, body).json()
    typer.echo(json.dumps(answer, indent=2) if as_json else format_plan(answer))
    raise typer.Exit(0 if answer["would_deploy"] else 1)


@slice_app.command("list")
def list_slices(
    state: Annotated[str | None, typer.Option(help="only slices in this state")] = None,
    as_json: JsonOpt = False,
    api: ApiOpt = DEFAULT_API,
    api_key: KeyOpt = None,
) -> None:
    """Slices, oldest first (a tenant's key: its own)."""
    slices = call("GET", f"{api}/api/v1/slices", api_key, params={"state": state} if state else None).json()
    if as_json:
        typer.echo(json.dumps(slices, indent=2))
        return
    for s in slices:
        typer.echo(f"{s['id']:<20} {s['state']:<17} {s['tenant']:<12} {s['template']:<14} {s['name']}")


@slice_app.command("show")
def show(slice_id: str, api: ApiOpt = DEFAULT_API, api_key: KeyOpt = None) -> None:
    """One slice with its placement and state, as JSON."""
    typer.echo(json.dumps(call("GET", f"{api}/api/v1/slices/{slice_id}", api_key).json(), indent=2))


@slice_app.command("modify")
def modify(
    slice_id: str,
    inputs: SetOpt = None,
    reason: Annotated[str, typer.Option(help="why, for the journal")] = "",
    wait: WaitOpt = False,
    api: ApiOpt = DEFAULT_API,
    api_key: KeyOpt = None,
) -> None:
    """Change template inputs of a live slice: re-placed, switched per domain, old restored on failure."""
    body: dict[str, object] = {"inputs": parse_inputs(inputs), "reason": reason}
    _finish(api, api_key, call("PATCH", f"{api}/api/v1/slices/{slice_id}", api_key, body).json(), wait)


@slice_app.command("delete")
def delete(
    slice_id: str,
    force: Annotated[bool, typer.Option(help="operators: for domains that no longer answer")] = False,
    wait: WaitOpt = False,
    api: ApiOpt = DEFAULT_API,
    api_key: KeyOpt = None,
) -> None:
    """Tear a slice down (with --force: whatever domains do not answer)."""
    params = {"force": "true"} if force else None
    _finish(
        api, api_key, call("DELETE", f"{api}/api/v1/slices/{slice_id}", api_key, params=params).json(), wait
    )


@slice_app.command("heal")
def heal(
    site: Annotated[list[str] | None, typer.Option(help="a site out of service")] = None,
    link: Annotated[list[str] | None, typer.Option(help="a link out of service, as SITE,SITE")] = None,
    restore: Annotated[bool, typer.Option(help="put them back in service instead")] = False,
    api: ApiOpt = DEFAULT_API,
    api_key: KeyOpt = None,
) -> None:
    """Take sites/links out of service and re-place every slice using them (operators)."""
    links = []
    for pair in link or []:
        a, sep, b = pair.partition(",")
        if not sep or not a or not b:
            typer.secho(f"error: --link {pair!r} is not SITE,SITE", fg="red", err=True)
            raise typer.Exit(2)
        links.append([a, b])
    path = "restore" if restore else "heal"
    body: dict[str, object] = {"sites": site or [], "links": links}
    typer.echo(json.dumps(call("POST", f"{api}/api/v1/substrate/{path}", api_key, body).json(), indent=2))


@op_app.command("list")
def list_operations(
    slice_id: Annotated[str | None, typer.Option("--slice", help="only this slice's")] = None,
    api: ApiOpt = DEFAULT_API,
    api_key: KeyOpt = None,
) -> None:
    """Operations, with their state and first-time-right flag."""
    params = {"slice_id": slice_id} if slice_id else None
    for op in call("GET", f"{api}/api/v1/operations", api_key, params=params).json():
        typer.echo(f"{op['id']:<17} {op['kind']:<12} {op['state']:<12} {op['slice_id']}")


@op_app.command("show")
def show_operation(operation_id: str, api: ApiOpt = DEFAULT_API, api_key: KeyOpt = None) -> None:
    """One operation with its steps and timings, as JSON."""
    typer.echo(json.dumps(call("GET", f"{api}/api/v1/operations/{operation_id}", api_key).json(), indent=2))


def _action(name: str, doc: str) -> None:
    def run(
        operation_id: str, wait: WaitOpt = False, api: ApiOpt = DEFAULT_API, api_key: KeyOpt = None
    ) -> None:
        reply = call("POST", f"{api}/api/v1/operations/{operation_id}/{name}", api_key).json()
        _finish(api, api_key, reply, wait)

    run.__doc__ = doc
    op_app.command(name)(run)


_action("retry", "Run a FAILED_TEMP operation again.")
_action("rollback", "Undo a FAILED_TEMP instantiation or modification everywhere.")
_action("cancel", "Cancel an instantiation or modification (held, running or FAILED_TEMP).")
_action("approve", "Let an operation held for approval proceed.")
_action("reject", "Refuse an operation held for approval.")
