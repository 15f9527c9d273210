"""The exact placement engine: a MILP solved by HiGHS (highspy).

Same constraints as the heuristic (`place`), formulated in milp_model.py: function → site
binaries restricted to allowed roles and pins; site cpu and memory capacity minus usage;
one binary multi-commodity flow per virtual link over the directed substrate arcs, so every
path the network offers is considered (not a set of k candidate paths); link bandwidth; and
every latency budget as "the minimum over slice-graph paths of routed + processing latency
is at most max" — written exactly, also when several slice-graph paths join the two ends.

Objectives (`objective=`):
- "cost" (default): Σ cpu * cost_per_cpu + BANDWIDTH_WEIGHT * Σ bandwidth * routed latency,
  the heuristic's own cost, so the two can be compared; a 1e-9 per routed ms tie-break keeps
  routes of zero-bandwidth links short.
- "latency": Σ over budgets of their achieved latency, then (weight 1e-3) the routed latency
  of every virtual link, then (weight 1e-6) the cost.
- "load-balance": the largest utilisation (used / capacity, cpu and memory of every site
  and bandwidth of every link the slice may use), then (weight 1e-7) the cost.

`Placement.cost` is always the heuristic's cost of the result, whatever the objective.
Stats: `status` (0 optimal within `mip_gap`, 1 stopped by the time limit with a placement),
`gap` (relative, as HiGHS reports it), `bound` (best bound of the objective), `objective`,
`time_ms`, `variables`, `constraints`.

Infeasibility proven by the solver is explained by explain.py, so the message is the
heuristic's; a time limit reached with no placement found raises kind "time-limit".
"""

from __future__ import annotations

import enum
import itertools
import math
import time
from collections.abc import Mapping

import networkx as nx

from nfvo.domain import (
    BlockingConstraint,
    BudgetOutcome,
    InfeasibleError,
    Placement,
    PlacementError,
    Route,
    SliceRequest,
    Substrate,
    Usage,
)
from nfvo.placement.costs import BANDWIDTH_WEIGHT, placement_cost
from nfvo.placement.explain import diagnose, latency_alone, no_candidate, rule_conflict
from nfvo.placement.highs import highspy, new_highs
from nfvo.placement.milp_model import Formulation, LinearProgram, Terms, formulate
from nfvo.placement.problem import NO_USAGE, Problem, build_problem
from nfvo.placement.search import NODE_LIMIT
from nfvo.placement.slice_graph import slice_latency

ENGINE = "milp"
ENGINE_VERSION = "1"
STATUS_OPTIMAL = 0
STATUS_TIME_LIMIT = 1
_TIE_BREAK = 1e-9
_CHECK_TOL = 1e-6  # the independent checker's tolerance


class Objective(enum.StrEnum):
    COST = "cost"
    LATENCY = "latency"
    LOAD_BALANCE = "load-balance"


def _load_balance(p: Problem, f: Formulation) -> int:
    """A column t ≥ every utilisation the slice can change; returns t."""
    lp = f.lp
    t = lp.var(ub=math.inf, binary=False)
    for s, site in enumerate(p.idx.sites):
        cols = [(col, fn) for (fn, sn), col in f.y.items() if sn == s]
        used = site.capacity - p.free[s]
        for cap, held, demand in (
            (site.capacity.cpu, used.cpu, [(col, p.funcs[fn].demand.cpu) for col, fn in cols]),
            (
                site.capacity.memory_gb,
                used.memory_gb,
                [(col, p.funcs[fn].demand.memory_gb) for col, fn in cols],
            ),
        ):
            if demand and cap > 0:
                # (held + Σ d y) / cap ≤ t
                lp.row([*((col, d / cap) for col, d in demand), (t, -1.0)], upper=-held / cap)
    per_link: dict[str, Terms] = {}
    for (e, k), col in f.x.items():
        bw = p.vlinks[e].bandwidth_mbps
        if bw > 0:
            per_link.setdefault(f.arcs[k][2], []).append((col, bw))
    for key, terms in per_link.items():
        cap = p.idx.links[key].capacity_mbps
        if cap > 0:
            held = cap - p.link_free[key]
            lp.row([*((col, bw / cap) for col, bw in terms), (t, -1.0)], upper=-held / cap)
    return t


