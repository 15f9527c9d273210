"""Real templates from public projects: each loads into a sensible slice graph or is
refused with diagnostics; never a stack trace, a hang, or a leaked temporary folder.

The files under tests/data/real are copies (Apache-2.0, see NOTICE.md there); the type
definition files tosca-parser installs are read from site-packages where they are.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import toscaparser

from nfvo.catalog import analyse
from nfvo.catalog.cache import LRUCache
from nfvo.domain import Domain, SliceType

REAL = Path(__file__).parents[1] / "data" / "real"
SITE = Path(toscaparser.__file__).parent
INSTALLED = sorted(SITE.rglob("*.yaml"))  # TOSCA's and the NFV and MEC profiles' definitions

# What each file must give: "loads", or the diagnostic code that refuses it.
EXPECTED = {
    "tosca-parser/tosca_helloworld_nfv.yaml": "loads",
    "tosca-parser/tosca_helloworld.yaml": "unsupported-node-type",  # a plain server, no slice
    "tosca-parser/test_tosca_nfv_multiple_policies.yaml": "duplicate-key",  # in tacker_nfv_defs.yaml
    "tosca-parser/tacker_defs.yaml": "missing-field",  # type definitions, not a template
    "tosca-parser/tacker_nfv_defs.yaml": "missing-field",
    "tacker/tosca-vnfd-hello-world.yaml": "unknown-type",  # Tacker's own types, not imported
    "tacker/tosca-vnfd-multi-vdu.yaml": "unknown-type",
    "tacker/tosca-placement-policy-anti-affinity.yaml": "unknown-type",
    # ONAP SDC service templates: the type files SDC writes next to them are not here.
    "onap/service-BasicNetwork-template.yml": "import-not-found",
    "onap/service-BasicCnf-template.yml": "import-not-found",
    # An ONAP VNFD in ETSI SOL001 types (Vdu.Compute, VduCp, VnfVirtualLink).
    "onap/vcpe_infra.yaml": "sol001-type",
}


@pytest.fixture(autouse=True)
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private temp dir checked to be as empty after the test as before; a fresh cache so
    that every template is really parsed."""
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    monkeypatch.setattr("nfvo.catalog.loader.CACHE", LRUCache(maxsize=8))
    yield private
    assert list(private.iterdir()) == []


def test_every_real_file_is_listed() -> None:
    files = [*REAL.rglob("*.yaml"), *REAL.rglob("*.yml")]
    assert sorted(str(p.relative_to(REAL)) for p in files) == sorted(EXPECTED)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_template_loads_or_is_refused_with_diagnostics(name: str) -> None:
    analysis = analyse(REAL / name)
    expected = EXPECTED[name]
    if expected == "loads":
        assert analysis.loaded is not None, [d.render() for d in analysis.diagnostics]
        assert analysis.diagnostics == ()
        return
    assert analysis.loaded is None
    codes = {d.code for d in analysis.diagnostics}
    assert expected in codes, [d.render() for d in analysis.diagnostics]
    for diag in analysis.diagnostics:
        text = diag.render()
        assert "Traceback" not in text and 'File "' not in text
        assert diag.file  # every diagnostic names its file


@pytest.mark.timeout(60)
@pytest.mark.parametrize("path", INSTALLED, ids=lambda p: p.name)
def test_definitions_installed_with_tosca_parser_are_refused_as_templates(path: Path) -> None:
    assert len(INSTALLED) >= 2
    analysis = analyse(path)
    assert analysis.loaded is None
    assert "missing-field" in {d.code for d in analysis.diagnostics}


def test_the_nfv_hello_world_becomes_a_one_function_slice() -> None:
    analysis = analyse(REAL / "tosca-parser" / "tosca_helloworld_nfv.yaml")
    assert analysis.loaded is not None
    request = analysis.loaded.request
    assert [(nf.name, nf.kind, nf.domain) for nf in request.functions] == [("VDU1", "VDU", Domain.CORE)]
    assert request.links == () and request.sla.slice_type is SliceType.EMBB
    assert request.template == "TOSCA NFV Sample Template"
    notes = " ".join(analysis.loaded.notes)
    assert "VNF1" in notes and "1 vCPU" in notes and "no SLA" in notes


def test_tacker_types_get_a_hint_naming_their_definitions() -> None:
    analysis = analyse(REAL / "tacker" / "tosca-vnfd-hello-world.yaml")
    unknown = [d for d in analysis.diagnostics if d.code == "unknown-type"]
    assert unknown and all("Tacker" in d.hint for d in unknown)
    assert unknown[0].line == 11 and unknown[0].path == "topology_template.node_templates.VDU1.type"


def test_the_upstream_defect_in_tacker_nfv_defs_is_pinpointed() -> None:
    # tacker_nfv_defs.yaml writes `type:` twice under FP.Tacker's `path` (entry_schema's
    # indentation): PyYAML keeps the last silently; the catalog says where.
    analysis = analyse(REAL / "tosca-parser" / "test_tosca_nfv_multiple_policies.yaml")
    dup = next(d for d in analysis.diagnostics if d.code == "duplicate-key")
    assert dup.file.endswith("tacker_nfv_defs.yaml") and dup.line == 261


@pytest.mark.parametrize("name", ["service-BasicNetwork-template.yml", "service-BasicCnf-template.yml"])
def test_onap_sdc_templates_name_each_missing_import_and_point_at_the_csar(name: str) -> None:
    analysis = analyse(REAL / "onap" / name)
    missing = [d for d in analysis.diagnostics if d.code == "import-not-found"]
    # SDC writes ten imports (nodes.yml, data.yml, ..., the resource templates): one each.
    assert len(missing) == 10
    assert [d.line for d in missing] == list(range(19, 39, 2))
    assert all(d.column == 11 and d.file.endswith(name) for d in missing)
    assert missing[0].path == "imports[0].nodes.file" and "'nodes.yml'" in missing[0].message
    assert all("ONAP SDC" in d.hint and "CSAR" in d.hint for d in missing)


def test_the_onap_sol001_vnfd_is_refused_for_its_types_not_for_lacking_vdus() -> None:
    analysis = analyse(REAL / "onap" / "vcpe_infra.yaml")
    codes = [d.code for d in analysis.diagnostics]
    assert "no-functions" not in codes
    first = next(d for d in analysis.diagnostics if d.code == "import-not-found")
    assert (first.line, first.column, first.path) == (9, 5, "imports[0]")
    sol = {d.path.split(".")[2]: d for d in analysis.diagnostics if d.code == "sol001-type"}
    assert {"VDU_vaaa_0", "VDU_vweb_0", "Cp_vaaa_public", "VL_cpe_signal"} <= set(sol)
    assert (sol["VL_cpe_signal"].line, sol["VL_cpe_signal"].column) == (219, 13)
    assert "tosca.nodes.nfv.Vdu.Compute" in sol["VDU_vaaa_0"].message
    # The file repeats `virtual_link:` under substitution_mappings (CRLF line ends): each copy
    # after the first is pinpointed, since YAML would keep only the last.
    dups = [d.line for d in analysis.diagnostics if d.code == "duplicate-key"]
    assert dups == list(range(53, 60))
