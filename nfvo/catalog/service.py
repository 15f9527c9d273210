"""Multi-slice services: several slice templates deployed together (format in
models/templates/showcase/campus.yaml), checked one by one and across each other.

Across slices: slice names are unique; a function instance shared by several slices
(nfvo.policies.Sharing with the same `instance`) has one kind in all of them, and every
slice that shares it accepts the others (its `shared_with` is empty or names them).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

from nfvo.catalog.diagnostics import DiagnosticSink, sort_key
from nfvo.catalog.fields import FieldReader
from nfvo.catalog.loader import analyse
from nfvo.catalog.profile import LoadedTemplate
from nfvo.catalog.yamlpos import YPath, parse_yaml
from nfvo.domain import Diagnostic, Substrate
from nfvo.resources import example_template

_TOP = {"name": True, "description": False, "slices": True}
_SLICE = {"name": True, "template": True, "inputs": False}


@dataclass(frozen=True)
class ServiceAnalysis:
    name: str
    slices: tuple[LoadedTemplate, ...]  # empty when there is any diagnostic
    diagnostics: tuple[Diagnostic, ...]


def is_service(text: str) -> bool:
    """Whether YAML text is a service file (a top-level `service:` key), cheaply."""
    return any(line.startswith("service:") for line in text.splitlines())


def _template_path(ref: str, base: Path) -> Path:
    local = (base / ref).resolve()
    return local if ref.endswith((".yaml", ".yml", ".csar", ".zip")) else example_template(ref)


def analyse_service(path: Path, *, substrate: Substrate | None = None) -> ServiceAnalysis:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        diag = Diagnostic("unreadable-file", f"cannot read the service: {exc}", file=str(path))
        return ServiceAnalysis(path.stem, (), (diag,))
    data, positions, syntax = parse_yaml(text, str(path))
    sink = DiagnosticSink(str(path), positions)
    sink.extend(syntax)
    if data is None and syntax:
        return ServiceAnalysis(path.stem, (), tuple(sink.items))
    reader = FieldReader(sink)
    root: YPath = ("service",)
    top = reader.entry(data.get("service") if isinstance(data, dict) else data, root, _TOP, "a service")
    loaded: list[tuple[YPath, LoadedTemplate]] = []
    names: set[str] = set()
    slices = top.get("slices") if top else None
    if top is not None and not isinstance(slices, list):
        sink.add("wrong-type", "slices must be a list", (*root, "slices"), at_value=True)
    for i, item in enumerate(slices if isinstance(slices, list) else []):
        where: YPath = (*root, "slices", i)
        entry = reader.entry(item, where, _SLICE, "a slice")
        if entry is None:
            continue
        name, ref = reader.text(entry, "name", where), reader.text(entry, "template", where)
        if name in names:
            sink.add("duplicate-name", f"two slices are named {name!r}", (*where, "name"), at_value=True)
        inputs = entry.get("inputs") or {}
        if not isinstance(inputs, dict):
            sink.add("wrong-type", "inputs must be a mapping", (*where, "inputs"), at_value=True)
            continue
        if name is None or ref is None:
            continue
        names.add(name)
        template = _template_path(ref, path.parent)
        if not template.is_file():
            sink.add(
                "template-not-found", f"no template {ref!r} (looked for {template})", (*where, "template")
            )
            continue
        result = analyse(template, inputs, name=name, substrate=substrate)
        sink.extend(result.diagnostics)
        if result.loaded is not None:
            loaded.append((where, result.loaded))
    _check_sharing(loaded, sink)
    diags = tuple(sorted(sink.items, key=sort_key))
    name = top.get("name") if top and isinstance(top.get("name"), str) else path.stem
    return ServiceAnalysis(str(name), () if diags else tuple(t for _, t in loaded), diags)


def _check_sharing(loaded: list[tuple[YPath, LoadedTemplate]], sink: DiagnosticSink) -> None:
    # instance -> [(slice name, kind, accepted peers, where)]
    users: dict[str, list[tuple[str, str, tuple[str, ...], YPath]]] = {}
    for where, template in loaded:
        request = template.request
        for share in template.profile.sharing:
            if share.instance is None:
                continue
            for fn in share.functions:
                kind = request.function(fn).kind
                users.setdefault(share.instance, []).append(
                    (request.template, kind, share.shared_with, where)
                )
    for instance, group in users.items():
        for (a, kind_a, peers_a, where_a), (b, kind_b, peers_b, _) in itertools.combinations(group, 2):
            if kind_a != kind_b:
                sink.add(
                    "sharing-conflict",
                    f"slices {a!r} and {b!r} share {instance!r}, but as a {kind_a} and a {kind_b}",
                    where_a,
                )
            for me, peers, other in ((a, peers_a, b), (b, peers_b, a)):
                if peers and other not in peers:
                    sink.add(
                        "sharing-refused",
                        f"slice {me!r} shares {instance!r} only with {', '.join(peers)}, not with {other!r}",
                        where_a,
                        hint=f"add {other!r} to shared_with",
                    )
