"""Latency budgets: between two functions (LatencyBudget) and along a chain of functions
(ChainLatencyBudget), checked against the slice graph.

A chain budget reaches the request as one `LatencyBudget` from the chain's first to its
last function, named after the policy. The domain measures the best path in the slice
graph between the two, which is the chain itself unless the graph offers a shortcut; the
chain is kept in the SliceProfile (the domain would need `LatencyBudget.via` to hold it).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from nfvo.catalog.context import MapContext
from nfvo.catalog.diagnostics import did_you_mean
from nfvo.catalog.profile import ChainBudget
from nfvo.catalog.values import Entity
from nfvo.domain import LatencyBudget

BUDGET_TYPE = "nfvo.policies.LatencyBudget"
CHAIN_TYPE = "nfvo.policies.ChainLatencyBudget"

Adjacency = Mapping[str, set[str]]


def _connected(adjacency: Adjacency, source: str, target: str) -> bool:
    seen, frontier = {source}, [source]
    while frontier:
        for nxt in adjacency.get(frontier.pop(), set()) - seen:
            if nxt == target:
                return True
            seen.add(nxt)
            frontier.append(nxt)
    return False


def _max_ms(ctx: MapContext, policy: Entity) -> float | None:
    if "max_ms" not in policy.props:
        ctx.complete = False  # missing or rejected: already reported
        return None
    max_ms = float(policy.props["max_ms"])
    if max_ms <= 0:
        ctx.sink.add(
            "invalid-budget",
            f"max_ms of {policy.name!r} must be greater than 0",
            (*policy.path, "properties", "max_ms"),
            at_value=True,
        )
    return max_ms


def pair_budget(
    ctx: MapContext, policy: Entity, functions: set[str], adjacency: Adjacency
) -> LatencyBudget | None:
    ends: list[str] = []
    for prop in ("source", "target"):
        name = policy.props.get(prop)
        if not isinstance(name, str):
            ctx.complete = False
            return None
        if name not in functions and name not in ctx.broken:
            ctx.sink.add(
                "unknown-function",
                f"{prop} of budget {policy.name!r} is {name!r}, not a network function of this slice",
                (*policy.path, "properties", prop),
                at_value=True,
                hint=did_you_mean(name, functions),
            )
        ends.append(name)
    max_ms = _max_ms(ctx, policy)
    if max_ms is None or set(ends) - functions:
        return None
    source, target = ends
    if source == target:
        ctx.sink.add(
            "invalid-budget",
            f"budget {policy.name!r} runs from {source!r} to itself",
            (*policy.path, "properties"),
            hint="a budget joins two different functions",
        )
    elif not _connected(adjacency, source, target):
        ctx.sink.add(
            "budget-unreachable",
            f"no chain of virtual links joins {source!r} to {target!r}, so "
            f"budget {policy.name!r} cannot be measured",
            (*policy.path, "properties"),
            hint="link the functions (directly or through others) with virtual links",
        )
    return LatencyBudget(policy.name, source, target, max_ms)


def chain_budget(
    ctx: MapContext, policy: Entity, functions: set[str], adjacency: Adjacency
) -> ChainBudget | None:
    path = (*policy.path, "properties", "chain")
    chain = ctx.function_names(policy.props.get("chain"), path, functions, f"chain of {policy.name!r}")
    max_ms = _max_ms(ctx, policy)
    if chain is None or max_ms is None:
        return None
    if len(chain) < 2 or len(set(chain)) != len(chain):
        ctx.sink.add(
            "invalid-budget",
            f"the chain of {policy.name!r} must name at least two functions, each once",
            path,
            at_value=True,
        )
        return None
    for i, (a, b) in enumerate(itertools.pairwise(chain)):
        if b not in adjacency.get(a, set()):
            ctx.sink.add(
                "chain-gap",
                f"no virtual link joins {a!r} to {b!r}, consecutive in the chain of {policy.name!r}",
                (*path, i + 1),
                at_value=True,
                hint="a chain follows virtual links, one function to the next",
            )
            return None
    return ChainBudget(policy.name, chain, max_ms)


def all_budgets(
    ctx: MapContext, functions: set[str], adjacency: Adjacency
) -> tuple[list[LatencyBudget], list[ChainBudget], list[tuple[Entity, str, float]]]:
    """(the request's budgets, the chains, each policy with its max_ms for SLA checks)."""
    budgets: list[LatencyBudget] = []
    chains: list[ChainBudget] = []
    spans: list[tuple[Entity, str, float]] = []
    for policy in ctx.policies(BUDGET_TYPE):
        if (budget := pair_budget(ctx, policy, functions, adjacency)) is not None:
            budgets.append(budget)
            spans.append((policy, "max_ms", budget.max_ms))
    for policy in ctx.policies(CHAIN_TYPE):
        if (chain := chain_budget(ctx, policy, functions, adjacency)) is not None:
            chains.append(chain)
            budgets.append(LatencyBudget(chain.name, chain.chain[0], chain.chain[-1], chain.max_ms))
            spans.append((policy, "max_ms", chain.max_ms))
    return budgets, chains, spans
