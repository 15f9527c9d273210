"""API keys: made here, stored as the SHA-256 of their secret, checked in constant time.

A key reads ``nfvo_<id>_<secret>``: the 12-hex-digit id is public (it names the key in
listings and in the audit log) and finds the row; the 32 random bytes of the secret are
shown once, when the key is made, and never stored. A key given by an operator from the
environment (any text of at least 16 characters) is stored under the fixed id `env-admin`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from nfvo.domain import InputError, NotFoundError
from nfvo.domain.access import ApiKey, Role
from nfvo.store.repository import Store, utcnow
from nfvo.store.tables import ApiKeyRow, TenantRow

PREFIX = "nfvo"
ENV_KEY_ID = "env-admin"
MIN_ENV_KEY_LENGTH = 16


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    token: str  # the whole secret: give it to the caller once, then forget it


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def key_id_of(token: str) -> str:
    """The id a presented token claims (no check of the secret)."""
    parts = token.split("_", 2)
    if len(parts) == 3 and parts[0] == PREFIX and len(parts[1]) == 12:
        return parts[1]
    return ENV_KEY_ID


def create_key(store: Store, role: Role, tenant: str | None, name: str) -> NewKey:
    if (role is Role.TENANT) != (tenant is not None):
        raise InputError(
            "a tenant key names its tenant, and only a tenant key does",
            hint="give 'tenant' with role 'tenant'; leave it out for 'operator' and 'admin'",
        )
    key_id = secrets.token_hex(6)
    token = f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    with store.transaction() as session:
        if tenant is not None and session.get(TenantRow, tenant) is None:
            raise NotFoundError(f"no tenant named {tenant!r}", hint="create it first: POST /api/v1/tenants")
        row = ApiKeyRow(
            id=key_id,
            secret_sha256=digest(token),
            name=name,
            role=role.value,
            tenant=tenant,
            created_at=utcnow(),
        )
        session.add(row)
        session.flush()
        return NewKey(_key(row), token)


def install_env_key(store: Store, token: str, name: str = "bootstrap admin (environment)") -> ApiKey:
    """Make `token` (from an environment variable) an admin key, replacing an earlier one."""
    if len(token) < MIN_ENV_KEY_LENGTH:
        raise InputError(
            f"an API key from the environment must have at least {MIN_ENV_KEY_LENGTH} characters",
            hint='e.g. NFVO_API_KEY="$(python3 -c "import secrets; print(secrets.token_urlsafe(32))")"',
        )
    key_id = key_id_of(token)
    for attempt in (1, 2):
        try:
            with store.transaction() as session:
                row = session.get(ApiKeyRow, key_id)
                if row is None:
                    row = ApiKeyRow(id=key_id, name=name, role=Role.ADMIN.value, created_at=utcnow())
                    session.add(row)
                row.secret_sha256 = digest(token)
                row.role = Role.ADMIN.value
                row.tenant = None
                row.revoked_at = None
                session.flush()
                return _key(row)
        except IntegrityError:
            # Another process sharing the database installed it at the same moment.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def verify(store: Store, token: str) -> ApiKey | None:
    """The key `token` is, if it is a valid, unrevoked key; None otherwise."""
    key_id = key_id_of(token)
    with store.transaction() as session:
        row = session.get(ApiKeyRow, key_id)
        if row is None:
            # Hash anyway, so that an unknown id takes as long as a wrong secret.
            hmac.compare_digest(digest(token), "0" * 64)
            return None
        good = hmac.compare_digest(digest(token), row.secret_sha256)
        return _key(row) if good and row.revoked_at is None else None


def list_keys(store: Store) -> list[ApiKey]:
    with store.transaction() as session:
        return [_key(row) for row in session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at))]


def get_key(store: Store, key_id: str) -> ApiKey:
    with store.transaction() as session:
        row = session.get(ApiKeyRow, key_id)
        if row is None:
            raise NotFoundError(f"no API key with id {key_id!r}", hint="GET /api/v1/keys lists them")
        return _key(row)


def revoke_key(store: Store, key_id: str) -> ApiKey:
    """Revoke a key (idempotent: revoking a revoked key changes nothing)."""
    with store.transaction() as session:
        row = session.get(ApiKeyRow, key_id)
        if row is None:
            raise NotFoundError(f"no API key with id {key_id!r}", hint="GET /api/v1/keys lists them")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
        return _key(row)


def _key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(row.id, row.name, Role(row.role), row.tenant, row.created_at, row.revoked_at)
