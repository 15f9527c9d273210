"""Prometheus metrics reflect the store: operations, first-time-right, utilisation."""

from __future__ import annotations

import time

import httpx
from prometheus_client.parser import text_string_to_metric_families


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_after_a_deployment(api: str) -> None:
    with httpx.Client(base_url=api, timeout=30) as client:
        before = samples(client.get("/api/v1/metrics").text)
        assert before[("nfvo_first_time_right_ratio", ())] == 0.0

        reply = client.post("/api/v1/slices", json={"template": "urllc"})
        deadline = time.monotonic() + 30
        while client.get(reply.headers["Location"]).json()["state"] != "COMPLETED":
            assert time.monotonic() < deadline
            time.sleep(0.05)

        response = client.get("/api/v1/metrics")
        assert response.headers["content-type"].startswith("text/plain")
        after = samples(response.text)
    assert after[("nfvo_operations", (("kind", "INSTANTIATE"), ("state", "COMPLETED")))] == 1
    assert after[("nfvo_first_time_right_ratio", ())] == 1.0
    assert after[("nfvo_site_cpu_utilisation_ratio", (("role", "edge"), ("site", "edge-1")))] > 0
    assert after[("nfvo_link_utilisation_ratio", (("link", "cell-1--edge-1"),))] > 0
