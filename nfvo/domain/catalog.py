"""Templates as the catalog stores them: named, versioned, identified by content."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TemplateVersion:
    name: str
    version: int  # 1, 2, ... per name; a new upload with the same bytes is the same version
    sha256: str
    created_at: datetime

    @property
    def ref(self) -> str:
        """How a slice instance records its origin, e.g. ``urllc@3``."""
        return f"{self.name}@{self.version}"
