"""Template versions: the same bytes under a name are always the same version."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nfvo.domain import NotFoundError, TemplateVersion
from nfvo.store.tables import TemplateRow


def sha256_of(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def record(session: Session, name: str, content: str) -> TemplateVersion:
    """The version of `name` holding exactly `content`, added as the next version if new."""
    digest = sha256_of(content)
    existing = session.scalars(
        select(TemplateRow).where(TemplateRow.name == name, TemplateRow.sha256 == digest)
    ).first()
    if existing is not None:
        return _version(existing)
    latest = session.scalar(select(func.max(TemplateRow.version)).where(TemplateRow.name == name)) or 0
    row = TemplateRow(
        name=name, version=latest + 1, sha256=digest, content=content, created_at=datetime.now(UTC)
    )
    session.add(row)
    session.flush()
    return _version(row)


def fetch(session: Session, name: str, version: int | None) -> tuple[TemplateVersion, str]:
    query = select(TemplateRow).where(TemplateRow.name == name)
    if version is None:
        query = query.order_by(TemplateRow.version.desc())
    else:
        query = query.where(TemplateRow.version == version)
    row = session.scalars(query).first()
    if row is None:
        known = versions(session, name)
        if not known:
            raise NotFoundError(
                f"no template named {name!r} in the catalog",
                hint="GET /api/v1/templates lists them; POST /api/v1/templates uploads one",
            )
        raise NotFoundError(
            f"template {name!r} has no version {version}",
            hint="versions: " + ", ".join(str(v.version) for v in known),
        )
    return _version(row), row.content


def versions(session: Session, name: str) -> list[TemplateVersion]:
    rows = session.scalars(select(TemplateRow).where(TemplateRow.name == name).order_by(TemplateRow.version))
    return [_version(row) for row in rows]


def latest_of_each(session: Session) -> list[TemplateVersion]:
    newest = (
        select(TemplateRow.name, func.max(TemplateRow.version).label("version"))
        .group_by(TemplateRow.name)
        .subquery()
    )
    rows = session.scalars(
        select(TemplateRow)
        .join(newest, (TemplateRow.name == newest.c.name) & (TemplateRow.version == newest.c.version))
        .order_by(TemplateRow.name)
    )
    return [_version(row) for row in rows]


def _version(row: TemplateRow) -> TemplateVersion:
    return TemplateVersion(name=row.name, version=row.version, sha256=row.sha256, created_at=row.created_at)
