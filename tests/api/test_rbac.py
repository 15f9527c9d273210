"""Every endpoint of the published OpenAPI, for every role (anonymous, tenant A, tenant B,
operator, admin), with tenant B reaching for tenant A's slice, operation and tenant record.

The endpoints come from app.openapi(), so a new endpoint without a line in RULES fails
here: decide who may call it, then add it.
"""

from __future__ import annotations

import uuid
from typing import Any

from secured_api import ROLES, Secured, is_problem

from nfvo.catalog import offload
from nfvo.domain.access import Role
from nfvo.store import keys

# (method, path) -> (least role, None for anyone; whether a tenant sees only its own)
RULES: dict[tuple[str, str], tuple[str | None, bool]] = {
    ("GET", "/api/v1/health"): (None, False),
    ("GET", "/api/v1/templates"): ("tenant", False),
    ("POST", "/api/v1/templates"): ("operator", False),
    ("POST", "/api/v1/templates/validate"): ("tenant", False),
    ("GET", "/api/v1/templates/{name}"): ("tenant", False),
    ("GET", "/api/v1/templates/{name}/versions"): ("tenant", False),
    ("GET", "/api/v1/templates/{name}/versions/{version}"): ("tenant", False),
    ("GET", "/api/v1/template-validations/{validation_id}"): ("tenant", False),
    ("POST", "/api/v1/slices"): ("tenant", False),
    ("POST", "/api/v1/plans"): ("tenant", False),
    ("POST", "/api/v1/studies"): ("operator", False),
    ("GET", "/api/v1/studies"): ("operator", False),
    ("GET", "/api/v1/studies/{study_id}"): ("operator", False),
    ("GET", "/api/v1/studies/{study_id}/report"): ("operator", False),
    ("DELETE", "/api/v1/studies/{study_id}"): ("operator", False),
    ("GET", "/api/v1/slices"): ("tenant", False),
    ("GET", "/api/v1/slices/{slice_id}"): ("tenant", True),
    ("DELETE", "/api/v1/slices/{slice_id}"): ("tenant", True),
    ("PATCH", "/api/v1/slices/{slice_id}"): ("tenant", True),
    ("POST", "/api/v1/operations/{operation_id}/cancel"): ("tenant", True),
    ("POST", "/api/v1/substrate/heal"): ("operator", False),
    ("POST", "/api/v1/substrate/restore"): ("operator", False),
    ("GET", "/api/v1/controllers/breakers"): ("operator", False),
    ("GET", "/api/v1/slices/{slice_id}/operations"): ("tenant", True),
    ("GET", "/api/v1/operations"): ("tenant", False),
    ("GET", "/api/v1/operations/{operation_id}"): ("tenant", True),
    ("POST", "/api/v1/operations/{operation_id}/retry"): ("operator", False),
    ("POST", "/api/v1/operations/{operation_id}/rollback"): ("operator", False),
    ("POST", "/api/v1/operations/{operation_id}/approve"): ("operator", False),
    ("POST", "/api/v1/operations/{operation_id}/reject"): ("operator", False),
    ("GET", "/api/v1/substrate"): ("operator", False),
    ("GET", "/api/v1/reconciliation"): ("operator", False),
    ("POST", "/api/v1/reconciliation"): ("operator", False),
    ("GET", "/api/v1/metrics"): ("operator", False),
    ("POST", "/api/v1/tenants"): ("admin", False),
    ("GET", "/api/v1/tenants"): ("admin", False),
    ("GET", "/api/v1/tenants/{name}"): ("tenant", True),
    ("PUT", "/api/v1/tenants/{name}/quota"): ("admin", False),
    ("POST", "/api/v1/keys"): ("admin", False),
    ("GET", "/api/v1/keys"): ("admin", False),
    ("DELETE", "/api/v1/keys/{key_id}"): ("admin", False),
    ("GET", "/api/v1/audit"): ("admin", False),
    ("GET", "/api/v1/lab/controllers"): ("operator", False),
    ("POST", "/api/v1/subscriptions"): ("tenant", False),
    ("GET", "/api/v1/subscriptions"): ("tenant", False),
    ("GET", "/api/v1/subscriptions/{subscription_id}"): ("tenant", True),
    ("DELETE", "/api/v1/subscriptions/{subscription_id}"): ("tenant", True),
    ("GET", "/api/v1/subscriptions/{subscription_id}/deliveries"): ("tenant", True),
    ("GET", "/api/v1/events"): ("tenant", False),
    ("POST", "/api/v1/lab/controllers/{domain}/faults"): ("operator", False),
    ("DELETE", "/api/v1/lab/controllers/{domain}/faults"): ("operator", False),
}


def role_of(who: str) -> Role | None:
    return None if who == "anonymous" else Role.TENANT if who.startswith("tenant") else Role(who)


def body_for(method: str, path: str, api: Secured) -> Any:
    content = api.orchestrator.store.get_template("urllc")[1]
    bodies: dict[tuple[str, str], Any] = {
        ("POST", "/api/v1/templates"): {"name": "rbac-template", "content": content},
        ("POST", "/api/v1/templates/validate"): {"content": content},
        ("POST", "/api/v1/slices"): {"template": "mmtc"},
        ("POST", "/api/v1/plans"): {"template": "mmtc"},
        ("POST", "/api/v1/studies"): {"arrivals": 100, "replications": 1},
        ("PATCH", "/api/v1/slices/{slice_id}"): {"inputs": {"throughput_mbps": 150.0}},
        ("POST", "/api/v1/substrate/heal"): {"sites": []},
        ("POST", "/api/v1/substrate/restore"): {"sites": []},
        ("POST", "/api/v1/tenants"): {"name": f"t-{uuid.uuid4().hex[:8]}"},
        ("PUT", "/api/v1/tenants/{name}/quota"): {"max_slices": 100},
        ("POST", "/api/v1/keys"): {"name": "rbac", "role": "operator"},
        ("POST", "/api/v1/lab/controllers/{domain}/faults"): {"kind": "delay", "delay_ms": 0},
        ("POST", "/api/v1/subscriptions"): {
            "callback_url": "http://127.0.0.1:9/rbac",
            "event_types": ["slice.state"],
        },
    }
    return bodies.get((method, path))


