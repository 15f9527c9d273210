"""The NETCONF emulator's schema (simulator/lab/netconf/schema.py, written by hand) says
exactly what models/yang/nfvo-transport.yang says, as pyang reads the module: the same
containers, lists with the same keys, leaves and leaf-lists in the same order, the same
mandatory leaves and decimal64 types. Configuration only: `config false` state (the
measured latency) is served by <get> and never accepted in an edit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pyang import context, repository  # type: ignore[import-untyped]

from nfvo.resources import models_dir
from simulator.lab.netconf.schema import LIST_KEYS, MODULE, REVISION, ROOT, Kind, Node

Shape = tuple[str, str, bool, Any, tuple[Any, ...]]


def yang_module() -> Any:
    folder = models_dir() / "yang"
    ctx = context.Context(repository.FileRepository(str(folder)))
    text = (folder / f"{MODULE}.yang").read_text(encoding="utf-8")
    module = ctx.add_module(f"{MODULE}.yang", text)
    ctx.validate()
    errors = [e for e in ctx.errors if e[1] not in ("UNUSED_IMPORT",)]
    assert module is not None and not errors, errors
    return module


def _decimal(stmt: Any) -> Any:
    typ = stmt.search_one("type")
    if typ is None or typ.arg != "decimal64":
        return None
    digits = int(typ.search_one("fraction-digits").arg)
    bounds = typ.search_one("range")
    low = bounds.arg.split("..")[0].strip() if bounds is not None else "min"
    return (digits, None if low == "min" else Decimal(low))


def from_yang(stmt: Any) -> Shape:
    children = tuple(
        from_yang(child)
        for child in getattr(stmt, "i_children", ())
        if child.keyword in ("container", "list", "leaf", "leaf-list") and child.i_config is not False
    )
    mandatory = stmt.search_one("mandatory")
    return (
        stmt.arg,
        stmt.keyword,
        mandatory is not None and mandatory.arg == "true",
        _decimal(stmt) if stmt.keyword == "leaf" else None,
        children,
    )


def from_schema(node: Node) -> Shape:
    decimal = (node.decimal.fraction_digits, node.decimal.minimum) if node.decimal else None
    return (node.name, node.kind.value, node.mandatory, decimal, tuple(from_schema(c) for c in node.children))


def test_the_emulator_schema_is_the_yang_module() -> None:
    module = yang_module()
    assert module.search_one("revision").arg == REVISION
    (top,) = [c for c in module.i_children if c.keyword == "container"]
    assert tuple(from_schema(c) for c in ROOT.children) == (from_yang(top),)


def test_list_keys_match() -> None:
    module = yang_module()

    def lists(stmt: Any) -> dict[str, tuple[str, ...]]:
        found: dict[str, tuple[str, ...]] = {}
        for child in stmt.i_children:
            if child.keyword == "list":
                found[child.arg] = tuple(child.search_one("key").arg.split())
            if child.keyword in ("container", "list"):
                found |= lists(child)
        return found

    assert lists(module) == LIST_KEYS
    assert all(node.kind is not Kind.LIST or node.keys for node in _walk(ROOT))


def _walk(node: Node) -> list[Node]:
    return [node, *(n for c in node.children for n in _walk(c))]
