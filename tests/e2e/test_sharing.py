"""A function instance shared by several slices (nfvo.policies.Sharing), through the
orchestrator over the emulated lab and a real store: created by its first slice, joined
by later ones on the same site without holding its capacity twice, refused to a slice its
users do not accept, kept while any user remains and gone with the last."""

from __future__ import annotations

import time

import httpx
import pytest

from nfvo.domain import NfvoError, OperationState, Resources, SharingRefused, SliceInstance, SliceState
from nfvo.lifecycle import Orchestrator
from nfvo.resources import models_dir
from nfvo.store import sharing

SHOWCASE = models_dir() / "templates" / "showcase"


def deploy(orchestrator: Orchestrator, template: str, name: str, **inputs: object) -> SliceInstance:
    instance, operation = orchestrator.instantiate(SHOWCASE / f"{template}.yaml", inputs, name=name)
    assert orchestrator.wait(operation.id, timeout_s=60).state is OperationState.COMPLETED
    return orchestrator.store.get_slice(instance.id)


def gone(orchestrator: Orchestrator, instance: SliceInstance) -> None:
    operation = orchestrator.terminate(instance.id)
    assert orchestrator.wait(operation.id, timeout_s=60).state is OperationState.COMPLETED


def shared_now(orchestrator: Orchestrator) -> dict[str, tuple[str, list[str]]]:
    with orchestrator.store.transaction() as session:
        return {
            name: (inst.site, sorted(u.name for u in inst.users))
            for name, inst in sharing.instances(session).items()
        }


def test_a_shared_nrf_is_created_once_joined_kept_and_freed(orchestrator: Orchestrator) -> None:
    store = orchestrator.store
    v2x = deploy(orchestrator, "v2x", "campus-v2x", cell_site="cell-1", max_ues=500)
    assert v2x.placement is not None
    site = v2x.placement.assignments["nrf"]
    nrf_demand = next(f for f in v2x.request.functions if f.name == "nrf")
    # The slice keeps the NRF pinned and asking nothing: the instance holds its demand.
    assert (nrf_demand.shared_instance, nrf_demand.pinned_site, nrf_demand.demand) == (
        "nrf-common",
        site,
        Resources(),
    )
    assert shared_now(orchestrator) == {"nrf-common": (site, ["campus-v2x"])}
    held = instance_demand(orchestrator)
    assert held.cpu > 0, "the instance holds what the creator's template asked for its NRF"
    with_one = store.usage().sites[site]
    assert with_one == v2x.placement.usage(v2x.request).sites.get(site, Resources()) + held

    video = deploy(orchestrator, "campus-video", "campus-video", cell_site="cell-2")
    assert video.placement is not None
    assert video.placement.assignments["nrf"] == site, "a joining slice uses the running instance"
    assert shared_now(orchestrator) == {"nrf-common": (site, ["campus-v2x", "campus-video"])}
    video_own = video.placement.usage(video.request).sites.get(site, Resources())
    assert store.usage().sites[site] == with_one + video_own, "the NRF is held once, not twice"

    # A modification keeps the slice on the instance, still held once.
    operation = orchestrator.modify(video.id, {"cell_site": "cell-1"})
    assert orchestrator.wait(operation.id, timeout_s=60).state is OperationState.COMPLETED
    video = store.get_slice(video.id)
    assert video.placement is not None and video.placement.assignments["nrf"] == site
    assert video.placement.assignments["gnb"] == "cell-1"
    video_own = video.placement.usage(video.request).sites.get(site, Resources())
    assert store.usage().sites[site] == with_one + video_own

    # campus-video's policy shares the NRF only with campus-v2x: another slice of that
    # template is refused, and nothing of it is stored.
    before = ([s.id for s in store.list_slices()], store.usage(), shared_now(orchestrator))
    with pytest.raises(SharingRefused) as refused:
        orchestrator.instantiate(SHOWCASE / "campus-video.yaml", {"cell_site": "cell-2"}, name="intruder")
    assert "only with campus-v2x" in refused.value.detail and refused.value.code == "sharing-refused"
    assert ([s.id for s in store.list_slices()], store.usage(), shared_now(orchestrator)) == before

    # The creator leaves: the instance stays for the other user, with its capacity.
    gone(orchestrator, v2x)
    assert shared_now(orchestrator) == {"nrf-common": (site, ["campus-video"])}
    assert store.usage().sites[site] == video_own + held

    # The last user leaves: the instance and everything it held are gone.
    gone(orchestrator, video)
    assert shared_now(orchestrator) == {}
    assert store.usage().sites.get(site, Resources()) == Resources()


def instance_demand(orchestrator: Orchestrator) -> Resources:
    with orchestrator.store.transaction() as session:
        return sharing.instances(session)["nrf-common"].demand


def test_the_api_shows_shared_instances_and_refuses_with_a_problem(api: str) -> None:
    with httpx.Client(base_url=api, timeout=30) as client:
        for template in ("v2x", "campus-video"):
            content = (SHOWCASE / f"{template}.yaml").read_text(encoding="utf-8")
            body = {"name": template, "content": content}
            assert client.post("/api/v1/templates", json=body).status_code == 201
        for template, name, inputs in (
            ("v2x", "campus-v2x", {"cell_site": "cell-1"}),
            ("campus-video", "campus-video", {"cell_site": "cell-2"}),
        ):
            reply = client.post("/api/v1/slices", json={"template": template, "name": name, "inputs": inputs})
            assert reply.status_code == 202, reply.text
            operation = client.get(reply.headers["Location"]).json()
            deadline = time.monotonic() + 60
            while operation["state"] not in ("COMPLETED", "FAILED", "ROLLED_BACK"):
                assert time.monotonic() < deadline, operation
                time.sleep(0.05)
                operation = client.get(reply.headers["Location"]).json()
            assert operation["state"] == "COMPLETED", operation

        shared = client.get("/api/v1/substrate").json()["shared_functions"]
        assert [(s["name"], s["kind"], len(s["slices"])) for s in shared] == [("nrf-common", "NRF", 2)]

        reply = client.post("/api/v1/slices", json={"template": "campus-video", "name": "intruder"})
        assert reply.status_code == 409 and reply.headers["content-type"] == "application/problem+json"
        problem = reply.json()
        assert problem["code"] == "sharing-refused" and "shared_with" in problem["hint"]
        assert [s["name"] for s in client.get("/api/v1/slices").json()] == ["campus-v2x", "campus-video"]


def test_healing_the_site_of_a_shared_instance_reports_its_slices(orchestrator: Orchestrator) -> None:
    v2x = deploy(orchestrator, "v2x", "campus-v2x", cell_site="cell-1")
    assert v2x.placement is not None
    site = v2x.placement.assignments["nrf"]
    results = orchestrator.heal(sites=[site])
    assert set(results) == {v2x.id}
    assert isinstance(results[v2x.id], NfvoError), results
    assert site in str(results[v2x.id])
    assert orchestrator.store.get_slice(v2x.id).state is SliceState.ACTIVE
