"""Reading fields of hand-written YAML entries, recording a diagnostic instead of raising."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nfvo.catalog.diagnostics import DiagnosticSink, describe, did_you_mean
from nfvo.catalog.yamlpos import YPath


class FieldReader:
    """Typed field access that records a diagnostic instead of raising."""

    def __init__(self, sink: DiagnosticSink) -> None:
        self.sink = sink

    def entry(
        self, item: object, path: YPath, fields: Mapping[str, bool], what: str
    ) -> dict[str, Any] | None:
        if not isinstance(item, dict):
            self.sink.add(
                "wrong-type", f"{what} must be a mapping, got {describe(item)}", path, at_value=True
            )
            return None
        for key in item:
            if str(key) not in fields:
                self.sink.add(
                    "unknown-field",
                    f"unknown field {str(key)!r} in {what}",
                    (*path, str(key)),
                    hint=did_you_mean(str(key), fields),
                )
        for key, required in fields.items():
            if required and key not in item:
                self.sink.add("missing-field", f"{what} lacks the required field {key!r}", path)
        return item

    def text(self, item: Mapping[str, Any], key: str, path: YPath, *, optional: bool = False) -> str | None:
        value = item.get(key, "" if optional else None)
        if value is None:
            return None  # missing: reported by `entry`
        if not isinstance(value, str) or not (value.strip() or optional):
            kind = "a string" if optional else "a non-empty string"
            self.sink.add(
                "wrong-type", f"{key} must be {kind}, got {describe(value)}", (*path, key), at_value=True
            )
            return None
        return value

    def number(
        self,
        item: Mapping[str, Any],
        key: str,
        path: YPath,
        *,
        minimum: float = 0.0,
        strict: bool = True,
        default: float | None = None,
        integer: bool = False,
    ) -> float | None:
        value = item.get(key, default)
        if value is None:
            return None
        # bool is an int in Python, but `yes` for a latency is a mistake, not 1.
        if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)):
            kind = "an integer" if integer else "a number"
            self.sink.add(
                "wrong-type", f"{key} must be {kind}, got {describe(value)}", (*path, key), at_value=True
            )
            return None
        if value < minimum or (strict and value == minimum):
            bound = f"greater than {minimum:g}" if strict else f"at least {minimum:g}"
            self.sink.add(
                "out-of-range", f"{key} must be {bound}, got {value!r}", (*path, key), at_value=True
            )
            return None
        return float(value)

    def choice(self, item: Mapping[str, Any], key: str, path: YPath, enum: type[Any]) -> Any:
        value = item.get(key)
        if value is None:
            return None
        allowed = [m.value for m in enum]
        if not isinstance(value, str) or value not in allowed:
            self.sink.add(
                "invalid-value",
                f"{key} must be one of {', '.join(allowed)}, got {describe(value)}",
                (*path, key),
                at_value=True,
                hint=did_you_mean(str(value), allowed),
            )
            return None
        return enum(value)

    def flag(self, item: Mapping[str, Any], key: str, path: YPath) -> bool | None:
        """An optional yes/no field: None when absent (the caller's default applies)."""
        value = item.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            what = f"{key} must be true or false, got {describe(value)}"
            self.sink.add("wrong-type", what, (*path, key), at_value=True)
            return None
        return value
