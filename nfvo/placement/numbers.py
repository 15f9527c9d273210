"""Numbers every placement engine shares: infinity for "unreachable" and the tolerance on
sums of floats."""

from __future__ import annotations

import math

INF = math.inf
EPS = 1e-9  # tolerance on sums of floats (capacities, latencies)


def fmt_ms(value: float) -> str:
    return "unreachable" if value == INF else f"{value:.2f} ms"
