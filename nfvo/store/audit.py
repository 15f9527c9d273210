"""The audit log (who did what through the API) and the answers kept for Idempotency-Keys."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from nfvo.domain.access import AuditEntry, StoredResponse
from nfvo.store.repository import Store, utcnow
from nfvo.store.tables import AuditRow, IdempotencyRow


def record(store: Store, entry: AuditEntry) -> None:
    with store.transaction() as session:
        session.add(
            AuditRow(
                at=entry.at,
                key_id=entry.key_id,
                tenant=entry.tenant,
                role=entry.role,
                method=entry.method,
                path=entry.path[:2000],
                status=entry.status,
                client=entry.client[:100],
                slice_id=entry.slice_id,
                operation_id=entry.operation_id,
            )
        )


def entries(
    store: Store,
    *,
    tenant: str | None = None,
    key_id: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """The newest entries first."""
    query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
    if tenant is not None:
        query = query.where(AuditRow.tenant == tenant)
    if key_id is not None:
        query = query.where(AuditRow.key_id == key_id)
    if since is not None:
        query = query.where(AuditRow.at >= since)
    with store.transaction() as session:
        return [
            AuditEntry(
                at=row.at,
                key_id=row.key_id,
                tenant=row.tenant,
                role=row.role,
                method=row.method,
                path=row.path,
                status=row.status,
                client=row.client,
                slice_id=row.slice_id,
                operation_id=row.operation_id,
                id=row.id,
            )
            for row in session.scalars(query)
        ]


# --- idempotency keys ------------------------------------------------------------------


def claim(
    store: Store, scope: str, tenant: str | None, key: str, fingerprint: str
) -> tuple[str, StoredResponse | None]:
    """Claim `key` for a request, or find what an earlier request with it left.

    Returns ("claimed", None) when this request is the first; ("done", answer) when an
    earlier one with the same fingerprint finished; ("running", None) while it has not;
    ("mismatch", None) when the key was used for a different request.
    """
    try:
        with store.transaction() as session:
            session.add(
                IdempotencyRow(
                    scope=scope, tenant=tenant, key=key, fingerprint=fingerprint, created_at=utcnow()
                )
            )
        return "claimed", None
    except IntegrityError:
        pass
    with store.transaction() as session:
        row = session.scalars(
            select(IdempotencyRow).where(IdempotencyRow.scope == scope, IdempotencyRow.key == key)
        ).one_or_none()
        if row is None:  # released meanwhile: the caller may simply try again
            return "running", None
        if row.fingerprint != fingerprint:
            return "mismatch", None
        if row.status is None:
            return "running", None
        return "done", StoredResponse(row.status, dict(row.body or {}), row.location)


def complete(store: Store, scope: str, key: str, answer: StoredResponse) -> None:
    with store.transaction() as session:
        row = session.scalars(
            select(IdempotencyRow).where(IdempotencyRow.scope == scope, IdempotencyRow.key == key)
        ).one()
        row.status = answer.status
        row.body = dict(answer.body)
        row.location = answer.location


def release(store: Store, scope: str, key: str) -> None:
    """Forget a claim whose request failed before changing anything (it may be sent again)."""
    with store.transaction() as session:
        session.execute(
            delete(IdempotencyRow).where(IdempotencyRow.scope == scope, IdempotencyRow.key == key)
        )


def forget_older_than(store: Store, age: timedelta) -> int:
    with store.transaction() as session:
        result = session.execute(delete(IdempotencyRow).where(IdempotencyRow.created_at < utcnow() - age))
        return int(getattr(result, "rowcount", 0) or 0)
