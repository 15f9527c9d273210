"""The slice graph as networkx, as text and as DOT."""

from __future__ import annotations

from nfvo.catalog import load
from nfvo.catalog.render import describe, slice_graph, to_dot
from nfvo.resources import example_template, models_dir

V2X = models_dir() / "templates" / "showcase" / "v2x.yaml"


def test_slice_graph_has_functions_and_links() -> None:
    loaded = load(V2X)
    graph = slice_graph(loaded)
    assert set(graph.nodes) == {nf.name for nf in loaded.request.functions}
    assert graph.number_of_edges() == len(loaded.request.links) == 8
    assert graph.nodes["upf"]["nf"].kind == "UPF"
    assert graph.edges["cu", "upf", "n3"]["bandwidth_mbps"] == 1200.0


def test_dot_carries_demands_bandwidth_and_the_sla() -> None:
    dot = to_dot(load(example_template("urllc")))
    assert dot.startswith("graph slice {") and dot.rstrip().endswith("}")
    assert '"gnb" -- "upf" [label="n3\\n200 Mbit/s"' in dot
    assert "UPF 4 vCPU / 8 GB" in dot
    assert "URLLC slice, 200 Mbit/s, 200 UEs, dedicated isolation" in dot
    assert "budget user-plane-latency: gnb -> upf <= 2 ms" in dot


def test_describe_lists_what_the_domain_cannot_hold_yet() -> None:
    text = describe(load(V2X))
    assert "e2e latency 10 ms; jitter 2 ms; availability 99.999 %" in text
    assert "shared common-nrf: nrf as nrf-common with any slice" in text
    assert "fronthaul    ru -- du, 1200 Mbit/s, <= 0.1 ms, dedicated" in text
