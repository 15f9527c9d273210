"""The event outbox (slice and operation state changes), webhook subscriptions and the
record of every delivery attempt.

An event is written in the same transaction as the state change it tells of, so none is
lost or invented, and every orchestrator process sharing the database sees it. Events are
queued on the session and inserted just before commit, under a lock that makes ids follow
commit order (SQLite's BEGIN IMMEDIATE already does; on PostgreSQL a transaction-scoped
advisory lock): a reader that remembers the last id it saw can never skip one that
commits later with a smaller id. The lock is taken last, so it never waits on a row lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, delete, event, func, or_, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from nfvo.domain import NotFoundError
from nfvo.store.tables import Base, OperationRow, SliceRow, UtcDateTime

SLICE_STATE = "slice.state"
OPERATION_STATE = "operation.state"
EVENT_TYPES = (SLICE_STATE, OPERATION_STATE)
# An arbitrary constant naming the outbox lock among PostgreSQL advisory locks.
OUTBOX_LOCK_KEY = 0x6E657674  # "nevt"
_PENDING = "nfvo_pending_events"


class EventRow(Base):
    __tablename__ = "events"
    # SQLite: never reuse the id of a deleted last row (ids are the readers' cursors).
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    type: Mapped[str] = mapped_column(String(40))
    slice_id: Mapped[str] = mapped_column(String(40), index=True)
    operation_id: Mapped[str] = mapped_column(String(40), default="")
    tenant: Mapped[str] = mapped_column(String(100), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class SubscriptionRow(Base):
    __tablename__ = "subscriptions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner_tenant: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    owner_key_id: Mapped[str] = mapped_column(String(40))
    callback_url: Mapped[str] = mapped_column(Text)
    # Filters (None / empty: any).
    slice_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    tenant: Mapped[str | None] = mapped_column(String(100), nullable=True)
    event_types: Mapped[list[str]] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(Text)  # encrypted by the API (Fernet): it signs with it
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Delivery progress: the last event handled (delivered or given up), the failed
    # attempts at the next one, when to try again, and which process is delivering now.
    cursor: Mapped[int] = mapped_column(Integer)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    lease_owner: Mapped[str] = mapped_column(String(80), default="")
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class DeliveryRow(Base):
    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[str] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    event_id: Mapped[int] = mapped_column(Integer)
    attempt: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(10))  # delivered | retry | dropped
    at: Mapped[datetime] = mapped_column(UtcDateTime)


@dataclass(frozen=True)
class Event:
    id: int
    at: datetime
    type: str
    slice_id: str
    operation_id: str
    tenant: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class EventFilter:
    """Which events a reader wants (None / empty: any); `owner_tenant` is the tenant scope
    the reader is confined to, applied whatever the other filters say."""

    slice_id: str | None = None
    tenant: str | None = None
    types: tuple[str, ...] = ()
    owner_tenant: str | None = None


@dataclass(frozen=True)
class Subscription:
    id: str
    owner_tenant: str | None
    owner_key_id: str
    callback_url: str
    filter: EventFilter
    secret: str = field(repr=False)  # encrypted
    created_at: datetime | None = None
    cursor: int = 0
    attempt: int = 0
    next_attempt_at: datetime | None = None


@dataclass(frozen=True)
class Delivery:
    subscription_id: str
    event_id: int
    attempt: int
    status_code: int | None
    error: str
    outcome: str
    at: datetime


# --- recording (inside the transaction of the state change) ---------------------------


def slice_state_changed(session: Session, row: SliceRow, previous: str | None) -> None:
    if row.state == previous:
        return
    payload = {"slice_id": row.id, "name": row.name, "state": row.state, "previous": previous}
    _queue(session, SLICE_STATE, row.id, "", row.tenant, payload)


def operation_state_changed(session: Session, row: OperationRow, previous: str | None) -> None:
    if row.state == previous:
        return
    slice_row = session.get(SliceRow, row.slice_id)
    tenant = slice_row.tenant if slice_row is not None else ""
    payload = {
        "operation_id": row.id,
        "slice_id": row.slice_id,
        "kind": row.kind,
        "state": row.state,
        "previous": previous,
    }
    _queue(session, OPERATION_STATE, row.slice_id, row.id, tenant, payload)


def _queue(session: Session, kind: str, slice_id: str, operation_id: str, tenant: str, payload: Any) -> None:
    row = EventRow(
        at=datetime.now(UTC),
        type=kind,
        slice_id=slice_id,
        operation_id=operation_id,
        tenant=tenant,
        payload=payload,
    )
    session.info.setdefault(_PENDING, []).append(row)


@event.listens_for(Session, "before_commit")
def _insert_pending(session: Session) -> None:
    pending: list[EventRow] = session.info.pop(_PENDING, [])
    if not pending:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": OUTBOX_LOCK_KEY})
    session.add_all(pending)


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


# --- reading --------------------------------------------------------------------------


def after(session: Session, cursor: int, wanted: EventFilter, limit: int) -> list[Event]:
    """Events with an id above `cursor` that `wanted` selects, oldest first."""
    query = select(EventRow).where(EventRow.id > cursor).order_by(EventRow.id).limit(limit)
    if wanted.owner_tenant is not None:
        query = query.where(EventRow.tenant == wanted.owner_tenant)
    if wanted.tenant is not None:
        query = query.where(EventRow.tenant == wanted.tenant)
    if wanted.slice_id is not None:
        query = query.where(EventRow.slice_id == wanted.slice_id)
    if wanted.types:
        query = query.where(EventRow.type.in_(wanted.types))
    return [_event_of(row) for row in session.scalars(query)]


def last_id(session: Session) -> int:
    return int(session.scalar(select(func.max(EventRow.id))) or 0)


def _event_of(row: EventRow) -> Event:
    return Event(row.id, row.at, row.type, row.slice_id, row.operation_id, row.tenant, dict(row.payload))


# --- subscriptions ----------------------------------------------------------------------


def add_subscription(session: Session, subscription: Subscription) -> Subscription:
    """Store a subscription; it receives the events recorded from now on."""
    cursor = last_id(session)
    f = subscription.filter
    session.add(
        SubscriptionRow(
            id=subscription.id,
            owner_tenant=subscription.owner_tenant,
            owner_key_id=subscription.owner_key_id,
            callback_url=subscription.callback_url,
            slice_id=f.slice_id,
            tenant=f.tenant,
            event_types=list(f.types),
            secret=subscription.secret,
            created_at=subscription.created_at,
            cursor=cursor,
            attempt=0,
            lease_owner="",
        )
    )
    session.flush()
    return get_subscription(session, subscription.id)


def get_subscription(session: Session, subscription_id: str) -> Subscription:
    row = session.get(SubscriptionRow, subscription_id)
    if row is None:
        raise NotFoundError(
            f"no subscription with id {subscription_id!r}", hint="GET /api/v1/subscriptions lists them"
        )
    return _subscription_of(row)


def list_subscriptions(session: Session, owner_tenant: str | None = None) -> list[Subscription]:
    query = select(SubscriptionRow).order_by(SubscriptionRow.created_at, SubscriptionRow.id)
    if owner_tenant is not None:
        query = query.where(SubscriptionRow.owner_tenant == owner_tenant)
    return [_subscription_of(row) for row in session.scalars(query)]


def delete_subscription(session: Session, subscription_id: str) -> None:
    get_subscription(session, subscription_id)
    session.execute(delete(DeliveryRow).where(DeliveryRow.subscription_id == subscription_id))
    session.execute(delete(SubscriptionRow).where(SubscriptionRow.id == subscription_id))


def deliveries(session: Session, subscription_id: str, limit: int) -> list[Delivery]:
    """The newest attempts first."""
    query = (
        select(DeliveryRow)
        .where(DeliveryRow.subscription_id == subscription_id)
        .order_by(DeliveryRow.id.desc())
        .limit(limit)
    )
    return [
        Delivery(r.subscription_id, r.event_id, r.attempt, r.status_code, r.error, r.outcome, r.at)
        for r in session.scalars(query)
    ]


def _subscription_of(row: SubscriptionRow) -> Subscription:
    return Subscription(
        id=row.id,
        owner_tenant=row.owner_tenant,
        owner_key_id=row.owner_key_id,
        callback_url=row.callback_url,
        filter=EventFilter(row.slice_id, row.tenant, tuple(row.event_types or ()), row.owner_tenant),
        secret=row.secret,
        created_at=row.created_at,
        cursor=row.cursor,
        attempt=row.attempt,
        next_attempt_at=row.next_attempt_at,
    )


# --- delivery progress (the dispatcher's) -----------------------------------------------


def due(session: Session, now: datetime) -> list[str]:
    """Subscriptions with events past their cursor, whose next attempt is due and that no
    live process is delivering."""
    query = select(SubscriptionRow.id).where(
        SubscriptionRow.cursor < last_id(session),
        or_(SubscriptionRow.next_attempt_at.is_(None), SubscriptionRow.next_attempt_at <= now),
        or_(SubscriptionRow.lease_until.is_(None), SubscriptionRow.lease_until < now),
    )
    return list(session.scalars(query.order_by(SubscriptionRow.id)))


def claim(session: Session, subscription_id: str, owner: str, now: datetime, until: datetime) -> bool:
    """Take or renew the delivery lease (compare-and-set): one process delivers a
    subscription at a time."""
    result = session.execute(
        update(SubscriptionRow)
        .where(
            SubscriptionRow.id == subscription_id,
            or_(
                SubscriptionRow.lease_until.is_(None),
                SubscriptionRow.lease_until < now,
                SubscriptionRow.lease_owner == owner,
            ),
        )
        .values(lease_owner=owner, lease_until=until)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def record_attempt(
    session: Session, owner: str, delivery: Delivery, *, retry_at: datetime | None, release: bool
) -> None:
    """Record one attempt and move the subscription on: past the event unless it is to be
    retried at `retry_at`. Ignored when the lease was lost (the subscription deleted)."""
    row = session.get(SubscriptionRow, delivery.subscription_id)
    if row is None or row.lease_owner != owner:
        return
    session.add(
        DeliveryRow(
            subscription_id=delivery.subscription_id,
            event_id=delivery.event_id,
            attempt=delivery.attempt,
            status_code=delivery.status_code,
            error=delivery.error[:2000],
            outcome=delivery.outcome,
            at=delivery.at,
        )
    )
    if retry_at is None:
        row.cursor = max(row.cursor, delivery.event_id)
        row.attempt = 0
    else:
        row.attempt = delivery.attempt
    row.next_attempt_at = retry_at
    if release:
        row.lease_owner, row.lease_until = "", None


def skip_to(session: Session, subscription_id: str, owner: str, cursor: int) -> None:
    """Move past events the subscription does not select (read up to `cursor`)."""
    session.execute(
        update(SubscriptionRow)
        .where(
            SubscriptionRow.id == subscription_id,
            SubscriptionRow.lease_owner == owner,
            SubscriptionRow.cursor < cursor,
        )
        .values(cursor=cursor)
    )


def release(session: Session, subscription_id: str, owner: str) -> None:
    session.execute(
        update(SubscriptionRow)
        .where(SubscriptionRow.id == subscription_id, SubscriptionRow.lease_owner == owner)
        .values(lease_owner="", lease_until=None)
    )
