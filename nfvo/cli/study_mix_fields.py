"""The fields of a mix file (docs/study.md): numbers, mappings, profiles, holding times
and the waiting room, each checked with a diagnostic that says where and how to fix it."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from nfvo.catalog.diagnostics import did_you_mean
from nfvo.catalog.yamlpos import Positions, YPath, format_path
from nfvo.domain import Diagnostic, Substrate
from simulator.study import HOLDING_KINDS, QueuePolicy

HOLDING_KEYS = ("distribution", "mean_h", "cv")
QUEUE_KEYS = ("capacity", "patience_h")


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class Fields:
    """Collects every problem of one mix file as a Diagnostic."""

    def __init__(self, file: Path, positions: Positions, substrate: Substrate) -> None:
        self.file, self.positions, self.substrate = file, positions, substrate
        self.diags: list[Diagnostic] = []

    def bad(self, path: YPath, code: str, message: str, hint: str = "") -> None:
        mark = self.positions.locate(path, value=True)
        self.diags.append(
            Diagnostic(
                code,
                message,
                path=format_path(path),
                hint=hint,
                file=str(self.file),
                line=mark.line if mark else None,
                column=mark.column if mark else None,
            )
        )

    def keys(self, data: dict[str, Any], path: YPath, allowed: tuple[str, ...]) -> None:
        for key in data:
            if key not in allowed:
                self.bad((*path, key), "unknown-key", f"unknown key {key!r}", did_you_mean(str(key), allowed))

    def num(
        self,
        data: dict[str, Any],
        path: YPath,
        key: str,
        *,
        low: float,
        strict: bool,
        default: float | None = None,
    ) -> float:
        if key not in data:
            if default is None:
                self.bad(path, "missing-key", f"{key!r} is required", f"add `{key}: <number>`")
                return 1.0
            return default
        value = data[key]
        ok = _number(value) and (value > low if strict else value >= low)
        if not ok:
            self.bad(
                (*path, key),
                "bad-number",
                f"{key} must be a number {'>' if strict else '>='} {low:g}, not {value!r}",
                f"e.g. `{key}: {low + 1:g}`",
            )
            return 1.0
        return float(value)

    def mapping(self, value: object, path: YPath, what: str) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.bad(
            path, "not-a-mapping", f"{what} must be a mapping of keys to values, not {type(value).__name__}"
        )
        return None

    # --- parts --------------------------------------------------------------------

    def profile(self, value: object, path: YPath) -> tuple[float, ...] | None:
        if (
            not isinstance(value, list)
            or len(value) != 24
            or not all(_number(v) and v >= 0 for v in value)
            or not any(v > 0 for v in value)
        ):
            self.bad(
                path,
                "bad-profile",
                "a profile is a list of 24 hourly multipliers >= 0, not all zero",
                "e.g. `[0.3, 0.2, 0.2, 0.2, 0.3, 0.5, 0.8, 1.2, 1.5, 1.5, 1.4, 1.3, 1.3, 1.3, 1.4, 1.5, "
                "1.6, 1.7, 1.6, 1.4, 1.1, 0.8, 0.6, 0.4]`",
            )
            return None
        return tuple(float(v) for v in value)

    def queue(self, value: object) -> QueuePolicy:
        data = self.mapping(value, ("queue",), "queue")
        if data is None:
            return QueuePolicy()
        self.keys(data, ("queue",), QUEUE_KEYS)
        capacity = data.get("capacity", 0)
        if capacity != "unlimited" and (
            not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 0
        ):
            self.bad(
                ("queue", "capacity"),
                "bad-queue",
                f"capacity must be an integer >= 0 or 'unlimited', not {capacity!r}",
                "0 refuses at once (a loss system); e.g. `capacity: unlimited`",
            )
            capacity = 0
        patience = data.get("patience_h")
        if patience is not None and not (_number(patience) and patience > 0):
            self.bad(
                ("queue", "patience_h"),
                "bad-number",
                f"patience_h must be a number > 0 or null, not {patience!r}",
                "leave it out for requests that wait as long as it takes",
            )
            patience = None
        return QueuePolicy(
            None if capacity == "unlimited" else capacity, None if patience is None else float(patience)
        )

    def holding(self, data: dict[str, Any], path: YPath) -> tuple[str, float, float]:
        if "holding" not in data:
            self.bad(
                path,
                "missing-key",
                "'holding' is required",
                "e.g. `holding: {distribution: exponential, mean_h: 6}`",
            )
            return "exponential", 1.0, 1.0
        hpath: YPath = (*path, "holding")
        holding = self.mapping(data["holding"], hpath, "holding")
        if holding is None:
            return "exponential", 1.0, 1.0
        self.keys(holding, hpath, HOLDING_KEYS)
        kind = holding.get("distribution", "exponential")
        if kind not in HOLDING_KINDS:
            self.bad(
                (*hpath, "distribution"),
                "bad-distribution",
                f"unknown distribution {kind!r}",
                did_you_mean(str(kind), HOLDING_KINDS),
            )
            kind = "exponential"
        mean = self.num(holding, hpath, "mean_h", low=0.0, strict=True)
        cv = self.num(holding, hpath, "cv", low=0.0, strict=True, default=1.0)
        return str(kind), mean, cv

    def profile_of(
        self, data: dict[str, Any], path: YPath, profiles: dict[str, tuple[float, ...]]
    ) -> tuple[float, ...]:
        if "profile" not in data:
            return ()
        value = data["profile"]
        if not isinstance(value, str):
            return self.profile(value, (*path, "profile")) or ()
        if value not in profiles:
            self.bad(
                (*path, "profile"),
                "unknown-profile",
                f"no profile named {value!r}",
                did_you_mean(value, profiles) or "define it under `profiles:` at the top",
            )
        return profiles.get(value, ())
