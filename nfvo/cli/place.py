"""`nfvo place`: place one slice template on a substrate file or a real topology and show
where everything went. The JSON form (--json) is documented in docs/placement.md.

Exit status: 0 placed, 1 infeasible (with the blocking constraint), 2 bad input,
3 the engine's placement failed the independent check (a bug: please report it).
"""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from nfvo.domain import InfeasibleError, Placement, SliceRequest, Substrate

SCHEMA = "nfvo-placement/1"


class Engine(enum.StrEnum):
    HEURISTIC = "heuristic"
    MILP = "milp"
    FIRST_FIT = "first-fit"


class Goal(enum.StrEnum):
    COST = "cost"
    LATENCY = "latency"
    LOAD_BALANCE = "load-balance"


def _template_source(template: str) -> Path:
    """A path, or the name of a shipped example (embb, urllc, mmtc)."""
    from nfvo.domain import Diagnostic, TemplateError
    from nfvo.resources import example_template

    path = Path(template)
    if path.exists() or path.suffix in (".yaml", ".yml", ".csar", ".zip"):
        return path
    example = example_template(template)
    if example.exists():
        return example
    diag = Diagnostic(
        "unknown-template",
        f"no file {template!r} and no example template of that name",
        hint="give a template file, or one of: embb, urllc, mmtc",
        file=template,
    )
    raise TemplateError(f"cannot find template {template!r}", [diag])


def _inputs(file: Path | None) -> dict[str, object]:
    import yaml

    from nfvo.domain import Diagnostic, InputError

    if file is None:
        return {}
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        diag = Diagnostic("unreadable-inputs", f"cannot read the inputs file: {exc}", file=str(file))
        raise InputError(f"cannot read inputs from {file}", [diag]) from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        diag = Diagnostic(
            "bad-inputs",
            "the inputs file must hold a mapping of input names to values",
            file=str(file),
            hint="e.g. `cell_site: cell-2`",
        )
        raise InputError(f"bad inputs file {file}", [diag])
    return dict(data)


def _run(
    engine: Engine,
    request: SliceRequest,
    substrate: Substrate,
    *,
    seed: int,
    time_limit: float,
    objective: Goal,
) -> Placement:
    from nfvo.domain import Usage
    from nfvo.placement import first_fit, place
    from nfvo.placement.milp import place_milp

    if engine is Engine.MILP:
        return place_milp(
            request, substrate, Usage(), seed=seed, time_limit_s=time_limit, objective=objective
        )
    if engine is Engine.FIRST_FIT:
        return first_fit(request, substrate, Usage(), seed=seed)
    return place(request, substrate, Usage(), seed=seed)


