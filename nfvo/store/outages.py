"""Sites and links out of service (heal): placement avoids them until they are restored.

Kept in the store, so that every orchestrator process sharing the database, and a process
started again after a crash, place around the same failures.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from nfvo.store.repository import Store, utcnow
from nfvo.store.tables import Base, UtcDateTime


class OutOfServiceRow(Base):
    __tablename__ = "out_of_service"

    element: Mapped[str] = mapped_column(String(400), primary_key=True)  # a site name or a link key
    kind: Mapped[str] = mapped_column(String(10))  # "site" | "link"
    since: Mapped[datetime] = mapped_column(UtcDateTime)


def current(store: Store) -> tuple[frozenset[str], frozenset[str]]:
    """(sites, link keys) out of service now."""
    with store.transaction() as session:
        rows = session.execute(select(OutOfServiceRow.element, OutOfServiceRow.kind)).all()
    return (
        frozenset(element for element, kind in rows if kind == "site"),
        frozenset(element for element, kind in rows if kind == "link"),
    )


def take_out(store: Store, sites: Iterable[str], links: Iterable[str]) -> None:
    now = utcnow()
    with store.transaction() as session:
        for kind, elements in (("site", sites), ("link", links)):
            for element in elements:
                if session.get(OutOfServiceRow, element) is None:
                    session.add(OutOfServiceRow(element=element, kind=kind, since=now))


def put_back(store: Store, elements: Iterable[str]) -> None:
    wanted = list(elements)
    if wanted:
        with store.transaction() as session:
            session.execute(delete(OutOfServiceRow).where(OutOfServiceRow.element.in_(wanted)))
