"""Running tosca-parser: imported on first use, serialised by one lock.

tosca-parser is imported lazily: it costs ~0.5 s, and `import nfvo.catalog` should not (the
CLI's --help, the API's start-up). Its ExceptionCollector keeps the exceptions of the parse
in progress in class attributes: two parses at once would mix or clear each other's errors,
so every use goes through `PARSE_LOCK`.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Mapping
from typing import Any

from nfvo.catalog import speedups
from nfvo.catalog.diagnostics import DiagnosticSink
from nfvo.catalog.parser_errors import unknown_type_hint
from nfvo.catalog.schema import TypeRegistry
from nfvo.catalog.values import Shape

PARSE_LOCK = threading.Lock()


class ParserCrash(Exception):
    """tosca-parser stopped with an exception of its own (TypeError, KeyError, ...)."""


@functools.cache
def _tosca() -> tuple[Any, Any, Any, frozenset[str]]:
    from toscaparser.common.exception import ExceptionCollector, ValidationError
    from toscaparser.elements.entity_type import EntityType
    from toscaparser.tosca_template import ToscaTemplate

    # tosca-parser logs what it also raises; without any handler Python would print those
    # records on stderr. A NullHandler stops that and still lets them propagate to an
    # application's own logging configuration.
    for name in ("tosca", "toscaparser"):
        logging.getLogger(name).addHandler(logging.NullHandler())
    _guard_imports(ExceptionCollector)
    _speed_up_type_lookup(ExceptionCollector)
    _accept_simple_profile_1_1(ToscaTemplate)
    return ToscaTemplate, ExceptionCollector, ValidationError, frozenset(EntityType.TOSCA_DEF)


def _guard_imports(collector: Any) -> None:
    """Route tosca-parser's loading of imported files through a cache, and refuse URLs.

    tosca-parser reads every imported file twice per parse (a third of a warm parse for a
    template importing the profile); the cache keys on path, mtime and size and hands out
    copies. And whatever slips past imports.py (a URL in a file nested in an import), it is
    refused here: the parser never opens a network connection.
    """
    import toscaparser.imports
    from toscaparser.common.exception import URLException

    original = toscaparser.imports.YAML_LOADER
    loaded: dict[tuple[str, int, int], Any] = {}

    def load_yaml(path: str, a_file: bool = True) -> Any:
        if not a_file:
            collector.appendException(
                URLException(what=f'import "{path}" is a URL; the catalog never fetches imports')
            )
            return None
        try:
            st = os.stat(path)
        except OSError:
            return original(path, a_file)  # let tosca-parser report it its own way
        key = (str(path), st.st_mtime_ns, st.st_size)
        if key not in loaded:
            if len(loaded) > 64:
                loaded.clear()
            loaded[key] = original(path, a_file)
        return speedups.tree_copy(loaded[key])

    toscaparser.imports.YAML_LOADER = load_yaml


def _accept_simple_profile_1_1(tosca_template: Any) -> None:
    """Take `tosca_simple_yaml_1_1` like 1.0, 1.2 and 1.3.

    tosca-parser accepts the Simple Profile's versions 1.0, 1.2 and 1.3 and reads them all
    with the same normative types, but refuses 1.1, which ONAP SDC writes in every service
    template it distributes, its type files included. Refused, each of those files gives
    an invalid-version error and nothing else is checked; read like its neighbours, the
    template gets its real diagnostics (e.g. no slice in an SDC network service).
    """
    from toscaparser.elements.tosca_type_validation import TypeValidation

    version = "tosca_simple_yaml_1_1"
    for holder in (tosca_template.MAIN_TEMPLATE_VERSIONS, tosca_template.VALID_TEMPLATE_VERSIONS):
        if version not in holder:
            holder.append(version)
    if version not in TypeValidation.VALID_TEMPLATE_VERSIONS:
        TypeValidation.VALID_TEMPLATE_VERSIONS.append(version)
    tosca_template.ADDITIONAL_SECTIONS.setdefault(
        version, tosca_template.ADDITIONAL_SECTIONS["tosca_simple_yaml_1_0"]
    )


def _speed_up_type_lookup(collector: Any) -> None:
    from toscaparser.common.exception import InvalidTypeError
    from toscaparser.elements.statefulentitytype import StatefulEntityType
    from toscaparser.unsupportedtype import UnsupportedType

    speedups.install(StatefulEntityType, UnsupportedType, collector, InvalidTypeError)


def warm_up() -> None:
    """Import tosca-parser now (e.g. at a server's start) rather than on the first request."""
    with PARSE_LOCK:
        _tosca()


def run_parser(work: dict[str, Any], params: Mapping[str, Any]) -> list[BaseException]:
    """Validate with tosca-parser; the problems it found (empty when none)."""
    with PARSE_LOCK:
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


def drop_unknown_policies(
    work: dict[str, Any], shape: Shape, registry: TypeRegistry, sink: DiagnosticSink
) -> None:
    """Report policies of unknown types here and keep them from tosca-parser, which stops
    with a bare AttributeError on them and so would miss everything after."""
    with PARSE_LOCK:
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


def hide_forwarders(work: dict[str, Any], shape: Shape, registry: TypeRegistry) -> None:
    """Keep forwarding paths with `forwarder` requirements from tosca-parser.

    Its NFV profile derives tosca.relationships.nfv.ForwardsTo from the misspelt
    `tosca.relationships.root`, so such an FP makes it stop with a bare AttributeError (and
    it allows one forwarder, where a path has several). The parser sees a plain
    tosca.nodes.Root in its place; the catalog checks the path itself (nfv.py). The node
    dict is replaced, not changed, so the catalog's own view keeps it.
    """
    nodes = work["topology_template"]["node_templates"]
    for node in shape.nodes:
        chain = registry.chain("node_types", node.type)
        is_fp = any(t == "tosca.nodes.nfv.FP" or t.startswith("tosca.nodes.nfv.FP.") for t in chain)
        if is_fp and any("forwarder" in r for r in node.raw.get("requirements") or []):
            nodes[node.name] = {"type": "tosca.nodes.Root"}
