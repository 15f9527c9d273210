"""Slice templates → SliceRequest: the catalog's entry points.

A template goes through these steps, all of which report into one list of diagnostics so
that a user sees every problem at once:

1. YAML, with positions kept (yamlpos.py); a syntax error stops here with its line/column.
2. Imports resolved locally, URLs refused (imports.py); imported type definitions learnt.
3. Shape, inputs and property values checked against those types (values.py, schema.py):
   positions exact, ints accepted for floats, `get_input` resolved everywhere.
4. tosca-parser validates the whole TOSCA grammar on the checked copy, serialised by a lock
   because its ExceptionCollector is global; what it collects becomes diagnostics with
   recovered lines (parser_errors.py).
5. Slice-level checks and the mapping to a SliceRequest (mapping.py).

tosca-parser is imported on first use: it costs ~0.5 s, and `import nfvo.catalog` should
not (the CLI's --help, the API's start-up).
"""

from __future__ import annotations

import copy
import functools
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nfvo.catalog.diagnostics import DiagnosticSink, sort_key
from nfvo.catalog.imports import resolve_imports
from nfvo.catalog.mapping import build_request
from nfvo.catalog.parser_errors import report, unknown_type_hint
from nfvo.catalog.schema import TypeRegistry
from nfvo.catalog.values import Shape, check_all_properties, check_shape, resolve_inputs
from nfvo.catalog.yamlpos import parse_yaml
from nfvo.domain import Diagnostic, SliceRequest, TemplateError
from nfvo.resources import models_dir

# tosca-parser keeps the exceptions of the parse in progress in class attributes
# (ExceptionCollector): two parses at once would mix or clear each other's errors.
_PARSE_LOCK = threading.Lock()


class ParserCrash(Exception):
    """tosca-parser stopped with an exception of its own (TypeError, KeyError, ...)."""


@functools.cache
def _tosca() -> tuple[Any, Any, Any, frozenset[str]]:
    # Imported here, not at the top: see the module docstring.
    from toscaparser.common.exception import ExceptionCollector, ValidationError
    from toscaparser.elements.entity_type import EntityType
    from toscaparser.tosca_template import ToscaTemplate

    # tosca-parser logs what it also raises; without any handler Python would print those
    # records on stderr. A NullHandler stops that and still lets them propagate to an
    # application's own logging configuration.
    for name in ("tosca", "toscaparser"):
        logging.getLogger(name).addHandler(logging.NullHandler())
    return ToscaTemplate, ExceptionCollector, ValidationError, frozenset(EntityType.TOSCA_DEF)


def _run_parser(work: dict[str, Any], params: Mapping[str, Any]) -> list[BaseException]:
    """Validate with tosca-parser; the problems it found (empty when none)."""
    with _PARSE_LOCK:
        tosca_template, collector, validation_error, _ = _tosca()  # the first call imports it
        try:
            tosca_template(yaml_dict_tpl=work, a_file=False, parsed_params=dict(params) or None)
            return []
        except validation_error:
            # Its own message embeds stack traces: the collected exceptions are the content.
            return list(collector.getExceptions()) or [ParserCrash("tosca-parser rejected the template")]
        except Exception as exc:  # it raises bare TypeError, KeyError, ... (see NOTES.md)
            crash = ParserCrash(
                f"tosca-parser stopped early ({type(exc).__name__}: {exc}); "
                "problems past this point may be missing"
            )
            return [*collector.getExceptions(), crash]
        finally:
            collector.stop()
            collector.clear()


def _drop_unknown_policies(
    work: dict[str, Any], shape: Shape, registry: TypeRegistry, sink: DiagnosticSink
) -> None:
    """Report policies of unknown types here and keep them from tosca-parser, which stops
    with a bare AttributeError on them and so would miss everything after."""
    with _PARSE_LOCK:
        normative = _tosca()[3]
    unknown = [
        p for p in shape.policies if not registry.knows("policy_types", p.type) and p.type not in normative
    ]
    for policy in unknown:
        sink.add(
            "unknown-type",
            f'Type "{policy.type}" is not a valid type.',
            (*policy.path, "type"),
            at_value=True,
            hint=unknown_type_hint(policy.type, registry),
        )
    if unknown:
        names = {p.name for p in unknown}
        topology = work["topology_template"]
        topology["policies"] = [item for item in topology["policies"] if next(iter(item)) not in names]


@dataclass(frozen=True)
class _Source:
    text: str
    label: str  # names the source in diagnostics
    base: Path  # relative imports are resolved against this folder
    restrict_to: Path | None  # imports must stay inside this folder (template text only)
    stem: str


