"""The substrate file: the lab loads; a broken one reports every problem at once, with lines."""

from __future__ import annotations

import heapq
from pathlib import Path

import pytest

from nfvo.catalog import load_substrate, load_template, parse_substrate
from nfvo.domain import Diagnostic, Domain, Protocol, SiteRole, Substrate, SubstrateError
from nfvo.resources import example_substrate, example_template


def _latency_from(substrate: Substrate, source: str) -> dict[str, float]:
    """Best-case one-way latency from `source` to every site (Dijkstra)."""
    best = {source: 0.0}
    queue = [(0.0, source)]
    while queue:
        dist, site = heapq.heappop(queue)
        if dist > best[site]:
            continue
        for link in substrate.links:
            if site in (link.a, link.b):
                other = link.b if site == link.a else link.a
                if dist + link.latency_ms < best.get(other, float("inf")):
                    best[other] = dist + link.latency_ms
                    heapq.heappush(queue, (best[other], other))
    return best


def test_the_lab_substrate_loads() -> None:
    lab = load_substrate(example_substrate("lab"))
    assert lab.name == "metro-lab"
    roles = [s.role for s in lab.sites]
    assert roles.count(SiteRole.CELL) == 4 and roles.count(SiteRole.EDGE) == 2
    assert roles.count(SiteRole.REGIONAL) == 1 and roles.count(SiteRole.CORE) == 1
    assert lab.site("core-1").capacity.cpu == 512.0
    assert lab.link("edge-1", "cell-1").capacity_mbps == 10_000.0  # capacity_gbps x 1000
    assert lab.link("regional-1", "core-1").latency_ms == 5.0
    transport = lab.controller_for(Domain.TRANSPORT)
    assert (transport.protocol, transport.address) == (Protocol.NETCONF, "127.0.0.1:8830")
    assert (transport.username, transport.password) == ("nfvo", "nfvo-lab")
    ran = lab.controller_for(Domain.RAN)
    assert (ran.protocol, ran.port, ran.commit_latency_ms, ran.max_concurrent) == (
        Protocol.GNMI,
        57400,
        80.0,
        2,
    )
    assert lab.controller_for(Domain.CORE).port == 57401


def test_the_lab_latencies_make_urllc_need_an_edge_upf() -> None:
    lab = load_substrate(example_substrate("lab"))
    latency = _latency_from(lab, "cell-1")
    best_by_role = {
        role: min(latency[s.name] for s in lab.sites_with_role(role))
        for role in (SiteRole.EDGE, SiteRole.REGIONAL, SiteRole.CORE)
    }
    assert best_by_role == {SiteRole.EDGE: 0.5, SiteRole.REGIONAL: 3.0, SiteRole.CORE: 8.0}
    feasible: dict[str, set[SiteRole]] = {}
    for name in ("embb", "urllc", "mmtc"):
        request = load_template(example_template(name))
        gnb, upf = request.function("gnb"), request.function("upf")
        budget = request.sla.latency_budgets[0]
        assert (budget.source, budget.target) == ("gnb", "upf")
        feasible[name] = {
            site.role
            for site in lab.sites
            if site.role in upf.allowed_roles
            and latency[site.name] + gnb.processing_latency_ms + upf.processing_latency_ms <= budget.max_ms
        }
    assert feasible["urllc"] == {SiteRole.EDGE}
    assert {SiteRole.REGIONAL, SiteRole.CORE} <= feasible["embb"]
    assert {SiteRole.REGIONAL, SiteRole.CORE} <= feasible["mmtc"]
    impossible = load_template(Path(__file__).parents[1] / "data" / "templates" / "urllc-impossible.yaml")
    assert impossible.sla.latency_budgets[0].max_ms < min(link.latency_ms for link in lab.links)


BROKEN = """\
substrate:
  name: broken
  sites:
    - {name: cell-1, role: cell, cpu: 8, memory_gb: 16}
    - {name: edge-1, role: edge, memory_gb: 64}
    - {name: core-1, role: centre, cpu: 64, memory_gb: 128}
  links:
    - {a: cell-1, b: edge-1, latency_ms: -0.5, capacity_gbps: 10}
    - {a: edge-1, b: core-9, latency_ms: 5.0, capacity_gbps: 100}
  controllers:
    - {name: ran-a, domain: ran, protocol: gnmi, host: 127.0.0.1, port: 57400}
    - {name: ran-b, domain: ran, protocol: gnmi, host: 127.0.0.1, port: 57402}
    - {name: tr, domain: transport, protocol: netconf, host: 127.0.0.1, port: 8830}
"""


def test_a_broken_substrate_reports_all_problems_at_once() -> None:
    with pytest.raises(SubstrateError) as caught:
        parse_substrate(BROKEN, source="broken.yaml")
    found = {(d.code, d.path, d.line) for d in caught.value.diagnostics}
    assert found == {
        ("missing-field", "substrate.sites[1]", 5),  # edge-1 has no cpu
        ("invalid-value", "substrate.sites[2].role", 6),
        ("out-of-range", "substrate.links[0].latency_ms", 8),
        ("unknown-site", "substrate.links[1].b", 9),
        ("duplicate-controller", "substrate.controllers[1].domain", 12),
        ("missing-controller", "substrate.controllers", 10),  # nothing for the core domain
    }
    assert all(d.file == "broken.yaml" and d.column is not None for d in caught.value.diagnostics)
    assert "did you mean 'core-1'?" in {d.hint for d in caught.value.diagnostics}


