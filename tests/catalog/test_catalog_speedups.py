"""The speed-ups (nfvo/catalog/speedups.py) change nothing but time: the fast type lookup
answers as tosca-parser's own code does, and the fast copy is a deep copy."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from toscaparser.common.exception import ExceptionCollector
from toscaparser.elements.nodetype import NodeType
from toscaparser.elements.statefulentitytype import StatefulEntityType

from nfvo.catalog import speedups, warm_up


@pytest.fixture
def collecting() -> Iterator[None]:
    warm_up()  # installs the fast lookup
    ExceptionCollector.start()
    yield
    ExceptionCollector.stop()
    ExceptionCollector.clear()
    speedups.enable(True)


def _lookups(custom: dict[str, object] | None) -> list[tuple[object, object, list[str]]]:
    names = [*list(StatefulEntityType.TOSCA_DEF)[:80], "Compute", "tosca:Compute", "tosca:nodes.Root"]
    names += ["nfvo.nodes.core.UPF", "no.such.Type", "tosca.nodes.nfv.Vdu.Compute"]
    out = []
    for name in names:
        ExceptionCollector.clear()
        entity = StatefulEntityType(name, NodeType.NODE_PREFIX, custom)
        out.append((entity.type, entity.defs, [str(e) for e in ExceptionCollector.getExceptions()]))
    return out


@pytest.mark.parametrize("custom", [None, {}, {"nfvo.nodes.core.UPF": {"derived_from": "tosca.nodes.Root"}}])
def test_the_fast_type_lookup_answers_as_tosca_parser_does(collecting: None, custom: dict | None) -> None:
    assert StatefulEntityType.__init__ is not speedups._STATE["original_init"]
    fast = _lookups(custom)
    speedups.enable(False)
    assert StatefulEntityType.__init__ is speedups._STATE["original_init"]
    assert _lookups(custom) == fast
    assert any(errors for _, _, errors in fast)  # the unknown names were reported by both


def test_the_fast_copy_is_a_deep_copy() -> None:
    shared = [1, 2]
    data = {"a": {"b": shared, "c": shared}, "when": datetime.date(2026, 1, 1), "x": 1.5}
    copied = speedups.tree_copy(data)
    assert copied == data and copied["a"] is not data["a"]
    assert copied["a"]["b"] is copied["a"]["c"]  # sharing kept, as deepcopy keeps it
    copied["a"]["b"].append(3)
    assert shared == [1, 2]


def test_what_pickle_cannot_copy_is_deep_copied() -> None:
    data = {"f": lambda: 1}
    assert speedups.tree_copy(data)["f"] is data["f"]
