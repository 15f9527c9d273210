"""Events: webhook subscriptions (signed, filtered, retried with backoff, every attempt
recorded) and the server-sent event stream, against the real API on uvicorn, a real
receiver (http.server on 127.0.0.1) and the real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from secured_api import Secured, is_problem, make_secured
from sqlalchemy import event
from sqlalchemy.orm import Session

from nfvo.api.settings import Security, Webhooks
from nfvo.domain import ConflictError, SliceState
from nfvo.lifecycle import Orchestrator
from nfvo.store import Store, events
from nfvo.store.tables import SliceRow
from simulator.lab.lab import Lab

SECRET = "receiver-secret-0123456789"
FAST = Webhooks(poll_s=0.05, timeout_s=2.0, attempts=3, backoff_s=0.2, heartbeat_s=0.3, secret_key="k" * 32)


@pytest.fixture
def hooked(orchestrator: Orchestrator, lab: Lab) -> Iterator[Secured]:
    yield from make_secured(orchestrator, lab, Security(rate_limit=None, expiry_sweep_s=0, webhooks=FAST))


@dataclass
class Received:
    at: float
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.body)
        return document


class Receiver:
    """A webhook receiver: answers the first requests with `statuses`, then 200."""

    def __init__(self, statuses: tuple[int, ...] = ()) -> None:
        self.statuses = list(statuses)
        self.received: list[Received] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.received.append(Received(time.monotonic(), dict(self.headers), body))
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def got(self) -> list[Received]:
        with self.lock:
            return list(self.received)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.close()


def wait_for(what: str, condition: Callable[[], Any], timeout_s: float = 30) -> Any:
    deadline = time.monotonic() + timeout_s
    while not (found := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return found


def subscribe(api: Secured, who: str, url: str, **filters: Any) -> dict[str, Any]:
    reply = api.call(who, "POST", "/api/v1/subscriptions", json={"callback_url": url, **filters})
    assert reply.status_code == 201, reply.text
    assert reply.headers["location"] == f"/api/v1/subscriptions/{reply.json()['id']}"
    created: dict[str, Any] = reply.json()
    return created


def verify(delivery: Received, secret: str) -> None:
    """What a receiver does (docs/api.md): HMAC-SHA256 over '<timestamp>.<raw body>'."""
    timestamp = delivery.headers["X-Nfvo-Timestamp"]
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + delivery.body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(delivery.headers["X-Nfvo-Signature"], f"sha256={expected}")
    assert abs(time.time() - int(timestamp)) < 300
    assert delivery.headers["X-Nfvo-Event-Id"] == str(delivery.event["id"])


def chain(documents: list[dict[str, Any]], kind: str) -> list[str]:
    """The states a series of `kind` events walks through; each must start where the last ended."""
    states = [d["data"] for d in documents if d["type"] == kind]
    for before, after in itertools.pairwise(states):
        assert after["previous"] == before["state"], (before, after)
    assert states and states[0]["previous"] is None
    return [s["state"] for s in states]


def test_an_instantiated_slice_reaches_the_webhook_signed_and_in_order(
    hooked: Secured, receiver: Receiver
) -> None:
    api = hooked
    made = subscribe(api, "tenant-a", receiver.url, secret=SECRET)
    assert made["secret"] == SECRET and made["owner_tenant"] == "tenant-a"
    assert "secret" not in api.call("tenant-a", "GET", made["location"]).json()

    slice_id, operation_id = api.slice_for("tenant-a")
    wait_for(
        "the slice's ACTIVE event",
        lambda: any(r.event["data"].get("state") == "ACTIVE" for r in receiver.got()),
    )
    wait_for(
        "the operation's COMPLETED event",
        lambda: any(r.event["data"].get("state") == "COMPLETED" for r in receiver.got()),
    )
    got = receiver.got()
    for delivery in got:
        verify(delivery, SECRET)
    ids = [r.event["id"] for r in got]
    assert ids == sorted(set(ids)), "each event once, oldest first"
    documents = [r.event for r in got]
    assert {d["slice_id"] for d in documents} == {slice_id} and {d["tenant"] for d in documents} == {
        "tenant-a"
    }
    assert chain(documents, "slice.state") == ["INSTANTIATING", "ACTIVE"]
    operation_states = chain(documents, "operation.state")
    assert operation_states[0] == "STARTING" and operation_states[-1] == "COMPLETED"
    assert {d["operation_id"] for d in documents if d["type"] == "operation.state"} == {operation_id}

    # Every attempt is recorded (just after the receiver answers); the same events can be polled as JSON.
    def recorded() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = api.call("tenant-a", "GET", f"{made['location']}/deliveries").json()
        return found if len(found) >= len(ids) else []

    deliveries = wait_for("every attempt recorded", recorded)
    assert sorted(d["event_id"] for d in deliveries) == ids
    assert {(d["outcome"], d["status_code"], d["attempt"]) for d in deliveries} == {("delivered", 200, 1)}
    polled = api.call("tenant-a", "GET", "/api/v1/events", params={"slice_id": slice_id}).json()
    assert [e["id"] for e in polled] == ids and polled == documents


def test_a_failing_receiver_is_retried_with_backoff_and_every_attempt_recorded(
    hooked: Secured, receiver: Receiver
) -> None:
    api = hooked
    receiver.statuses = [500, 503]  # then 200
    made = subscribe(api, "operator", receiver.url, event_types=["slice.state"], secret=SECRET)
    dead = subscribe(api, "operator", "http://127.0.0.1:9/closed", event_types=["slice.state"])
    slice_id, _ = api.slice_for("tenant-a")

    got = wait_for(
        "both slice events", lambda: (g := receiver.got()) and len({r.event["id"] for r in g}) >= 2 and g
    )
    first = [r for r in got if r.event["id"] == got[0].event["id"]]
    assert [r.headers["X-Nfvo-Delivery-Attempt"] for r in first] == ["1", "2", "3"]
    for r in first:
        verify(r, SECRET)
    # Exponential backoff: 0.2 s after the first failure, 0.4 s after the second (at least).
    assert first[1].at - first[0].at >= 0.2 * 0.9 and first[2].at - first[1].at >= 0.4 * 0.9
    states = [r.event["data"]["state"] for r in got if r.headers["X-Nfvo-Delivery-Attempt"] == "1"]
    assert states == ["INSTANTIATING", "ACTIVE"], "later events wait for the failing one, in order"

    def attempts_of(subscription: dict[str, Any], count: int) -> Callable[[], list[dict[str, Any]]]:
        def attempts() -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = api.call(
                "admin", "GET", f"{subscription['location']}/deliveries"
            ).json()
            return found[::-1] if len(found) >= count else []

        return attempts

    recorded = wait_for("the attempts recorded", attempts_of(made, 4))
    assert [(d["attempt"], d["status_code"], d["outcome"]) for d in recorded] == [
        (1, 500, "retry"),
        (2, 503, "retry"),
        (3, 200, "delivered"),
        (1, 200, "delivered"),
    ]
    assert "500" in recorded[0]["error"]

    # A receiver that never answers: attempts until the limit, then the event is dropped
    # and the next one is tried.
    attempts = wait_for("the dead receiver's attempts", attempts_of(dead, 6))
    assert [(d["attempt"], d["status_code"], d["outcome"]) for d in attempts[:4]] == [
        (1, None, "retry"),
        (2, None, "retry"),
        (3, None, "dropped"),
        (1, None, "retry"),
    ]
    assert attempts[0]["event_id"] != attempts[3]["event_id"] and "Connect" in attempts[0]["error"]
    assert api.call("admin", "GET", dead["location"]).json()["delivered_through"] >= attempts[2]["event_id"]
    assert slice_id


def test_filters_select_the_events(hooked: Secured, receiver: Receiver) -> None:
    api = hooked
    slice_a, _ = api.slice_for("tenant-a")
    other = Receiver()
    try:
        only_a_ops = subscribe(
            api, "operator", receiver.url, slice_id=slice_a, event_types=["operation.state"]
        )
        tenant_b = subscribe(api, "tenant-b", other.url)
        assert tenant_b["owner_tenant"] == "tenant-b" and only_a_ops["owner_tenant"] is None
        reply = api.call("tenant-a", "DELETE", f"/api/v1/slices/{slice_a}")
        assert reply.status_code == 202, reply.text
        api.wait(reply.json()["id"])
        slice_b, _ = api.slice_for("tenant-b")
        wait_for(
            "tenant B's ACTIVE", lambda: any(r.event["data"].get("state") == "ACTIVE" for r in other.got())
        )
        wait_for(
            "the teardown's COMPLETED",
            lambda: any(r.event["data"].get("state") == "COMPLETED" for r in receiver.got()),
        )
        assert {(r.event["type"], r.event["slice_id"]) for r in receiver.got()} == {
            ("operation.state", slice_a)
        }
        assert {r.event["slice_id"] for r in other.got()} == {slice_b}
    finally:
        other.close()

    polled = api.call(
        "operator", "GET", "/api/v1/events", params={"type": "slice.state", "tenant": "tenant-a"}
    )
    states = [(e["slice_id"], e["data"]["state"]) for e in polled.json()]
    assert states == [(slice_a, s) for s in ("INSTANTIATING", "ACTIVE", "TERMINATING", "TERMINATED")]
    assert (
        api.call(
            "operator",
            "GET",
            "/api/v1/events",
            params={"after": polled.json()[-1]["id"], "tenant": "tenant-a", "type": "slice.state"},
        ).json()
        == []
    )


def test_a_tenant_neither_subscribes_to_nor_streams_another_tenants_events(
    hooked: Secured, receiver: Receiver
) -> None:
    api = hooked
    slice_a, _ = api.slice_for("tenant-a")
    mine = subscribe(api, "tenant-a", receiver.url)

    reply = api.call(
        "tenant-b", "POST", "/api/v1/subscriptions", json={"callback_url": receiver.url, "slice_id": slice_a}
    )
    assert reply.status_code == 404 and is_problem(reply)
    reply = api.call(
        "tenant-b", "POST", "/api/v1/subscriptions", json={"callback_url": receiver.url, "tenant": "tenant-a"}
    )
    assert reply.status_code == 403 and reply.json()["code"] == "forbidden"
    stream = {"Accept": "text/event-stream"}
    assert (
        api.call(
            "tenant-b", "GET", "/api/v1/events", params={"slice_id": slice_a}, headers=stream
        ).status_code
        == 404
    )
    assert (
        api.call(
            "tenant-b", "GET", "/api/v1/events", params={"tenant": "tenant-a"}, headers=stream
        ).status_code
        == 403
    )
    assert api.call("tenant-b", "GET", "/api/v1/events").json() == []
    assert api.call("tenant-b", "GET", mine["location"]).status_code == 404
    assert api.call("tenant-b", "DELETE", mine["location"]).status_code == 404
    assert api.call("tenant-b", "GET", "/api/v1/subscriptions").json() == []
    assert [s["id"] for s in api.call("operator", "GET", "/api/v1/subscriptions").json()] == [mine["id"]]
    assert api.call("tenant-a", "DELETE", mine["location"]).status_code == 204
    assert api.call("tenant-a", "GET", mine["location"]).status_code == 404


def read_sse(
    lines: Iterator[str], until: Callable[[list[dict[str, Any]]], bool]
) -> tuple[list[dict[str, Any]], int]:
    """Parse a text/event-stream's lines until `until(events)`; (events, heartbeat comments seen)."""
    found: list[dict[str, Any]] = []
    heartbeats = 0
    fields: dict[str, str] = {}
    for line in lines:
        if line.startswith(":"):
            heartbeats += 1
        elif line:
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
        elif "data" in fields:
            found.append({"id": int(fields["id"]), "event": fields["event"], **json.loads(fields["data"])})
            fields = {}
            if until(found):
                break
        else:
            fields = {}
    return found, heartbeats


