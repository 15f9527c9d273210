"""Bookkeeping for one replication: seeded random streams, time-weighted levels, counts."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

STREAMS = ("arrivals", "thinning", "holding", "patience")


def stream(seed: int, index: int, entry: int, name: str) -> random.Random:
    """The random stream `name` of mix entry `entry` in replication `index`."""
    ss = np.random.SeedSequence(seed, spawn_key=(index, entry, STREAMS.index(name)))
    state = ss.generate_state(2, dtype=np.uint64)
    return random.Random(int(state[0]) << 64 | int(state[1]))


class Meter:
    """Levels per key, integrated lazily (only keys that change are touched)."""

    def __init__(self) -> None:
        self.level: dict[str, float] = {}
        self.since: dict[str, float] = {}
        self.area: dict[str, float] = {}
        self.peak: dict[str, float] = {}

    def add(self, key: str, now: float, delta: float) -> None:
        level = self.level.get(key, 0.0)
        self.area[key] = self.area.get(key, 0.0) + level * (now - self.since.get(key, now))
        self.since[key] = now
        level += delta
        if abs(level) < 1e-9:  # a departed slice leaves no float dust behind
            level = 0.0
        self.level[key] = level
        if level > self.peak.get(key, 0.0):
            self.peak[key] = level

    def restart(self, now: float) -> None:
        self.since = dict.fromkeys(self.level, now)
        self.area = {}
        self.peak = dict(self.level)

    def close(self, now: float) -> None:
        for key, level in self.level.items():
            self.area[key] = self.area.get(key, 0.0) + level * (now - self.since.get(key, now))
            self.since[key] = now


@dataclass
class Waiting:
    """A request in the waiting room."""

    entry: int
    hold_h: float
    since: float
    counted: bool
    alive: bool = True


@dataclass
class Counts:
    """What happened to the counted requests, per group."""

    offered: Counter[str] = field(default_factory=Counter)
    accepted: Counter[str] = field(default_factory=Counter)
    blocked: Counter[str] = field(default_factory=Counter)
    waited: Counter[str] = field(default_factory=Counter)
    abandoned: Counter[str] = field(default_factory=Counter)
    wait_h: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    blocked_by: Counter[str] = field(default_factory=Counter)