def test_disconnected_sites_are_reported() -> None:
    text = BROKEN.replace("latency_ms: -0.5", "latency_ms: 0.5").replace("core-9", "core-1")
    text = text.replace(
        "{name: edge-1, role: edge, memory_gb: 64}", "{name: edge-1, role: edge, cpu: 8, memory_gb: 64}"
    )
    text = text.replace("role: centre", "role: core").replace(
        "domain: ran, protocol: gnmi, host: 127.0.0.1, port: 57402",
        "domain: core, protocol: gnmi, host: 127.0.0.1, port: 57402",
    )
    text = text.replace("  links:\n", "    - {name: island, role: edge, cpu: 1, memory_gb: 1}\n  links:\n")
    with pytest.raises(SubstrateError) as caught:
        parse_substrate(text)
    (diag,) = caught.value.diagnostics
    assert diag.code == "disconnected" and "island" in diag.message


def test_unknown_fields_and_yaml_errors() -> None:
    text = BROKEN.replace("latency_ms: 5.0", "latency: 5.0")
    codes = {d.code: d for d in _problems(text)}
    assert codes["unknown-field"].hint == "did you mean 'latency_ms'?"
    (syntax,) = _problems("substrate:\n  name: x\n  sites: [\n")
    assert syntax.code == "yaml-syntax" and syntax.line == 4


def _problems(text: str) -> list[Diagnostic]:
    with pytest.raises(SubstrateError) as caught:
        parse_substrate(text)
    return list(caught.value.diagnostics)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SubstrateError) as caught:
        load_substrate(tmp_path / "none.yaml")
    assert caught.value.diagnostics[0].code == "unreadable-file"


def _with_security(tmp_path: Path, transport: str, ran: str) -> str:
    text = example_substrate("lab").read_text(encoding="utf-8")
    text = text.replace("    - name: transport-ctl\n", f"    - name: transport-ctl\n{transport}", 1)
    return text.replace("    - name: ran-ctl\n", f"    - name: ran-ctl\n{ran}", 1)


def test_controllers_carry_their_transport_security(tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    known.write_text("")
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    text = _with_security(
        tmp_path,
        f"      hostkey_verify: true\n      known_hosts: {known}\n",
        f"      tls: true\n      tls_ca: {ca}\n      tls_server_name: ran.example\n",
    )
    lab = parse_substrate(text)
    transport, ran = lab.controller_for(Domain.TRANSPORT), lab.controller_for(Domain.RAN)
    assert (transport.hostkey_verify, transport.known_hosts) == (True, str(known))
    assert (ran.tls, ran.tls_ca, ran.tls_server_name) == (True, str(ca), "ran.example")
    core = lab.controller_for(Domain.CORE)
    assert (core.hostkey_verify, core.tls) == (None, False)  # defaults: the factory decides


def test_bad_transport_security_is_reported_with_lines(tmp_path: Path) -> None:
    text = _with_security(
        tmp_path,
        f"      hostkey_verify: sometimes\n      known_hosts: {tmp_path / 'nowhere'}\n      tls: true\n",
        "      known_hosts: /etc/hosts\n",
    )
    with pytest.raises(SubstrateError) as caught:
        parse_substrate(text)
    codes = sorted(d.code for d in caught.value.diagnostics)
    assert codes == ["missing-file", "not-applicable", "not-applicable", "wrong-type"], caught.value
    assert all(d.line > 0 for d in caught.value.diagnostics)


def test_a_controller_password_can_come_from_the_environment_or_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lab = example_substrate("lab").read_text(encoding="utf-8")
    monkeypatch.setenv("NFVO_TEST_TRANSPORT_PASSWORD", "from-env")
    from_env = lab.replace("password: nfvo-lab", "password_env: NFVO_TEST_TRANSPORT_PASSWORD")
    assert parse_substrate(from_env).controller_for(Domain.TRANSPORT).password == "from-env"

    secret = tmp_path / "secret"
    secret.write_text("from-file\n")
    from_file = lab.replace("password: nfvo-lab", f"password_file: {secret}")
    controller = parse_substrate(from_file).controller_for(Domain.TRANSPORT)
    assert controller.password == "from-file"
    assert "from-file" not in repr(controller), "the password is never in a repr (nor in logs)"


def test_a_missing_or_doubled_password_source_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lab = example_substrate("lab").read_text(encoding="utf-8")
    monkeypatch.delenv("NFVO_TEST_UNSET", raising=False)
    unset = _problems(lab.replace("password: nfvo-lab", "password_env: NFVO_TEST_UNSET"))
    assert [(d.code, d.line > 0) for d in unset] == [("missing-secret", True)]
    assert "NFVO_TEST_UNSET" in unset[0].message and "export NFVO_TEST_UNSET" in unset[0].hint

    unreadable = _problems(lab.replace("password: nfvo-lab", f"password_file: {tmp_path / 'none'}"))
    assert [d.code for d in unreadable] == ["missing-secret"]

    both = _problems(lab.replace("password: nfvo-lab", "password: x\n      password_env: HOME"))
    assert [d.code for d in both] == ["conflicting-fields"]
