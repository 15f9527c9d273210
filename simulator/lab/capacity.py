"""Site capacity, enforced by the lab's RAN and core controllers (an option of `Lab`).

Without it the emulators accept any configuration: a site "holds" whatever functions are
pushed to it. With it (`Lab(..., enforce_capacity=True)`), a gNMI Set is refused with
FAILED_PRECONDITION when, after it, the functions configured for a site — on this
controller and on the lab's other function-hosting controller together — would need more
vCPU or memory than the site has in the substrate. That is how a real domain stands in for
its infrastructure: the VIM or the RAN controller cannot instantiate a function on a full
site, whoever filled it (the orchestrator or a tool it does not know about).

What it counts: every ``/slices/slice/function`` entry with `site`, `cpu` and `memory-gb`
leaves (what nfvo.plan writes). What it does not: transport bandwidth (the NETCONF
transport controller does not enforce link capacity), and configuration loaded with
`GnmiServer.load`, which bypasses validation (call `forget` after such a load).

Each controller's last accepted usage is remembered here, so a check never reads another
server's datastore (whose lock may be held by a Set running at the same time).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from nfvo.domain import Domain, Resources, Substrate
from simulator.lab.gnmi.servicer import Validator
from simulator.lab.gnmi.tree import Json

_EPS = 1e-9


def functions_usage(tree: Mapping[str, Json]) -> dict[str, Resources]:
    """Per site, the cpu and memory of every function configured in a gNMI tree."""
    used: dict[str, Resources] = {}
    slices = tree.get("slices")
    entries = slices.get("slice", []) if isinstance(slices, Mapping) else []
    for entry in entries if isinstance(entries, list) else [entries]:
        functions = entry.get("function", []) if isinstance(entry, Mapping) else []
        for fn in functions if isinstance(functions, list) else [functions]:
            if not isinstance(fn, Mapping) or "site" not in fn:
                continue
            need = Resources(_number(fn.get("cpu")), _number(fn.get("memory-gb")))
            site = str(fn["site"])
            used[site] = used.get(site, Resources()) + need
    return used


def _number(value: Json) -> float:
    try:
        return float(str(value))
    except ValueError:
        return 0.0


class SiteCapacity:
    """The sites of one substrate, shared by the lab's function-hosting controllers."""

    def __init__(self, substrate: Substrate) -> None:
        self._capacity = {site.name: site.capacity for site in substrate.sites}
        self._lock = threading.Lock()
        self._held: dict[Domain, dict[str, Resources]] = {}

    def forget(self, domain: Domain | None = None) -> None:
        """Drop what a controller (or every one) was last known to hold."""
        with self._lock:
            if domain is None:
                self._held.clear()
            else:
                self._held.pop(domain, None)

    def validator(self, domain: Domain) -> Validator:
        def check(tree: Mapping[str, Json]) -> str | None:
            mine = functions_usage(tree)
            with self._lock:
                total = dict(mine)
                for other, used in self._held.items():
                    if other is not domain:
                        for site, res in used.items():
                            total[site] = total.get(site, Resources()) + res
                why = self._overflow(total)
                if why is None:
                    self._held[domain] = mine
            return why

        return check

    def _overflow(self, total: Mapping[str, Resources]) -> str | None:
        for site, used in sorted(total.items()):
            cap = self._capacity.get(site)
            if cap is None:
                return f"site {site} is not in this lab's substrate"
            if used.cpu > cap.cpu + _EPS or used.memory_gb > cap.memory_gb + _EPS:
                return (
                    f"site {site} is full: functions would need {used.cpu:.1f} vCPU / "
                    f"{used.memory_gb:.1f} GB, it has {cap.cpu:.1f} vCPU / {cap.memory_gb:.1f} GB"
                )
        return None