def test_the_event_stream_resumes_after_last_event_id(hooked: Secured) -> None:
    api = hooked
    stream = {**api.headers("tenant-a"), "Accept": "text/event-stream"}
    with api.client.stream(
        "GET", "/api/v1/events", headers=stream, params={"type": "slice.state"}
    ) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith(
            "text/event-stream"
        )
        slice_id: list[str] = []
        starter = threading.Thread(target=lambda: slice_id.append(api.slice_for("tenant-a")[0]))
        starter.start()
        seen, _ = read_sse(response.iter_lines(), lambda found: found[-1]["data"]["state"] == "ACTIVE")
        starter.join()
    assert [(e["event"], e["data"]["state"]) for e in seen] == [
        ("slice.state", "INSTANTIATING"),
        ("slice.state", "ACTIVE"),
    ]
    assert [e["id"] for e in seen] == [e["id"] for e in seen if e["slice_id"] == slice_id[0]]

    # Reconnect after the first: the rest comes again, then heartbeats while nothing happens.
    resumed_headers = {**stream, "Last-Event-ID": str(seen[0]["id"])}
    with api.client.stream(
        "GET", "/api/v1/events", headers=resumed_headers, params={"after": 0, "type": "slice.state"}
    ) as response:
        lines = response.iter_lines()
        resumed, _ = read_sse(lines, lambda found: True)
        assert resumed == seen[1:]
        beats = 0
        for line in lines:
            beats += line.startswith(":")
            if beats == 2:
                break
    assert beats == 2
    # Another tenant's stream never carries these.
    assert api.call("tenant-b", "GET", "/api/v1/events", params={"after": 0}).json() == []


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"callback_url": "ftp://127.0.0.1/hooks"}, "callback_url"),
        ({"callback_url": "http:///no-host"}, "callback_url"),
        ({"callback_url": "http://127.0.0.1:99999/"}, "callback_url"),
        ({"callback_url": "http://127.0.0.1/a b\x00"}, "callback_url"),
        ({"callback_url": "http://127.0.0.1/hooks", "event_types": ["slice.deleted"]}, "event_types"),
        ({"callback_url": "http://127.0.0.1/hooks", "secret": "short"}, "secret"),
        ({"callback_url": "http://127.0.0.1/hooks", "colour": "blue"}, "colour"),
    ],
)
def test_bad_input_is_refused_and_creates_nothing(hooked: Secured, body: dict[str, Any], where: str) -> None:
    reply = hooked.call("operator", "POST", "/api/v1/subscriptions", json=body)
    assert reply.status_code == 422 and is_problem(reply), reply.text
    assert where in reply.json()["detail"]
    assert hooked.call("operator", "GET", "/api/v1/subscriptions").json() == []