def test_every_endpoint_for_every_role(secured: Secured) -> None:
    api = secured
    slice_a, op_a = api.slice_for("tenant-a")
    schema = api.app.openapi()
    endpoints = [
        (method.upper(), path, spec)
        for path, item in schema["paths"].items()
        for method, spec in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    unruled = sorted({(m, p) for m, p, _ in endpoints} - set(RULES))
    assert not unruled, f"endpoints without an RBAC rule (add them to RULES): {unruled}"

    failures: list[str] = []
    small_study = {"arrivals": 100, "replications": 1}
    study = api.call("operator", "POST", "/api/v1/studies", json=small_study).json()["id"]
    validation = offload.VALIDATIONS.submit(api.orchestrator.store.get_template("urllc")[1], {}).id
    for method, path, spec in endpoints:
        least, scoped = RULES[(method, path)]
        if spec.get("x-required-role") != (least or "anonymous"):
            failures.append(f"{method} {path}: OpenAPI says {spec.get('x-required-role')}, rule {least}")
        for who in ROLES:
            spare = keys.create_key(api.orchestrator.store, Role.OPERATOR, None, "spare").key.id
            params = {
                "slice_id": slice_a,
                "operation_id": op_a,
                "name": "tenant-a" if path.startswith("/api/v1/tenants") else "urllc",
                "version": "1",
                "key_id": spare,
                "domain": "core",
                "study_id": study,
                "validation_id": validation,
            }
            if "{subscription_id}" in path:  # tenant A's, made afresh: a DELETE must not spoil the next call
                made = api.call(
                    "tenant-a", "POST", "/api/v1/subscriptions", json={"callback_url": "http://127.0.0.1:9/"}
                )
                params["subscription_id"] = made.json()["id"]
            url = path.format(**params)
            body = body_for(method, path, api)
            reply = api.call(who, method, url, json=body) if body is not None else api.call(who, method, url)
            failures += check(who, least, scoped, f"{method} {url}", reply)
    assert not failures, "\n".join(failures)


def check(who: str, least: str | None, scoped: bool, what: str, reply: Any) -> list[str]:
    role = role_of(who)
    status = reply.status_code
    if status >= 500:
        return [f"{what} as {who}: {status} {reply.text}"]
    if status >= 400 and not is_problem(reply):
        return [f"{what} as {who}: {status} without problem+json"]
    if least is not None and role is None:
        expected, code = 401, "unauthenticated"
    elif least is not None and role is not None and not role.at_least(Role(least)):
        expected, code = 403, "forbidden"
    elif scoped and who == "tenant-b":
        expected, code = 404, "not-found"  # another tenant's: as if it did not exist
    else:
        if status in (401, 403, 404):
            return [f"{what} as {who}: refused {status} {reply.text}"]
        return []
    if status != expected or reply.json().get("code") != code:
        return [f"{what} as {who}: expected {expected} {code}, got {status} {reply.text[:200]}"]
    if expected == 401 and "bearer" not in reply.headers.get("www-authenticate", "").lower():
        return [f"{what} as {who}: 401 without WWW-Authenticate"]
    return []


def test_a_tenant_lists_only_its_own(secured: Secured) -> None:
    api = secured
    slice_a, _ = api.slice_for("tenant-a")
    slice_b, op_b = api.slice_for("tenant-b")
    listed = {s["id"]: s for s in api.call("tenant-b", "GET", "/api/v1/slices").json()}
    assert list(listed) == [slice_b] and listed[slice_b]["tenant"] == "tenant-b"
    assert api.call("tenant-b", "GET", "/api/v1/slices", params={"tenant": "tenant-a"}).json() == []
    ops = [op["id"] for op in api.call("tenant-b", "GET", "/api/v1/operations").json()]
    assert ops == [op_b]
    assert api.call("tenant-b", "GET", "/api/v1/operations", params={"slice_id": slice_a}).json() == []
    everything = {s["id"] for s in api.call("operator", "GET", "/api/v1/slices").json()}
    assert everything == {slice_a, slice_b}

    # A tenant cannot create a slice for another tenant...
    reply = api.call("tenant-b", "POST", "/api/v1/slices", json={"template": "mmtc", "tenant": "tenant-a"})
    assert reply.status_code == 403 and reply.json()["code"] == "forbidden" and is_problem(reply)
    # ... nor delete one: 404, and the slice is untouched.
    assert api.call("tenant-b", "DELETE", f"/api/v1/slices/{slice_a}").status_code == 404
    assert api.call("tenant-a", "GET", f"/api/v1/slices/{slice_a}").json()["state"] == "ACTIVE"
    # The 404 for another tenant's slice reads exactly like the one for no slice at all.
    theirs = api.call("tenant-b", "GET", f"/api/v1/slices/{slice_a}").json()
    nobody = api.call("tenant-b", "GET", "/api/v1/slices/slice-000000000000").json()
    assert theirs["detail"].replace(slice_a, "X") == nobody["detail"].replace("slice-000000000000", "X")
