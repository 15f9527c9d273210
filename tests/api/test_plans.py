"""POST /api/v1/plans: a dry run over the real API, store and lab. It answers the placement,
the per-domain diff and the twin's verdict, and leaves the store (every table but the
audit log and the keys' last use), the ledger and the lab's controllers exactly as they were."""

from __future__ import annotations

from typing import Any

from secured_api import Secured, is_problem
from sqlalchemy import inspect, text

from adapters.factory import connect
from nfvo.domain import ChangeSet, ConfigEdit, Domain, EditOp, PathElem
from nfvo.lifecycle.dryrun import configured_tree, diff_edits
from nfvo.lifecycle.push import apply_changeset
from nfvo.plan import slice_path
from simulator.lab.lab import Lab

# Written on purpose by every request (who did what, a key's last use): not slice state.
NOT_COMPARED = ("audit_log", "api_keys")


def snapshot(api: Secured, lab: Lab) -> dict[str, Any]:
    store = api.orchestrator.store
    tables: dict[str, Any] = {}
    with store.engine.connect() as conn:
        for table in sorted(inspect(store.engine).get_table_names()):
            if table not in NOT_COMPARED:
                tables[table] = sorted(
                    repr(tuple(row)) for row in conn.execute(text(f"SELECT * FROM {table}"))
                )
    return {
        "tables": tables,
        "ledger": store.usage(),
        "transport": lab.netconf[Domain.TRANSPORT].running_xml(),
        "core": lab.gnmi[Domain.CORE].snapshot(),
        "ran": lab.gnmi[Domain.RAN].snapshot(),
    }


def test_a_plan_shows_placement_diff_and_verdict_and_changes_nothing(secured: Secured, lab: Lab) -> None:
    api = secured
    existing, _ = api.slice_for("tenant-a", "urllc")
    before = snapshot(api, lab)

    reply = api.call("tenant-a", "POST", "/api/v1/plans", json={"template": "urllc", "name": "trial"})

    assert reply.status_code == 200, reply.text
    plan = reply.json()
    assert plan["feasible"] is True and plan["would_deploy"] is True
    assert plan["tenant"] == "tenant-a" and plan["name"] == "trial" and plan["template"] == "urllc@1"
    placed = plan["placement"]
    assert set(placed["functions"]) == {"gnb", "upf", "smf", "amf"}
    assert all(b["met"] and b["achieved_ms"] <= b["max_ms"] for b in placed["budgets"])
    assert placed["routes"] and all(r["path"] for r in placed["routes"])
    # Per domain, in push order, each edit a diff against the store's view of the controller.
    assert [d["domain"] for d in plan["plan"]] == ["transport", "core", "ran"]
    key = plan["slice_key"]
    assert key != existing
    for domain in plan["plan"]:
        assert domain["slices_configured"] == 1  # the urllc slice deployed above
        assert domain["edits"] and all(e["change"] == "add" for e in domain["edits"])
        assert all(e["path"].startswith(f"/slices/slice[name={key}]") for e in domain["edits"])
        assert all(leaf["before"] is None for e in domain["edits"] for leaf in e["leaves"].values())
    core = next(d for d in plan["plan"] if d["domain"] == "core")
    upf = next(e for e in core["edits"] if e["path"].endswith("function[name=upf]"))
    assert upf["leaves"]["site"]["after"] == placed["functions"]["upf"]
    verdict = plan["twin_verdict"]
    assert verdict["mode"] == "ledger" and verdict["ok"] is True and verdict["simulated_duration_s"] > 0
    assert plan["infeasible"] is None

    assert snapshot(api, lab) == before
    # The dry run of a slice is what its creation then does.
    created = api.call("tenant-a", "POST", "/api/v1/slices", json={"template": "urllc"}).json()["slice"]
    assert created["placement"]["functions"] == placed["functions"]


def test_an_unplaceable_slice_answers_feasible_false_with_the_blocking_constraint(
    secured: Secured, lab: Lab
) -> None:
    api = secured
    before = snapshot(api, lab)
    body = {"template": "urllc", "inputs": {"user_plane_budget_ms": 0.001}}

    reply = api.call("tenant-a", "POST", "/api/v1/plans", json=body)

    assert reply.status_code == 200, reply.text
    plan = reply.json()
    assert plan["feasible"] is False and plan["would_deploy"] is False
    assert plan["placement"] is None and plan["plan"] == [] and plan["twin_verdict"] is None
    why = plan["infeasible"]
    assert why["code"] == "placement-infeasible" and why["detail"]
    assert why["blocking"]["kind"] == "latency-budget" and why["blocking"]["required"] == 0.001
    # POST /slices refuses the same body with the same blocking constraint.
    refused = api.call("tenant-a", "POST", "/api/v1/slices", json=body)
    assert refused.status_code == 422 and refused.json()["blocking"] == why["blocking"]
    assert snapshot(api, lab) == before