def _set_objective(p: Problem, f: Formulation, objective: Objective) -> None:
    lp = f.lp
    routed = [term for terms in f.route_ms for term in terms]
    if objective is Objective.COST:
        lp.add_cost(f.cpu_cost)
        lp.add_cost(f.bandwidth_ms, BANDWIDTH_WEIGHT)
        lp.add_cost(routed, _TIE_BREAK)
    elif objective is Objective.LATENCY:
        lp.add_cost((col, 1.0) for col in f.budget_ms)
        lp.add_cost(routed, 1e-3)
        lp.add_cost(f.cpu_cost, 1e-6)
    else:
        lp.add_cost([(_load_balance(p, f), 1.0)])
        lp.add_cost(f.cpu_cost, 1e-7)
        lp.add_cost(routed, _TIE_BREAK)


def _solve(lp: LinearProgram, *, time_limit_s: float, mip_gap: float, seed: int) -> highspy.Highs:
    h = new_highs()
    h.passModel(lp.to_highs())
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    h.setOptionValue("random_seed", int(seed) % 2_147_483_647)
    # Tight tolerances: capacities and budgets are compared with ~1e-9 slack elsewhere.
    h.setOptionValue("mip_feasibility_tolerance", 1e-9)
    h.setOptionValue("primal_feasibility_tolerance", 1e-9)
    h.run()
    return h


def _route(p: Problem, f: Formulation, values: list[float], e: int, a: int, b: int) -> Route:
    """The fastest simple path inside the arcs the solver chose for virtual link e; at most as
    long and as heavy as the solver's route, which may hold detours of zero cost."""
    vl = p.vlinks[e]
    names = [s.name for s in p.idx.sites]
    if a == b:
        return Route(vl.name, (names[a],), 0.0, vl.bandwidth_mbps)
    chosen = nx.DiGraph()
    for (e2, k), col in f.x.items():
        if e2 == e and values[col] > 0.5:
            u, v, _, ms = f.arcs[k]
            chosen.add_edge(u, v, latency=ms)
    try:
        path = nx.dijkstra_path(chosen, a, b, weight="latency")
    except (nx.NetworkXNoPath, nx.NodeNotFound) as exc:
        raise PlacementError(f"milp: the solution routes no path for virtual link {vl.name!r}") from exc
    latency = sum(chosen.edges[u, v]["latency"] for u, v in itertools.pairwise(path))
    return Route(vl.name, tuple(names[s] for s in path), latency, vl.bandwidth_mbps)


def _infeasible(p: Problem, seed: int, *, proven: bool, time_limit_s: float) -> InfeasibleError:
    name = p.request.template
    if not proven:
        # Out of time: only the cheap, exact latency diagnosis, not the searches of a full
        # one (they could take longer than the time limit the caller asked for).
        alone = rule_conflict(p) or latency_alone(p)
        if alone is not None:
            return alone
        text = f"the MILP found no placement of {name!r} within its {time_limit_s:g} s time limit"
        blocking = BlockingConstraint("time-limit", name, time_limit_s, None, "s", text, {"engine": ENGINE})
        return InfeasibleError(blocking, hint="raise the time limit or use the heuristic engine")
    error = diagnose(p, node_limit=NODE_LIMIT, seed=seed)
    if error.blocking.kind != "search-limit":
        return error
    # The relaxations explain.py tries are each feasible: only their combination is not.
    text = (
        f"no placement of {name!r} meets every constraint together (proven by the MILP), "
        "though latency, capacity and bandwidth can each be met on their own"
    )
    blocking = BlockingConstraint("combined-constraints", name, None, None, "", text, {"engine": ENGINE})
    return InfeasibleError(blocking, hint="relax a latency budget or add capacity near the pinned sites")


