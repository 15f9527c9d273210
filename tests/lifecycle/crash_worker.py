"""A real orchestrator process for the crash tests: runs one operation against the lab's
controllers and is killed by the crash point named in NFVO_CRASH_AT.

usage: crash_worker.py DB_URL CONTROLLERS_JSON instantiate TEMPLATE
       crash_worker.py DB_URL CONTROLLERS_JSON terminate SLICE_ID
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace

from nfvo.catalog import load_substrate
from nfvo.domain import Domain
from nfvo.lifecycle import Orchestrator
from nfvo.resources import example_substrate
from nfvo.store import Store


def main() -> None:
    db_url, controllers_json, action, target = sys.argv[1:5]
    substrate = load_substrate(example_substrate())
    given = json.loads(controllers_json)
    controllers = {
        Domain(c["domain"]): replace(substrate.controller_for(Domain(c["domain"])), **c["address"])
        for c in given
    }
    orchestrator = Orchestrator(Store(db_url), substrate.with_controllers(controllers), confirm_timeout_s=30)
    if action == "instantiate":
        _, operation = orchestrator.instantiate(target)
    else:
        operation = orchestrator.terminate(target)
    final = orchestrator.wait(operation.id, timeout_s=60)
    orchestrator.close()
    print(final.state.value)


if __name__ == "__main__":
    main()