def _read(source: Path | str) -> _Source | Diagnostic:
    if isinstance(source, str):
        base = models_dir() / "templates"
        return _Source(source, "<input>", base, models_dir().resolve(), "")
    if not isinstance(source, os.PathLike):
        raise TypeError(
            f"a template is a pathlib.Path (a file) or a str (YAML text), not {type(source).__name__}"
        )
    path = Path(source)
    if path.suffix.lower() in (".csar", ".zip"):
        return Diagnostic(
            "unsupported-format",
            "CSAR archives are not supported yet",
            file=str(path),
            hint="extract the archive and load its main template",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return Diagnostic("unreadable-file", f"cannot read the template: {reason}", file=str(path))
    return _Source(text, str(path), path.resolve().parent, None, path.stem)


def _template_name(data: Mapping[str, Any], source: _Source, name: str | None) -> str:
    if name:
        return name
    metadata = data.get("metadata")
    if isinstance(metadata, Mapping) and isinstance(metadata.get("template_name"), str):
        return str(metadata["template_name"])
    return source.stem or "template"


def _analyse(
    source: Path | str, inputs: Mapping[str, object] | None, name: str | None
) -> tuple[SliceRequest | None, list[Diagnostic], str]:
    read = _read(source)
    if isinstance(read, Diagnostic):
        return None, [read], read.file
    data, positions, syntax = parse_yaml(read.text, read.label)
    sink = DiagnosticSink(read.label, positions)
    sink.extend(syntax)
    if data is None and syntax:
        return None, sink.items, read.label
    if not isinstance(data, dict):
        hint = (
            "a str is read as YAML text: pass a pathlib.Path to load a file"
            if isinstance(source, str)
            else ""
        )
        sink.add(
            "not-a-template",
            "a template must be a YAML mapping (tosca_definitions_version, imports, topology_template)",
            hint=hint,
        )
        return None, sink.items, read.label
    work = copy.deepcopy(data)  # the parser's copy: imports rewritten, values coerced
    registry = TypeRegistry()
    imports = resolve_imports(work, read.base, read.restrict_to, sink, registry)
    registry.add_file(work)  # the template's own types, if any
    shape = check_shape(work, sink)
    resolved, params = resolve_inputs(shape, inputs or {}, sink)
    check_all_properties(shape, registry, resolved, sink)
    found: list[BaseException] = []
    # Malformed structure or unresolved imports would only make tosca-parser crash or
    # repeat "unknown type" for every node: report ours and skip it.
    if shape.ok and imports.ok:
        if "imports" in work:
            work["imports"] = imports.rewritten
        _drop_unknown_policies(work, shape, registry, sink)
        found = _run_parser(work, params)
    request = None
    if shape.ok:
        request = build_request(shape, registry, resolved, _template_name(data, read, name), sink)
    report(found, data, shape, registry, sink)
    if request is None and not sink:
        sink.add("incomplete-template", "the template lacks what a slice request needs")  # a safety net
    diags = sorted(sink.items, key=sort_key)
    return (request if not diags else None), diags, read.label


def validate_template(
    source: Path | str, inputs: Mapping[str, object] | None = None, *, name: str | None = None
) -> list[Diagnostic]:
    """Every problem of a template (empty when it loads). Arguments as for `load_template`."""
    return _analyse(source, inputs, name)[1]


def load_template(
    source: Path | str, inputs: Mapping[str, object] | None = None, *, name: str | None = None
) -> SliceRequest:
    """Load a slice template into a SliceRequest.

    `source` is a `pathlib.Path` to read, or a `str` holding the YAML text itself (e.g. an
    upload). Relative imports resolve against the file's folder; for text, against
    models/templates (so `../profile/nfvo-slice-types.yaml` works) and they may not leave
    models/. URL and repository imports are refused: nothing is fetched.

    `inputs` override the template's input defaults; unknown names are an error. Numbers and
    booleans may be given as text (as a command line passes them); integers are accepted
    where floats are declared.

    `name` names the request (SliceRequest.template); otherwise the template's
    metadata.template_name, else the file's stem, else "template".

    Raises `TemplateError` listing every problem, each with its line where it has one.
    """
    request, diags, label = _analyse(source, inputs, name)
    if request is None:
        count = len(diags)
        raise TemplateError(
            f"{label}: {count} problem{'s' if count != 1 else ''} in the slice template", diags
        )
    return request
