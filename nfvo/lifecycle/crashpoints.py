"""Named crash points at every step boundary, for the crash-recovery tests.

When the environment variable ``NFVO_CRASH_AT`` names a point (``before:push:core``,
``after:twin-validate``, ...), the process kills itself there with SIGKILL: no cleanup,
no finally blocks, exactly like a power cut. Unset (always, in production) it costs one
dictionary lookup per step.
"""

from __future__ import annotations

import os
import signal

ENV = "NFVO_CRASH_AT"


def reached(point: str) -> None:
    if os.environ.get(ENV) == point:
        os.kill(os.getpid(), signal.SIGKILL)
