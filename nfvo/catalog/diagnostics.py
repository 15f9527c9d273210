"""Collecting problems as `Diagnostic`s that point into the source text."""

from __future__ import annotations

import difflib
import reprlib
from collections.abc import Iterable

from nfvo.catalog.yamlpos import Positions, YPath, format_path
from nfvo.domain import Diagnostic

# Bounded repr: a value may be huge (or, through YAML aliases, exponentially so).
_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 60
_SHORT.maxlevel = 1
_SHORT.maxlist = _SHORT.maxdict = _SHORT.maxtuple = 4


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A hint naming the closest candidate, or listing them when none is close."""
    options = sorted(set(candidates))
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    if options and len(options) <= 12:
        return "expected one of: " + ", ".join(options)
    return ""


def describe(value: object) -> str:
    """A value as a user wrote it, with its YAML type, for messages."""
    kind = {bool: "boolean", int: "integer", float: "float", str: "string", type(None): "null"}.get(
        type(value), "list" if isinstance(value, list) else "mapping" if isinstance(value, dict) else "value"
    )
    return f"{_SHORT.repr(value)} ({kind})"


class DiagnosticSink:
    """Collects diagnostics for one source, placing each at the line of its path."""

    def __init__(self, file: str, positions: Positions | None = None) -> None:
        self.file = file
        self.positions = positions or Positions()
        self.items: list[Diagnostic] = []

    def add(
        self,
        code: str,
        message: str,
        path: YPath = (),
        *,
        hint: str = "",
        at_value: bool = False,
        placed: bool = True,
    ) -> Diagnostic:
        """Record a problem at `path` (at its value's position when `at_value`: a wrong value
        is best shown where the value is; an unknown key where the key is). `placed=False`
        for problems outside the text (e.g. an input passed by the caller): no line."""
        mark = self.positions.locate(path, value=at_value) if path and placed else None
        diag = Diagnostic(
            code=code,
            message=message,
            path=format_path(path),
            hint=hint,
            file=self.file,
            line=mark.line if mark else None,
            column=mark.column if mark else None,
        )
        self.items.append(diag)
        return diag

    def extend(self, diags: Iterable[Diagnostic]) -> None:
        self.items.extend(diags)

    def paths(self) -> set[str]:
        return {d.path for d in self.items if d.path}

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)


def sort_key(diag: Diagnostic) -> tuple[str, int, int]:
    """Order diagnostics as they appear in the files (those without a line last)."""
    return (diag.file, diag.line if diag.line is not None else 1 << 30, diag.column or 0)
