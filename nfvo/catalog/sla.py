"""The slice's service level: the SLA policy read into a `ServiceLevel`, with the checks
that relate its values to each other (types and ranges are checked against the profile
before; see values.py).

The domain's SLA keeps slice type, throughput, UEs and isolation; the rest travels in the
`ServiceLevel` of the SliceProfile. The slice throughput T is the SLA's `throughput_mbps`,
or, when that is 0, `dl_throughput_mbps + ul_throughput_mbps`: functions sized by traffic
(`cpu_per_gbps`, ...) scale with T.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nfvo.catalog.context import MapContext
from nfvo.catalog.profile import ServiceLevel
from nfvo.catalog.values import TOPOLOGY, Entity
from nfvo.domain import Isolation, SliceType

SLA_TYPE = "nfvo.policies.SLA"


def find_sla(ctx: MapContext, *, required: bool = True) -> Entity | None:
    """The template's one SLA policy (missing or repeated ones are reported)."""
    slas = ctx.policies(SLA_TYPE)
    # A policy of an unknown type may be the SLA with its type misspelt (reported as such).
    unknown = [
        p
        for p in ctx.shape.policies
        if not ctx.registry.knows("policy_types", p.type) and not p.type.startswith("tosca.")
    ]
    if not slas and not unknown and required:
        ctx.sink.add(
            "missing-sla",
            f"the template has no {SLA_TYPE} policy",
            (*TOPOLOGY, "policies"),
            hint="add one SLA policy with the slice_type",
        )
    for extra in slas[1:]:
        ctx.sink.add(
            "duplicate-sla", f"a second SLA policy {extra.name!r}; a slice has exactly one", extra.path
        )
    return slas[0] if slas else None


def _opt(props: Mapping[str, Any], key: str) -> float | None:
    value = props.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _names(props: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = props.get(key)
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def service_level(ctx: MapContext, policy: Entity) -> ServiceLevel | None:
    props = policy.props
    if not isinstance(props.get("slice_type"), str):
        ctx.complete = False  # missing or rejected: already reported
        return None
    dl, ul = _opt(props, "dl_throughput_mbps"), _opt(props, "ul_throughput_mbps")
    throughput = _opt(props, "throughput_mbps") or 0.0
    if throughput == 0.0 and (dl is not None or ul is not None):
        throughput = (dl or 0.0) + (ul or 0.0)
    pdu = props.get("max_pdu_sessions")
    activity = _opt(props, "activity_factor_percent")
    level = ServiceLevel(
        slice_type=SliceType(props["slice_type"]),
        throughput_mbps=throughput,
        max_ues=int(props.get("max_ues", 0)),
        isolation=Isolation(props.get("isolation", Isolation.SHARED.value)),
        e2e_latency_ms=_opt(props, "e2e_latency_ms"),
        jitter_ms=_opt(props, "jitter_ms"),
        dl_throughput_mbps=dl,
        ul_throughput_mbps=ul,
        dl_throughput_per_ue_mbps=_opt(props, "dl_throughput_per_ue_mbps"),
        ul_throughput_per_ue_mbps=_opt(props, "ul_throughput_per_ue_mbps"),
        max_pdu_sessions=int(pdu) if isinstance(pdu, int) else None,
        availability_percent=_opt(props, "availability_percent"),
        activity_factor_percent=100.0 if activity is None else activity,
        coverage_cell_sites=_names(props, "coverage_cell_sites"),
        coverage_tracking_areas=_names(props, "coverage_tracking_areas"),
    )
    _check_consistency(ctx, policy, level)
    return level


def _check_consistency(ctx: MapContext, policy: Entity, level: ServiceLevel) -> None:
    """Values that are each in range but contradict one another."""

    def bad(prop: str, message: str, hint: str = "") -> None:
        ctx.sink.add(
            "sla-inconsistent", message, (*policy.path, "properties", prop), at_value=True, hint=hint
        )

    jitter, e2e = level.jitter_ms, level.e2e_latency_ms
    if jitter is not None and e2e is not None and jitter > e2e:
        bad(
            "jitter_ms",
            f"jitter_ms ({jitter:g}) exceeds e2e_latency_ms ({e2e:g})",
            "latency can vary at most by the latency itself",
        )
    for direction in ("dl", "ul"):
        slice_rate = getattr(level, f"{direction}_throughput_mbps")
        per_ue = getattr(level, f"{direction}_throughput_per_ue_mbps")
        if slice_rate is not None and per_ue is not None and per_ue > slice_rate:
            bad(
                f"{direction}_throughput_per_ue_mbps",
                f"{direction}_throughput_per_ue_mbps ({per_ue:g}) exceeds the slice's "
                f"{direction}_throughput_mbps ({slice_rate:g})",
                "one UE cannot get more than the whole slice",
            )
        explicit = _opt(policy.props, "throughput_mbps") or 0.0
        if slice_rate is not None and 0.0 < explicit < slice_rate:
            bad(
                "throughput_mbps",
                f"throughput_mbps ({explicit:g}) is below {direction}_throughput_mbps ({slice_rate:g})",
                "throughput_mbps is the slice's aggregate; leave it out to use downlink + uplink",
            )
    if level.max_pdu_sessions is not None and level.max_ues and level.max_pdu_sessions < level.max_ues:
        bad(
            "max_pdu_sessions",
            f"max_pdu_sessions ({level.max_pdu_sessions}) is below max_ues ({level.max_ues}): "
            "some attached UEs could never open a session",
        )


def check_budgets_within_e2e(
    ctx: MapContext, level: ServiceLevel, budgets: list[tuple[Entity, str, float]]
) -> None:
    """A latency budget looser than the promised end-to-end latency promises nothing."""
    if level.e2e_latency_ms is None:
        return
    for policy, prop, max_ms in budgets:
        if max_ms > level.e2e_latency_ms:
            ctx.sink.add(
                "budget-exceeds-sla",
                f"budget {policy.name!r} allows {max_ms:g} ms, more than the SLA's "
                f"e2e_latency_ms of {level.e2e_latency_ms:g} ms",
                (*policy.path, "properties", prop),
                at_value=True,
                hint="tighten the budget or raise e2e_latency_ms",
            )
