"""A study for people: a terminal table (`format_study`) and a short Markdown report a
planner can hand on (`markdown_report`), both drawn from the JSON document."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _pct(x: float) -> str:
    return f"{100.0 * x:.2f}%"


def _ci(pair: object) -> str:
    if not isinstance(pair, list):
        return "n/a"
    return f"[{_pct(pair[0])}, {_pct(pair[1])}]"


def _months(m: object) -> str:
    return "n/a" if m is None else f"{m:.1f}" if isinstance(m, int | float) else str(m)


def _headline(doc: dict[str, Any]) -> str:
    s = doc["settings"]
    return (
        f"Capacity study on substrate {doc['substrate']['name']!r} (seed {s['seed']}): "
        f"{s['replications']} replication(s) of {s['arrivals_per_replication']} arrivals "
        f"(after {s['warmup_arrivals']} warm-up), load x{s['load']:g}, "
        f"{doc['simulated_hours']['mean']:.1f} h simulated per replication"
    )


def _type_rows(doc: dict[str, Any]) -> list[tuple[str, ...]]:
    return [
        (
            r["slice_type"],
            str(r["offered"]),
            str(r["accepted"]),
            _pct(r["blocking"]),
            _ci(r["blocking_ci95"]),
            _pct(r["acceptance"]),
            f"{r['revenue_per_h']:.2f}",
        )
        for r in [*doc["per_type"], doc["overall"]]
    ]


def format_study(doc: dict[str, Any]) -> str:
    lines = [
        _headline(doc),
        "",
        f"{'slice type':<12} {'offered':>8} {'accepted':>9} {'blocking':>9}   95% CI",
    ]
    for name, offered, accepted, blocking, ci, _, _ in _type_rows(doc):
        lines.append(f"{name:<12} {offered:>8} {accepted:>9} {blocking:>9}   {ci}")
    if doc["settings"]["queue"]["capacity"] != 0:
        lines.append("")
        lines += [
            f"{r['slice_type']:<12} waited {_pct(r['waiting'])} {_ci(r['waiting_ci95'])}, "
            f"mean wait {r['mean_wait_h']:.3f} h, abandoned {r['abandoned']}"
            for r in [*doc["per_type"], doc["overall"]]
        ]
    lines += ["", f"{'domain':<12} {'mean':>8} {'peak':>8}   capacity"]
    lines += [
        f"{u['name']:<12} {_pct(u['mean']):>8} {_pct(u['peak']):>8}   {u['capacity']:g} {u['unit']}"
        for u in doc["utilisation"]["domains"]
    ]
    lines += ["", f"revenue: {doc['revenue']['per_h']:.2f} per hour"]
    if doc["blocked_by"]:
        lines.append("blocked by: " + ", ".join(f"{kind} {n}" for kind, n in doc["blocked_by"].items()))
    lines += _growth_lines(doc)
    return "\n".join(lines)


def _growth_lines(doc: dict[str, Any]) -> list[str]:
    lines = []
    if doc["headroom"]:
        h = doc["headroom"]
        lines += [
            "",
            f"headroom to {_pct(h['max_utilisation'])} mean utilisation at {h['growth_pct_per_month']:g}% "
            "growth per month:",
        ]
        for r in [*h["domains"], *h["tightest"][:5]]:
            mult = "unused" if r["load_multiplier"] is None else f"x{r['load_multiplier']:.2f}"
            lines.append(
                f"  {r['kind']:<7} {r['name']:<28} {_pct(r['utilisation']):>8}  {mult:>8}  "
                f"{_months(r['months'])} months"
            )
    if doc["sweep"]:
        sw = doc["sweep"]
        lines += ["", f"sweep (target blocking {_pct(sw['target_blocking'])}):"]
        lines += [
            f"  load x{p['load_multiplier']:<6g} blocking {_pct(p['blocking'])} {_ci(p['blocking_ci95'])}"
            for p in sw["points"]
        ]
        lines.append("  " + _crossing(sw))
    return lines


def _crossing(sw: dict[str, Any]) -> str:
    if sw["crossing"] == "within":
        text = f"blocking crosses the target at load x{sw['load_multiplier_at_target']:.2f}"
        if sw["months_to_target"] is not None:
            text += f", in {sw['months_to_target']:.1f} months at the growth rate"
        return text
    if sw["crossing"] == "below":
        return "blocking is over the target already at the lowest load of the sweep"
    return "blocking stays under the target over the whole sweep"


def markdown_report(doc: dict[str, Any], files: Sequence[str] = ()) -> str:
    s = doc["settings"]
    lines = [
        f"# Capacity study: {doc['substrate']['name']}",
        "",
        _headline(doc) + ".",
        f"Mix: {doc['mix']['source']} ({len(doc['mix']['entries'])} streams). Substrate: "
        f"{doc['substrate']['source']} ({doc['substrate']['sites']} sites, "
        f"{doc['substrate']['links']} links). "
        f"Intervals: 95%, {s['ci_method']}.",
        "",
        "## Blocking and revenue per slice type",
        "",
        "| slice type | offered | accepted | blocking | 95% CI | acceptance | revenue/h |",
        "|---|---|---|---|---|---|---|",
        *("| " + " | ".join(row) + " |" for row in _type_rows(doc)),
        "",
        "![blocking](blocking.png)" if "blocking.png" in files else "",
        "",
        "## Utilisation",
        "",
        "| domain | mean | peak | capacity |",
        "|---|---|---|---|",
        *(
            f"| {u['name']} | {_pct(u['mean'])} | {_pct(u['peak'])} | {u['capacity']:g} {u['unit']} |"
            for u in doc["utilisation"]["domains"]
        ),
        "",
        "![utilisation over time](utilisation.png)" if "utilisation.png" in files else "",
    ]
    growth = _growth_lines(doc)
    if growth:
        lines += ["", "## Headroom", "", "```", *growth[1:], "```"]
        if "sweep.png" in files:
            lines += ["", "![sweep](sweep.png)"]
    if doc["blocked_by"]:
        lines += [
            "",
            "Why requests were refused (blocking constraint on arrival): "
            + ", ".join(f"{kind} {n}" for kind, n in doc["blocked_by"].items())
            + ".",
        ]
    lines += [
        "",
        "Data: " + ", ".join(f"`{f}`" for f in files) + " (schema in docs/study.md)." if files else "",
    ]
    return "\n".join(lines).rstrip() + "\n"
