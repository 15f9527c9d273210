"""Loads from many threads at once (tosca-parser's error collector is global), and no litter."""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from nfvo.catalog import load_template, validate_template
from nfvo.domain import SliceRequest, TemplateError
from nfvo.resources import example_template

DATA = Path(__file__).parents[1] / "data" / "templates"


def _job(i: int) -> tuple[int, SliceRequest | list[str]]:
    # Mix good and bad templates so that one thread's errors would show up in another's
    # result if parses were not serialised.
    if i % 3 == 2:
        return i, sorted(d.code for d in validate_template(DATA / "malformed.yaml"))
    name = "urllc" if i % 3 else "embb"
    return i, load_template(example_template(name), {"cell_site": f"cell-{i % 4 + 1}", "max_ues": i})


def test_eight_threads_get_their_own_results() -> None:
    expected_bad = sorted(d.code for d in validate_template(DATA / "malformed.yaml"))
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(_job, range(48)))
    for i, result in results:
        if i % 3 == 2:
            assert result == expected_bad
            continue
        assert isinstance(result, SliceRequest)
        assert result.template == ("urllc" if i % 3 else "embb")
        assert result.function("gnb").pinned_site == f"cell-{i % 4 + 1}"
        assert result.sla.max_ues == i


def test_no_temporary_files_are_left_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A private temp dir: other processes' files in /tmp cannot make this flaky.
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    assert tempfile.gettempdir() == str(private)
    before = set(private.iterdir())
    for name in ("embb", "urllc", "mmtc"):
        load_template(example_template(name))
        load_template(example_template(name).read_text(encoding="utf-8"))
    with pytest.raises(TemplateError):
        load_template(DATA / "malformed.yaml")
    assert set(private.iterdir()) == before
