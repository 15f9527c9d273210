"""/api/v1/subscriptions (webhooks) and /api/v1/events (a server-sent event stream, or a
JSON page for polling). A tenant's key subscribes to, streams and sees only its own
slices' events and its own subscriptions (another tenant's answer 404); operators and
admins see all."""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.responses import JSONResponse, StreamingResponse

from nfvo.api.auth import Principal, PrincipalDep, access, visible_slice
from nfvo.api.event_schemas import (
    DeliveryView,
    EventType,
    EventView,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionView,
)
from nfvo.api.settings import Webhooks
from nfvo.api.slice_routes import OrchestratorDep
from nfvo.api.webhooks import SecretBox
from nfvo.domain import InputError, NotFoundError
from nfvo.domain.access import Forbidden, Role
from nfvo.store import Store, events, utcnow
from nfvo.store.events import EventFilter, Subscription

PREFIX = "/api/v1"
SSE = "text/event-stream"
router = APIRouter(prefix=PREFIX, tags=["events"])


def _filter(store: Store, principal: Principal, slice_id: str | None, tenant: str | None) -> EventFilter:
    """The caller's filters, checked against what the caller may see."""
    own = principal.tenant if principal.role is Role.TENANT else None
    if own is not None and tenant is not None and tenant != own:
        raise Forbidden(
            f"key {principal.key_id} belongs to tenant {own!r}, not {tenant!r}",
            hint="leave 'tenant' out: a tenant sees only its own slices' events",
        )
    if slice_id is not None:
        visible_slice(store, principal, slice_id)  # 404 for another tenant's, as for none
    return EventFilter(slice_id=slice_id, tenant=tenant, owner_tenant=own)


def _visible_subscription(store: Store, principal: Principal, subscription_id: str) -> Subscription:
    with store.transaction() as session:
        subscription = events.get_subscription(session, subscription_id)
    if principal.role is Role.TENANT and subscription.owner_tenant != principal.tenant:
        raise NotFoundError(
            f"no subscription with id {subscription_id!r}", hint="GET /api/v1/subscriptions lists them"
        )
    return subscription


@router.post(
    "/subscriptions",
    status_code=status.HTTP_201_CREATED,
    response_model=SubscriptionCreated,
    **access(Role.TENANT),
)
def create_subscription(
    body: SubscriptionCreate, request: Request, orchestrator: OrchestratorDep, principal: PrincipalDep
) -> JSONResponse:
    """Subscribe a callback URL to the events recorded from now on. The answer carries the
    signing secret, once; see docs/api.md for how a receiver checks each delivery."""
    store = orchestrator.store
    wanted = _filter(store, principal, body.slice_id, body.tenant)
    box: SecretBox = request.app.state.secret_box
    secret = body.secret or secrets.token_urlsafe(32)
    made = Subscription(
        id=f"sub-{secrets.token_hex(6)}",
        owner_tenant=wanted.owner_tenant,
        owner_key_id=principal.key_id,
        callback_url=body.callback_url,
        filter=EventFilter(wanted.slice_id, wanted.tenant, tuple(dict.fromkeys(body.event_types))),
        secret=box.seal(secret),
        created_at=utcnow(),
    )
    with store.transaction() as session:
        stored = events.add_subscription(session, made)
    view = SubscriptionCreated(**SubscriptionView.of(stored).model_dump(), secret=secret)
    return JSONResponse(view.model_dump(mode="json"), status_code=201, headers={"Location": view.location})


@router.get("/subscriptions", **access(Role.TENANT))
def list_subscriptions(orchestrator: OrchestratorDep, principal: PrincipalDep) -> list[SubscriptionView]:
    """A tenant's own subscriptions; every subscription for operators and admins."""
    owner = principal.tenant if principal.role is Role.TENANT else None
    with orchestrator.store.transaction() as session:
        return [SubscriptionView.of(s) for s in events.list_subscriptions(session, owner)]


@router.get("/subscriptions/{subscription_id}", **access(Role.TENANT))
def get_subscription(
    subscription_id: str, orchestrator: OrchestratorDep, principal: PrincipalDep
) -> SubscriptionView:
    return SubscriptionView.of(_visible_subscription(orchestrator.store, principal, subscription_id))


