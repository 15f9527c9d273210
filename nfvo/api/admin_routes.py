"""/api/v1/tenants, /api/v1/keys and /api/v1/audit: what admins manage (a tenant may read
its own tenant record, with its quota and what it uses of it)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from nfvo.api.access_schemas import (
    AuditView,
    KeyCreate,
    KeyCreated,
    KeyView,
    QuotaSpec,
    TenantCreate,
    TenantView,
)
from nfvo.api.auth import KeyCache, PrincipalDep, access
from nfvo.domain import ConflictError, NotFoundError
from nfvo.domain.access import Role
from nfvo.store import Store, audit, keys, tenancy

PREFIX = "/api/v1"


def _store(request: Request) -> Store:
    store: Store = request.app.state.orchestrator.store
    return store


def _view(store: Store, name: str) -> TenantView:
    return TenantView.of(tenancy.require_tenant(store, name), tenancy.tenant_usage(store, name))


router = APIRouter(prefix=PREFIX)


@router.post("/tenants", status_code=status.HTTP_201_CREATED, tags=["admin"], **access(Role.ADMIN))
def create_tenant(body: TenantCreate, request: Request, response: Response) -> TenantView:
    """Create a tenant with its quota (409 if it exists: change a quota with PUT .../quota)."""
    store = _store(request)
    if tenancy.get_tenant(store, body.name) is not None:
        raise ConflictError(
            f"tenant {body.name!r} exists", hint=f"change its quota: PUT {PREFIX}/tenants/{body.name}/quota"
        )
    tenancy.put_tenant(store, body.name, body.quota.to_quota(), body.quota.over_quota)
    response.headers["Location"] = f"{PREFIX}/tenants/{body.name}"
    return _view(store, body.name)


@router.get("/tenants", tags=["admin"], **access(Role.ADMIN))
def list_tenants(request: Request) -> list[TenantView]:
    store = _store(request)
    return [TenantView.of(t, tenancy.tenant_usage(store, t.name)) for t in tenancy.list_tenants(store)]


@router.get("/tenants/{name}", tags=["admin"], **access(Role.TENANT))
def get_tenant(name: str, request: Request, principal: PrincipalDep) -> TenantView:
    """A tenant's quota and what its live slices use of it (a tenant key: its own only)."""
    if not principal.sees_tenant(name):
        raise NotFoundError(f"no tenant named {name!r}")
    return _view(_store(request), name)


@router.put("/tenants/{name}/quota", tags=["admin"], **access(Role.ADMIN))
def set_quota(name: str, body: QuotaSpec, request: Request) -> TenantView:
    """Replace a tenant's quota. Slices it holds already are kept even if now over it."""
    store = _store(request)
    tenancy.require_tenant(store, name)
    tenancy.put_tenant(store, name, body.to_quota(), body.over_quota)
    return _view(store, name)


@router.post("/keys", status_code=status.HTTP_201_CREATED, tags=["admin"], **access(Role.ADMIN))
def create_key(body: KeyCreate, response: Response, request: Request) -> KeyCreated:
    """Make an API key. The answer holds the secret: this once, never again."""
    made = keys.create_key(_store(request), body.role, body.tenant, body.name)
    response.headers["Location"] = f"{PREFIX}/keys/{made.key.id}"
    response.headers["Cache-Control"] = "no-store"
    return KeyCreated(**KeyView.of(made.key).model_dump(), key=made.token)


@router.get("/keys", tags=["admin"], **access(Role.ADMIN))
def list_keys(request: Request) -> list[KeyView]:
    """Every key, revoked ones included; never a secret."""
    return [KeyView.of(k) for k in keys.list_keys(_store(request))]


@router.delete("/keys/{key_id}", tags=["admin"], **access(Role.ADMIN))
def revoke_key(key_id: str, request: Request) -> KeyView:
    """Revoke a key at once (idempotent). The last working admin key cannot be revoked."""
    store = _store(request)
    target = keys.get_key(store, key_id)
    admins = [k for k in keys.list_keys(store) if k.role is Role.ADMIN and k.revoked_at is None]
    if target.revoked_at is None and [k.id for k in admins] == [key_id]:
        raise ConflictError("this is the last admin key", hint="make another admin key first")
    revoked = keys.revoke_key(store, key_id)
    cache: KeyCache = request.app.state.key_cache
    cache.forget(key_id)
    return KeyView.of(revoked)


@router.get("/audit", tags=["admin"], **access(Role.ADMIN))
def audit_log(
    request: Request,
    tenant: Annotated[str | None, Query(max_length=100)] = None,
    key_id: Annotated[str | None, Query(max_length=40)] = None,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditView]:
    """Who did what, newest first: every changing request, and every refused one."""
    found = audit.entries(_store(request), tenant=tenant, key_id=key_id, since=since, limit=limit)
    return [AuditView.of(e) for e in found]
