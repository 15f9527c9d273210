"""A loaded template shown to a person: as text, as a networkx graph, as a picture.

The picture is drawn by Graphviz's `dot` when it is installed (from `to_dot`), otherwise
with matplotlib over networkx (imported only then). Functions are laid out from the
radio (left) to the core (right); each carries its kind, demand and where it may run, each
virtual link its bandwidth, and the title the SLA and budgets.
"""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path

import networkx as nx

from nfvo.catalog.profile import LoadedTemplate
from nfvo.domain import Domain, NetworkFunction, SiteRole

_TIER = {SiteRole.CELL: 0, SiteRole.EDGE: 1, SiteRole.REGIONAL: 2, SiteRole.CORE: 3}


def slice_graph(loaded: LoadedTemplate) -> nx.MultiGraph:
    """The slice graph: functions as nodes (with their NetworkFunction as `nf`), virtual
    links as edges (keyed by name, with `bandwidth_mbps`)."""
    graph = nx.MultiGraph(name=loaded.request.template)
    for nf in loaded.request.functions:
        graph.add_node(nf.name, nf=nf)
    for link in loaded.request.links:
        graph.add_edge(link.a, link.b, key=link.name, bandwidth_mbps=link.bandwidth_mbps)
    return graph


def _where(nf: NetworkFunction) -> str:
    if nf.pinned_site:
        return f"at {nf.pinned_site}"
    return "on " + "/".join(r.value for r in sorted(nf.allowed_roles, key=_TIER.__getitem__))


def sla_lines(loaded: LoadedTemplate) -> list[str]:
    sla = loaded.request.sla
    lines = [
        f"{sla.slice_type.value} slice, {sla.throughput_mbps:g} Mbit/s, {sla.max_ues} UEs, "
        f"{sla.isolation.value} isolation"
    ]
    service = loaded.profile.service
    if service is not None:
        extra = [
            f"{label} {value:g}{unit}"
            for label, value, unit in (
                ("e2e latency", service.e2e_latency_ms, " ms"),
                ("jitter", service.jitter_ms, " ms"),
                ("availability", service.availability_percent, " %"),
                ("DL", service.dl_throughput_mbps, " Mbit/s"),
                ("UL", service.ul_throughput_mbps, " Mbit/s"),
                ("DL/UE", service.dl_throughput_per_ue_mbps, " Mbit/s"),
                ("UL/UE", service.ul_throughput_per_ue_mbps, " Mbit/s"),
            )
            if value is not None
        ]
        if service.max_pdu_sessions is not None:
            extra.append(f"{service.max_pdu_sessions} PDU sessions")
        if service.activity_factor_percent != 100.0:
            extra.append(f"activity {service.activity_factor_percent:g} %")
        if service.coverage_cell_sites or service.coverage_tracking_areas:
            extra.append(
                "coverage " + ", ".join((*service.coverage_cell_sites, *service.coverage_tracking_areas))
            )
        if extra:
            lines.append("; ".join(extra))
    for budget in sla.latency_budgets:
        chain = next((c.chain for c in loaded.profile.chains if c.name == budget.name), None)
        route = " -> ".join(chain) if chain else f"{budget.source} -> {budget.target}"
        lines.append(f"budget {budget.name}: {route} <= {budget.max_ms:g} ms")
    return lines


def describe(loaded: LoadedTemplate) -> str:
    """The slice graph as text: functions, links, SLA, budgets, policies and notes."""
    request, profile = loaded.request, loaded.profile
    out = [
        f"slice template {request.template} ({loaded.source_format.value})",
        *sla_lines(loaded),
        "functions:",
    ]
    isolation = dict(profile.isolation)
    for nf in request.functions:
        iso = f", {isolation[nf.name].value}" if nf.name in isolation else ""
        out.append(
            f"  {nf.name:<12} {nf.kind:<5} {nf.domain.value:<4} {nf.demand.cpu:g} vCPU "
            f"{nf.demand.memory_gb:g} GB, {nf.processing_latency_ms:g} ms, {_where(nf)}{iso}"
        )
    out.append("links:")
    qos = {q.link: q for q in profile.links}
    for link in request.links:
        extra = ""
        if link.name in qos:
            q = qos[link.name]
            extra = (f", <= {q.max_latency_ms:g} ms" if q.max_latency_ms is not None else "") + (
                f", {q.isolation.value}"
            )
        out.append(f"  {link.name:<12} {link.a} -- {link.b}, {link.bandwidth_mbps:g} Mbit/s{extra}")
    for rule in profile.rules:
        out.append(f"{rule.kind.value} {rule.name}: {', '.join(rule.functions)}")
    for share in profile.sharing:
        peers = ", ".join(share.shared_with) or "any slice"
        instance = f" as {share.instance}" if share.instance else ""
        out.append(f"shared {share.name}: {', '.join(share.functions)}{instance} with {peers}")
    for name, path in profile.forwarding_paths:
        out.append(f"forwarding path {name}: {' -> '.join(path)}")
    out.extend(f"note: {note}" for note in loaded.notes)
    return "\n".join(out)


