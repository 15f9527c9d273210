"""A token bucket per client: `burst` requests at once, then `per_second` on average."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from nfvo.api.settings import RateLimit


class TokenBuckets:
    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.monotonic) -> None:
        if limit.per_second <= 0 or limit.burst < 1:
            raise ValueError("a rate limit needs per_second > 0 and burst >= 1")
        self.limit = limit
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when counted)

    def take(self, client: str) -> float:
        """Spend one token of `client`'s bucket: 0.0 when allowed, else the seconds to
        wait until a token is there (the request is refused and spends nothing)."""
        now = self.clock()
        rate, size = self.limit.per_second, float(self.limit.burst)
        with self._lock:
            tokens, then = self._buckets.get(client, (size, now))
            tokens = min(size, tokens + (now - then) * rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                self._trim(now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1.0 - tokens) / rate

    def _trim(self, now: float) -> None:
        if len(self._buckets) <= self.limit.max_clients:
            return
        rate, size = self.limit.per_second, float(self.limit.burst)
        # A bucket that has refilled is the same as no bucket: drop those first.
        self._buckets = {c: (t, w) for c, (t, w) in self._buckets.items() if t + (now - w) * rate < size}
        while len(self._buckets) > self.limit.max_clients:
            self._buckets.pop(next(iter(self._buckets)))


def retry_after_header(wait_s: float) -> str:
    """Retry-After in whole seconds, never 0 (HTTP has no fractions here)."""
    return str(max(1, math.ceil(wait_s)))
