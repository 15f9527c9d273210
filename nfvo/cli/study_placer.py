"""The placers a study hands to its workers: picklable (a top-level function bound with
functools.partial, or a small top-level class), never an open resource."""

from __future__ import annotations

import enum
from functools import partial

from nfvo.domain import Placer
from simulator.study.memo import MemoPlacer


class StudyEngine(enum.StrEnum):
    HEURISTIC = "heuristic"
    HEURISTIC_MEMO = "heuristic-memo"
    FIRST_FIT = "first-fit"
    MILP = "milp"


def placer_for(engine: StudyEngine, *, seed: int = 0) -> Placer:
    """A picklable placer for `engine`."""
    from nfvo.placement import first_fit, place

    if engine is StudyEngine.MILP:
        from nfvo.placement.milp import place_milp

        return partial(place_milp, seed=seed, time_limit_s=10.0)
    if engine is StudyEngine.HEURISTIC_MEMO:
        return MemoPlacer(partial(place, seed=seed))
    return partial(first_fit if engine is StudyEngine.FIRST_FIT else place, seed=seed)
