"""A memo over a placement engine, for studies that place the same requests many times.
It lives in the simulator (it needs nothing but the domain), so that the worker processes
that unpickle it do not import the command line."""

from __future__ import annotations

from typing import Any

from nfvo.domain import InfeasibleError, Placement, Placer, Resources, SliceRequest, Substrate, Usage


class MemoPlacer:
    """A placer that remembers `engine`'s placement of each request on the empty substrate
    and reuses it while it still fits what is free; otherwise it runs `engine` on what is
    free. The placement costs do not depend on what is held (cpu price plus a bandwidth x
    latency term), so a remembered placement that fits is still one of least cost; when
    the engine's search is exact, it is the engine's answer up to ties. A request that is
    infeasible on the empty substrate is infeasible whatever is held, and is refused at once.
    """

    def __init__(self, engine: Placer) -> None:
        self.engine = engine
        self._memo: dict[tuple[str, str], tuple[Placement, Usage] | InfeasibleError] = {}
        self._capacity: tuple[str, dict[str, Resources], dict[str, float]] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"engine": self.engine}  # the memo is rebuilt in each worker

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["engine"])  # type: ignore[misc]

    def _fits(self, substrate: Substrate, held: Usage, need: Usage) -> bool:
        if self._capacity is None or self._capacity[0] != substrate.name:
            self._capacity = (
                substrate.name,
                {s.name: s.capacity for s in substrate.sites},
                {link.key: link.capacity_mbps for link in substrate.links},
            )
        _, sites, links = self._capacity
        for name, res in need.sites.items():
            if not (held.sites.get(name, Resources()) + res).fits_in(sites[name]):
                return False
        return all(
            held.links_mbps.get(key, 0.0) + mbps <= links[key] + 1e-9 for key, mbps in need.links_mbps.items()
        )

    def __call__(self, request: SliceRequest, substrate: Substrate, usage: Usage) -> Placement:
        key = (request.template, repr(sorted(request.inputs.items())))
        known = self._memo.get(key)
        if known is None:
            try:
                placement = self.engine(request, substrate, Usage())
            except InfeasibleError as err:
                known = err
            else:
                known = (placement, placement.usage(request))
            self._memo[key] = known
        if isinstance(known, InfeasibleError):
            raise known
        if self._fits(substrate, usage, known[1]):
            return known[0]
        return self.engine(request, substrate, usage)