def test_bad_stream_parameters_are_refused(hooked: Secured) -> None:
    stream = {"Accept": "text/event-stream"}
    reply = hooked.call("operator", "GET", "/api/v1/events", headers={**stream, "Last-Event-ID": "yesterday"})
    assert reply.status_code == 422 and is_problem(reply) and "Last-Event-ID" in reply.json()["detail"]
    reply = hooked.call("operator", "GET", "/api/v1/events", params={"type": "slice.deleted"}, headers=stream)
    assert reply.status_code == 422 and is_problem(reply) and "type" in reply.json()["detail"]


def test_no_event_without_a_change_of_state(hooked: Secured) -> None:
    store = hooked.orchestrator.store
    slice_id, _ = hooked.slice_for("tenant-a")
    with store.transaction() as session:
        before = events.last_id(session)
    store.update_slice(slice_id, state=SliceState.ACTIVE)  # already ACTIVE
    with pytest.raises(ConflictError, match="needs it to be"):
        store.transition(
            slice_id, (SliceState.TERMINATING,), SliceState.TERMINATED
        )  # refused: nothing changes
    with store.transaction() as session:
        assert events.last_id(session) == before
    store.update_slice(slice_id, state=SliceState.FAILED)
    with store.transaction() as session:
        (event,) = events.after(session, before, events.EventFilter(slice_id=slice_id), 10)
    assert (event.type, event.payload["previous"], event.payload["state"]) == (
        "slice.state",
        "ACTIVE",
        "FAILED",
    )


