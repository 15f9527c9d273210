"""Slice templates → SliceRequest: the catalog's entry points.

A template goes through these steps, all of which report into one list of diagnostics so
that a user sees every problem at once:

1. Reading: a YAML file, YAML text, or a CSAR archive (csar.py: extracted safely into a
   temporary folder that is always removed).
2. YAML, with positions kept (yamlpos.py); a syntax error stops here with its line/column.
3. Imports resolved locally, URLs refused (imports.py); imported type definitions learnt.
4. Shape, inputs and property values checked against those types (values.py, schema.py):
   positions exact, ints accepted for floats, `get_input` resolved everywhere.
5. tosca-parser validates the whole TOSCA grammar on the checked copy (parse.py, under a
   lock); what it collects becomes diagnostics with recovered lines (parser_errors.py).
6. The mapping to a SliceRequest and its SliceProfile, with the slice-level checks: the
   nfvo profile (mapping.py) or tosca-parser's NFV profile (nfv.py).
7. With a substrate: what no placement could satisfy (semantic.py).

Results are cached by content hash (cache.py): the same bytes with the same inputs give
the same result without parsing again.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nfvo.catalog import speedups
from nfvo.catalog.cache import LRUCache, content_key
from nfvo.catalog.context import MapContext
from nfvo.catalog.csar import open_csar
from nfvo.catalog.diagnostics import DiagnosticSink, sort_key
from nfvo.catalog.imports import CACHE_ENV, resolve_imports
from nfvo.catalog.mapping import build_request
from nfvo.catalog.nfv import build_nfv, is_nfv
from nfvo.catalog.parse import drop_unknown_policies, hide_forwarders, run_parser
from nfvo.catalog.parser_errors import report
from nfvo.catalog.profile import LoadedTemplate
from nfvo.catalog.schema import TypeRegistry
from nfvo.catalog.semantic import check_against_substrate
from nfvo.catalog.sla import SLA_TYPE
from nfvo.catalog.values import check_all_properties, check_shape, resolve_inputs
from nfvo.catalog.yamlpos import parse_yaml
from nfvo.domain import Diagnostic, SliceRequest, Substrate, TemplateError
from nfvo.resources import models_dir

CACHE: LRUCache[TemplateAnalysis] = LRUCache(maxsize=128)


@dataclass(frozen=True)
class TemplateAnalysis:
    loaded: LoadedTemplate | None  # None when there is any diagnostic
    diagnostics: tuple[Diagnostic, ...]
    label: str  # names the source in messages


@dataclass(frozen=True)
class _Source:
    text: str
    label: str  # names the source in diagnostics
    base: Path  # relative imports are resolved against this folder
    restrict_to: Path | None  # imports must stay inside this folder (template text, archives)
    stem: str


def _template_name(data: Mapping[str, Any], source: _Source, name: str | None) -> str:
    if name:
        return name
    metadata = data.get("metadata")
    if isinstance(metadata, Mapping) and isinstance(metadata.get("template_name"), str):
        return str(metadata["template_name"])
    return source.stem or "template"


def _analyse_text(
    source: _Source, inputs: Mapping[str, object], name: str | None, substrate: Substrate | None
) -> tuple[TemplateAnalysis, list[Path]]:
    """The analysis, and the files it imported."""
    data, positions, syntax = parse_yaml(source.text, source.label)
    sink = DiagnosticSink(source.label, positions)
    sink.extend(syntax)
    if data is None and syntax:
        return TemplateAnalysis(None, tuple(sink.items), source.label), []
    if not isinstance(data, dict):
        hint = "a str is read as YAML text: pass a pathlib.Path to load a file" if not source.stem else ""
        sink.add(
            "not-a-template",
            "a template must be a YAML mapping (tosca_definitions_version, imports, topology_template)",
            hint=hint,
        )
        return TemplateAnalysis(None, tuple(sink.items), source.label), []
    work = speedups.tree_copy(data)  # the parser's copy: imports rewritten, values coerced
    registry = TypeRegistry()
    imports = resolve_imports(work, source.base, source.restrict_to, sink, registry)
    registry.add_file(work)  # the template's own types, if any
    shape = check_shape(work, sink)
    resolved, params = resolve_inputs(shape, inputs, sink)
    check_all_properties(shape, registry, resolved, sink)
    found: list[BaseException] = []
    # Malformed structure or unresolved imports would only make tosca-parser crash or
    # repeat "unknown type" for every node: report ours and skip it.
    if shape.ok and imports.ok:
        if "imports" in work:
            work["imports"] = imports.rewritten
        drop_unknown_policies(work, shape, registry, sink)
        hide_forwarders(work, shape, registry)
        found = run_parser(work, params)
    loaded = None
    if shape.ok:
        ctx = MapContext(shape, registry, sink)
        template = _template_name(data, source, name)
        loaded = build_nfv(ctx, resolved, template) if is_nfv(ctx) else build_request(ctx, resolved, template)
        if loaded is not None and substrate is not None:
            paths = {e.name: e.path for e in (*shape.nodes, *shape.policies)}
            slas = [p for p in shape.policies if SLA_TYPE in registry.chain("policy_types", p.type)]
            if slas:
                paths["<sla>"] = slas[0].path
            check_against_substrate(loaded, substrate, sink, paths)
    report(found, data, shape, registry, sink)
    if loaded is None and not sink:
        sink.add("incomplete-template", "the template lacks what a slice request needs")  # a safety net
    diags = tuple(sorted(sink.items, key=sort_key))
    return TemplateAnalysis(None if diags else loaded, diags, source.label), imports.files


def _from_archive(
    path: Path, inputs: Mapping[str, object], name: str | None, substrate: Substrate | None
) -> TemplateAnalysis:
    with open_csar(path) as opened:
        if isinstance(opened, Diagnostic):
            return TemplateAnalysis(None, (opened,), str(path))
        label = f"{path}!{opened.member}"
        try:
            text = opened.entry.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            diag = Diagnostic("unreadable-file", f"cannot read the entry template: {exc}", file=label)
            return TemplateAnalysis(None, (diag,), label)
        source = _Source(text, label, opened.entry.parent, opened.root, Path(opened.member).stem)
        analysis, _ = _analyse_text(source, inputs, name, substrate)
        # Imported files were read from the temporary folder: name them inside the archive.
        prefix = str(opened.root) + os.sep
        diags = tuple(
            dataclasses.replace(d, file=f"{path}!{d.file.removeprefix(prefix)}")
            if d.file.startswith(prefix)
            else d
            for d in analysis.diagnostics
        )
        return dataclasses.replace(analysis, diagnostics=diags)


def _env() -> str | None:
    return os.environ.get(CACHE_ENV)  # the import cache folder changes what imports resolve to


def analyse(
    source: Path | str,
    inputs: Mapping[str, object] | None = None,
    *,
    name: str | None = None,
    substrate: Substrate | None = None,
) -> TemplateAnalysis:
    """Everything known about a template: the loaded template (None if it has problems)
    and every diagnostic. Arguments as for `load_template` and `validate_template`."""
    given = dict(inputs or {})
    if isinstance(source, str):
        key: tuple[Hashable, ...] = content_key(source.encode(), given, "text", name, substrate, _env())
        if (hit := CACHE.get(key)) is not None:
            return hit
        src = _Source(source, "<input>", models_dir() / "templates", models_dir().resolve(), "")
        analysis, deps = _analyse_text(src, given, name, substrate)
        CACHE.put(key, analysis, deps)
        return analysis
    if not isinstance(source, os.PathLike):
        raise TypeError(
            f"a template is a pathlib.Path (a file) or a str (YAML text), not {type(source).__name__}"
        )
    path = Path(source)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        diag = Diagnostic(
            "unreadable-file", f"cannot read the template: {exc.strerror or exc}", file=str(path)
        )
        return TemplateAnalysis(None, (diag,), str(path))
    key = content_key(raw, given, str(path.resolve()), name, substrate, _env())
    if (hit := CACHE.get(key)) is not None:
        return hit
    if path.suffix.lower() in (".csar", ".zip"):
        analysis, deps = _from_archive(path, given, name, substrate), []
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            diag = Diagnostic("unreadable-file", f"cannot read the template: {exc}", file=str(path))
            return TemplateAnalysis(None, (diag,), str(path))
        src = _Source(text, str(path), path.resolve().parent, None, path.stem)
        analysis, deps = _analyse_text(src, given, name, substrate)
    CACHE.put(key, analysis, deps)
    return analysis


def analyse_text_for_cache(
    text: str, inputs: Mapping[str, object], name: str | None
) -> tuple[Hashable, TemplateAnalysis, list[Path]]:
    """Analyse template text as `analyse(text, inputs, name=name)` does, without the cache:
    the cache key, the analysis and the files it imported, for another process to cache
    (offload.py)."""
    given = dict(inputs)
    key = content_key(text.encode(), given, "text", name, None, _env())
    src = _Source(text, "<input>", models_dir() / "templates", models_dir().resolve(), "")
    analysis, deps = _analyse_text(src, given, name, None)
    return key, analysis, deps


def validate_template(
    source: Path | str,
    inputs: Mapping[str, object] | None = None,
    *,
    substrate: Substrate | None = None,
    name: str | None = None,
) -> list[Diagnostic]:
    """Every problem of a template (empty when it loads). With a `substrate`, also what no
    placement on it could satisfy. Other arguments as for `load_template`."""
    return list(analyse(source, inputs, name=name, substrate=substrate).diagnostics)


def load(
    source: Path | str, inputs: Mapping[str, object] | None = None, *, name: str | None = None
) -> LoadedTemplate:
    """Load a template into a LoadedTemplate: the SliceRequest, the SliceProfile (what the
    domain cannot hold yet) and notes on the mapping. Arguments as for `load_template`."""
    analysis = analyse(source, inputs, name=name)
    if analysis.loaded is None:
        count = len(analysis.diagnostics)
        raise TemplateError(
            f"{analysis.label}: {count} problem{'s' if count != 1 else ''} in the slice template",
            list(analysis.diagnostics),
        )
    request = analysis.loaded.request
    # A cached request is shared: give each caller its own inputs mapping.
    return dataclasses.replace(
        analysis.loaded, request=dataclasses.replace(request, inputs=dict(request.inputs))
    )


def load_template(
    source: Path | str, inputs: Mapping[str, object] | None = None, *, name: str | None = None
) -> SliceRequest:
    """Load a slice template into a SliceRequest.

    `source` is a `pathlib.Path` to read (a YAML file, or a .csar/.zip archive), or a `str`
    holding the YAML text itself (e.g. an upload). Relative imports resolve against the
    file's folder; for text, against models/templates (so `../profile/nfvo-slice-types.yaml`
    works) and they may not leave models/; inside an archive, they may not leave it. URL and
    repository imports are refused: nothing is fetched.

    `inputs` override the template's input defaults; unknown names are an error. Numbers and
    booleans may be given as text (as a command line passes them); integers are accepted
    where floats are declared.

    `name` names the request (SliceRequest.template); otherwise the template's
    metadata.template_name, else the file's stem, else "template".

    Raises `TemplateError` listing every problem, each with its line where it has one.
    """
    return load(source, inputs, name=name).request
