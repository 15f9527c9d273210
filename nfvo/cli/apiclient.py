"""Calls to a running orchestrator's API from the command line, with precise errors."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import typer

ApiOpt = Annotated[str, typer.Option("--api", envvar="NFVO_API", help="the API base URL")]
KeyOpt = Annotated[
    str | None,
    typer.Option(envvar="NFVO_API_KEY", show_envvar=True, help="an API key (tenant, operator or admin)"),
]
DEFAULT_API = "http://127.0.0.1:8080"


def call(
    method: str,
    url: str,
    api_key: str | None,
    body: dict[str, object] | None = None,
    params: dict[str, Any] | None = None,
) -> httpx.Response:
    """One request; exit 2 with the server's problem detail and hint on any error status,
    or with why the server could not be reached."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        reply = httpx.request(method, url, json=body, params=params, timeout=30, headers=headers)
    except httpx.HTTPError as exc:
        typer.secho(
            f"error: cannot reach {url}: {exc} (is `nfvo lab` or `nfvo serve` running?)", fg="red", err=True
        )
        raise typer.Exit(2) from exc
    if reply.status_code >= 400:
        problem = reply.json() if reply.headers.get("content-type", "").endswith("json") else {}
        detail = problem.get("detail") or reply.text
        hint = problem.get("hint")
        typer.secho(f"error: {reply.status_code} {detail}", fg="red", err=True)
        if hint:
            typer.secho(f"hint: {hint}", err=True)
        raise typer.Exit(2)
    return reply