def test_a_reader_following_ids_misses_no_event_of_concurrent_writers(store: Store) -> None:
    """Two stores on one database (as two processes) record events from four threads while
    a reader follows the ids: it must see every event. Each write transaction waits a little
    after inserting its events and before committing, so that, were ids not given out in
    commit order, a later id would become visible first and the reader would skip the earlier."""
    other = Store(store.engine.url.render_as_string(hide_password=False))
    writers_done = threading.Event()
    rng = random.Random(7)

    def linger(_session: Session, _flush_context: Any) -> None:
        time.sleep(rng.random() * 0.01)

    def write(writer: Store, n: int) -> None:
        for i in range(25):
            with writer.transaction() as session:
                row = SliceRow(id=f"s-{n}-{i}", name="x", tenant="t", state="ACTIVE")
                events.slice_state_changed(session, row, None)

    seen: list[int] = []

    def read() -> None:
        cursor = 0
        while True:
            finished = writers_done.is_set()
            with store.transaction() as session:
                found = events.after(session, cursor, events.EventFilter(), 1000)
            seen.extend(e.id for e in found)
            cursor = found[-1].id if found else cursor
            if finished and not found:
                return

    event.listen(Session, "after_flush", linger)
    try:
        reader = threading.Thread(target=read)
        reader.start()
        writers = [
            threading.Thread(target=write, args=(s, n)) for n, s in enumerate((store, other, store, other))
        ]
        for thread in writers:
            thread.start()
        for thread in writers:
            thread.join()
        writers_done.set()
        reader.join(timeout=30)
    finally:
        event.remove(Session, "after_flush", linger)
        other.close()
    with store.transaction() as session:
        everything = [e.id for e in events.after(session, 0, events.EventFilter(), 1000)]
    assert len(everything) == 100 and seen == everything
