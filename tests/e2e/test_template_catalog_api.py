"""The template catalog over HTTP: upload, versions, validation, and slices that record
the exact template version they came from."""

from __future__ import annotations

import time
from typing import Any

import httpx

from nfvo.resources import example_template


def wait(client: httpx.Client, location: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        op: dict[str, Any] = client.get(location).json()
        if op["state"] in ("COMPLETED", "ROLLED_BACK", "FAILED", "FAILED_TEMP"):
            return op
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_examples_are_in_the_catalog(api: str) -> None:
    with httpx.Client(base_url=api) as client:
        listed = client.get("/api/v1/templates").json()
        assert [(t["name"], t["version"]) for t in listed] == [("embb", 1), ("mmtc", 1), ("urllc", 1)]
        reply = client.get("/api/v1/templates/urllc")
        assert reply.status_code == 200
        assert reply.headers["content-type"].startswith("application/yaml")
        assert reply.text == example_template("urllc").read_text()


def test_upload_versions_and_slices_record_their_version(api: str) -> None:
    original = example_template("urllc").read_text()
    relaxed = original.replace("default: 2.0", "default: 3.0", 1)
    assert relaxed != original
    with httpx.Client(base_url=api, timeout=30) as client:
        first = client.post("/api/v1/templates", json={"name": "factory", "content": original})
        assert first.status_code == 201 and first.json()["version"] == 1
        again = client.post("/api/v1/templates", json={"name": "factory", "content": original})
        assert again.json()["version"] == 1, "the same bytes are the same version"
        second = client.post("/api/v1/templates", json={"name": "factory", "content": relaxed})
        assert second.json()["version"] == 2
        assert second.headers["Location"] == "/api/v1/templates/factory/versions/2"
        versions = client.get("/api/v1/templates/factory/versions").json()
        assert [v["version"] for v in versions] == [1, 2]
        assert client.get("/api/v1/templates/factory/versions/1").text == original

        latest = client.post("/api/v1/slices", json={"template": "factory"})
        pinned = client.post("/api/v1/slices", json={"template": "factory", "template_version": 1})
        for reply in (latest, pinned):
            assert reply.status_code == 202, reply.text
            assert wait(client, reply.headers["Location"])["state"] == "COMPLETED"
        assert latest.json()["slice"]["template"] == "factory@2"
        assert pinned.json()["slice"]["template"] == "factory@1"

        missing = client.post("/api/v1/slices", json={"template": "factory", "template_version": 9})
        assert missing.status_code == 404 and "versions: 1, 2" in missing.json()["hint"]


def test_inline_templates_are_recorded_only_when_admitted(api: str) -> None:
    text = example_template("mmtc").read_text()
    with httpx.Client(base_url=api, timeout=30) as client:
        refused = client.post(
            "/api/v1/slices", json={"template_yaml": text, "inputs": {"cell_site": "cell-99"}}
        )
        assert refused.status_code == 422
        assert [t["name"] for t in client.get("/api/v1/templates").json()] == ["embb", "mmtc", "urllc"]
        accepted = client.post("/api/v1/slices", json={"template_yaml": text})
        assert accepted.status_code == 202
        # Same bytes as the shipped mMTC example: recorded as that version, not a new one.
        assert accepted.json()["slice"]["template"] == "mmtc@1"


def test_invalid_uploads_and_validation(api: str) -> None:
    bad = "tosca_definitions_version: tosca_simple_yaml_1_3\ntopology_template: {node_templates: {}}\n"
    with httpx.Client(base_url=api) as client:
        reply = client.post("/api/v1/templates", json={"name": "bad", "content": bad})
        assert reply.status_code == 422
        assert reply.headers["content-type"].startswith("application/problem+json")
        assert reply.json()["diagnostics"]
        assert client.get("/api/v1/templates/bad").status_code == 404

        check = client.post("/api/v1/templates/validate", json={"content": bad})
        assert check.status_code == 422 and check.json()["code"] == "invalid-template"
        good = client.post(
            "/api/v1/templates/validate", json={"content": example_template("embb").read_text()}
        )
        assert good.status_code == 200 and good.json() == {"valid": True, "diagnostics": []}
        wrong = client.post(
            "/api/v1/templates/validate",
            json={"content": example_template("embb").read_text(), "inputs": {"nope": 1}},
        )
        assert wrong.status_code == 422
