"""Fixtures of the API security tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from secured_api import Secured, make_secured

from nfvo.api.settings import Security
from nfvo.lifecycle import Orchestrator
from simulator.lab.lab import Lab


@pytest.fixture
def secured(orchestrator: Orchestrator, lab: Lab) -> Iterator[Secured]:
    """No rate limit; the expiry sweeper looks every 0.2 s."""
    yield from make_secured(orchestrator, lab, Security(rate_limit=None, expiry_sweep_s=0.2))
