"""Live state for the digital twin: what the domain controllers actually hold, and how fast
they answer.

The store's ledger is what the orchestrator believes; the controllers are what is. They
differ ("drift") when another tool configures a controller directly, or a controller is
slower than the substrate file says. `observe` reads every controller's /slices with the
adapters and sums

- per site, the cpu and memory of the `function[name]` entries core and RAN hold (each with
  `site`, `cpu`, `memory-gb` leaves), and
- per link, the bandwidth of the transport `vlink` entries along their `hop` lists,

into a Usage, and times each read: a controller that takes longer than the substrate's
commit latency to answer a read will not commit faster. A controller that does not answer
within its timeout is recorded as slow, one that fails sooner as unreachable.

`conditions` turns an observation into the twin's `Conditions` (simulator.twin_model), and
`Usage.cover` combines it with the ledger: per site and link, the larger of the two.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from nfvo.domain import (
    Controller,
    DeploymentPlan,
    NfvoError,
    PathElem,
    Placement,
    Resources,
    SliceRequest,
    Substrate,
    Usage,
    Verdict,
    link_key,
)
from nfvo.lifecycle.push import Connect
from simulator.twin import validate as twin_validate
from simulator.twin_model import Conditions, ControllerProfile

Clock = Callable[[], float]


@dataclass(frozen=True)
class Observation:
    usage: Usage  # what the controllers hold, the excluded slice left out
    read_ms: Mapping[str, float] = field(default_factory=dict)  # controller → time its read took
    slow: Mapping[str, str] = field(default_factory=dict)  # controller → why it counts as too slow
    unreachable: Mapping[str, str] = field(default_factory=dict)  # controller → the error


def observe(
    substrate: Substrate, connect: Connect, *, exclude: Iterable[str] = (), clock: Clock = time.monotonic
) -> Observation:
    """Read every controller's /slices; slices named in `exclude` (the one being deployed)
    are not counted."""
    skip = set(exclude)
    sites: dict[str, Resources] = {}
    links: dict[str, float] = {}
    read_ms: dict[str, float] = {}
    slow: dict[str, str] = {}
    unreachable: dict[str, str] = {}
    for controller in substrate.controllers:
        started = clock()
        try:
            entries = _read_slices(connect, controller)
        except NfvoError as exc:
            elapsed = clock() - started
            if elapsed >= controller.timeout_s * 0.9:
                slow[controller.name] = f"a read of /slices got no answer in {elapsed:.3f} s"
            else:
                unreachable[controller.name] = str(exc)
            continue
        read_ms[controller.name] = (clock() - started) * 1000.0
        for entry in entries:
            if str(entry.get("name")) in skip:
                continue
            for fn in _list(entry.get("function")):
                if "site" in fn:
                    need = Resources(_number(fn.get("cpu")), _number(fn.get("memory-gb")))
                    sites[str(fn["site"])] = sites.get(str(fn["site"]), Resources()) + need
            for vlink in _list(entry.get("vlink")):
                hops = vlink.get("hop", [])
                hop_list = [str(h) for h in hops] if isinstance(hops, list) else [str(hops)]
                mbps = _number(vlink.get("bandwidth-mbps"))
                for a, b in itertools.pairwise(hop_list):
                    if a != b:
                        links[link_key(a, b)] = links.get(link_key(a, b), 0.0) + mbps
    return Observation(Usage(sites, links), read_ms, slow, unreachable)


def conditions(
    substrate: Substrate, observation: Observation, history: Mapping[str, float] | None = None
) -> Conditions:
    """The twin's view of each controller: its commit latency is no less than its observed
    read latency, nor than the median of its recent journalled transactions (`history`,
    controller → ms; see history.py); a controller that did not answer in time never
    commits in time."""
    journal = history or {}
    profiles: dict[str, ControllerProfile] = {}
    for ctl in substrate.controllers:
        base = ControllerProfile.of(ctl)
        read, journalled = observation.read_ms.get(ctl.name, 0.0), journal.get(ctl.name, 0.0)
        if ctl.name in observation.slow:
            profiles[ctl.name] = _with(base, math.inf, "observed")
        elif ctl.name in observation.unreachable:
            profiles[ctl.name] = ControllerProfile(
                base.median_ms,
                max_concurrent=base.max_concurrent,
                timeout_s=base.timeout_s,
                unreachable=observation.unreachable[ctl.name],
                source="observed",
            )
        elif max(read, journalled) > base.median_ms:
            source = "journal" if journalled > read else "observed"
            profiles[ctl.name] = _with(base, max(read, journalled), source)
        else:
            profiles[ctl.name] = base
    return Conditions(profiles=profiles)


def _with(base: ControllerProfile, median_ms: float, source: str) -> ControllerProfile:
    return ControllerProfile(
        median_ms, base.sigma, base.max_concurrent, base.timeout_s, base.failure_prob, "", source
    )


def _read_slices(connect: Connect, controller: Controller) -> list[Mapping[str, object]]:
    adapter = connect(controller)
    adapter.open()
    try:
        found = adapter.read([(PathElem("slices"),)]).get("/slices")
    finally:
        adapter.close()
    return _list(found.get("slice") if isinstance(found, Mapping) else None)


def _list(value: object) -> list[Mapping[str, object]]:
    """A list read without a schema may come back as one unwrapped entry."""
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, Mapping)]


def _number(value: object) -> float:
    try:
        return float(str(value))
    except ValueError:
        return 0.0


TwinMode = Literal["off", "ledger", "live"]
TWIN_MODES: tuple[TwinMode, ...] = ("off", "ledger", "live")


def twin_verdict(
    mode: TwinMode,
    plan: DeploymentPlan,
    substrate: Substrate,
    held_by_others: Usage,
    connect: Connect,
    slice_: tuple[SliceRequest, Placement] | None,
    history: Mapping[str, float] | None = None,
) -> tuple[Verdict, str]:
    """The twin's verdict in `mode`, and a note on what it saw for the step journal:
    "off" passes everything (note "twin validation off"); "ledger" validates against the
    store's ledger and the substrate file (no note: today's behaviour); "live" against
    max(ledger, what the controllers hold) and the controllers' observed latencies (read
    times now, and `history`: recent journalled transaction times)."""
    if mode == "off":
        return Verdict(ok=True), "twin validation off"
    if mode == "ledger":
        return twin_validate(plan, substrate, held_by_others), ""
    seen = observe(substrate, connect, exclude=[plan.slice_name])
    # Per site and link, the larger of what the ledger and the controllers say is held.
    held = held_by_others.cover(seen.usage)
    verdict = twin_validate(
        plan, substrate, held, conditions=conditions(substrate, seen, history), slice_=slice_
    )
    reads = ", ".join(f"{name} {ms:.0f} ms" for name, ms in sorted(seen.read_ms.items()))
    if history:
        reads += "; recent transactions: " + ", ".join(
            f"{name} {ms:.0f} ms" for name, ms in sorted(history.items())
        )
    trouble = ", ".join(f"{name}: {why}" for name, why in sorted({**seen.slow, **seen.unreachable}.items()))
    return verdict, f"against live state (reads: {reads}{'; ' + trouble if trouble else ''})"
