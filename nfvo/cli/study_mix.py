"""Mix files (docs/study.md): which slice templates a study offers, how often, for how long,
and what they earn. Every problem is reported at once, each with its file, line, path, what
is wrong and how to fix it; templates are loaded through the catalog."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nfvo.catalog import load_template
from nfvo.catalog.yamlpos import YPath, parse_yaml
from nfvo.cli.study_mix_fields import Fields
from nfvo.domain import Diagnostic, InputError, SiteRole, SliceRequest, Substrate
from simulator.study import MixEntry, QueuePolicy

TOP_KEYS = ("name", "description", "queue", "profiles", "slices")
SLICE_KEYS = ("name", "template", "inputs", "spread", "arrivals_per_h", "holding", "revenue_per_h", "profile")
SPREADS = ("every-cell-site",)


class MixError(InputError):
    code = "invalid-mix"
    title = "Invalid slice mix"


@dataclass(frozen=True)
class LoadedMix:
    name: str
    source: str
    entries: tuple[MixEntry, ...]
    queue: QueuePolicy


class _Reader(Fields):
    def template(self, name: object, path: YPath) -> Path | None:
        from nfvo.cli.place import _template_source

        if not isinstance(name, str) or not name:
            self.bad(
                path,
                "bad-template",
                "template must name an example (embb, urllc, mmtc) or a file",
                "e.g. `template: embb` or `template: ../templates/urllc.yaml`",
            )
            return None
        relative = self.file.parent / name
        if relative.is_file():
            return relative
        try:
            return _template_source(name)
        except InputError:
            self.bad(
                path,
                "unknown-template",
                f"no template file {name!r} (nor relative to the mix file) "
                "and no example template of that name",
                "give a path (relative to the mix file) or one of: embb, urllc, mmtc",
            )
            return None

    def load(self, source: Path, inputs: dict[str, Any], path: YPath) -> SliceRequest | None:
        try:
            request = load_template(source, inputs)
        except InputError as exc:
            details = "; ".join(d.render() for d in exc.diagnostics) or str(exc)
            self.bad(
                path,
                "bad-template",
                f"template {source} cannot be loaded with inputs {inputs}: {details}",
                "fix the template or the inputs given in the mix file",
            )
            return None
        names = {s.name for s in self.substrate.sites}
        for nf in request.functions:
            if nf.pinned_site is not None and nf.pinned_site not in names:
                cells = [s.name for s in self.substrate.sites_with_role(SiteRole.CELL)]
                self.bad(
                    path,
                    "unknown-site",
                    f"function {nf.name!r} is pinned to site {nf.pinned_site!r}, "
                    f"which substrate {self.substrate.name!r} lacks",
                    "add `spread: every-cell-site`, or set inputs.cell_site to a site of the substrate"
                    + (f" (e.g. {cells[0]!r})" if cells else ""),
                )
                return None
        return request

    def entry(self, raw: object, i: int, profiles: dict[str, tuple[float, ...]]) -> list[MixEntry]:
        path: YPath = ("slices", i)
        data = self.mapping(raw, path, "a slice entry")
        if data is None:
            return []
        self.keys(data, path, SLICE_KEYS)
        rate = self.num(data, path, "arrivals_per_h", low=0.0, strict=False)
        revenue = self.num(data, path, "revenue_per_h", low=0.0, strict=False, default=0.0)
        kind, mean, cv = self.holding(data, path)
        profile = self.profile_of(data, path, profiles)
        inputs = data.get("inputs", {}) or {}
        if not isinstance(inputs, dict):
            self.bad(
                (*path, "inputs"),
                "not-a-mapping",
                "inputs must map input names to values",
                "e.g. `inputs: {throughput_mbps: 1000}`",
            )
            inputs = {}
        spread = data.get("spread")
        if spread is not None and spread not in SPREADS:
            self.bad(
                (*path, "spread"),
                "bad-spread",
                f"unknown spread {spread!r}",
                "the one spread is every-cell-site",
            )
            spread = None
        source = self.template(data.get("template"), (*path, "template")) if "template" in data else None
        if "template" not in data:
            self.bad(path, "missing-key", "'template' is required", "e.g. `template: embb`")
        label = data.get("name", "")
        if not isinstance(label, str):
            self.bad((*path, "name"), "bad-name", "name must be text", "e.g. `name: embb-events`")
            label = ""
        if source is None:
            return []
        sites: list[str | None] = [None]
        if spread == "every-cell-site":
            sites = [s.name for s in self.substrate.sites_with_role(SiteRole.CELL)]
            if not sites:
                self.bad(
                    (*path, "spread"),
                    "no-cell-site",
                    f"substrate {self.substrate.name!r} has no cell site",
                    "use a substrate with cell sites, or drop the spread",
                )
                return []
        out = []
        for site in sites:
            request = self.load(source, inputs if site is None else {**inputs, "cell_site": site}, path)
            if request is None:
                return []
            out.append(MixEntry(request, rate / len(sites), mean, kind, cv, revenue, profile, label))
        return out


def load_mix(file: Path, substrate: Substrate) -> LoadedMix:
    """Read the mix file `file` for `substrate`; raises MixError naming every problem."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        diag = Diagnostic(
            "unreadable-mix",
            f"cannot read the mix file: {exc}",
            file=str(file),
            hint="give the path of a YAML mix file (see models/mixes/)",
        )
        raise MixError(f"cannot read mix file {file}", [diag]) from None
    data, positions, diags = parse_yaml(text, str(file))
    reader = _Reader(file, positions, substrate)
    reader.diags += diags
    if data is None or not isinstance(data, dict):
        if not reader.diags:
            reader.bad(
                (),
                "not-a-mapping",
                "a mix file is a mapping with a `slices:` list",
                "see models/mixes/default.yaml",
            )
        raise MixError(f"bad mix file {file}", reader.diags)
    reader.keys(data, (), TOP_KEYS)
    profiles: dict[str, tuple[float, ...]] = {}
    for name, value in (reader.mapping(data.get("profiles", {}), ("profiles",), "profiles") or {}).items():
        profile = reader.profile(value, ("profiles", name))
        if profile is not None:
            profiles[str(name)] = profile
    queue = reader.queue(data["queue"]) if "queue" in data else QueuePolicy()
    slices = data.get("slices")
    entries: list[MixEntry] = []
    if not isinstance(slices, list) or not slices:
        reader.bad(
            ("slices",) if "slices" in data else (),
            "no-slices",
            "the mix needs a non-empty `slices:` list",
            "see models/mixes/default.yaml",
        )
    else:
        for i, raw in enumerate(slices):
            entries += reader.entry(raw, i, profiles)
    if not reader.diags and not any(e.arrival_rate_per_h > 0 for e in entries):
        reader.bad(
            ("slices",), "offers-nothing", "every arrival rate is zero", "give some slice arrivals_per_h > 0"
        )
    if reader.diags:
        raise MixError(f"bad mix file {file}", reader.diags)
    title = data.get("name")
    return LoadedMix(str(title) if title else file.stem, str(file), tuple(entries), queue)
