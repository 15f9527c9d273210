"""The content-hash cache: the same bytes and inputs are not parsed twice."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from nfvo.catalog import analyse, load, load_template
from nfvo.catalog import loader as catalog_loader
from nfvo.catalog.cache import LRUCache
from nfvo.resources import example_template, models_dir


@pytest.fixture
def cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[LRUCache[catalog_loader.TemplateAnalysis]]:
    fresh: LRUCache[catalog_loader.TemplateAnalysis] = LRUCache(maxsize=4)
    monkeypatch.setattr(catalog_loader, "CACHE", fresh)
    yield fresh


def _count_parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = catalog_loader._analyse_text

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(catalog_loader, "_analyse_text", counting)
    return calls


def test_same_bytes_same_inputs_parse_once(cache: LRUCache[object], monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_parses(monkeypatch)
    first = analyse(example_template("urllc"), {"max_ues": 7})
    assert analyse(example_template("urllc"), {"max_ues": 7}) is first
    assert len(calls) == 1 and cache.hits == 1
    analyse(example_template("urllc"), {"max_ues": 8})  # other inputs: another entry
    text = example_template("urllc").read_text(encoding="utf-8")
    analyse(text, {"max_ues": 7})  # text and file differ (imports resolve differently)
    analyse(text, {"max_ues": 7})
    assert len(calls) == 3


def test_each_caller_gets_its_own_inputs_mapping(cache: LRUCache[object]) -> None:
    a = load_template(example_template("embb"))
    b = load_template(example_template("embb"))
    assert a == b and a.inputs is not b.inputs


def test_a_changed_import_invalidates_the_entry(
    cache: LRUCache[object], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    profile = tmp_path / "profile.yaml"
    profile.write_text((models_dir() / "profile" / "nfvo-slice-types.yaml").read_text(encoding="utf-8"))
    template = tmp_path / "urllc.yaml"
    template.write_text(
        example_template("urllc")
        .read_text(encoding="utf-8")
        .replace("../profile/nfvo-slice-types.yaml", "profile.yaml")
    )
    calls = _count_parses(monkeypatch)
    load(template)
    load(template)
    assert len(calls) == 1
    stat = profile.stat()
    os.utime(profile, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    load(template)
    assert len(calls) == 2


def test_the_cache_is_bounded(cache: LRUCache[object]) -> None:
    for users in range(10):
        analyse(example_template("mmtc"), {"max_ues": users})
    assert len(cache) == 4


def test_a_changed_file_is_parsed_again(cache: LRUCache[object], tmp_path: Path) -> None:
    profile = models_dir() / "profile" / "nfvo-slice-types.yaml"
    template = tmp_path / "t.yaml"
    text = (
        example_template("mmtc")
        .read_text(encoding="utf-8")
        .replace("../profile/nfvo-slice-types.yaml", str(profile))
    )
    template.write_text(text)
    assert load_template(template).sla.max_ues == 100_000
    template.write_text(text.replace("default: 100000", "default: 99"))
    assert load_template(template).sla.max_ues == 99
