"""`nfvo template validate|show FILE`: the catalog's diagnostics and slice graph on a terminal.

validate exits 0 when the template is valid, 1 when it has problems, 2 when it (or the
substrate file) cannot be read at all.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import typer

from nfvo.domain import Diagnostic, NfvoError

template_app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Check and show slice templates (YAML or CSAR)."
)

# Problems reading the file at all, rather than problems in what it says.
_UNREADABLE = {"unreadable-file", "csar-unreadable"}

FileArg = Annotated[Path, typer.Argument(help="template: a YAML file or a CSAR archive (.csar/.zip)")]
InputOpt = Annotated[
    list[str] | None, typer.Option("--input", "-i", help="template input NAME=VALUE (repeatable)")
]


def _inputs(pairs: list[str] | None) -> dict[str, object]:
    given: dict[str, object] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            typer.secho(f"error: --input wants NAME=VALUE, got {pair!r}", fg="red", err=True)
            raise typer.Exit(2)
        given[name] = value
    return given


def _service_file(file: Path) -> bool:
    """Whether `file` is a multi-slice service (models/services) rather than one template."""
    from nfvo.catalog.service import is_service

    if file.suffix.lower() not in (".yaml", ".yml"):
        return False
    try:
        return is_service(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return False  # the template loader reports it


def _exit_code(diags: list[Diagnostic]) -> int:
    if not diags:
        return 0
    return 2 if all(d.code in _UNREADABLE for d in diags) else 1


@template_app.command()
def validate(
    file: FileArg,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    substrate: Annotated[
        Path | None, typer.Option("--substrate", help="also check against this substrate file")
    ] = None,
    inputs: InputOpt = None,
) -> None:
    """Report every problem of a template, each with file, line and column."""
    from nfvo.catalog import load_substrate, validate_template

    given = _inputs(inputs)
    try:
        sub = load_substrate(substrate) if substrate is not None else None
    except NfvoError as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    service = _service_file(file)
    if service:
        from nfvo.catalog.service import analyse_service

        diags = list(analyse_service(file, substrate=sub).diagnostics)
    else:
        diags = validate_template(file, given, substrate=sub)
    code = _exit_code(diags)
    if as_json:
        body = {"file": str(file), "valid": not diags, "diagnostics": [dataclasses.asdict(d) for d in diags]}
        typer.echo(json.dumps(body, indent=2))
    elif diags:
        for diag in diags:
            typer.echo(diag.render(), err=code == 2)
        typer.echo(f"{file}: {len(diags)} problem{'s' if len(diags) != 1 else ''}", err=code == 2)
    else:
        typer.echo(f"{file}: valid")
    raise typer.Exit(code)


@template_app.command()
def show(
    file: FileArg,
    picture: Annotated[
        Path | None, typer.Option("--picture", help="also draw the slice graph to this .png or .svg file")
    ] = None,
    inputs: InputOpt = None,
) -> None:
    """Print the slice graph: functions with demands and sites, links, SLA and budgets
    (each slice's, for a multi-slice service)."""
    from nfvo.catalog import analyse
    from nfvo.catalog.render import PictureError, describe, draw

    if picture is not None and picture.suffix.lower() not in (".png", ".svg"):
        typer.secho(f"error: --picture must end in .png or .svg, got {picture.name!r}", fg="red", err=True)
        raise typer.Exit(2)
    if _service_file(file):
        from nfvo.catalog.service import analyse_service

        service = analyse_service(file)
        diags, slices = list(service.diagnostics), list(service.slices)
    else:
        analysis = analyse(file, _inputs(inputs))
        diags, slices = list(analysis.diagnostics), [analysis.loaded] if analysis.loaded else []
    if diags or not slices:
        for diag in diags:
            typer.echo(diag.render(), err=True)
        raise typer.Exit(_exit_code(diags) or 1)
    typer.echo("\n\n".join(describe(loaded) for loaded in slices))
    if picture is None:
        return
    for loaded in slices:
        out = picture if len(slices) == 1 else picture.with_stem(f"{picture.stem}-{loaded.request.template}")
        try:
            renderer = draw(loaded, out)
        except PictureError as exc:
            typer.secho(f"error: {exc}", fg="red", err=True)
            raise typer.Exit(2) from exc
        typer.echo(f"picture: {out} (drawn with {renderer})")
