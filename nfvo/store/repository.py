"""The store: slice instances, operations with their journal, and the capacity ledger.

SQLite is the embedded default. Every write transaction on SQLite starts with
``BEGIN IMMEDIATE`` so that admitting a slice (read the ledger, place, reserve) is
serialised across threads *and* processes: two requests can never both see the same
free capacity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Row, Select, bindparam, create_engine, delete, event, select, text
from sqlalchemy.orm import Session, sessionmaker

from nfvo.domain import (
    ConflictError,
    DeploymentPlan,
    ErrorInfo,
    NotFoundError,
    Operation,
    OperationState,
    Resources,
    SliceInstance,
    SliceState,
    StepRecord,
    TemplateVersion,
    Usage,
    Verdict,
)
from nfvo.store import codec, events, migrate, rows, sharing, templates
from nfvo.store.tables import OperationRow, ReservationRow, SliceRow

# Built once: building a statement costs about as much as running it on SQLite.
_SLICE_BY_ID = select(SliceRow.__table__).where(SliceRow.__table__.c.id == bindparam("id"))
_OPERATION_BY_ID = select(OperationRow.__table__).where(OperationRow.__table__.c.id == bindparam("id"))

# An arbitrary constant naming the admission lock among PostgreSQL advisory locks.
ADMISSION_LOCK_KEY = 0x6E66766F  # "nfvo"


def utcnow() -> datetime:
    return datetime.now(UTC)


# Set while a read-only transaction begins: SQLite then takes no write lock, so readers run
# side by side under WAL instead of queueing behind every writer (and each other).
_READING: ContextVar[bool] = ContextVar("nfvo_store_reading", default=False)


def _sqlite_begin_immediate(engine: Engine) -> None:
    # pysqlite's own transaction handling issues a deferred BEGIN lazily; take control so
    # that every transaction takes the write lock up front (the documented SQLAlchemy recipe),
    # except read-only ones (Store._read), which never write and so need no lock.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN" if _READING.get() else "BEGIN IMMEDIATE")


class Store:
    def __init__(self, url: str) -> None:
        is_sqlite = url.startswith("sqlite")
        connect_args = {"check_same_thread": False, "timeout": 30} if is_sqlite else {}
        # The API serves requests from a thread pool (40 threads): with the default pool of
        # 5 (+10 overflow) connections, the overflow ones are opened and closed on every
        # burst. SQLite connections are cheap to keep; PostgreSQL's are left to the default.
        pool = {"pool_size": 20, "max_overflow": 20} if is_sqlite and ":memory:" not in url else {}
        self.engine = create_engine(url, connect_args=connect_args, **pool)
        if is_sqlite:
            _sqlite_begin_immediate(self.engine)
        migrate.upgrade(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # The transaction this context (thread) is inside, so that a repository called from
        # within one (e.g. a quota read during admission) joins it instead of opening a
        # second one: it then sees, and is serialised with, what admission sees.
        self._active: ContextVar[Session | None] = ContextVar(f"nfvo_store_tx_{id(self)}", default=None)

    def close(self) -> None:
        self.engine.dispose()

    @property
    def embedded(self) -> bool:
        """SQLite in this process: reads are local file (usually page-cache) reads."""
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        current = self._active.get()
        if current is not None:
            yield current
            return
        with self._sessions() as session, session.begin():
            token = self._active.set(session)
            try:
                yield session
            finally:
                self._active.reset(token)

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """A transaction that only reads (joining an open one, if any): never call a method
        that writes inside it. On SQLite it takes no write lock; a snapshot is still a
        snapshot (WAL), so what it reads is consistent."""
        if self._active.get() is not None:
            with self._tx() as session:
                yield session
            return
        reading = _READING.set(True)
        try:
            with self._tx() as session:
                yield session
        finally:
            _READING.reset(reading)

    def _rows(self, query: Select[Any], params: dict[str, Any] | None = None) -> Sequence[Row[Any]]:
        """The rows of a read-only query of plain columns, without the ORM: its session and
        identity map cost more than the query itself on SQLite (`get_slice` went from ~485 µs
        to ~240 µs, decoding included; docs/api-bench.md). Inside an open transaction, in it."""
        current = self._active.get()
        if current is not None:
            return current.execute(query, params).all()
        reading = _READING.set(True)
        try:
            with self.engine.begin() as connection:
                return connection.execute(query, params).all()
        finally:
            _READING.reset(reading)

    def transaction(self) -> AbstractContextManager[Session]:
        """One transaction, for the store's other repositories (tenancy, audit, ...)."""
        return self._tx()

    # --- admission: ledger read, placement and reservation in one transaction ---------

    def admit(
        self,
        template: tuple[str, str],
        decide: Callable[[Usage, TemplateVersion], tuple[SliceInstance, Operation, Usage]],
    ) -> tuple[SliceInstance, Operation]:
        """Record a new slice, its first operation and its reservation atomically.

        `template` is the (name, content) the slice came from: its version is found, or
        recorded as a new one, in the same transaction. `decide` receives the capacity
        currently held by every slice and that version, and returns what to record; it
        runs inside the transaction, so nobody else can reserve meanwhile. If it raises,
        nothing is written (not even the template version).
        """
        with self._tx() as session:
            self._serialise(session)
            version = templates.record(session, *template)
            instance, operation, usage = decide(self._usage(session), version)
            slice_row, operation_row = rows.slice_row(instance), rows.operation_row(operation)
            session.add(slice_row)
            session.flush()  # the slice row must exist before rows that reference it
            session.add(operation_row)
            session.add_all(rows.reservation_rows(instance.id, usage))
            events.slice_state_changed(session, slice_row, None)
            events.operation_state_changed(session, operation_row, None)
        return instance, operation

    # --- templates ----------------------------------------------------------------

    def add_template(self, name: str, content: str) -> TemplateVersion:
        with self._tx() as session:
            self._serialise(session)
            return templates.record(session, name, content)

    def get_template(self, name: str, version: int | None = None) -> tuple[TemplateVersion, str]:
        with self._read() as session:
            return templates.fetch(session, name, version)

    def template_versions(self, name: str) -> list[TemplateVersion]:
        with self._read() as session:
            found = templates.versions(session, name)
        if not found:
            raise NotFoundError(f"no template named {name!r} in the catalog")
        return found

    def list_templates(self) -> list[TemplateVersion]:
        """The latest version of every template."""
        with self._read() as session:
            return templates.latest_of_each(session)

    def _serialise(self, session: Session) -> None:
        """Make this transaction the only one admitting or versioning at a time.

        SQLite already is (BEGIN IMMEDIATE). On PostgreSQL a transaction-scoped advisory
        lock does it across every orchestrator process sharing the database: without it
        two processes could both read the same free capacity under READ COMMITTED.
        """
        if self.engine.dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADMISSION_LOCK_KEY})

    def usage(self) -> Usage:
        with self._read() as session:
            return self._usage(session)

    @staticmethod
    def _usage(session: Session) -> Usage:
        sites: dict[str, Resources] = {}
        links: dict[str, float] = {}
        hosted: dict[str, int] = {}
        exclusive: set[str] = set()
        for row in session.scalars(select(ReservationRow)):
            if row.resource_kind == "site":
                sites[row.resource] = sites.get(row.resource, Resources()) + Resources(row.cpu, row.memory_gb)
                if row.functions:
                    hosted[row.resource] = hosted.get(row.resource, 0) + row.functions
                if row.exclusive:
                    exclusive.add(row.resource)
            else:
                links[row.resource] = links.get(row.resource, 0.0) + row.bandwidth_mbps
        # Shared function instances hold their demand once, whoever uses them.
        return Usage(sites, links, hosted, frozenset(exclusive)) + sharing.usage(session)

    def release(self, slice_id: str) -> None:
        with self._tx() as session:
            session.execute(delete(ReservationRow).where(ReservationRow.slice_id == slice_id))
            sharing.detach(session, slice_id)

    # --- slices -------------------------------------------------------------------

    def get_slice(self, slice_id: str) -> SliceInstance:
        for row in self._rows(_SLICE_BY_ID, {"id": slice_id}):
            return rows.slice_from_row(row)
        raise NotFoundError(f"no slice with id {slice_id!r}", hint="GET /api/v1/slices lists them")

    def list_slices(
        self, *, tenant: str | None = None, state: SliceState | None = None
    ) -> list[SliceInstance]:
        slices = SliceRow.__table__
        query = select(slices).order_by(slices.c.created_at)
        if tenant is not None:
            query = query.where(slices.c.tenant == tenant)
        if state is not None:
            query = query.where(slices.c.state == state.value)
        return [rows.slice_from_row(row) for row in self._rows(query)]

    def transition(self, slice_id: str, allowed: tuple[SliceState, ...], to: SliceState) -> SliceInstance:
        """Move a slice to `to` only if it is in one of `allowed` (compare-and-set), so two
        operations can never start on the same slice."""
        with self._tx() as session:
            row = session.get(SliceRow, slice_id)
            if row is None:
                raise NotFoundError(f"no slice with id {slice_id!r}", hint="GET /api/v1/slices lists them")
            if SliceState(row.state) not in allowed:
                raise ConflictError(
                    f"slice {slice_id} is {row.state}; this needs it to be "
                    + " or ".join(s.value for s in allowed),
                    hint="wait for its running operation to end (GET /api/v1/operations?slice_id=...)",
                )
            previous, row.state = row.state, to.value
            events.slice_state_changed(session, row, previous)
            return rows.slice_from_row(row)

    def update_slice(
        self,
        slice_id: str,
        *,
        state: SliceState | None = None,
        plan: DeploymentPlan | None = None,
        verdict: Verdict | None = None,
        release: bool = False,
    ) -> None:
        """Change a slice; with `release`, free its capacity in the same transaction."""
        with self._tx() as session:
            row = session.get(SliceRow, slice_id)
            if row is None:
                raise NotFoundError(f"no slice with id {slice_id!r}")
            if state is not None:
                previous, row.state = row.state, state.value
                events.slice_state_changed(session, row, previous)
            if plan is not None:
                row.plan = codec.dump(plan)
            if verdict is not None:
                row.verdict = codec.dump(verdict)
            if release:
                session.execute(delete(ReservationRow).where(ReservationRow.slice_id == slice_id))
                sharing.detach(session, slice_id)

    # --- operations ---------------------------------------------------------------

    def add_operation(self, operation: Operation) -> None:
        with self._tx() as session:
            row = rows.operation_row(operation)
            session.add(row)
            events.operation_state_changed(session, row, None)

    def get_operation(self, operation_id: str) -> Operation:
        for row in self._rows(_OPERATION_BY_ID, {"id": operation_id}):
            return rows.operation_from_row(row)
        raise NotFoundError(f"no operation with id {operation_id!r}")

    def list_operations(
        self, *, slice_id: str | None = None, open_only: bool = False, latest: int | None = None
    ) -> list[Operation]:
        """Operations oldest first; `open_only` keeps those not yet in a final state;
        `latest` keeps only the last so many started."""
        operations = OperationRow.__table__
        query = select(operations)
        if slice_id is not None:
            query = query.where(operations.c.slice_id == slice_id)
        if open_only:
            final = [state.value for state in OperationState if state.is_final]
            query = query.where(operations.c.state.not_in(final))
        if latest is not None:
            newest = query.order_by(operations.c.started_at.desc()).limit(latest).subquery()
            query = select(newest)
        query = query.order_by(query.selected_columns.started_at)
        return [rows.operation_from_row(row) for row in self._rows(query)]

    def transition_operation(
        self, operation_id: str, allowed: tuple[OperationState, ...], to: OperationState
    ) -> Operation:
        """Compare-and-set of an operation's state: two retries can never both start."""
        with self._tx() as session:
            row = session.get(OperationRow, operation_id)
            if row is None:
                raise NotFoundError(f"no operation with id {operation_id!r}")
            if OperationState(row.state) not in allowed:
                raise ConflictError(
                    f"operation {operation_id} is {row.state}; this needs it to be "
                    + " or ".join(s.value for s in allowed),
                    hint="only an operation in FAILED_TEMP can be retried or rolled back",
                )
            previous, row.state = row.state, to.value
            events.operation_state_changed(session, row, previous)
            row.finished_at = None
            return rows.operation_from_row(row)

    def release_hold(self, operation_id: str) -> Operation:
        """Clear an operation's hold (compare-and-set): only one approve or reject wins."""
        with self._tx() as session:
            row = session.get(OperationRow, operation_id)
            if row is None:
                raise NotFoundError(f"no operation with id {operation_id!r}")
            if not row.held_for:
                raise ConflictError(
                    f"operation {operation_id} is not waiting for approval (it is {row.state})"
                )
            row.held_for = ""
            return rows.operation_from_row(row)

    def update_operation(
        self,
        operation_id: str,
        *,
        state: OperationState | None = None,
        steps: tuple[StepRecord, ...] | None = None,
        error: ErrorInfo | None = None,
        first_time_right: bool | None = None,
        held_for: str | None = None,
    ) -> None:
        with self._tx() as session:
            row = session.get(OperationRow, operation_id)
            if row is None:
                raise NotFoundError(f"no operation with id {operation_id!r}")
            if state is not None:
                previous, row.state = row.state, state.value
                events.operation_state_changed(session, row, previous)
                if state.is_final:
                    row.finished_at = utcnow()
            if steps is not None:
                row.steps = [codec.dump(step) for step in steps]
            if error is not None:
                row.error = codec.dump(error)
            if first_time_right is not None:
                row.first_time_right = first_time_right
            if held_for is not None:
                row.held_for = held_for
