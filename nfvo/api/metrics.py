"""Prometheus metrics, computed from the store at each scrape.

Reading the store rather than counting in memory keeps the figures right when several
orchestrator processes share one database, and across restarts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from nfvo.lifecycle import Orchestrator


class StoreCollector(Collector):
    def __init__(self, orchestrator: Orchestrator) -> None:
        self.orchestrator = orchestrator

    def collect(self) -> Iterator[Metric]:
        store, substrate = self.orchestrator.store, self.orchestrator.substrate
        operations = store.list_operations()

        by_state = GaugeMetricFamily(
            "nfvo_operations", "Operations by kind and state", labels=["kind", "state"]
        )
        for (kind, state), count in sorted(
            Counter((o.kind.value, o.state.value) for o in operations).items()
        ):
            by_state.add_metric([kind, state], count)
        yield by_state

        ended = [o.first_time_right for o in operations if o.first_time_right is not None]
        ftr = GaugeMetricFamily(
            "nfvo_first_time_right_ratio", "Share of ended operations that succeeded first time"
        )
        ftr.add_metric([], sum(ended) / len(ended) if ended else 0.0)
        yield ftr

        durations = GaugeMetricFamily(
            "nfvo_operation_duration_seconds_mean", "Mean duration of ended operations", labels=["kind"]
        )
        for kind in sorted({o.kind.value for o in operations}):
            spans = [
                (o.finished_at - o.started_at).total_seconds()
                for o in operations
                if o.kind.value == kind and o.finished_at is not None
            ]
            if spans:
                durations.add_metric([kind], sum(spans) / len(spans))
        yield durations

        usage = store.usage()
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


def render(orchestrator: Orchestrator) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(orchestrator))
    return generate_latest(registry)
