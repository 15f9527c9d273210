"""Webhook delivery: a thread of the API process that sends each subscription the events
it selects, in order, signed, retrying a failing callback with exponential backoff and
recording every attempt.

Progress lives in the store (each subscription's cursor, attempt count and next-attempt
time), so a restart resumes where delivery stopped, and a lease on the subscription row
lets several orchestrator processes on one database share the work without sending an
event twice at once. Delivery is at least once: a process that stops between a callback's
answer and its record sends that event again, so receivers dedupe on X-Nfvo-Event-Id.

Signature (documented in docs/api.md): X-Nfvo-Signature is ``sha256=`` followed by the hex
HMAC-SHA256, keyed with the subscription's secret, of ``<X-Nfvo-Timestamp>.<raw body>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.exc import SQLAlchemyError

from nfvo.api.event_schemas import EventView
from nfvo.api.settings import Webhooks
from nfvo.domain import NotFoundError
from nfvo.store import Store, events
from nfvo.store.events import Delivery, Event, Subscription

log = logging.getLogger("nfvo.api.webhooks")
KEY_ENV = "NFVO_WEBHOOK_KEY"
BATCH = 50  # events sent to one subscription before the others get their turn


class SecretBox:
    """Encrypts the subscriptions' signing secrets for the store (they are needed in clear
    to sign, so they cannot be hashed like API keys). Any text works as the server key:
    its SHA-256 is the Fernet key."""

    def __init__(self, server_key: str) -> None:
        digest = hashlib.sha256(server_key.encode("utf-8")).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    @classmethod
    def from_settings(cls, settings: Webhooks) -> SecretBox:
        key = settings.secret_key or os.environ.get(KEY_ENV)
        if not key:
            log.warning(
                "no webhook key (set %s): subscriptions made now cannot be delivered after a restart",
                KEY_ENV,
            )
            key = secrets.token_urlsafe(32)
        return cls(key)

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def backoff(settings: Webhooks, failed_attempts: int) -> float:
    """Seconds to wait after the `failed_attempts`-th failure in a row (1, 2, 4, ... times the base)."""
    return float(min(settings.max_backoff_s, settings.backoff_s * 2 ** (failed_attempts - 1)))


class Dispatcher:
    def __init__(self, store: Store, settings: Webhooks, box: SecretBox) -> None:
        self.store = store
        self.settings = settings
        self.box = box
        self.owner = f"{os.uname().nodename[:40]}:{os.getpid()}:{secrets.token_hex(4)}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._http: httpx.Client | None = None

    def start(self) -> None:
        if self._thread is None and self.settings.poll_s > 0:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="nfvo-webhooks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.settings.timeout_s + 10)
            self._thread = None
        if self._http is not None:
            self._http.close()
            self._http = None

    def _loop(self) -> None:
        while not self._stop.wait(self.settings.poll_s):
            try:
                self.deliver_due()
            except SQLAlchemyError:  # the database is away: look again next time
                log.exception("webhook delivery round failed")
            except Exception:  # a bug: log it, and keep delivering to the other subscribers
                log.exception("unexpected error in a webhook delivery round")

    def deliver_due(self) -> int:
        """One round: every due subscription gets its next events; returns attempts made."""
        attempts = 0
        now = datetime.now(UTC)
        with self.store.transaction() as session:
            due = events.due(session, now)
        for subscription_id in due:
            if self._stop.is_set():
                break
            attempts += self._serve(subscription_id)
        return attempts

    def _serve(self, subscription_id: str) -> int:
        # The lease covers one attempt and is renewed before the next, so a process that
        # stops while holding it delays the subscription by about one timeout, no more.
        lease = timedelta(seconds=self.settings.timeout_s + 30)
        attempts = 0
        try:
            while attempts < BATCH and not self._stop.is_set():
                with self.store.transaction() as session:
                    now = datetime.now(UTC)
                    if not events.claim(session, subscription_id, self.owner, now, now + lease):
                        break  # another process is on it
                    subscription = events.get_subscription(session, subscription_id)
                    # The newest id first: an event committed after it is left for next time.
                    newest = events.last_id(session)
                    found = events.after(session, subscription.cursor, subscription.filter, 1)
                if not found or found[0].id > newest:
                    with self.store.transaction() as session:
                        events.skip_to(session, subscription_id, self.owner, newest)
                    break
                attempts += 1
                if not self._attempt(subscription, found[0]):
                    break
        except NotFoundError:  # deleted meanwhile
            return attempts
        finally:
            with self.store.transaction() as session:
                events.release(session, subscription_id, self.owner)
        return attempts

    def _attempt(self, subscription: Subscription, event: Event) -> bool:
        """POST one event; record the attempt; True when it was delivered."""
        attempt = subscription.attempt + 1
        status_code, error = self._post(subscription, event, attempt)
        delivered = status_code is not None and 200 <= status_code < 300
        retry_at = None
        outcome = "delivered"
        if not delivered:
            outcome = "dropped" if attempt >= self.settings.attempts else "retry"
            if outcome == "retry":
                retry_at = datetime.now(UTC) + timedelta(seconds=backoff(self.settings, attempt))
            log.info("webhook %s event %d attempt %d failed: %s", subscription.id, event.id, attempt, error)
        record = Delivery(subscription.id, event.id, attempt, status_code, error, outcome, datetime.now(UTC))
        with self.store.transaction() as session:
            events.record_attempt(session, self.owner, record, retry_at=retry_at, release=False)
        return delivered

    def _post(self, subscription: Subscription, event: Event, attempt: int) -> tuple[int | None, str]:
        try:
            secret = self.box.open(subscription.secret)
        except InvalidToken:
            return None, "the subscription's secret cannot be read with this server's webhook key"
        body = EventView.of(event).model_dump_json().encode("utf-8")
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "nfvo-webhooks/1",
            "X-Nfvo-Event-Id": str(event.id),
            "X-Nfvo-Event-Type": event.type,
            "X-Nfvo-Subscription-Id": subscription.id,
            "X-Nfvo-Delivery-Attempt": str(attempt),
            "X-Nfvo-Timestamp": timestamp,
            "X-Nfvo-Signature": signature(secret, timestamp, body),
        }
        if self._http is None:
            self._http = httpx.Client(timeout=self.settings.timeout_s, follow_redirects=False)
        try:
            reply = self._http.post(subscription.callback_url, content=body, headers=headers)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            return None, f"{type(exc).__name__}: {exc}"
        if 200 <= reply.status_code < 300:
            return reply.status_code, ""
        return reply.status_code, f"the callback answered {reply.status_code} {reply.reason_phrase}"