def report(
    request: SliceRequest,
    substrate: Substrate,
    *,
    engine: str,
    seed: int,
    options: dict[str, Any],
    source: str,
    placement: Placement | None = None,
    error: InfeasibleError | None = None,
    violations: list[str] | None = None,
) -> dict[str, Any]:
    """The JSON document of docs/placement.md (schema nfvo-placement/1)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        nfvo_version = version("nfvo-slices")
    except PackageNotFoundError:
        nfvo_version = "unknown"
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "nfvo_version": nfvo_version,
        "placed": placement is not None,
        "template": request.template,
        "inputs": {k: request.inputs[k] for k in sorted(request.inputs)},
        "substrate": {"name": substrate.name, "source": source},
        "engine": engine,
        "engine_version": placement.engine_version if placement else None,
        "seed": seed,
        "options": options,
        "cost": None,
        "assignments": [],
        "routes": [],
        "budgets": [],
        "stats": {},
        "violations": violations or [],
        "blocking": None,
    }
    if placement is not None:
        doc["cost"] = placement.cost
        doc["assignments"] = [
            {
                "function": nf.name,
                "kind": nf.kind,
                "domain": nf.domain.value,
                "site": (site := placement.assignments[nf.name]),
                "role": substrate.site(site).role.value,
                "cpu": nf.demand.cpu,
                "memory_gb": nf.demand.memory_gb,
            }
            for nf in request.functions
        ]
        ends = {vl.name: vl for vl in request.links}
        doc["routes"] = [
            {
                "vlink": r.vlink,
                "a": ends[r.vlink].a,
                "b": ends[r.vlink].b,
                "sites": list(r.sites),
                "latency_ms": r.latency_ms,
                "bandwidth_mbps": r.bandwidth_mbps,
            }
            for r in placement.routes
        ]
        doc["budgets"] = [
            {
                "name": o.budget.name,
                "source": o.budget.source,
                "target": o.budget.target,
                "max_ms": o.budget.max_ms,
                "achieved_ms": o.achieved_ms,
                "met": o.met,
            }
            for o in placement.budgets
        ]
        doc["stats"] = {k: placement.stats[k] for k in sorted(placement.stats)}
    if error is not None:
        b = error.blocking
        doc["blocking"] = {
            "kind": b.kind,
            "subject": b.subject,
            "required": b.required,
            "best_achievable": b.best_achievable,
            "unit": b.unit,
            "explanation": b.explanation,
            "hint": error.hint,
            "details": dict(b.details),
        }
    return doc


def _print_text(doc: dict[str, Any]) -> None:
    head = f"{doc['template']} on {doc['substrate']['name']}: engine {doc['engine']} (seed {doc['seed']})"
    if not doc["placed"]:
        typer.echo(f"{head}\nINFEASIBLE ({doc['blocking']['kind']}): {doc['blocking']['explanation']}")
        if doc["blocking"]["hint"]:
            typer.echo(f"hint: {doc['blocking']['hint']}")
        return
    typer.echo(f"{head}, cost {doc['cost']:.4f}")
    typer.echo("Functions:")
    for a in doc["assignments"]:
        typer.echo(
            f"  {a['function']:<12} {a['kind']:<6} → {a['site']} ({a['role']}), "
            f"{a['cpu']:g} vCPU, {a['memory_gb']:g} GB"
        )
    typer.echo("Virtual links:")
    for r in doc["routes"]:
        typer.echo(
            f"  {r['vlink']:<12} {r['a']} → {r['b']}, {r['bandwidth_mbps']:g} Mbps: "
            f"{' → '.join(r['sites'])} ({r['latency_ms']:.3f} ms)"
        )
    typer.echo("Latency budgets:")
    for b in doc["budgets"]:
        state = "met" if b["met"] else "MISSED"
        typer.echo(
            f"  {b['name']:<24} {b['source']} → {b['target']}: {b['achieved_ms']:.3f} ms "
            f"of {b['max_ms']:.3f} ms ({state})"
        )
    stats = ", ".join(f"{k} {v:g}" for k, v in doc["stats"].items())
    typer.echo(f"Stats: {stats}")
    check = "passed" if not doc["violations"] else "FAILED: " + "; ".join(doc["violations"])
    typer.echo(f"Independent check: {check}")


def place_command(
    template: Annotated[str, typer.Argument(help="slice template file, or an example: embb, urllc, mmtc")],
    substrate: Annotated[
        str | None,
        typer.Option(
            "--substrate",
            help="substrate YAML file or topohub:GROUP/NAME, e.g. topohub:sndlib/germany50 "
            "(default: the lab)",
        ),
    ] = None,
    engine: Annotated[Engine, typer.Option(help="placement engine")] = Engine.HEURISTIC,
    inputs: Annotated[Path | None, typer.Option("--inputs", help="YAML/JSON file of template inputs")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON (docs/placement.md)")] = False,
    seed: Annotated[int, typer.Option(help="seed for tie-breaks and topology roles")] = 0,
    time_limit: Annotated[float, typer.Option("--time-limit", min=0.001, help="MILP time limit (s)")] = 10.0,
    objective: Annotated[Goal, typer.Option(help="MILP objective")] = Goal.COST,
) -> None:
    """Place one slice: where each function goes, each virtual link's path, each budget."""
    from nfvo.catalog import load_template
    from nfvo.catalog.topology import resolve_substrate
    from nfvo.domain import InfeasibleError, Usage
    from nfvo.placement import check_placement
    from nfvo.resources import example_substrate

    source = substrate or str(example_substrate())
    sub = resolve_substrate(source, seed=seed)
    request = load_template(_template_source(template), _inputs(inputs))
    options: dict[str, Any] = {}
    if engine is Engine.MILP:
        options = {"time_limit_s": time_limit, "objective": objective.value}
    try:
        placement = _run(engine, request, sub, seed=seed, time_limit=time_limit, objective=objective)
    except InfeasibleError as exc:
        _emit(
            report(request, sub, engine=engine.value, seed=seed, options=options, source=source, error=exc),
            as_json,
        )
        raise typer.Exit(1) from None
    violations = check_placement(request, sub, Usage(), placement)
    _emit(
        report(
            request,
            sub,
            engine=engine.value,
            seed=seed,
            options=options,
            source=source,
            placement=placement,
            violations=violations,
        ),
        as_json,
    )
    raise typer.Exit(3 if violations else 0)


def _emit(doc: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(doc, indent=2, default=str))
    else:
        _print_text(doc)