def _label(nf: NetworkFunction) -> str:
    return f"{nf.name}\n{nf.kind} {nf.demand.cpu:g} vCPU / {nf.demand.memory_gb:g} GB\n{_where(nf)}"


def to_dot(loaded: LoadedTemplate) -> str:
    """The slice graph in Graphviz's DOT language, SLA as the graph's label."""

    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    lines = [
        "graph slice {",
        "  rankdir=LR; labelloc=t; fontsize=11;",
        f"  label={quote(chr(10).join(sla_lines(loaded)))};",
        "  node [shape=box, style=rounded, fontsize=10];",
    ]
    for nf in loaded.request.functions:
        color = "lightblue" if nf.domain is Domain.RAN else "lightyellow"
        lines.append(
            f'  {quote(nf.name)} [label={quote(_label(nf))}, style="rounded,filled", fillcolor={color}];'
        )
    for link in loaded.request.links:
        label = f"{link.name}\n{link.bandwidth_mbps:g} Mbit/s"
        lines.append(f"  {quote(link.a)} -- {quote(link.b)} [label={quote(label)}, fontsize=9];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def draw(loaded: LoadedTemplate, out: Path) -> str:
    """Write the picture to `out` (.png or .svg); returns the renderer used."""
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise ValueError(f"a picture is .png or .svg, not {out.suffix or 'no suffix'!r}")
    dot = shutil.which("dot")
    if dot is not None:
        subprocess.run(
            [dot, f"-T{fmt}", "-o", str(out)], input=to_dot(loaded), text=True, check=True, timeout=60
        )
        return "graphviz"
    try:
        _draw_matplotlib(loaded, out, fmt)
    except ImportError as exc:
        raise PictureError(
            "drawing needs Graphviz's `dot` (apt-get install graphviz) or matplotlib (pip install matplotlib)"
        ) from exc
    return "matplotlib"


class PictureError(Exception):
    """No renderer is available."""


def _positions(loaded: LoadedTemplate) -> dict[str, tuple[float, float]]:
    columns: dict[int, list[str]] = {}
    for nf in loaded.request.functions:
        tier = min(_TIER[r] for r in nf.allowed_roles) if nf.allowed_roles else 3
        columns.setdefault(tier, []).append(nf.name)
    # Stagger each column so that links between non-neighbours do not run behind nodes.
    return {
        name: (tier + 0.35 * (i % 2), -float(i))
        for tier, names in columns.items()
        for i, name in enumerate(names)
    }


def _draw_matplotlib(loaded: LoadedTemplate, out: Path, fmt: str) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display: render to files only
    import matplotlib.pyplot as plt

    graph = nx.Graph(slice_graph(loaded))
    pos = _positions(loaded)
    fig, ax = plt.subplots(figsize=(3.2 * (1 + max(x for x, _ in pos.values())), 2 + 1.2 * len(pos) / 2))
    try:
        nfs = {nf.name: nf for nf in loaded.request.functions}
        colors = ["#cfe8ff" if nfs[n].domain is Domain.RAN else "#fff4c2" for n in graph.nodes]
        nx.draw_networkx_edges(graph, pos, ax=ax, edge_color="#777777")
        nx.draw_networkx_nodes(graph, pos, ax=ax, node_color=colors, node_size=2600, node_shape="s")
        nx.draw_networkx_labels(graph, pos, {n: _label(nfs[n]) for n in graph.nodes}, ax=ax, font_size=7)
        edge_labels = {
            (link.a, link.b): f"{link.name} {link.bandwidth_mbps:g} Mbit/s" for link in loaded.request.links
        }
        nx.draw_networkx_edge_labels(graph, pos, edge_labels, ax=ax, font_size=6)
        title = [textwrap.fill(line, 110, subsequent_indent="  ") for line in sla_lines(loaded)]
        ax.set_title("\n".join(title), fontsize=8, loc="left")
        ax.margins(0.25)
        ax.axis("off")
        fig.savefig(out, format=fmt, bbox_inches="tight", dpi=120)
    finally:
        plt.close(fig)
