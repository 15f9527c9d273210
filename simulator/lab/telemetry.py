"""Measured latency, as an emulated controller reports it for a path it steers traffic on.

The measurement is the sum of the substrate's link latencies along the hop list, plus an
`offset_ms` (a degradation the lab switches on to see the orchestrator notice it), plus
uniform jitter in [0, jitter_ms). The lab builds one model per controller from its
substrate's links, so the figures agree with what placement assumed.
"""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Iterable, Sequence

from nfvo.domain import Link, link_key


class LatencyModel:
    def __init__(self, links: Iterable[Link], *, jitter_ms: float = 0.0, seed: int | None = None) -> None:
        self._latency = {link.key: link.latency_ms for link in links}
        self.jitter_ms = jitter_ms
        self.offset_ms = 0.0
        self._random = random.Random(seed)
        self._lock = threading.Lock()  # sessions measure from their own threads

    def measure(self, hops: Sequence[str]) -> float | None:
        """Milliseconds along `hops` (sites in order; a repeated site costs nothing), or
        None when two consecutive sites have no link between them or no hop is given."""
        if not hops:
            return None
        total = 0.0
        for a, b in itertools.pairwise(hops):
            if a == b:
                continue
            latency = self._latency.get(link_key(a, b))
            if latency is None:
                return None
            total += latency
        with self._lock:
            noise = self._random.uniform(0, self.jitter_ms) if self.jitter_ms > 0 else 0.0
        return total + self.offset_ms + noise
