"""Prometheus metrics, computed from the store at each scrape.

Reading the store rather than counting in memory keeps the figures right when several
orchestrator processes share one database, and across restarts. Durations come from the
operations' journals: every step records when it started and finished, so placement time
("place" steps), twin validation ("twin-validate") and each adapter call ("push:<domain>",
"undo:<domain>", "remove:<domain>", "verify-sla") are histograms over what was journalled.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from nfvo.domain import Operation, StepRecord
from nfvo.lifecycle import Orchestrator

# Upper bounds in seconds. Placement and adapter calls are milliseconds to seconds;
# whole operations seconds to minutes (a held operation waits for an operator).
FAST_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SLOW_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0)
ADAPTER_ACTIONS = ("push", "undo", "remove")


def histogram(
    name: str,
    documentation: str,
    labels: Sequence[str],
    series: dict[tuple[str, ...], list[float]],
    buckets: Sequence[float],
) -> HistogramMetricFamily:
    """A histogram family from raw observations per label tuple (cumulative buckets)."""
    family = HistogramMetricFamily(name, documentation, labels=list(labels))
    for key in sorted(series):
        values = series[key]
        cumulative = [(repr(float(bound)), float(sum(v <= bound for v in values))) for bound in buckets]
        cumulative.append(("+Inf", float(len(values))))
        family.add_metric(list(key), cumulative, sum(values))
    return family


def _seconds(step: StepRecord) -> float | None:
    if step.finished_at is None:
        return None
    return max(0.0, (step.finished_at - step.started_at).total_seconds())


def step_durations(operations: Iterable[Operation]) -> dict[str, dict[tuple[str, ...], list[float]]]:
    """Finished step durations by metric: placement, twin, adapter calls (action, domain)
    and SLA checks."""
    found: dict[str, dict[tuple[str, ...], list[float]]] = defaultdict(lambda: defaultdict(list))
    for operation in operations:
        for step in operation.steps:
            seconds = _seconds(step)
            if seconds is None:
                continue
            action, _, target = step.name.partition(":")
            if step.name == "place":
                found["place"][(operation.kind.value,)].append(seconds)
            elif step.name == "twin-validate":
                found["twin"][()].append(seconds)
            elif step.name == "verify-sla":
                found["sla"][()].append(seconds)
            elif action in ADAPTER_ACTIONS and target:
                found["adapter"][(action, target, step.state.value)].append(seconds)
    return found


class StoreCollector(Collector):
    def __init__(self, orchestrator: Orchestrator) -> None:
        self.orchestrator = orchestrator

    def collect(self) -> Iterator[Metric]:
        store = self.orchestrator.store
        operations = store.list_operations()
        yield from _operations(operations)
        steps = step_durations(operations)
        yield histogram(
            "nfvo_placement_seconds",
            "Time to place a slice (admission and modification)",
            ["kind"],
            steps["place"],
            FAST_BUCKETS,
        )
        yield histogram(
            "nfvo_twin_validate_seconds",
            "Time the digital twin took to validate a plan",
            [],
            steps["twin"],
            FAST_BUCKETS,
        )
        yield histogram(
            "nfvo_adapter_call_seconds",
            "Southbound transactions by action (push, undo, remove), change set and outcome",
            ["action", "changeset", "outcome"],
            steps["adapter"],
            FAST_BUCKETS,
        )
        yield histogram(
            "nfvo_sla_check_seconds",
            "Time to measure a slice's latency after its transport push",
            [],
            steps["sla"],
            FAST_BUCKETS,
        )
        yield from self._utilisation()

    def _utilisation(self) -> Iterator[Metric]:
        usage, substrate = self.orchestrator.store.usage(), self.orchestrator.substrate
        sites = GaugeMetricFamily(
            "nfvo_site_cpu_utilisation_ratio", "Reserved vCPU / capacity per site", labels=["site", "role"]
        )
        for site in substrate.sites:
            used = usage.sites.get(site.name)
            ratio = used.cpu / site.capacity.cpu if used and site.capacity.cpu else 0.0
            sites.add_metric([site.name, site.role.value], ratio)
        yield sites
        links = GaugeMetricFamily(
            "nfvo_link_utilisation_ratio", "Reserved bandwidth / capacity per link", labels=["link"]
        )
        for link in substrate.links:
            links.add_metric([link.key], usage.links_mbps.get(link.key, 0.0) / link.capacity_mbps)
        yield links


def _operations(operations: Sequence[Operation]) -> Iterator[Metric]:
    by_state = GaugeMetricFamily("nfvo_operations", "Operations by kind and state", labels=["kind", "state"])
    for (kind, state), count in sorted(Counter((o.kind.value, o.state.value) for o in operations).items()):
        by_state.add_metric([kind, state], count)
    yield by_state

    ended = [o.first_time_right for o in operations if o.first_time_right is not None]
    ftr = GaugeMetricFamily(
        "nfvo_first_time_right_ratio", "Share of ended operations that succeeded first time"
    )
    ftr.add_metric([], sum(ended) / len(ended) if ended else 0.0)
    yield ftr

    spans: dict[tuple[str, ...], list[float]] = defaultdict(list)
    for o in operations:
        if o.finished_at is not None:
            spans[(o.kind.value, o.state.value)].append((o.finished_at - o.started_at).total_seconds())
    yield histogram(
        "nfvo_operation_duration_seconds",
        "Duration of ended operations by kind and final state",
        ["kind", "state"],
        spans,
        SLOW_BUCKETS,
    )


def render(orchestrator: Orchestrator) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(orchestrator))
    return generate_latest(registry)
