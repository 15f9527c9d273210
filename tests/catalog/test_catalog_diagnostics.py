"""Broken templates: every problem reported at once, each at its line, never a stack trace."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from nfvo.catalog import load_template, validate_template
from nfvo.domain import Diagnostic, TemplateError
from nfvo.resources import example_template

DATA = Path(__file__).parents[1] / "data" / "templates"


def _by_code(diags: list[Diagnostic]) -> dict[str, Diagnostic]:
    return {d.code: d for d in diags}


def _embb_text() -> str:
    return example_template("embb").read_text(encoding="utf-8")


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_malformed_template_reports_every_problem_with_lines_and_paths() -> None:
    with pytest.raises(TemplateError) as caught:
        load_template(DATA / "malformed.yaml")
    error = caught.value
    diags = _by_code(list(error.diagnostics))
    assert len(error.diagnostics) >= 3
    unknown = diags["unknown-field"]  # `cpus:` (a typo)
    assert unknown.path == "topology_template.node_templates.upf.properties.cpus"
    assert (unknown.line, unknown.column) == (20, 9)
    assert "cpu" in unknown.hint
    wrong = diags["wrong-type"]  # `memory_gb: plenty`
    assert wrong.path == "topology_template.node_templates.upf.properties.memory_gb"
    assert wrong.line == 21 and "float" in wrong.message and "plenty" in wrong.message
    missing = diags["missing-field"]  # the typo leaves upf without its cpu
    assert missing.path == "topology_template.node_templates.upf.properties" and missing.line == 19
    budget = diags["unknown-function"]  # target: smf, which the template lacks
    assert budget.path == "topology_template.policies[1].budget.properties.target" and budget.line == 46
    assert all(d.file.endswith("malformed.yaml") for d in error.diagnostics)
    text = str(error)
    assert "Traceback" not in text and 'File "' not in text
    assert "malformed.yaml:21:" in text


def test_validate_template_returns_the_same_diagnostics_without_raising() -> None:
    with pytest.raises(TemplateError) as caught:
        load_template(DATA / "malformed.yaml")
    assert validate_template(DATA / "malformed.yaml") == list(caught.value.diagnostics)


def test_yaml_syntax_error_has_line_and_column() -> None:
    text = "tosca_definitions_version: tosca_simple_yaml_1_3\ntopology_template:\n  node_templates: [a, b\n"
    with pytest.raises(TemplateError) as caught:
        load_template(text)
    (diag,) = caught.value.diagnostics
    assert diag.code == "yaml-syntax"
    assert diag.line == 4 and diag.column == 1
    assert diag.file == "<input>"


def test_duplicate_keys_are_reported() -> None:
    text = _embb_text().replace(
        "        memory_gb: 32.0\n", "        memory_gb: 32.0\n        memory_gb: 64.0\n"
    )
    diags = validate_template(text)
    assert [d.code for d in diags] == ["duplicate-key"]
    assert diags[0].line == _line_of(text, "memory_gb: 64.0")


def test_unknown_and_invalid_inputs_from_the_caller() -> None:
    diags = validate_template(example_template("embb"), {"throughput": 5.0, "max_ues": "lots"})
    codes = _by_code(diags)
    assert codes["unknown-input"].path == "inputs.throughput"
    assert "throughput_mbps" in codes["unknown-input"].hint
    assert codes["invalid-input"].path == "inputs.max_ues"
    assert codes["unknown-input"].line is None  # the caller's, not the file's


def test_an_input_that_breaks_a_constraint_is_reported_where_it_is_used() -> None:
    text = _embb_text()
    diags = validate_template(text, {"user_plane_budget_ms": 0})
    (diag,) = diags
    assert diag.code == "constraint-violated"
    assert diag.path == "topology_template.policies[1].user-plane-latency.properties.max_ms"
    assert diag.line == _line_of(text, "max_ms: { get_input: user_plane_budget_ms }")
    assert "user_plane_budget_ms" in diag.message


def test_http_import_is_refused_without_touching_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the catalog tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    text = _embb_text().replace(
        "../profile/nfvo-slice-types.yaml", "https://example.com/nfvo-slice-types.yaml"
    )
    with pytest.raises(TemplateError) as caught:
        load_template(text)
    (diag,) = caught.value.diagnostics  # no echo of the types it would have brought
    assert diag.code == "import-url-refused"
    assert diag.path == "imports[0]" and diag.line == _line_of(text, "https://")


@pytest.mark.parametrize(
    ("target", "code"),
    [
        ("/etc/hostname", "import-outside-models"),
        ("../../nfvo/domain/slice.py", "import-outside-models"),
        ("../profile/missing.yaml", "import-not-found"),
        ("file:///etc/hostname", "import-url-refused"),
    ],
)
def test_uploaded_text_may_only_import_shipped_models(target: str, code: str) -> None:
    text = _embb_text().replace("../profile/nfvo-slice-types.yaml", target)
    assert [d.code for d in validate_template(text)] == [code]


def test_repository_imports_are_refused() -> None:
    text = _embb_text().replace(
        "  - ../profile/nfvo-slice-types.yaml",
        "  - profile: {file: nfvo-slice-types.yaml, repository: upstream}\n"
        "repositories:\n  upstream: {url: 'https://example.com/profiles'}",
    )
    assert [d.code for d in validate_template(text)] == ["import-repository-refused"]


def test_a_missing_profile_import_is_explained() -> None:
    text = _embb_text().replace("imports:\n  - ../profile/nfvo-slice-types.yaml\n", "")
    diags = validate_template(text)
    assert {d.code for d in diags} == {"unknown-type"}
    assert all("not imported" in d.hint for d in diags)


def test_a_type_typo_is_reported_once_with_a_suggestion() -> None:
    text = _embb_text().replace("type: nfvo.nodes.ran.gNB", "type: nfvo.nodes.ran.GNB")
    (diag,) = validate_template(text)  # not also its properties, links and budgets
    assert diag.code == "unknown-type"
    assert diag.path == "topology_template.node_templates.gnb.type"
    assert diag.hint == "did you mean 'nfvo.nodes.ran.gNB'?"


def test_slice_level_checks() -> None:
    text = (
        _embb_text()
        .replace(
            "        - endpoint_a: amf\n        - endpoint_b: smf",
            "        - endpoint_a: amf\n        - endpoint_b: sfm",
        )
        .replace("          target: upf", "          target: gnb")
    )
    codes = _by_code(validate_template(text))
    assert codes["unknown-endpoint"].path == "topology_template.node_templates.n11.requirements[1].endpoint_b"
    assert codes["unknown-endpoint"].hint == "did you mean 'smf'?"
    assert codes["invalid-budget"].message.endswith("to itself")


def test_a_slice_needs_ran_and_core_and_one_sla() -> None:
    text = _embb_text()
    text = text.replace("type: nfvo.nodes.ran.gNB", "type: nfvo.nodes.core.AMF").replace(
        "        cell_site: { get_input: cell_site }\n", ""
    )
    text = text.replace(
        "    - user-plane-latency:",
        "    - sla2:\n        type: nfvo.policies.SLA\n"
        "        properties: {slice_type: eMBB}\n    - user-plane-latency:",
    )
    codes = {d.code for d in validate_template(text)}
    assert {"missing-ran", "duplicate-sla"} <= codes


def test_a_missing_required_input_is_reported() -> None:
    text = _embb_text().replace("      default: 5000\n", "")
    (diag,) = validate_template(text)
    assert diag.code == "missing-input" and diag.path == "topology_template.inputs.max_ues"
    assert load_template(text, {"max_ues": 7}).sla.max_ues == 7


def test_structural_errors_do_not_crash_the_parser() -> None:
    text = _embb_text().replace(
        "    gnb:\n      type: nfvo.nodes.ran.gNB\n      properties:\n        cpu: 3.0\n"
        "        memory_gb: 6.0\n        processing_latency_ms: 1.0\n"
        "        cell_site: { get_input: cell_site }\n",
        "    gnb: just-a-string\n",
    )
    (diag,) = validate_template(text)
    assert diag.code == "wrong-type" and diag.path == "topology_template.node_templates.gnb"


def test_unreadable_file_is_a_template_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError) as caught:
        load_template(tmp_path / "nope.yaml")
    assert caught.value.diagnostics[0].code == "unreadable-file"


def test_policies_of_other_normative_types_are_accepted() -> None:
    text = _embb_text().replace(
        "    - user-plane-latency:",
        "    - scale-upf:\n        type: tosca.policies.Scaling\n        targets: [upf]\n"
        "    - user-plane-latency:",
    )
    assert load_template(text).sla.latency_budgets[0].name == "user-plane-latency"


def test_a_misspelt_policy_type_does_not_stop_the_parser() -> None:
    # tosca-parser raises a bare AttributeError on an unknown policy type and would stop
    # there; the catalog reports it and still has the rest validated.
    text = (
        _embb_text()
        .replace("type: nfvo.policies.SLA", "type: nfvo.policies.Sla")
        .replace("        cpu: 4.0\n", "        cpus: 4.0\n        cpu: 4.0\n")
    )
    codes = sorted(d.code for d in validate_template(text))
    assert codes == ["unknown-field", "unknown-type"]


def test_yaml_alias_bombs_are_not_expanded() -> None:
    anchors = "x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 8)
    )
    text = _embb_text().replace(
        "metadata:",
        "dsl_definitions:\n" + "".join(f"  {line}\n" for line in anchors.splitlines()) + "metadata:",
    )
    text = text.replace("        cpu: 16.0\n", "        cpu: *a7\n")  # 10^8 strings if expanded
    (diag,) = validate_template(text)
    assert diag.code == "wrong-type" and diag.path.endswith("upf.properties.cpu")
    assert len(diag.message) < 300


def test_importing_the_catalog_does_not_import_tosca_parser() -> None:
    code = "import sys, nfvo.catalog; print('toscaparser' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
