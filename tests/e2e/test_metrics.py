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
    # Histograms from the journal: one placement, one push per domain, one SLA check.
    assert after[("nfvo_placement_seconds_count", (("kind", "INSTANTIATE"),))] == 1
    assert after[("nfvo_placement_seconds_sum", (("kind", "INSTANTIATE"),))] > 0
    pushes = {
        labels: value
        for (name, labels), value in after.items()
        if name == "nfvo_adapter_call_seconds_count" and ("action", "push") in labels
    }
    assert len(pushes) == 3 and set(pushes.values()) == {1.0}, pushes
    assert all(("outcome", "DONE") in labels for labels in pushes)
    assert after[("nfvo_sla_check_seconds_count", ())] == 1
    assert after[("nfvo_twin_validate_seconds_count", ())] == 1
    durations = (("kind", "INSTANTIATE"), ("state", "COMPLETED"))
    assert after[("nfvo_operation_duration_seconds_count", durations)] == 1
    inf = (("kind", "INSTANTIATE"), ("le", "+Inf"), ("state", "COMPLETED"))
    assert after[("nfvo_operation_duration_seconds_bucket", inf)] == 1
