"""The one place that imports highspy, and the workaround for its trap.

highspy ≥ 1.16 prints a two-line banner ("Running HiGHS ...") on the process's C-level
stdout the first time a `Highs` object is built, before `silent()` or `output_flag` can be
set. That corrupts the JSON of `nfvo place --json` and anything else that owns stdout.
`new_highs()` builds the first instance with file descriptor 1 pointed at /dev/null (the
banner is printed once per process, so later instances need nothing) and flushes C stdio
before restoring it, so the banner cannot escape later from a buffer.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import threading

import highspy

__all__ = ["highspy", "new_highs"]

_banner_lock = threading.Lock()
_banner_printed: list[bool] = []  # one entry once the first instance has been built


def _flush_c_stdio() -> None:
    # Without libc symbols (not Linux/glibc) there is no C buffer of ours to flush.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).fflush(None)


def _first_instance_without_banner() -> highspy.Highs:
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        h = highspy.Highs()  # type: ignore[no-untyped-call]
        _flush_c_stdio()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    return h


def new_highs() -> highspy.Highs:
    """A silent HiGHS instance; the first one of the process is built with stdout muted."""
    with _banner_lock:
        if not _banner_printed:
            h = _first_instance_without_banner()
            _banner_printed.append(True)
        else:
            h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.silent()
    return h
