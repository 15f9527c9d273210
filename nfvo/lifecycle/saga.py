"""The deployment saga: twin gate, per-domain pushes, SLA measured after the transport step,
compensation in reverse on failure."""

from __future__ import annotations

from dataclasses import dataclass

from nfvo.domain import (
    ChangeSet,
    Controller,
    DeploymentPlan,
    Domain,
    NfvoError,
    Placement,
    PlanRejected,
    SliceRequest,
    Substrate,
    Usage,
    Verdict,
)
from nfvo.lifecycle.history import recent_transaction_ms
from nfvo.lifecycle.journal import Journal
from nfvo.lifecycle.observe import TwinMode, twin_verdict
from nfvo.lifecycle.push import Connect, apply_changeset
from nfvo.lifecycle.sla import assess, measure_vlinks, raise_if_broken


@dataclass(frozen=True)
class Outcome:
    error: NfvoError | None = None
    clean: bool = True  # every domain is exactly as before the operation
    verdict: Verdict | None = None


def deploy(
    journal: Journal,
    substrate: Substrate,
    plan: DeploymentPlan,
    held_by_others: Usage,
    connect: Connect,
    confirm_timeout_s: float,
    slice_: tuple[SliceRequest, Placement] | None = None,
    twin: TwinMode = "ledger",
) -> Outcome:
    """Run the plan. With `slice_` (the request and its placement), the latency budgets are
    re-checked with the latencies the transport controller measures once it steers the
    virtual links, before any other domain is configured. `twin` says what the digital twin
    validates the plan against first (see observe.twin_verdict)."""
    try:
        journal.check_cancelled()
        with journal.step("twin-validate"):
            history = recent_transaction_ms(journal.store, substrate) if twin == "live" else None
            verdict, seen = twin_verdict(twin, plan, substrate, held_by_others, connect, slice_, history)
            if seen:
                journal.note(seen)
            if not verdict.ok:
                raise PlanRejected(
                    f"the digital twin predicts step {verdict.failed_step!r} would fail: {verdict.reason}",
                    hint="nothing was pushed; free capacity or relax the request and submit again",
                )
    except NfvoError as exc:
        return Outcome(error=exc, clean=True)

    done: list[ChangeSet] = []
    for changeset in plan.changesets:
        controller = substrate.controller_for(changeset.domain)
        try:
            journal.check_cancelled()
            with journal.step(f"push:{changeset.id}", f"{controller.protocol} {controller.address}"):
                # The compensation (changeset.inverse()) is part of the persisted plan, so
                # it is known before the forward step runs.
                journal.attempts(
                    apply_changeset(connect, controller, changeset, confirm_timeout_s=confirm_timeout_s)
                )
            done.append(changeset)
            if slice_ is not None and changeset.domain is Domain.TRANSPORT:
                journal.check_cancelled()
                verify_sla(journal, connect, controller, plan.slice_name, *slice_)
        except NfvoError as exc:
            clean = compensate(journal, substrate, done, connect, confirm_timeout_s)
            return Outcome(error=exc, clean=clean, verdict=verdict)
    return Outcome(verdict=verdict)


def verify_sla(
    journal: Journal,
    connect: Connect,
    controller: Controller,
    slice_key: str,
    request: SliceRequest,
    placement: Placement,
) -> None:
    with journal.step("verify-sla", f"{controller.protocol} {controller.address}"):
        measured = measure_vlinks(connect, controller, slice_key, [vl.name for vl in request.links])
        report = assess(request, placement, measured)
        journal.note(report.summary)
        raise_if_broken(report, request, controller)


def compensate(
    journal: Journal,
    substrate: Substrate,
    done: list[ChangeSet],
    connect: Connect,
    confirm_timeout_s: float,
) -> bool:
    """Undo the applied change sets, newest first. Keeps going after a failure so that
    as much as possible is undone; returns whether everything was."""
    clean = True
    for changeset in reversed(done):
        controller = substrate.controller_for(changeset.domain)
        try:
            with journal.step(f"undo:{changeset.id}", f"{controller.protocol} {controller.address}"):
                journal.attempts(
                    apply_changeset(
                        connect, controller, changeset.inverse(), confirm_timeout_s=confirm_timeout_s
                    )
                )
        except NfvoError:
            clean = False
    return clean


def teardown(
    journal: Journal,
    substrate: Substrate,
    plan: DeploymentPlan,
    connect: Connect,
    confirm_timeout_s: float,
    *,
    attempts: int = 5,
) -> list[tuple[ChangeSet, NfvoError]]:
    """Remove a slice from every domain (reverse order of deployment). Tries every domain
    even after one fails; returns the removals that failed, with their errors."""
    failed: list[tuple[ChangeSet, NfvoError]] = []
    for changeset in plan.teardown().changesets:
        controller = substrate.controller_for(changeset.domain)
        try:
            with journal.step(f"remove:{changeset.domain}", f"{controller.protocol} {controller.address}"):
                journal.attempts(
                    apply_changeset(
                        connect, controller, changeset, confirm_timeout_s=confirm_timeout_s, attempts=attempts
                    )
                )
        except NfvoError as exc:
            failed.append((changeset, exc))
    return failed
