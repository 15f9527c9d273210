"""The text form of a dry run (`nfvo slice plan`): what POST /api/v1/plans answered."""

from __future__ import annotations

from typing import Any


def format_plan(plan: dict[str, Any]) -> str:
    lines = [f"{plan['name']} ({plan['template']}, {plan['slice_type']}) for tenant {plan['tenant']}"]
    if not plan["feasible"]:
        why = plan["infeasible"]
        lines.append(f"NOT FEASIBLE now: {why['detail']}")
        if why.get("hint"):
            lines.append(f"hint: {why['hint']}")
        return "\n".join(lines)
    placed = plan["placement"]
    lines.append(f"placement ({placed['engine']}, cost {placed['cost']}):")
    lines += [f"  {fn:<12} -> {site}" for fn, site in placed["functions"].items()]
    lines += [
        f"  {r['vlink']:<12} {' - '.join(r['path'])} ({r['latency_ms']:.3f} ms)" for r in placed["routes"]
    ]
    for b in placed["budgets"]:
        verdict = "met" if b["met"] else "NOT MET"
        lines.append(f"  budget {b['name']}: {b['achieved_ms']:.3f} of {b['max_ms']:.3f} ms, {verdict}")
    for domain in plan["plan"]:
        lines.append(f"{domain['domain']} ({domain['protocol']} {domain['address']}):")
        for edit in domain["edits"]:
            leaves = ", ".join(
                f"{name}={_leaf(v['after'])}"
                if v["before"] is None
                else f"{name}: {_leaf(v['before'])} -> {_leaf(v['after'])}"
                for name, v in edit["leaves"].items()
            )
            lines.append(f"  {edit['change']:<9} {edit['path']}" + (f"  {leaves}" if leaves else ""))
    twin = plan["twin_verdict"]
    if twin["ok"]:
        lines.append(f"twin ({twin['mode']}): pass, {twin['simulated_duration_s']:.3f} s simulated")
    else:
        lines.append(f"twin ({twin['mode']}): FAIL at {twin['failed_step']}: {twin['reason']}")
    lines += [f"warning: {w}" for w in plan["warnings"]]
    lines.append("would deploy" if plan["would_deploy"] else "would NOT deploy")
    return "\n".join(lines)


def _leaf(value: object) -> str:
    return ",".join(str(v) for v in value) if isinstance(value, list) else str(value)
