"""Multi-slice services: the campus example, and what goes wrong across slices."""

from __future__ import annotations

import shutil
from pathlib import Path

from nfvo.catalog.service import analyse_service, is_service
from nfvo.domain import Substrate
from nfvo.resources import models_dir

SERVICES = models_dir() / "templates" / "showcase"


def _copy(tmp_path: Path, campus: str | None = None, video: str | None = None) -> Path:
    folder = tmp_path / "templates" / "showcase"
    shutil.copytree(SERVICES, folder)
    (tmp_path / "profile").symlink_to(models_dir() / "profile")
    if campus is not None:
        (folder / "campus.yaml").write_text(campus, encoding="utf-8")
    if video is not None:
        (folder / "campus-video.yaml").write_text(video, encoding="utf-8")
    return folder / "campus.yaml"


def test_the_campus_service_loads_three_slices_sharing_an_nrf(lab_substrate: Substrate) -> None:
    service = analyse_service(SERVICES / "campus.yaml", substrate=lab_substrate)
    assert service.diagnostics == ()
    assert service.name == "campus"
    assert [t.request.template for t in service.slices] == ["campus-video", "campus-v2x", "campus-robots"]
    video, v2x, robots = service.slices
    assert video.request.function("gnb").pinned_site == "cell-2"
    assert v2x.request.sla.max_ues == 500 and robots.request.sla.max_ues == 50
    instances = {s.instance for t in service.slices for s in t.profile.sharing}
    assert instances == {"nrf-common"}


def test_a_service_file_is_told_from_a_template() -> None:
    assert is_service((SERVICES / "campus.yaml").read_text(encoding="utf-8"))
    assert not is_service((SERVICES / "campus-video.yaml").read_text(encoding="utf-8"))


def test_sharing_must_be_accepted_by_both_slices(tmp_path: Path) -> None:
    video = (SERVICES / "campus-video.yaml").read_text(encoding="utf-8")
    path = _copy(tmp_path, video=video.replace("shared_with: [campus-v2x]", "shared_with: [someone-else]"))
    codes = {d.code: d for d in analyse_service(path).diagnostics}
    assert "campus-v2x" in codes["sharing-refused"].message and codes["sharing-refused"].line is not None


def test_a_shared_instance_has_one_kind(tmp_path: Path) -> None:
    video = (SERVICES / "campus-video.yaml").read_text(encoding="utf-8")
    broken = video.replace("      type: nfvo.nodes.core.NRF", "      type: nfvo.nodes.core.PCF")
    codes = {d.code for d in analyse_service(_copy(tmp_path, video=broken)).diagnostics}
    assert "sharing-conflict" in codes


def test_slice_problems_names_and_missing_templates_are_all_reported(tmp_path: Path) -> None:
    campus = (SERVICES / "campus.yaml").read_text(encoding="utf-8")
    campus = (
        campus.replace("name: campus-robots", "name: campus-video")
        .replace("template: urllc", "template: nowhere")
        .replace("max_ues: 500}", "max_ues: -3}")
    )
    diags = analyse_service(_copy(tmp_path, campus=campus)).diagnostics
    codes = {d.code for d in diags}
    assert {"duplicate-name", "template-not-found", "constraint-violated"} <= codes
    assert all(d.file for d in diags)
