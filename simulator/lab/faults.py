"""Faults an emulated controller can be told to show, the same for NETCONF and gNMI.

A `Fault` names what goes wrong (`FaultKind`), on which operation (`Op`), after how long a
delay and how many times. Each emulator owns one `FaultBox`; before it serves an operation
it asks `take(op)` whether a fault is due and acts it out in its own protocol:

    kind      NETCONF emulator                          gNMI emulator
    REJECT    <rpc-error> (error-tag `status`,          status `status` (default
              default operation-failed)                  FAILED_PRECONDITION)
    DELAY     the reply comes `delay_ms` late, then the operation runs as usual
    DROP      the SSH connection is closed, no reply     UNAVAILABLE, nothing applied
    TIMEOUT   no reply until the client gives up (or the fault is cleared / the server
              stops); nothing is applied
    PARTIAL   commit answers <ok/> but one changed       Set answers OK but its last
              leaf of the candidate is left out          operation is left out

Operations are protocol-neutral: OPEN (NETCONF hello, gNMI Capabilities), READ (get,
get-config; Get), EDIT (edit-config; gNMI has no separate edit, so never), COMMIT (commit,
which also confirms; Set, which also carries a rollback), CANCEL (cancel-commit,
discard-changes), LOCK (lock, unlock), ANY (whatever comes next).

Faults are switched at run time (`inject`, `clear`), from any thread, while sessions run.
"""

from __future__ import annotations

import enum
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace


class FaultKind(enum.Enum):
    REJECT = "reject"
    DELAY = "delay"
    DROP = "drop"
    TIMEOUT = "timeout"
    PARTIAL = "partial"


class Op(enum.Enum):
    OPEN = "open"
    READ = "read"
    EDIT = "edit"
    COMMIT = "commit"
    CANCEL = "cancel"
    LOCK = "lock"
    ANY = "any"


# What each kind hits when the injector does not say: the step where it hurts a push most.
_DEFAULT_OP = {
    FaultKind.REJECT: Op.COMMIT,
    FaultKind.DELAY: Op.ANY,
    FaultKind.DROP: Op.COMMIT,
    FaultKind.TIMEOUT: Op.COMMIT,
    FaultKind.PARTIAL: Op.COMMIT,
}
# A TIMEOUT never answers, but a server thread must not hang forever if nobody clears it.
MAX_HANG_S = 120.0


@dataclass(frozen=True)
class Fault:
    """`times` consecutive matching operations are hit (0: every one, until cleared).
    `delay_ms` applies before any kind (DELAY is a delay and nothing else). `status`
    overrides the protocol's error for REJECT: a NETCONF error-tag ("lock-denied" makes it
    temporary) or a grpc.StatusCode name ("UNAVAILABLE")."""

    kind: FaultKind
    on: Op | None = None  # None: the kind's default (see the table above)
    delay_ms: float = 0.0
    times: int = 1
    status: str | None = None
    message: str = "injected fault"

    def __post_init__(self) -> None:
        if self.times < 0 or self.delay_ms < 0:
            raise ValueError("times and delay_ms must not be negative")
        if self.kind is FaultKind.DELAY and self.delay_ms == 0:
            raise ValueError("a DELAY fault needs delay_ms > 0")

    @property
    def target(self) -> Op:
        return self.on if self.on is not None else _DEFAULT_OP[self.kind]


@dataclass
class _Armed:
    fault: Fault
    left: int  # hits left; 0 means unlimited


class FaultBox:
    """The faults pending on one emulated controller (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[_Armed] = []
        # The latest hits only: a fault kept "until cleared" in a long-running lab would
        # otherwise grow this without end.
        self._hits: deque[tuple[Op, FaultKind]] = deque(maxlen=1000)
        # Set by clear() and stop(): cuts injected delays and hangs short.
        self._wake = threading.Event()
        self._stopping = False

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self._wake.clear()
            self._pending.append(_Armed(fault, fault.times))

    def clear(self) -> None:
        """Drop pending faults; delays and hangs in progress end (the operation goes on)."""
        with self._lock:
            self._pending.clear()
            self._wake.set()

    def release(self) -> None:
        """The server is stopping: end every delay and hang, and say so to `wait`."""
        self._stopping = True
        self._wake.set()

    def rearm(self) -> None:
        """The server (re)starts: delays work again."""
        with self._lock:
            self._stopping = False
            self._wake.clear()

    @property
    def pending(self) -> tuple[Fault, ...]:
        with self._lock:
            return tuple(a.fault for a in self._pending)

    @property
    def hits(self) -> tuple[tuple[Op, FaultKind], ...]:
        """Every fault acted out so far, in order (for tests and the lab's log)."""
        with self._lock:
            return tuple(self._hits)

    def take(self, op: Op) -> Fault | None:
        """The first pending fault for `op` (counted as used), or None."""
        with self._lock:
            for armed in self._pending:
                if armed.fault.target not in (op, Op.ANY):
                    continue
                if armed.left == 1:
                    self._pending.remove(armed)
                elif armed.left > 1:
                    armed.left -= 1
                self._hits.append((op, armed.fault.kind))
                return replace(armed.fault, on=op)
        return None

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds` (less if cleared meanwhile); False when the server stops."""
        self._wake.wait(seconds)
        return not self._stopping

    def hang(self, until: Callable[[], bool] = lambda: False) -> None:
        """What a TIMEOUT does: wait until released, `until()` holds (the client went
        away), or MAX_HANG_S passed."""
        deadline = time.monotonic() + MAX_HANG_S
        while not self._wake.wait(0.05):
            if until() or time.monotonic() > deadline:
                return