@router.delete(
    "/subscriptions/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT, **access(Role.TENANT)
)
def delete_subscription(
    subscription_id: str, orchestrator: OrchestratorDep, principal: PrincipalDep
) -> Response:
    """Stop deliveries (one in flight may still arrive) and forget the attempts' record."""
    _visible_subscription(orchestrator.store, principal, subscription_id)
    with orchestrator.store.transaction() as session:
        events.delete_subscription(session, subscription_id)
    return Response(status_code=204)


@router.get("/subscriptions/{subscription_id}/deliveries", **access(Role.TENANT))
def list_deliveries(
    subscription_id: str,
    orchestrator: OrchestratorDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeliveryView]:
    """Every delivery attempt (delivered, to be retried, dropped), newest first."""
    _visible_subscription(orchestrator.store, principal, subscription_id)
    with orchestrator.store.transaction() as session:
        return [DeliveryView.of(d) for d in events.deliveries(session, subscription_id, limit)]


@router.get(
    "/events",
    response_model=list[EventView],
    responses={200: {"content": {SSE: {"schema": {"type": "string"}}}}},
    **access(Role.TENANT),
)
def list_events(
    request: Request,
    orchestrator: OrchestratorDep,
    principal: PrincipalDep,
    after: Annotated[int | None, Query(ge=0, description="only events with a larger id")] = None,
    slice_id: Annotated[str | None, Query(max_length=40)] = None,
    tenant: Annotated[str | None, Query(max_length=100)] = None,
    types: Annotated[
        list[EventType] | None, Query(alias="type", description="only these types (repeatable)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="at most this many (JSON only)")] = 100,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
) -> Response:
    """Slice and operation state changes, oldest first. With `Accept: text/event-stream`
    a server-sent event stream that stays open (from now on, or after `after` or the
    `Last-Event-ID` a reconnecting client sends); otherwise one JSON page (from the first
    event, or after `after`)."""
    store = orchestrator.store
    wanted = _filter(store, principal, slice_id, tenant)
    wanted = EventFilter(wanted.slice_id, wanted.tenant, tuple(types or ()), wanted.owner_tenant)
    resume = _last_event_id(last_event_id)
    cursor = resume if resume is not None else after
    if SSE not in request.headers.get("accept", ""):
        with store.transaction() as session:
            found = events.after(session, cursor or 0, wanted, limit)
        return JSONResponse([EventView.of(e).model_dump(mode="json") for e in found])
    if cursor is None:
        with store.transaction() as session:
            cursor = events.last_id(session)
    settings: Webhooks = request.app.state.webhook_settings
    return StreamingResponse(
        _stream(store, wanted, cursor, settings),
        media_type=SSE,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _last_event_id(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    if not value.strip().isdigit():
        raise InputError(
            f"Last-Event-ID must be an event id (a whole number), not {value!r}",
            hint="send back the `id:` of the last event received, or leave the header out",
        )
    return int(value.strip())


async def _stream(store: Store, wanted: EventFilter, cursor: int, settings: Webhooks) -> AsyncIterator[str]:
    """Poll the store (so events of every process sharing it arrive) and send each event
    as `id:`, `event:` and `data:` lines; a comment line keeps a quiet stream open."""
    poll_s = max(settings.poll_s, 0.05)
    yield f"retry: {int(max(poll_s, 1.0) * 1000)}\n\n"
    last_write = time.monotonic()
    while True:
        found = await anyio.to_thread.run_sync(_read, store, cursor, wanted)
        for event in found:
            data = EventView.of(event).model_dump_json()
            yield f"id: {event.id}\nevent: {event.type}\ndata: {data}\n\n"
            cursor = event.id
        now = time.monotonic()
        if found:
            last_write = now
            continue
        if now - last_write >= settings.heartbeat_s:
            yield ": heartbeat\n\n"
            last_write = now
        await anyio.sleep(poll_s)


def _read(store: Store, cursor: int, wanted: EventFilter) -> list[events.Event]:
    with store.transaction() as session:
        return events.after(session, cursor, wanted, 100)