def test_a_bad_template_is_refused_like_post_slices_and_inline_yaml_is_not_recorded(
    secured: Secured, lab: Lab
) -> None:
    api = secured
    before = snapshot(api, lab)
    bad = api.call("tenant-a", "POST", "/api/v1/plans", json={"template_yaml": "tosca: [not a template"})
    assert bad.status_code == 422 and is_problem(bad) and bad.json()["code"] == "invalid-template"
    unknown = api.call("tenant-a", "POST", "/api/v1/plans", json={"template": "no-such-template"})
    assert unknown.status_code == 404 and is_problem(unknown)
    neither = api.call("tenant-a", "POST", "/api/v1/plans", json={"inputs": {}})
    assert neither.status_code == 422 and neither.json()["code"] == "invalid-request"

    content = api.orchestrator.store.get_template("mmtc")[1] + "\n# an inline copy\n"
    inline = api.call("tenant-a", "POST", "/api/v1/plans", json={"template_yaml": content})
    assert inline.status_code == 200 and inline.json()["template"].endswith("(inline)")
    assert snapshot(api, lab) == before  # no new template version either


def test_a_tenant_plans_only_for_itself(secured: Secured) -> None:
    reply = secured.call("tenant-b", "POST", "/api/v1/plans", json={"template": "mmtc", "tenant": "tenant-a"})
    assert reply.status_code == 403 and reply.json()["code"] == "forbidden"
    assert secured.call("anonymous", "POST", "/api/v1/plans", json={"template": "mmtc"}).status_code == 401


def test_the_live_twin_verdict_shows_what_another_tool_took(secured: Secured, lab: Lab) -> None:
    """Another tool fills the edge sites through the core controller; the ledger does not
    know. With twin="live" the plan is feasible on the ledger but the twin says no."""
    api = secured
    root = (PathElem("slices"), PathElem("slice", (("name", "foreign-tool"),)))
    edits = tuple(
        ConfigEdit(
            EditOp.MERGE,
            (*root, PathElem("function", (("name", f"upf-{site}"),))),
            {"kind": "upf", "site": site, "cpu": 30.0, "memory-gb": 8.0},
        )
        for site in ("edge-1", "edge-2")
    )
    foreign = ChangeSet("foreign", Domain.CORE, "core-ctl", "another tool", edits, ())
    apply_changeset(connect, lab.substrate.controller_for(Domain.CORE), foreign, confirm_timeout_s=10)
    api.orchestrator.twin = "live"
    before = snapshot(api, lab)

    plan = api.call("operator", "POST", "/api/v1/plans", json={"template": "urllc"}).json()

    assert plan["feasible"] is True and plan["would_deploy"] is False
    verdict = plan["twin_verdict"]
    assert verdict["mode"] == "live" and verdict["ok"] is False and verdict["failed_step"] == "core"
    assert "vCPU free" in verdict["reason"] and "against live state" in verdict["note"]
    assert snapshot(api, lab) == before


def test_the_diff_says_added_changed_unchanged_and_deleted() -> None:
    root = slice_path("s1")
    fn = (*root, PathElem("function", (("name", "upf"),)))
    configured = configured_tree(
        [
            ConfigEdit(EditOp.MERGE, root, {"sst": 1}),
            ConfigEdit(EditOp.MERGE, fn, {"site": "edge-1", "cpu": 4.0}),
            ConfigEdit(EditOp.MERGE, (*root, PathElem("function", (("name", "gone"),))), {"cpu": 1.0}),
            ConfigEdit(EditOp.DELETE, (*root, PathElem("function", (("name", "gone"),)))),
        ]
    )
    assert set(configured) == {"/slices/slice[name=s1]", "/slices/slice[name=s1]/function[name=upf]"}
    diff = diff_edits(
        [
            ConfigEdit(EditOp.MERGE, root, {"sst": 1}),
            ConfigEdit(EditOp.MERGE, fn, {"site": "edge-2", "cpu": 4.0}),
            ConfigEdit(EditOp.MERGE, (*root, PathElem("vlink", (("id", "n3"),))), {"hop": ("a", "b")}),
            ConfigEdit(EditOp.DELETE, slice_path("s2")),  # not configured: nothing to delete
            ConfigEdit(EditOp.DELETE, root),
        ],
        configured,
    )
    assert [(d.change, d.path.rsplit("/", 1)[-1]) for d in diff] == [
        ("unchanged", "slice[name=s1]"),
        ("change", "function[name=upf]"),
        ("add", "vlink[id=n3]"),
        ("delete", "slice[name=s1]"),
    ]
    assert [(c.leaf, c.before, c.after) for c in diff[1].leaves] == [("site", "edge-1", "edge-2")]
    assert [(c.leaf, c.before, c.after) for c in diff[2].leaves] == [("hop", None, ("a", "b"))]
