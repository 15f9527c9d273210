"""The migrations build exactly the schema the ORM tables describe (on both databases),
so a change to tables.py without its migration fails here."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from nfvo.store import Store
from nfvo.store.migrate import alembic_config
from nfvo.store.tables import Base


def test_migrated_schema_matches_the_tables(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        assert context.get_current_revision() is not None


def test_upgrading_twice_is_harmless(store: Store) -> None:
    again = Store(str(store.engine.url.render_as_string(hide_password=False)))
    again.close()
    assert store.list_slices() == []


def test_upgrade_keeps_existing_rows(tmp_path: Path) -> None:
    """A database created by the first release is upgraded in place, its rows kept."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "r0001")
        connection.execute(
            text(
                "INSERT INTO slices (id, name, tenant, template, state, created_at, request) "
                "VALUES ('s1', 's1', 't', 'x@1', 'ACTIVE', '2026-11-23 10:00:00', '{}')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO operations (id, slice_id, kind, state, started_at, steps) "
                "VALUES ('o1', 's1', 'INSTANTIATE', 'COMPLETED', '2026-11-23 10:00:00', '[]')"
            )
        )
    engine.dispose()
    store = Store(url)
    try:
        assert store.get_operation("o1").first_time_right is None
        store.update_operation("o1", first_time_right=True)
        assert store.get_operation("o1").first_time_right is True
    finally:
        store.close()
