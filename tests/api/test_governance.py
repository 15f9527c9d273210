"""Quotas, approval holds, Idempotency-Key, rate limits, the audit log, slice expiry and
API keys, through the real API over a real store and the emulated lab."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from secured_api import Secured, is_problem, make_secured
from sqlalchemy import select

from nfvo.api.settings import RateLimit, Security
from nfvo.lifecycle import Orchestrator
from nfvo.store import audit
from nfvo.store.tables import ApiKeyRow
from simulator.lab.lab import Lab


def state_of(api: Secured) -> tuple[Any, ...]:
    store = api.orchestrator.store
    return (
        [s.id for s in store.list_slices()],
        [op.id for op in store.list_operations()],
        store.usage(),
        [t.ref for t in store.list_templates()],
    )


def set_quota(api: Secured, tenant: str, **quota: Any) -> None:
    reply = api.call("admin", "PUT", f"/api/v1/tenants/{tenant}/quota", json=quota)
    assert reply.status_code == 200, reply.text


def test_over_quota_is_refused_and_leaves_nothing(secured: Secured) -> None:
    api = secured
    set_quota(api, "tenant-a", max_slices=1)
    api.slice_for("tenant-a")
    before = state_of(api)

    reply = api.call("tenant-a", "POST", "/api/v1/slices", json={"template": "embb"})
    assert reply.status_code == 403 and is_problem(reply)
    problem = reply.json()
    assert problem["code"] == "quota-exceeded" and problem["tenant"] == "tenant-a"
    assert problem["quota"] == [{"quota": "max_slices", "limit": 1, "in_use": 1, "requested": 1}]
    assert "max_slices" in problem["detail"] and "/api/v1/tenants/tenant-a/quota" in problem["hint"]
    assert state_of(api) == before, "a refused request stores nothing and holds no capacity"

    # Inline YAML would be recorded in the catalog if admitted: refused, it is not.
    inline = api.orchestrator.store.get_template("urllc")[1] + "\n# a new version\n"
    assert api.call("tenant-a", "POST", "/api/v1/slices", json={"template_yaml": inline}).status_code == 403
    assert state_of(api) == before

    # Other quotas, each named with its figures; another tenant is not affected.
    set_quota(api, "tenant-a", max_vcpu=1, slice_types=["eMBB"])
    problem = api.call("tenant-a", "POST", "/api/v1/slices", json={"template": "urllc"}).json()
    assert {q["quota"] for q in problem["quota"]} == {"max_vcpu", "slice_types"}
    assert "URLLC is not allowed (allowed: eMBB)" in problem["detail"]
    set_quota(api, "tenant-a", max_bandwidth_mbps=0.5)
    assert (
        api.call("tenant-a", "POST", "/api/v1/slices", json={"template": "mmtc"}).json()["quota"][0]["quota"]
        == "max_bandwidth_mbps"
    )
    assert state_of(api) == before
    api.slice_for("tenant-b")

    tenant = api.call("tenant-a", "GET", "/api/v1/tenants/tenant-a").json()
    assert tenant["usage"]["slices"] == 1 and tenant["quota"]["max_bandwidth_mbps"] == 0.5


def test_a_modification_over_quota_is_refused_and_changes_nothing(secured: Secured) -> None:
    api = secured
    slice_id, _ = api.slice_for("tenant-a")  # mMTC: its N3 link reserves throughput_mbps
    used = api.call("tenant-a", "GET", "/api/v1/tenants/tenant-a").json()["usage"]["bandwidth_mbps"]
    # The slice's own demand is replaced, not added: growing a little within the quota works...
    set_quota(api, "tenant-a", max_bandwidth_mbps=used + 20, over_quota="hold")
    grow = api.call(
        "tenant-a", "PATCH", f"/api/v1/slices/{slice_id}", json={"inputs": {"throughput_mbps": 60.0}}
    )
    assert grow.status_code == 202, grow.text
    assert api.wait(grow.json()["id"])["state"] == "COMPLETED"
    before = state_of(api)

    # ...beyond it, refused (even with over_quota=hold: a live slice's change is not held).
    reply = api.call(
        "tenant-a", "PATCH", f"/api/v1/slices/{slice_id}", json={"inputs": {"throughput_mbps": 500.0}}
    )
    assert reply.status_code == 403 and is_problem(reply), reply.text
    problem = reply.json()
    assert problem["code"] == "quota-exceeded" and problem["quota"][0]["quota"] == "max_bandwidth_mbps"
    assert state_of(api) == before, "a refused modification stores nothing and holds no capacity"
    assert api.call("tenant-a", "GET", f"/api/v1/slices/{slice_id}").json()["state"] == "ACTIVE"
    # An operator's heal re-places without changing the demand: no quota check applies.


def test_over_quota_is_held_for_approval_when_the_tenant_says_so(secured: Secured) -> None:
    api = secured
    set_quota(api, "tenant-a", max_slices=0, over_quota="hold")
    reply = api.call("tenant-a", "POST", "/api/v1/slices", json={"template": "mmtc"})
    assert reply.status_code == 202, reply.text
    operation = reply.json()["operation"]
    assert operation["state"] == "STARTING" and "over quota" in operation["held_for"]
    assert "max_slices" in operation["held_for"]
    # The tenant cannot approve its own request; an operator can.
    assert api.call("tenant-a", "POST", f"/api/v1/operations/{operation['id']}/approve").status_code == 403
    assert api.call("operator", "POST", f"/api/v1/operations/{operation['id']}/approve").status_code == 202
    assert api.wait(operation["id"])["state"] == "COMPLETED"


def test_idempotency_key_replays_and_refuses_a_different_body(secured: Secured) -> None:
    api = secured
    body = {"template": "mmtc", "name": "once"}
    key = {"Idempotency-Key": "order-42"}
    first = api.call("tenant-a", "POST", "/api/v1/slices", json=body, headers=key)
    assert first.status_code == 202
    api.wait(first.json()["operation"]["id"])
    before = state_of(api)
    again = api.call("tenant-a", "POST", "/api/v1/slices", json=body, headers=key)
    assert again.status_code == 202 and again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert state_of(api) == before, "a replay does nothing a second time"

    other = api.call("tenant-a", "POST", "/api/v1/slices", json={**body, "name": "twice"}, headers=key)
    assert other.status_code == 422 and other.json()["code"] == "idempotency-key-reused" and is_problem(other)
    assert state_of(api) == before

    # Keys belong to their tenant: the same key elsewhere is a different request.
    theirs = api.call("tenant-b", "POST", "/api/v1/slices", json=body, headers=key)
    assert theirs.status_code == 202 and theirs.json()["slice"]["id"] != first.json()["slice"]["id"]
    api.wait(theirs.json()["operation"]["id"])

    # A request that failed is not kept: after fixing the cause, the same key works.
    set_quota(api, "tenant-a", max_slices=1)
    retry = {"Idempotency-Key": "order-43"}
    assert api.call("tenant-a", "POST", "/api/v1/slices", json=body, headers=retry).status_code == 403
    set_quota(api, "tenant-a", max_slices=2)
    assert api.call("tenant-a", "POST", "/api/v1/slices", json=body, headers=retry).status_code == 202

    bad = api.call("tenant-a", "POST", "/api/v1/slices", json=body, headers={"Idempotency-Key": "x" * 300})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid-request"


def test_template_upload_is_idempotent(secured: Secured) -> None:
    api = secured
    content = api.orchestrator.store.get_template("urllc")[1] + "\n# factory variant\n"
    body = {"name": "factory", "content": content}
    first = api.call("operator", "POST", "/api/v1/templates", json=body, headers={"Idempotency-Key": "t-1"})
    again = api.call("operator", "POST", "/api/v1/templates", json=body, headers={"Idempotency-Key": "t-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers.get("Idempotent-Replayed") == "true"
    assert len(api.call("operator", "GET", "/api/v1/templates/factory/versions").json()) == 1


@pytest.fixture
def limited(orchestrator: Orchestrator, lab: Lab) -> Any:
    yield from make_secured(orchestrator, lab, Security(rate_limit=RateLimit(per_second=0.5, burst=3)))


def test_rate_limit_answers_429_with_retry_after(limited: Secured) -> None:
    api = limited
    statuses = [api.call("tenant-a", "GET", "/api/v1/slices").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    reply = api.call("tenant-a", "GET", "/api/v1/slices")
    assert reply.status_code == 429 and is_problem(reply) and reply.json()["code"] == "rate-limited"
    assert int(reply.headers["Retry-After"]) >= 1
    # Each client has its own bucket.
    assert api.call("tenant-b", "GET", "/api/v1/slices").status_code == 200


def test_audit_log_records_who_did_what(secured: Secured) -> None:
    api = secured
    slice_id, op_id = api.slice_for("tenant-a")
    assert api.call("tenant-b", "DELETE", f"/api/v1/slices/{slice_id}").status_code == 404
    assert api.call("tenant-a", "GET", "/api/v1/keys").status_code == 403
    assert api.call("anonymous", "GET", "/api/v1/slices").status_code == 401
    bad_key = {"Authorization": "Bearer nfvo_000000000000_not-a-key"}
    assert api.call("anonymous", "GET", "/api/v1/slices", headers=bad_key).status_code == 401

    entries = api.call("admin", "GET", "/api/v1/audit", params={"limit": 1000}).json()
    created = next(e for e in entries if e["method"] == "POST" and e["path"] == "/api/v1/slices")
    assert created["key_id"] == api.key_ids["tenant-a"] and created["tenant"] == "tenant-a"
    assert created["status"] == 202 and created["slice_id"] == slice_id and created["operation_id"] == op_id
    assert created["role"] == "tenant" and created["at"]
    outcomes = {(e["key_id"], e["method"], e["status"]) for e in entries}
    assert (api.key_ids["tenant-b"], "DELETE", 404) in outcomes
    assert (api.key_ids["tenant-a"], "GET", 403) in outcomes
    assert ("", "GET", 401) in outcomes
    assert not any(e["method"] == "GET" and e["status"] == 200 for e in entries), "reads are not audited"
    # Persisted in the store, and filterable.
    stored = audit.entries(api.orchestrator.store, tenant="tenant-a")
    assert any(e.slice_id == slice_id for e in stored)
    only_b = api.call("admin", "GET", "/api/v1/audit", params={"key_id": api.key_ids["tenant-b"]}).json()
    assert only_b and {e["key_id"] for e in only_b} == {api.key_ids["tenant-b"]}


def test_an_expired_slice_is_torn_down(secured: Secured) -> None:
    api = secured
    slice_id, _ = api.slice_for("tenant-a", ttl_s=1)
    view = api.call("tenant-a", "GET", f"/api/v1/slices/{slice_id}").json()
    assert view["expires_at"] is not None
    deadline = time.monotonic() + 30
    while api.call("tenant-a", "GET", f"/api/v1/slices/{slice_id}").json()["state"] != "TERMINATED":
        assert time.monotonic() < deadline, "the expired slice was not torn down"
        time.sleep(0.1)
    assert api.orchestrator.store.usage() == api.orchestrator.store.usage().__class__()
    system = [e for e in audit.entries(api.orchestrator.store) if e.key_id == "system"]
    assert [e.slice_id for e in system] == [slice_id]


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"ttl_s": 0}, "invalid-request"),
        ({"ttl_s": 60, "expires_at": "2999-01-01T00:00:00Z"}, "invalid-request"),
        ({"expires_at": "2999-01-01T00:00:00"}, "invalid-request"),  # no time zone
        ({"expires_at": "2000-01-01T00:00:00Z"}, "invalid-input"),  # already passed
        ({"expires_at": "soon"}, "invalid-request"),
    ],
)
def test_bad_expiry_is_a_precise_problem(secured: Secured, extra: dict[str, Any], code: str) -> None:
    before = state_of(secured)
    reply = secured.call("tenant-a", "POST", "/api/v1/slices", json={"template": "mmtc", **extra})
    assert reply.status_code == 422 and is_problem(reply)
    assert reply.json()["code"] == code and reply.json()["detail"]
    assert state_of(secured) == before


def test_keys_are_hashed_shown_once_and_revocable(secured: Secured) -> None:
    api = secured
    made = api.call(
        "admin", "POST", "/api/v1/keys", json={"name": "portal", "role": "tenant", "tenant": "tenant-a"}
    )
    assert made.status_code == 201 and made.headers["Cache-Control"] == "no-store"
    token, key_id = made.json()["key"], made.json()["id"]
    assert token.startswith(f"nfvo_{key_id}_")
    listed = api.call("admin", "GET", "/api/v1/keys").text
    assert key_id in listed and token not in listed and token.split("_", 2)[2] not in listed
    with api.orchestrator.store.transaction() as session:
        row = session.scalars(select(ApiKeyRow).where(ApiKeyRow.id == key_id)).one()
        assert token not in (row.secret_sha256, row.name) and len(row.secret_sha256) == 64

    for headers in ({"X-API-Key": token}, {"Authorization": f"Bearer {token}"}):
        assert api.client.get("/api/v1/slices", headers=headers).status_code == 200
    assert api.client.get("/api/v1/slices", auth=(token, "")).status_code == 200  # curl -u KEY:
    assert api.call("admin", "DELETE", f"/api/v1/keys/{key_id}").json()["revoked_at"]
    revoked = api.client.get("/api/v1/slices", headers={"X-API-Key": token})
    assert revoked.status_code == 401 and revoked.json()["code"] == "unauthenticated"

    # A tenant key needs an existing tenant; a bad role is a precise problem.
    assert (
        api.call(
            "admin", "POST", "/api/v1/keys", json={"name": "x", "role": "tenant", "tenant": "nobody"}
        ).json()["code"]
        == "not-found"
    )
    assert api.call("admin", "POST", "/api/v1/keys", json={"name": "x", "role": "root"}).status_code == 422
    assert api.call("admin", "POST", "/api/v1/keys", json={"name": "x", "role": "tenant"}).status_code == 422


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Token abc"},
        {"Authorization": "Basic !!!"},
        {"Authorization": "Bearer nfvo_123456789012_wrong"},
        {"X-API-Key": "short"},
        {"Authorization": "Bearer one-key-xxxxxxxxxx", "X-API-Key": "another-key-xxxxxxx"},
    ],
)
def test_bad_credentials_are_401_problems(secured: Secured, headers: dict[str, str]) -> None:
    reply = secured.client.get("/api/v1/slices", headers=headers)
    assert reply.status_code == 401 and is_problem(reply)
    assert reply.json()["code"] == "unauthenticated" and reply.json()["detail"]
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")


def test_tenants_are_managed_by_admins(secured: Secured) -> None:
    api = secured
    body = {"name": "acme", "quota": {"max_slices": 2, "slice_types": ["eMBB", "mMTC"]}}
    made = api.call("admin", "POST", "/api/v1/tenants", json=body)
    assert made.status_code == 201 and made.headers["Location"] == "/api/v1/tenants/acme"
    assert made.json()["quota"]["slice_types"] == ["eMBB", "mMTC"] and made.json()["usage"]["slices"] == 0
    assert api.call("admin", "POST", "/api/v1/tenants", json=body).status_code == 409
    assert api.call("admin", "PUT", "/api/v1/tenants/nobody/quota", json={}).status_code == 404
    bad = api.call("admin", "PUT", "/api/v1/tenants/acme/quota", json={"max_slices": -1})
    assert bad.status_code == 422 and is_problem(bad)
    names = [t["name"] for t in api.call("admin", "GET", "/api/v1/tenants").json()]
    assert names == ["acme", "tenant-a", "tenant-b"]


def test_expires_at_is_kept(secured: Secured) -> None:
    at = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
    slice_id, _ = secured.slice_for("tenant-a", expires_at=at.isoformat())
    shown = secured.call("tenant-a", "GET", f"/api/v1/slices/{slice_id}").json()["expires_at"]
    assert datetime.fromisoformat(shown) == at