def place_milp(
    request: SliceRequest,
    substrate: Substrate,
    usage: Usage = NO_USAGE,
    *,
    seed: int = 0,
    objective: Objective | str = Objective.COST,
    time_limit_s: float = 10.0,
    mip_gap: float = 1e-4,
    pruned: bool = True,
) -> Placement:
    """Place `request` on what `usage` leaves of `substrate` by solving the MILP.

    Returns the best placement found within `time_limit_s` (stats["status"] says whether it
    is optimal within `mip_gap`); raises `InfeasibleError` with the blocking constraint when
    the solver proves that none exists or finds none in time. `pruned=False` builds the
    program without the latency pruning of milp_prune.py (same optimum, only slower)."""
    started = time.perf_counter()
    goal = Objective(objective)
    p = build_problem(request, substrate, usage)
    blocked = no_candidate(p)
    if blocked is not None:
        raise blocked
    form = formulate(p, pruned=pruned)
    _set_objective(p, form, goal)
    h = _solve(form.lp, time_limit_s=time_limit_s, mip_gap=mip_gap, seed=seed)
    status = h.getModelStatus()
    info = h.getInfo()
    has_solution = info.primal_solution_status == highspy.kSolutionStatusFeasible
    kinds = highspy.HighsModelStatus
    if status in (kinds.kInfeasible, kinds.kUnboundedOrInfeasible):
        raise _infeasible(p, seed, proven=True, time_limit_s=time_limit_s)
    if status not in (kinds.kOptimal, kinds.kModelEmpty) and not has_solution:
        if status == kinds.kTimeLimit:
            raise _infeasible(p, seed, proven=False, time_limit_s=time_limit_s)
        raise PlacementError(f"milp: HiGHS stopped with status {h.modelStatusToString(status)}")
    values = list(h.getSolution().col_value)
    return _placement(p, form, values, h, status == kinds.kTimeLimit, started, seed)


def _placement(
    p: Problem,
    form: Formulation,
    values: list[float],
    h: highspy.Highs,
    stopped: bool,
    started: float,
    seed: int,
) -> Placement:
    assign = [-1] * len(p.funcs)
    for (fn, s), col in form.y.items():
        if values[col] > 0.5:
            assign[fn] = s
    routes = [_route(p, form, values, e, assign[a], assign[b]) for e, (a, b) in enumerate(p.ends)]
    weights = [r.latency_ms for r in routes]
    outcomes = []
    for budget, (src, tgt, max_ms) in zip(p.request.sla.latency_budgets, p.budgets, strict=True):
        achieved = slice_latency(p.adj, p.proc, weights, src, tgt)
        if achieved > max_ms + _CHECK_TOL:  # the solver's tolerances let something slip
            raise PlacementError(f"milp: budget {budget.name!r} reached {achieved:.6f} ms > {max_ms} ms")
        outcomes.append(BudgetOutcome(budget, achieved))
    info = h.getInfo()
    objective = info.objective_function_value
    integral = any(form.lp.integer)
    bound = info.mip_dual_bound if integral else objective
    gap = info.mip_gap if integral and math.isfinite(info.mip_gap) else 0.0
    stats: Mapping[str, float] = {
        "status": float(STATUS_TIME_LIMIT if stopped else STATUS_OPTIMAL),
        "gap": max(gap, 0.0),
        "bound": bound,
        "objective": objective,
        "time_ms": (time.perf_counter() - started) * 1000.0,
        "variables": float(form.lp.size[0]),
        "constraints": float(form.lp.size[1]),
    }
    return Placement(
        assignments={nf.name: p.idx.sites[assign[i]].name for i, nf in enumerate(p.funcs)},
        routes=tuple(routes),
        budgets=tuple(outcomes),
        cost=placement_cost(p, assign, routes),
        engine=ENGINE,
        engine_version=ENGINE_VERSION,
        seed=seed,
        stats=stats,
    )
