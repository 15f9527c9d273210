"""The `nfvo` command: run the lab, run capacity studies."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from nfvo.domain import NfvoError
from nfvo.resources import example_substrate

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # our errors are reported by main(), bugs as plain traces
    help="Network-slice orchestrator.",
)

SubstrateOpt = Annotated[
    Path | None,
    typer.Option("--substrate", help="substrate YAML file (default: the example lab substrate)"),
]


@app.command()
def lab(
    demo: Annotated[bool, typer.Option(help="deploy the three example slices, tear one down, exit")] = False,
    host: Annotated[str, typer.Option(help="API address (loopback by default)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="API port")] = 8080,
    db: Annotated[
        Path | None, typer.Option(help="SQLite file to keep (default: a fresh temporary one)")
    ] = None,
    substrate: SubstrateOpt = None,
    ephemeral_ports: Annotated[
        bool, typer.Option(help="let the OS pick the emulated controllers' ports")
    ] = False,
    api_key: Annotated[
        str | None,
        typer.Option(
            envvar="NFVO_API_KEY",
            show_envvar=True,
            help="an admin API key to accept (at least 16 characters); default: a fresh one, printed once",
        ),
    ] = None,
    log_format: Annotated[
        Literal["json", "text"],
        typer.Option(help="log lines on stderr: json (one object a line, with request ids) or text"),
    ] = "text",
) -> None:
    """Start the orchestrator on embedded SQLite with the emulated lab and the API."""
    from nfvo import logs
    from nfvo.cli.demo import run_demo
    from nfvo.cli.runtime import lab_runtime, serving_in_background

    logs.configure(log_format)
    with lab_runtime(
        substrate or example_substrate(),
        host=host,
        port=port,
        db=db,
        ephemeral_ports=ephemeral_ports,
        api_key=api_key,
    ) as rt:
        typer.echo(f"Lab controllers on 127.0.0.1 (substrate {rt.lab.substrate.name}):")
        for ctl in rt.lab.substrate.controllers:
            creds = f" user {ctl.username} password {ctl.password}" if ctl.username else ""
            typer.echo(f"  {ctl.domain:<10} {ctl.protocol:<8} {ctl.address}{creds}")
        typer.echo(f"Store: {rt.db_url}")
        if demo:
            with serving_in_background(rt.server):
                typer.echo(f"API: {rt.base_url}/api/v1 (docs at {rt.base_url}/docs)")
                ok = run_demo(rt.base_url, rt.admin_key)
            typer.echo("\nDemo " + ("succeeded." if ok else "FAILED."))
            raise typer.Exit(0 if ok else 1)
        typer.echo(f"API: {rt.base_url}/api/v1 (OpenAPI docs at {rt.base_url}/docs). Ctrl-C stops.")
        if rt.admin_key_from_env:
            typer.echo("Admin API key: the one in NFVO_API_KEY.")
        else:
            typer.echo(f"Admin API key (shown once): {rt.admin_key}")
            typer.echo(f"  export NFVO_API_KEY={rt.admin_key}")
        typer.echo(
            f"Try: curl -s -X POST {rt.base_url}/api/v1/slices -H 'content-type: application/json' "
            '-H "Authorization: Bearer $NFVO_API_KEY" -d \'{"template": "urllc"}\''
        )
        rt.server.run()


from nfvo.cli.study import study_command  # noqa: E402  (its own module; registered like place)

app.command("study")(study_command)

from nfvo.cli.place import place_command  # noqa: E402  (its own module; registered like the ones above)

app.command("place")(place_command)

from nfvo.cli.template import template_app  # noqa: E402  (its own module, like place)

app.add_typer(template_app, name="template")


from nfvo.cli.reconcile import reconcile_command  # noqa: E402 (registered after the app exists)

app.command("reconcile")(reconcile_command)

from nfvo.cli.serve import serve_command  # noqa: E402 (registered after the app exists)

app.command("serve")(serve_command)

from nfvo.cli.fault import fault_app  # noqa: E402 (registered after the app exists)

app.add_typer(fault_app, name="fault")

from nfvo.cli.keys import keys_app  # noqa: E402 (registered after the app exists)

app.add_typer(keys_app, name="keys")

from nfvo.cli.slices import op_app, slice_app  # noqa: E402 (registered after the app exists)

app.add_typer(slice_app, name="slice")
app.add_typer(op_app, name="op")


def main() -> None:
    try:
        app()
    except NfvoError as exc:
        # Bad input from the command line: a precise message, never a trace.
        typer.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(2)
