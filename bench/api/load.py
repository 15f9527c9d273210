"""A lean HTTP/1.1 load generator: N keep-alive connections on asyncio streams, each
sending its next request when the previous answer is read (a closed loop).

Hand-written on purpose: on 2 cores the client shares the CPU with the server, and
httpx.AsyncClient costs several times more per request than these few lines, which would
cap the figures at the client's speed rather than the server's.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Result:
    seconds: float
    latencies_s: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return len(self.latencies_s) / self.seconds

    def percentile_ms(self, q: float) -> float:
        ordered = sorted(self.latencies_s)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def request_bytes(method: str, path: str, key: str = "", body: object = None) -> bytes:
    payload = b"" if body is None else json.dumps(body).encode()
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    if key:
        lines.append(f"Authorization: Bearer {key}")
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lowered = head.lower()
    at = lowered.find(b"\r\ncontent-length:")
    if at < 0:
        raise RuntimeError(f"no Content-Length in {head[:200]!r}")
    end = lowered.find(b"\r\n", at + 2)
    await reader.readexactly(int(lowered[at + 17 : end]))
    return status


async def _client(
    port: int, make: Callable[[int], bytes], warmup_until: float, until: float, result: Result
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    n = 0
    try:
        while (now := time.perf_counter()) < until:
            status = await _exchange(reader, writer, make(n))
            n += 1
            if now >= warmup_until:
                result.latencies_s.append(time.perf_counter() - now)
                result.statuses[status] += 1
    finally:
        writer.close()


async def _run(
    port: int, make: Callable[[int], bytes], clients: int, warmup_s: float, seconds: float
) -> Result:
    start = time.perf_counter()
    result = Result(seconds)
    await asyncio.gather(
        *(_client(port, make, start + warmup_s, start + warmup_s + seconds, result) for _ in range(clients))
    )
    # Requests still in flight at the end finish late: count the time they took too.
    result.seconds = time.perf_counter() - start - warmup_s
    return result


def load(port: int, make: Callable[[int], bytes], *, clients: int, warmup_s: float, seconds: float) -> Result:
    return asyncio.run(_run(port, make, clients, warmup_s, seconds))
