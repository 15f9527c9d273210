"""Bodies of /api/v1/subscriptions and /api/v1/events."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

from nfvo.store.events import Delivery, Event, Subscription

EventType = Literal["slice.state", "operation.state"]


class SubscriptionCreate(BaseModel):
    """Ask for events to be POSTed to `callback_url`. Filters narrow which; a tenant's
    subscription only ever receives that tenant's events."""

    model_config = ConfigDict(extra="forbid")

    callback_url: str = Field(
        max_length=2000,
        description="http:// or https:// URL the events are POSTed to, e.g. https://ops.example/hooks",
    )
    slice_id: str | None = Field(None, max_length=40, description="only this slice's events")
    tenant: str | None = Field(None, max_length=100, description="only this tenant's slices' events")
    event_types: list[EventType] = Field(
        default_factory=list, max_length=10, description="only these types; empty: every type"
    )
    secret: str | None = Field(
        None,
        min_length=16,
        max_length=200,
        description="the HMAC key that signs each delivery; left out, one is made and shown once",
    )

    @field_validator("callback_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        try:
            parts = urlsplit(value)
            host = parts.hostname
            parts.port  # noqa: B018 -- raises on a port that is not a number in range
        except ValueError as exc:
            raise ValueError(f"not a URL ({exc}); give e.g. https://ops.example/hooks") from exc
        if parts.scheme not in ("http", "https"):
            raise ValueError(
                f"the URL scheme must be http or https, not {parts.scheme or 'none'!r}; "
                "give e.g. https://ops.example/hooks"
            )
        if not host:
            raise ValueError("the URL has no host; give e.g. https://ops.example/hooks")
        try:
            httpx.URL(value)  # what will send it: refuses spaces, control characters, ...
        except httpx.InvalidURL as exc:
            raise ValueError(
                f"not a URL that can be called ({exc}); give e.g. https://ops.example/hooks"
            ) from exc
        return value


class SubscriptionView(BaseModel):
    id: str
    callback_url: str
    slice_id: str | None
    tenant: str | None
    event_types: list[str]
    owner_tenant: str | None = Field(description="the tenant whose key made it (null: an operator's)")
    created_at: datetime | None
    delivered_through: int = Field(description="id of the last event handled (delivered or dropped)")
    failed_attempts: int = Field(description="failed attempts at the next event so far")
    next_attempt_at: datetime | None
    location: str

    @classmethod
    def of(cls, subscription: Subscription) -> SubscriptionView:
        f = subscription.filter
        return cls(
            id=subscription.id,
            callback_url=subscription.callback_url,
            slice_id=f.slice_id,
            tenant=f.tenant,
            event_types=list(f.types),
            owner_tenant=subscription.owner_tenant,
            created_at=subscription.created_at,
            delivered_through=subscription.cursor,
            failed_attempts=subscription.attempt,
            next_attempt_at=subscription.next_attempt_at,
            location=f"/api/v1/subscriptions/{subscription.id}",
        )


class SubscriptionCreated(SubscriptionView):
    secret: str = Field(description="the signing secret: shown this once, never again")


class DeliveryView(BaseModel):
    event_id: int
    attempt: int
    status_code: int | None = Field(description="the callback's HTTP status; null when it did not answer")
    error: str
    outcome: Literal["delivered", "retry", "dropped"]
    at: datetime

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryView:
        return cls(
            event_id=delivery.event_id,
            attempt=delivery.attempt,
            status_code=delivery.status_code,
            error=delivery.error,
            outcome=delivery.outcome,  # type: ignore[arg-type]  # the store writes only these
            at=delivery.at,
        )


class EventView(BaseModel):
    id: int
    type: str
    time: datetime
    slice_id: str
    operation_id: str | None
    tenant: str
    data: dict[str, Any]

    @classmethod
    def of(cls, event: Event) -> EventView:
        return cls(
            id=event.id,
            type=event.type,
            time=event.at,
            slice_id=event.slice_id,
            operation_id=event.operation_id or None,
            tenant=event.tenant,
            data=event.payload,
        )
