"""The migrations build exactly the schema the ORM tables describe (on both databases),
so a change to tables.py without its migration fails here."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from nfvo.store import Store
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
