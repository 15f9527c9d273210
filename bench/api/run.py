"""Requests per second and latency of the API at 100 concurrent clients against ONE
uvicorn worker, and of a bare FastAPI hello endpoint on the same machine (the baseline),
in the same run:

    .venv/bin/python bench/api/run.py [--clients 100] [--seconds 5]

Each server runs in its own process; this process is the load generator (load.py, a
lean asyncio HTTP/1.1 client). Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from load import Result, load, request_bytes

HERE = Path(__file__).resolve().parent
API = "/api/v1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(which: str, key: str, log_path: Path, source: Path = HERE.parents[1]) -> Iterator[int]:
    port = free_port()
    env = {**os.environ, "NFVO_API_KEY": key, "PYTHONPATH": str(source)}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, str(HERE / "servers.py"), which, str(port)], env=env, stdout=log, stderr=log
        )
        try:
            ready = f"http://127.0.0.1:{port}" + ("/hello" if which == "hello" else f"{API}/health")
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(ready, timeout=1).read()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit(f"{which} server did not start; see {log_path}") from None
                    time.sleep(0.1)
            yield port
        finally:
            process.terminate()
            process.wait(timeout=30)


def call(port: int, key: str, method: str, path: str, body: object = None) -> dict[str, object]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    request.add_header("Authorization", f"Bearer {key}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as reply:
        answer: dict[str, object] = json.loads(reply.read())
        return answer


def deployed_slice(port: int, key: str) -> str:
    accepted = call(port, key, "POST", f"{API}/slices", {"template": "mmtc"})
    operation = accepted["operation"]
    assert isinstance(operation, dict)
    for _ in range(600):
        op = call(port, key, "GET", f"{API}/operations/{operation['id']}")
        if op["state"] == "COMPLETED":
            return str(op["slice_id"])
        time.sleep(0.05)
    raise SystemExit(f"the bench's slice was not deployed: {op}")


def row(name: str, result: Result, baseline: float | None) -> str:
    ok = sum(n for status, n in result.statuses.items() if status < 300)
    others = {s: n for s, n in result.statuses.items() if s >= 300}
    ratio = f"{result.rate / baseline:.2f}" if baseline else "1.00"
    return (
        f"| {name} | {result.rate:,.0f} | {ratio} | {result.percentile_ms(0.5):.1f} | "
        f"{result.percentile_ms(0.9):.1f} | {result.percentile_ms(0.99):.1f} | {ok} | {others or ''} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--before", type=Path, help="also run the nfvo server from this source tree")
    parser.add_argument("--logs", type=Path, default=Path("/tmp/nfvo-api-bench"), help="server logs go here")
    args = parser.parse_args()
    args.logs.mkdir(parents=True, exist_ok=True)
    key = "bench_" + secrets.token_hex(16)
    spec = {"clients": args.clients, "warmup_s": args.warmup, "seconds": args.seconds}

    def measure(port: int, make: Callable[[int], bytes]) -> Result:
        return load(port, make, **spec)  # type: ignore[arg-type]

    print(
        f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; {args.clients} clients, {args.seconds:g} s each "
        f"after {args.warmup:g} s warm-up; one uvicorn worker per server"
    )
    with server("hello", key, args.logs / "hello.log") as port:
        hello = measure(port, lambda _n: request_bytes("GET", "/hello"))
    after = nfvo_results(key, args.logs / "nfvo.log", HERE.parents[1], measure)
    before = nfvo_results(key, args.logs / "before.log", args.before, measure) if args.before else {}
    print("| request | req/s | x baseline | p50 ms | p90 ms | p99 ms | 2xx | other statuses |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    print(row("baseline: bare FastAPI GET /hello", hello, None))
    for label, results in (("", after), ("before: ", before)):
        for name, result in results.items():
            print(row(label + name, result, hello.rate))
    if before:
        print(f"\nafter / before (before = {args.before}):")
        for name, result in after.items():
            print(
                f"  {name}: {result.rate / before[name].rate:.2f}x req/s, p50 "
                f"{before[name].percentile_ms(0.5):.1f} -> {result.percentile_ms(0.5):.1f} ms"
            )


def nfvo_results(key: str, log: Path, source: Path, measure: Callable[..., Result]) -> dict[str, Result]:
    results = {}
    with server("nfvo", key, log, source) as port:
        slice_id = deployed_slice(port, key)
        for path in (f"{API}/health", f"{API}/slices/{slice_id}", f"{API}/slices"):
            get = request_bytes("GET", path, key)
            results[f"GET {path.replace(slice_id, '{id}')}"] = measure(port, lambda _n, get=get: get)
        create = request_bytes("POST", f"{API}/slices", key, {"template": "mmtc"})
        results["POST /api/v1/slices (202)"] = measure(port, lambda _n: create)
    return results


if __name__ == "__main__":
    main()
