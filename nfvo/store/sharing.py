"""The ledger of shared function instances: where each runs, what it holds, who uses it.

Session-level functions, called inside the store's transactions (admission, release), so
that joining or leaving an instance commits with the slice's own reservation or not at all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from nfvo.domain import Resources, SharedInstance, SharedUser, Usage
from nfvo.store.tables import Base


class SharedFunctionRow(Base):
    __tablename__ = "shared_functions"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))
    site: Mapped[str] = mapped_column(String(200))
    cpu: Mapped[float] = mapped_column(Float)
    memory_gb: Mapped[float] = mapped_column(Float)
    created_by: Mapped[str] = mapped_column(String(40))
    users: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


def instances(session: Session) -> dict[str, SharedInstance]:
    return {row.name: _instance(row) for row in session.scalars(select(SharedFunctionRow))}


def attach(session: Session, instance: SharedInstance, user: SharedUser) -> None:
    """Record `user` on `instance`, creating the instance's row if it is new."""
    row = session.get(SharedFunctionRow, instance.name)
    entry = {
        "slice_id": user.slice_id,
        "name": user.name,
        "template": user.template,
        "shared_with": list(user.shared_with),
    }
    if row is None:
        session.add(
            SharedFunctionRow(
                name=instance.name,
                kind=instance.kind,
                site=instance.site,
                cpu=instance.demand.cpu,
                memory_gb=instance.demand.memory_gb,
                created_by=instance.created_by,
                users=[entry],
            )
        )
    elif all(u["slice_id"] != user.slice_id for u in row.users):
        row.users = [*row.users, entry]  # a new list: SQLAlchemy does not see in-place changes


def detach(session: Session, slice_id: str) -> None:
    """The slice no longer uses any instance; an instance left without users is gone."""
    for row in session.scalars(select(SharedFunctionRow)):
        left = [u for u in row.users if u["slice_id"] != slice_id]
        if not left:
            session.delete(row)
        elif len(left) != len(row.users):
            row.users = left


def usage(session: Session) -> Usage:
    """What the shared instances hold: each one's demand, once, on its site."""
    sites: dict[str, Resources] = {}
    hosted: dict[str, int] = {}
    for row in session.scalars(select(SharedFunctionRow)):
        sites[row.site] = sites.get(row.site, Resources()) + Resources(row.cpu, row.memory_gb)
        hosted[row.site] = hosted.get(row.site, 0) + 1
    return Usage(sites, {}, hosted)


def _instance(row: SharedFunctionRow) -> SharedInstance:
    users = tuple(
        SharedUser(str(u["slice_id"]), str(u["name"]), str(u["template"]), tuple(u.get("shared_with") or ()))
        for u in row.users
    )
    return SharedInstance(
        row.name, row.kind, row.site, Resources(row.cpu, row.memory_gb), row.created_by, users
    )
