"""Resolving a template's `imports` to local files, before tosca-parser sees them.

tosca-parser fetches URL imports with urllib (network access during a request) and, for a
template given as data rather than a file, accepts only absolute import paths. So the
catalog resolves every import itself: URL and repository imports are refused, relative
paths are resolved against the template's folder (or, for template text, against
models/templates so that `../profile/nfvo-slice-types.yaml` works), and the copy handed to
the parser carries absolute paths. A URL imported by the template itself may be answered
from a local cache folder the operator names in $NFVO_IMPORT_CACHE (never from the
network); URLs inside imported files are always refused, since tosca-parser would fetch
them. Imported files are read here too, recursively, both to refuse URLs nested in them and
to learn their type definitions (see schema.py).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from nfvo.catalog.diagnostics import DiagnosticSink
from nfvo.catalog.schema import TypeRegistry
from nfvo.catalog.yamlpos import Positions, YPath, parse_yaml
from nfvo.domain import Diagnostic

_MAX_DEPTH = 8  # imports of imports; deeper is surely a cycle or a mistake
CACHE_ENV = "NFVO_IMPORT_CACHE"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass
class ImportResult:
    rewritten: list[Any] = field(default_factory=list)  # the imports section for tosca-parser
    files: list[Path] = field(default_factory=list)
    ok: bool = True


@dataclass(frozen=True)
class _Entry:
    path: YPath  # where the file name is written
    uri: object
    name: str | None  # tosca-parser's import name, for {name: uri} entries
    definition: dict[str, Any] | None  # the {file: ..., namespace_prefix: ...} mapping, if any


def _is_url(uri: str) -> bool:
    # Anything with a scheme (http:, https:, ftp:, file:, ...) is refused; a Windows drive
    # letter ("C:") is the one scheme-looking thing that is a local path.
    if re.match(r"^[A-Za-z]:[\\/]", uri):
        return False
    return bool(_SCHEME.match(uri)) or bool(urlparse(uri).netloc)


def from_cache(uri: str) -> Path | None:
    """A URL import resolved from the local cache folder an operator configured in
    $NFVO_IMPORT_CACHE: `<cache>/<host>/<path>` or else `<cache>/<file name>`. Nothing is
    ever downloaded; without the variable, or without the file, there is no answer."""
    folder = os.environ.get(CACHE_ENV)
    if not folder:
        return None
    root = Path(folder).resolve()
    url = urlparse(uri)
    parts = [p for p in (url.netloc, *url.path.split("/")) if p and p not in (".", "..")]
    for candidate in (root.joinpath(*parts), root / (parts[-1] if parts else "")):
        found = candidate.resolve()
        if found.is_relative_to(root) and found.is_file():
            return found
    return None


def _resolve(
    uri: object,
    path: YPath,
    base: Path,
    restrict_to: Path | None,
    sink: DiagnosticSink,
    *,
    cache: bool = False,
) -> Path | None:
    if not isinstance(uri, str) or not uri.strip():
        sink.add("invalid-import", "an import must name a file", path, at_value=True)
        return None
    if _is_url(uri):
        cached = from_cache(uri) if cache else None
        if cached is not None:
            return cached
        sink.add(
            "import-url-refused",
            f"import {uri!r} is a URL; the catalog never fetches imports over the network",
            path,
            at_value=True,
            hint="import a local file by a relative path (e.g. ../profile/nfvo-slice-types.yaml), or "
            f"put a copy in the folder named by ${CACHE_ENV}",
        )
        return None
    target = Path(uri)
    target = (target if target.is_absolute() else base / target).resolve()
    if restrict_to is not None and not target.is_relative_to(restrict_to):
        shipped = _shipped_profile(uri, restrict_to)
        if shipped is not None:
            return shipped
        # Template text comes from tenants (the API): it may only import shipped models.
        sink.add(
            "import-outside-models",
            f"import {uri!r} resolves outside the models folder; an uploaded template may only "
            "import the shipped profile",
            path,
            at_value=True,
            hint="use ../profile/nfvo-slice-types.yaml",
        )
        return None
    if not target.is_file():
        sink.add(
            "import-not-found",
            f"import {uri!r} was not found (looked for {target})",
            path,
            at_value=True,
            hint=_missing_import_hint(uri),
        )
        return None
    return target


def _shipped_profile(uri: str, models: Path) -> Path | None:
    """The shipped profile file an import names by a path from another folder, e.g.
    `../../profile/nfvo-slice-types.yaml` in a template that lived in a subfolder of
    models/templates/ before its text was recorded in the catalog (where text is resolved
    from models/templates/): the same file, wherever the template was."""
    parts = Path(uri).parts
    if len(parts) < 2 or parts[-2] != "profile":
        return None
    candidate = models / "profile" / parts[-1]
    return candidate if candidate.is_file() else None


# The type files ONAP SDC writes next to every service template it distributes.
_SDC_FILES = {"nodes.yml", "data.yml", "capabilities.yml", "relationships.yml", "groups.yml", "policies.yml"}
_SDC_FILES |= {"annotations.yml", "artifacts.yml", "interfaces.yml"}


def _missing_import_hint(uri: str) -> str:
    name = Path(uri).name
    if name in _SDC_FILES or re.fullmatch(r"(service|resource)-.+-template(-interface)?\.yml", name):
        return (
            "an ONAP SDC service template: SDC ships the files it imports in the service CSAR's "
            "Definitions folder; load the whole CSAR (service-<name>-csar.csar) instead of the template alone"
        )
    if name.startswith("etsi_nfv_sol001"):
        return (
            "ETSI SOL001 definitions travel in the VNF package (CSAR): load the package, not the VNFD alone"
        )
    return "paths are relative to the importing file's folder"


def _entries(imports: object, path: YPath, sink: DiagnosticSink) -> list[_Entry]:
    """Each import as (path of its file name, file name, import name, definition mapping).

    tosca-parser reads a mapping entry as {import_name: uri-or-definition}; a plain string is
    an unnamed import. Repository imports (fetched from a URL) are refused here."""
    if not isinstance(imports, list):
        sink.add("invalid-import", "imports must be a list", path, at_value=True)
        return []
    raw: list[tuple[YPath, object, str | None]] = []
    for i, item in enumerate(imports):
        if isinstance(item, dict):
            raw.extend(((*path, i, str(k)), v, str(k)) for k, v in item.items())
        else:
            raw.append(((*path, i), item, None))
    out: list[_Entry] = []
    for where, uri, name in raw:
        if not isinstance(uri, dict):
            out.append(_Entry(where, uri, name, None))
        elif "repository" in uri:
            sink.add(
                "import-repository-refused",
                "imports from repositories are fetched over the network; the catalog refuses them",
                (*where, "repository"),
                hint="import a local file instead",
            )
        else:
            out.append(_Entry((*where, "file"), uri.get("file"), name, uri))
    return out


def resolve_imports(
    data: dict[str, Any],
    base: Path,
    restrict_to: Path | None,
    sink: DiagnosticSink,
    registry: TypeRegistry,
) -> ImportResult:
    """Check and resolve the imports of the template `data` (whose diagnostics go to
    `sink`), load the imported type definitions into `registry`, and return the imports
    section rewritten with absolute paths."""
    result = ImportResult()
    if "imports" not in data:
        return result
    before = len(sink)
    for entry in _entries(data["imports"], ("imports",), sink):
        target = _resolve(entry.uri, entry.path, base, restrict_to, sink, cache=True)
        if target is None:
            continue
        _load_nested(target, registry, sink, result, depth=1)
        local: Any = str(target) if entry.definition is None else {**entry.definition, "file": str(target)}
        result.rewritten.append(local if entry.name is None else {entry.name: local})
    result.ok = len(sink) == before
    return result


_Parsed = tuple[Any, Positions, list[Diagnostic]]
_PARSED: dict[tuple[str, int, int], _Parsed] = {}


def _parse_file(file: Path) -> _Parsed | str:
    """An imported file parsed with positions, cached by (path, mtime, size): the profile
    is imported by every template. The result is shared: callers only read it."""
    try:
        st = file.stat()
        key = (str(file), st.st_mtime_ns, st.st_size)
        if key not in _PARSED:
            parsed = parse_yaml(file.read_text(encoding="utf-8"), str(file))
            if len(_PARSED) > 64:
                _PARSED.clear()
            _PARSED[key] = parsed
        return _PARSED[key]
    except (OSError, UnicodeDecodeError) as exc:
        return str(exc)


def _load_nested(
    file: Path, registry: TypeRegistry, sink: DiagnosticSink, result: ImportResult, depth: int
) -> None:
    if file in result.files:
        return
    result.files.append(file)
    parsed = _parse_file(file)
    if isinstance(parsed, str):
        sink.add("import-unreadable", f"cannot read imported file {file}: {parsed}")
        return
    data, positions, diags = parsed
    nested = DiagnosticSink(str(file), positions)
    nested.extend(diags)
    if isinstance(data, dict):
        registry.add_file(data)
        if "imports" in data:
            if depth >= _MAX_DEPTH:
                nested.add("import-too-deep", f"imports nest deeper than {_MAX_DEPTH} files", ("imports",))
            else:
                # tosca-parser resolves these itself, relative to the imported file; here they
                # are only checked (no URL, file exists) and their types learnt.
                for entry in _entries(data["imports"], ("imports",), nested):
                    target = _resolve(entry.uri, entry.path, file.parent, None, nested)
                    if target is not None:
                        _load_nested(target, registry, nested, result, depth + 1)
    elif data is not None:
        nested.add("invalid-import", "an imported file must hold a TOSCA definitions mapping")
    sink.extend(nested.items)
