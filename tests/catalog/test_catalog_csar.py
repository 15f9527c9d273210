"""CSAR archives: loaded like YAML, extracted safely, and never left behind."""

from __future__ import annotations

import stat
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from nfvo.catalog import analyse, load_template, validate_template
from nfvo.catalog.cache import LRUCache
from nfvo.resources import models_dir

REAL = Path(__file__).parents[1] / "data" / "real"
V2X = models_dir() / "templates" / "showcase" / "v2x.yaml"
META = "TOSCA-Meta-File-Version: 1.0\nCSAR-Version: 1.1\nCreated-By: nfvo tests\nEntry-Definitions: {}\n"


@pytest.fixture(autouse=True)
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    monkeypatch.setattr("nfvo.catalog.loader.CACHE", LRUCache(maxsize=8))
    yield private
    assert list(private.iterdir()) == [], "an extraction folder was left behind"


def _csar(path: Path, files: dict[str, str | bytes], entry: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zipped:
        if entry is not None:
            zipped.writestr("TOSCA-Metadata/TOSCA.meta", META.format(entry))
        for name, data in files.items():
            zipped.writestr(name, data)
    return path


def _v2x_csar(path: Path) -> Path:
    text = V2X.read_text(encoding="utf-8").replace("../../profile/", "../Profile/")
    profile = (models_dir() / "profile" / "nfvo-slice-types.yaml").read_text(encoding="utf-8")
    return _csar(
        path,
        {"Definitions/v2x.yaml": text, "Profile/nfvo-slice-types.yaml": profile},
        entry="Definitions/v2x.yaml",
    )


def test_a_slice_csar_loads_like_its_yaml(tmp_path: Path) -> None:
    archive = _v2x_csar(tmp_path / "v2x.csar")
    assert load_template(archive) == load_template(V2X)


def test_a_real_nfv_template_in_a_zip_loads(tmp_path: Path) -> None:
    text = (REAL / "tosca-parser" / "tosca_helloworld_nfv.yaml").read_text(encoding="utf-8")
    archive = _csar(tmp_path / "hello.zip", {"Definitions/hello.yaml": text}, entry="Definitions/hello.yaml")
    assert [nf.name for nf in load_template(archive).functions] == ["VDU1"]
    # Without TOSCA.meta: the single YAML file at the root is the entry.
    bare = _csar(tmp_path / "bare.csar", {"hello.yaml": text})
    assert [nf.name for nf in load_template(bare).functions] == ["VDU1"]


def test_diagnostics_name_the_file_inside_the_archive(tmp_path: Path) -> None:
    files = {f"Definitions/{n}": (REAL / "tosca-parser" / n).read_text(encoding="utf-8") for n in (
        "test_tosca_nfv_multiple_policies.yaml", "tacker_defs.yaml", "tacker_nfv_defs.yaml"
    )}  # fmt: skip
    archive = _csar(
        tmp_path / "tacker.csar", files, entry="Definitions/test_tosca_nfv_multiple_policies.yaml"
    )
    dup = next(d for d in validate_template(archive) if d.code == "duplicate-key")
    assert dup.file == f"{archive}!Definitions/tacker_nfv_defs.yaml" and dup.line == 261


@pytest.mark.parametrize(
    ("member", "code"),
    [
        ("../evil.yaml", "csar-unsafe-path"),
        ("/etc/evil.yaml", "csar-unsafe-path"),
        ("a/../../x", "csar-unsafe-path"),
    ],
)
def test_members_escaping_the_archive_are_refused(tmp_path: Path, member: str, code: str) -> None:
    archive = tmp_path / "slip.csar"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("main.yaml", "tosca_definitions_version: tosca_simple_yaml_1_3\n")
        zipped.writestr(zipfile.ZipInfo(member), "boom")
    (diag,) = validate_template(archive)
    assert diag.code == code and member in diag.message
    assert not (tmp_path / "evil.yaml").exists()


def test_a_symlink_member_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "link.csar"
    with zipfile.ZipFile(archive, "w") as zipped:
        info = zipfile.ZipInfo("main.yaml")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zipped.writestr(info, "/etc/passwd")
    (diag,) = validate_template(archive)
    assert diag.code == "csar-unsafe-member"


def test_size_limits_hold_even_against_lying_headers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("nfvo.catalog.csar.MAX_TOTAL_BYTES", 1000)
    archive = _csar(tmp_path / "bomb.csar", {"main.yaml": "#" * 5000})
    (diag,) = validate_template(archive)
    assert diag.code == "csar-too-large"


@pytest.mark.parametrize(
    ("files", "entry", "code"),
    [
        ({"a.yaml": "x: 1\n", "b.yaml": "x: 2\n"}, None, "csar-no-entry"),
        ({"Definitions/a.yaml": "x: 1\n"}, "Definitions/missing.yaml", "csar-no-entry"),
        ({"Definitions/a.yaml": "x: 1\n"}, "../../etc/passwd", "csar-no-entry"),
    ],
)
def test_an_archive_without_a_usable_entry_is_refused(
    tmp_path: Path, files: dict[str, str | bytes], entry: str | None, code: str
) -> None:
    (diag,) = validate_template(_csar(tmp_path / "x.csar", files, entry=entry))
    assert diag.code == code


def test_not_a_zip_is_unreadable(tmp_path: Path) -> None:
    fake = tmp_path / "fake.csar"
    fake.write_text("tosca_definitions_version: tosca_simple_yaml_1_3\n")
    (diag,) = validate_template(fake)
    assert diag.code == "csar-unreadable"


def test_url_imports_inside_an_archive_are_refused(tmp_path: Path) -> None:
    text = V2X.read_text(encoding="utf-8").replace(
        "../../profile/nfvo-slice-types.yaml", "https://example.org/nfvo-slice-types.yaml"
    )
    archive = _csar(tmp_path / "url.csar", {"Definitions/v2x.yaml": text}, entry="Definitions/v2x.yaml")
    codes = {d.code for d in validate_template(archive)}
    assert "import-url-refused" in codes


def test_imports_may_not_leave_the_archive(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text((models_dir() / "profile" / "nfvo-slice-types.yaml").read_text(encoding="utf-8"))
    text = V2X.read_text(encoding="utf-8").replace("../../profile/nfvo-slice-types.yaml", str(outside))
    archive = _csar(tmp_path / "out.csar", {"Definitions/v2x.yaml": text}, entry="Definitions/v2x.yaml")
    assert "import-outside-models" in {d.code for d in validate_template(archive)}


def test_the_folder_is_removed_even_when_the_analysis_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("bug in the middle of an analysis")

    monkeypatch.setattr("nfvo.catalog.loader._analyse_text", explode)
    with pytest.raises(RuntimeError):
        analyse(_v2x_csar(tmp_path / "v2x.csar"))
    # the autouse fixture checks that nothing is left in the temp dir


# ONAP SDC distributes a service as a CSAR whose Definitions/ folder holds the service
# template and the type files it imports (nodes.yml, data.yml, ...). ONAP's own type files
# are not ours to copy, so these are written here, as small as the template allows: enough
# for tosca-parser to resolve every import and type, so that what is checked is what the
# catalog makes of an SDC service (a network, no slice), not a missing file.
SDC_TYPES = {
    "nodes.yml": """tosca_definitions_version: tosca_simple_yaml_1_1
node_types:
  org.openecomp.resource.vl.GenericNeutronNet:
    derived_from: tosca.nodes.Root
    properties:
      network_assignments: {type: map, required: false}
      exVL_naming: {type: map, required: false}
      network_flows: {type: map, required: false}
      network_ecomp_naming: {type: map, required: false}
      network_type: {type: string, required: false}
      network_technology: {type: string, required: false}
      network_homing: {type: map, required: false}
    capabilities:
      feature: {type: tosca.capabilities.Node}
      virtual_linkable: {type: tosca.capabilities.Node}
  org.openecomp.service.BasicNetwork:
    derived_from: tosca.nodes.Root
    properties:
      skip_post_instantiation_configuration: {type: boolean, required: false}
      controller_actor: {type: string, required: false}
      cds_model_version: {type: string, required: false}
      cds_model_name: {type: string, required: false}
      default_software_version: {type: string, required: false}
    capabilities:
      genericneutronnet0.feature: {type: tosca.capabilities.Node}
      genericneutronnet0.virtual_linkable: {type: tosca.capabilities.Node}
""",
}
SDC_EMPTY = (
    "data.yml",
    "capabilities.yml",
    "relationships.yml",
    "groups.yml",
    "policies.yml",
    "annotations.yml",
    "service-BasicNetwork-template-interface.yml",
    "resource-GenericNeutronnet-template.yml",
    "resource-Extvl-template.yml",
)


@pytest.mark.timeout(60)
def test_an_sdc_service_csar_is_refused_as_no_slice_with_diagnostics(tmp_path: Path) -> None:
    service = (REAL / "onap" / "service-BasicNetwork-template.yml").read_text(encoding="utf-8")
    files: dict[str, str | bytes] = {"Definitions/service-BasicNetwork-template.yml": service}
    files |= {f"Definitions/{name}": text for name, text in SDC_TYPES.items()}
    files |= {
        f"Definitions/{name}": "tosca_definitions_version: tosca_simple_yaml_1_1\n" for name in SDC_EMPTY
    }
    archive = _csar(
        tmp_path / "service-BasicNetwork-csar.csar", files, "Definitions/service-BasicNetwork-template.yml"
    )

    analysis = analyse(archive)
    assert analysis.loaded is None
    # SDC writes tosca_simple_yaml_1_1, which tosca-parser alone refuses (nfvo/catalog/parse.py
    # takes it like 1.0): every import resolves inside the archive, and what is left is that
    # the service describes no slice, each problem with its line and a hint.
    found = sorted((d.code, d.line) for d in analysis.diagnostics)
    assert found == [("missing-sla", 38), ("unsupported-node-type", 59)], [
        d.render() for d in analysis.diagnostics
    ]
    assert all(d.hint for d in analysis.diagnostics)
