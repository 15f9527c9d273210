"""Southbound benchmark: per-operation latency and change sets per second, for each adapter
against each server, with and without session reuse. Prints a table; asserts nothing.

    .venv/bin/python bench/southbound/run.py [--iterations 30]
        [--servers netconf-emulator,netconfd,gnmi-emulator]

One transaction is what the orchestrator does per change set (nfvo/lifecycle/push.py):
stage → commit(confirm_timeout) → read back → confirm. "reuse" runs every transaction on
one open session; "fresh" opens and closes a session per transaction, as push.py does
today. netconfd (yuma123) is started with the tests' recipe (tests/adapters/yuma.py) and
skipped when it is not installed.
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "adapters"))  # changesets.py, yuma.py

from changesets import transport_changeset, vlink_path  # noqa: E402

from adapters.base import DomainAdapter  # noqa: E402
from adapters.gnmi import GnmiAdapter  # noqa: E402
from adapters.netconf import NetconfAdapter  # noqa: E402
from nfvo.domain import Controller, Domain, Protocol  # noqa: E402
from simulator.lab.gnmi_server import GnmiServer  # noqa: E402
from simulator.lab.netconf_server import NetconfServer  # noqa: E402

OPS = ("open", "stage", "commit", "read", "confirm")
Factory = Callable[[], DomainAdapter]


@contextlib.contextmanager
def netconf_emulator() -> Iterator[Factory]:
    with NetconfServer(username="bench", password="bench-pw") as server:
        ctl = Controller(
            "nc-emu", Domain.TRANSPORT, Protocol.NETCONF, "127.0.0.1", server.port, "bench", "bench-pw"
        )
        yield lambda: NetconfAdapter(ctl, hostkey_verify=False)


@contextlib.contextmanager
def netconfd() -> Iterator[Factory]:
    import pytest
    from yuma import running_netconfd

    try:
        with running_netconfd(Path(tempfile.mkdtemp(prefix="bench-yuma-"))) as y:
            yield lambda: NetconfAdapter(
                y.controller, key_filename=str(y.key_file), known_hosts=str(y.known_hosts)
            )
    except pytest.skip.Exception as skipped:
        raise LookupError(str(skipped)) from None


@contextlib.contextmanager
def gnmi_emulator() -> Iterator[Factory]:
    with GnmiServer("gnmi-emu") as server:
        ctl = server.controller(Domain.TRANSPORT)
        yield lambda: GnmiAdapter(ctl)


SERVERS: dict[str, tuple[str, Callable[[], contextlib.AbstractContextManager[Factory]]]] = {
    "netconf-emulator": ("NetconfAdapter", netconf_emulator),
    "netconfd": ("NetconfAdapter", netconfd),
    "gnmi-emulator": ("GnmiAdapter", gnmi_emulator),
}


def timed(samples: dict[str, list[float]], op: str, call: Callable[[], object]) -> None:
    start = time.perf_counter()
    call()
    samples[op].append((time.perf_counter() - start) * 1000)


def run(factory: Factory, iterations: int, *, reuse: bool, tag: str) -> tuple[dict[str, list[float]], float]:
    """Per-operation samples (ms) and change sets per second over `iterations` transactions."""
    samples: dict[str, list[float]] = {op: [] for op in OPS}
    shared = factory() if reuse else None
    if shared is not None:
        timed(samples, "open", shared.open)
    names = [f"{tag}-{i}" for i in range(iterations)]
    start = time.perf_counter()
    for name in names:
        adapter = shared or factory()
        if shared is None:
            timed(samples, "open", adapter.open)
        timed(samples, "stage", partial(adapter.stage, transport_changeset(name)))
        timed(samples, "commit", partial(adapter.commit, confirm_timeout=30))
        timed(samples, "read", partial(adapter.read, [vlink_path(name, "v1")]))
        timed(samples, "confirm", adapter.confirm)
        if shared is None:
            adapter.close()
    rate = iterations / (time.perf_counter() - start)
    cleaner = shared or factory()
    if shared is None:
        cleaner.open()
    for name in names:  # leave the server as it was
        cleaner.stage(transport_changeset(name).inverse())
    cleaner.commit()
    cleaner.close()
    return samples, rate


def cell(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):.1f}"


def row(cells: tuple[str, ...], widths: tuple[int, ...]) -> str:
    """A Markdown table row: text left-aligned, figures right-aligned."""
    out = [c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
    return "| " + " | ".join(out) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--servers", default=",".join(SERVERS))
    args = parser.parse_args()
    print(
        f"# {platform.node()} · {platform.machine()} · Python {platform.python_version()} · "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} · {args.iterations} change sets per row"
    )
    print("# median ms per op; cs/s: change sets per second (stage+commit+read+confirm; fresh: +open+close)")
    widths = (15, 17, 7, *(7,) * len(OPS), 6)
    print(row(("adapter", "server", "session", *OPS, "cs/s"), widths))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for server in args.servers.split(","):
        adapter_name, start = SERVERS[server]
        try:
            with start() as factory:
                for reuse in (True, False):
                    samples, rate = run(factory, args.iterations, reuse=reuse, tag=f"bench-{int(reuse)}")
                    mode = "reuse" if reuse else "fresh"
                    cells = (adapter_name, server, mode, *(cell(samples[op]) for op in OPS), f"{rate:.1f}")
                    print(row(cells, widths))
        except LookupError as missing:
            print(f"| {adapter_name:<15} | {server:<17} | skipped: {missing} |")


if __name__ == "__main__":
    main()
