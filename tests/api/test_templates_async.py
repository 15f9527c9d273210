"""Large templates are validated by a worker process, off the request path: 202 + Location,
then GET the validation (nfvo/api/template_routes.py, nfvo/catalog/offload.py). Real
server on loopback, real worker processes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from secured_api import Secured

from nfvo.catalog import offload

BROKEN = (
    "tosca_definitions_version: tosca_simple_yaml_1_3\n"
    "topology_template:\n  node_templates:\n    x:\n      type: nfvo.nodes.core.UPFF\n"
)


@pytest.fixture
def small_threshold() -> Iterator[offload.Validations]:
    """Every template above 100 bytes counts as large."""
    offload.VALIDATIONS.configure(offload.OffloadSettings(threshold_bytes=100, workers=1, max_pending=4))
    yield offload.VALIDATIONS
    offload.VALIDATIONS.configure(offload.OffloadSettings())


def _poll(api: Secured, who: str, location: str, timeout_s: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        reply = api.call(who, "GET", location)
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        if body["state"] not in ("pending", "running"):
            return body
        assert time.monotonic() < deadline, f"validation stuck {body['state']}"
        time.sleep(0.05)


def test_a_large_upload_is_accepted_then_validated_and_stored(
    secured: Secured, small_threshold: offload.Validations
) -> None:
    content = secured.orchestrator.store.get_template("urllc")[1]
    reply = secured.call(
        "operator", "POST", "/api/v1/templates", json={"name": "big-urllc", "content": content}
    )
    assert reply.status_code == 202, reply.text
    location = reply.headers["location"]
    assert location.startswith("/api/v1/template-validations/") and reply.json()["location"] == location
    done = _poll(secured, "operator", location)
    assert done["state"] == "valid" and done["diagnostics"] == []
    assert done["template"]["name"] == "big-urllc" and done["template"]["version"] == 1
    stored = secured.call("tenant-a", "GET", "/api/v1/templates/big-urllc")
    assert stored.status_code == 200 and stored.text == content
    # The worker's analysis is in this process's cache: a slice from the stored template
    # does not parse it again.
    hits = offload.loader.CACHE.hits
    made = secured.call("tenant-a", "POST", "/api/v1/slices", json={"template": "big-urllc"})
    assert made.status_code == 202, made.text
    assert offload.loader.CACHE.hits == hits + 1


def test_a_large_invalid_upload_is_reported_with_lines_and_not_stored(
    secured: Secured, small_threshold: offload.Validations
) -> None:
    reply = secured.call("operator", "POST", "/api/v1/templates", json={"name": "big-bad", "content": BROKEN})
    assert reply.status_code == 202, reply.text
    done = _poll(secured, "operator", reply.headers["location"])
    assert done["state"] == "invalid" and done["template"] is None
    unknown = [d for d in done["diagnostics"] if d["code"] == "unknown-type"]
    assert unknown and unknown[0]["line"] == 5 and unknown[0]["hint"]
    assert secured.call("operator", "GET", "/api/v1/templates/big-bad").status_code == 404


def test_validating_a_large_template_answers_202_and_small_ones_stay_synchronous(
    secured: Secured, small_threshold: offload.Validations
) -> None:
    reply = secured.call("tenant-a", "POST", "/api/v1/templates/validate", json={"content": BROKEN})
    assert reply.status_code == 202, reply.text
    assert _poll(secured, "tenant-a", reply.headers["location"])["state"] == "invalid"
    small = secured.call("tenant-a", "POST", "/api/v1/templates/validate", json={"content": "a: 1\n"})
    assert small.status_code == 422 and small.json()["code"] == "invalid-template"


def test_a_repeated_large_upload_with_its_idempotency_key_gets_the_same_validation(
    secured: Secured, small_threshold: offload.Validations
) -> None:
    content = secured.orchestrator.store.get_template("embb")[1]
    body = {"name": "big-embb", "content": content}
    headers = {"Idempotency-Key": "big-embb-1"}
    first = secured.call("operator", "POST", "/api/v1/templates", json=body, headers=headers)
    again = secured.call("operator", "POST", "/api/v1/templates", json=body, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.headers["location"] == again.headers["location"]
    assert _poll(secured, "operator", first.headers["location"])["state"] == "valid"


def test_when_the_workers_are_full_a_large_template_is_refused_for_later(secured: Secured) -> None:
    offload.VALIDATIONS.configure(offload.OffloadSettings(threshold_bytes=100, max_pending=0))
    try:
        reply = secured.call("tenant-a", "POST", "/api/v1/templates/validate", json={"content": BROKEN})
    finally:
        offload.VALIDATIONS.configure(offload.OffloadSettings())
    assert reply.status_code == 503 and reply.json()["code"] == "validators-busy"
    assert reply.headers["retry-after"] == "5"


def test_an_unknown_validation_is_not_found(secured: Secured) -> None:
    reply = secured.call("tenant-a", "GET", "/api/v1/template-validations/nope")
    assert reply.status_code == 404 and reply.json()["code"] == "not-found"
