"""The substrate file: sites, links and domain controllers (format in models/substrates/lab.yaml).

Everything is checked in one pass and every problem is reported together, each with the
line it is on, so an operator fixes a file in one round instead of one error per run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from nfvo.catalog.diagnostics import DiagnosticSink, describe, did_you_mean
from nfvo.catalog.fields import FieldReader as _Reader
from nfvo.catalog.yamlpos import YPath, parse_yaml
from nfvo.domain import (
    Controller,
    Diagnostic,
    Domain,
    Link,
    Protocol,
    Resources,
    Site,
    SiteRole,
    Substrate,
    SubstrateError,
)

_TOP = {"name", "sites", "links", "controllers"}
_SITE = {"name": True, "role": True, "cpu": True, "memory_gb": True, "cost_per_cpu": False}
_LINK = {"a": True, "b": True, "latency_ms": True, "capacity_gbps": True}
_CONTROLLER = {
    "name": True,
    "domain": True,
    "protocol": True,
    "host": True,
    "port": True,
    "username": False,
    "password": False,
    "password_env": False,
    "password_file": False,
    "commit_latency_ms": False,
    "max_concurrent": False,
    "timeout_s": False,
    "hostkey_verify": False,
    "known_hosts": False,
    "tls": False,
    "tls_ca": False,
    "tls_server_name": False,
}


def _sites(r: _Reader, raw: object, root: YPath) -> list[Site]:
    sites: list[Site] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(_list(r, raw, (*root, "sites"), "sites", required=True)):
        path = (*root, "sites", i)
        entry = r.entry(item, path, _SITE, "a site")
        if entry is None:
            continue
        name = r.text(entry, "name", path)
        role = r.choice(entry, "role", path, SiteRole)
        cpu = r.number(entry, "cpu", path)
        mem = r.number(entry, "memory_gb", path)
        cost = r.number(entry, "cost_per_cpu", path, strict=False, default=1.0)
        if name is not None and name in seen:
            r.sink.add(
                "duplicate-name",
                f"site {name!r} is already defined at sites[{seen[name]}]",
                (*path, "name"),
                at_value=True,
            )
            continue
        if name is not None:
            seen[name] = i
        if None not in (name, role, cpu, mem, cost):
            sites.append(Site(str(name), role, Resources(float(cpu or 0), float(mem or 0)), float(cost or 0)))
    return sites


def _links(r: _Reader, raw: object, root: YPath, site_names: set[str], all_names: set[str]) -> list[Link]:
    links: list[Link] = []
    seen: dict[frozenset[str], int] = {}
    for i, item in enumerate(_list(r, raw, (*root, "links"), "links", required=False)):
        path = (*root, "links", i)
        entry = r.entry(item, path, _LINK, "a link")
        if entry is None:
            continue
        ends = [r.text(entry, end, path) for end in ("a", "b")]
        for end, name in zip(("a", "b"), ends, strict=True):
            # A site that exists but failed its own checks is not "unknown": that is
            # reported once, at the site.
            if name is not None and name not in all_names:
                r.sink.add(
                    "unknown-site",
                    f"link end {end}={name!r} is not a site of this substrate",
                    (*path, end),
                    at_value=True,
                    hint=did_you_mean(name, all_names),
                )
        latency = r.number(entry, "latency_ms", path, strict=False)
        capacity = r.number(entry, "capacity_gbps", path)
        a, b = ends
        if a is not None and a == b:
            r.sink.add("self-link", f"link joins site {a!r} to itself", path)
            continue
        if a is None or b is None or latency is None or capacity is None:
            continue
        pair = frozenset((a, b))
        if pair in seen:
            r.sink.add(
                "duplicate-link",
                f"sites {a!r} and {b!r} are already linked at links[{seen[pair]}]",
                path,
                hint="links are undirected: list each pair once",
            )
            continue
        seen[pair] = i
        if a in site_names and b in site_names:
            links.append(Link(a, b, latency, capacity * 1000.0))
    return links


def _security(r: _Reader, entry: dict[str, Any], path: YPath, protocol: Protocol | None) -> dict[str, Any]:
    """hostkey_verify and known_hosts (NETCONF), tls, tls_ca and tls_server_name (gNMI):
    the files named must exist, and each only where its protocol uses it."""
    out: dict[str, Any] = {}
    verify = r.flag(entry, "hostkey_verify", path)
    if verify is not None:
        out["hostkey_verify"] = verify
    tls = r.flag(entry, "tls", path)
    if tls is not None:
        out["tls"] = tls
    for key in ("known_hosts", "tls_ca", "tls_server_name"):
        value = r.text(entry, key, path, optional=True)
        if value:
            out[key] = value
    for key in ("known_hosts", "tls_ca"):
        if key in out and not Path(out[key]).expanduser().is_file():
            r.sink.add(
                "missing-file",
                f"{key} names {out[key]!r}, which is not a readable file",
                (*path, key),
                at_value=True,
                hint="give the path of an existing file (~ is expanded)",
            )
    only = {"hostkey_verify": Protocol.NETCONF, "known_hosts": Protocol.NETCONF}
    only |= {"tls": Protocol.GNMI, "tls_ca": Protocol.GNMI, "tls_server_name": Protocol.GNMI}
    for key, wanted in only.items():
        if key in entry and protocol is not None and protocol is not wanted:
            r.sink.add(
                "not-applicable",
                f"{key} applies to {wanted.value} controllers, not {protocol.value}",
                (*path, key),
                hint=f"remove {key}",
            )
    return out


def _controllers(r: _Reader, raw: object, root: YPath) -> list[Controller]:
    ctls: list[Controller] = []
    by_domain: dict[Domain, int] = {}
    names: set[str] = set()
    items = _list(r, raw, (*root, "controllers"), "controllers", required=True)
    for i, item in enumerate(items):
        path = (*root, "controllers", i)
        entry = r.entry(item, path, _CONTROLLER, "a controller")
        if entry is None:
            continue
        name = r.text(entry, "name", path)
        domain = r.choice(entry, "domain", path, Domain)
        protocol = r.choice(entry, "protocol", path, Protocol)
        host = r.text(entry, "host", path)
        port = r.number(entry, "port", path, integer=True)
        if port is not None and port > 65535:
            r.sink.add(
                "out-of-range", f"port must be at most 65535, got {port:g}", (*path, "port"), at_value=True
            )
            port = None
        user = r.text(entry, "username", path, optional=True)
        password = _password(r, entry, path)
        commit = r.number(entry, "commit_latency_ms", path, strict=False, default=50.0)
        conc = r.number(entry, "max_concurrent", path, minimum=1, strict=False, default=1, integer=True)
        timeout = r.number(entry, "timeout_s", path, default=10.0)
        security = _security(r, entry, path, protocol)
        if name is not None:
            if name in names:
                r.sink.add(
                    "duplicate-name", f"controller {name!r} is defined twice", (*path, "name"), at_value=True
                )
            names.add(name)
        if domain is not None:
            if domain in by_domain:
                r.sink.add(
                    "duplicate-controller",
                    f"domain {domain.value!r} already has a controller (controllers[{by_domain[domain]}])",
                    (*path, "domain"),
                    at_value=True,
                    hint="each domain is configured through exactly one controller",
                )
                continue
            by_domain[domain] = i
        values = (name, domain, protocol, host, port, user, password, commit, conc, timeout)
        if None not in values:
            ctls.append(
                Controller(
                    name=str(name),
                    domain=domain,
                    protocol=protocol,
                    host=str(host),
                    port=int(port or 0),
                    username=str(user),
                    password=str(password),
                    commit_latency_ms=float(commit or 0),
                    max_concurrent=int(conc or 1),
                    timeout_s=float(timeout or 0),
                    **security,
                )
            )
    if isinstance(raw, list):
        for domain in Domain:
            if domain not in by_domain:
                r.sink.add(
                    "missing-controller",
                    f"no controller for the {domain.value!r} domain",
                    (*root, "controllers"),
                    hint="add one controller entry per domain: ran, transport, core",
                )
    return ctls


def _password(r: _Reader, entry: dict[str, Any], path: YPath) -> str | None:
    """The controller's password: inline (`password`, fine for a lab), or read when the
    file is loaded from an environment variable (`password_env`) or a file
    (`password_file`, e.g. a mounted secret; one trailing newline dropped), so that
    substrate files can be shared and versioned without the secret in them."""
    given = [key for key in ("password", "password_env", "password_file") if key in entry]
    if len(given) > 1:
        r.sink.add(
            "conflicting-fields",
            f"give one of password, password_env, password_file, not {' and '.join(given)}",
            (*path, given[1]),
            hint="keep the one that says where the secret really is",
        )
        return None
    source = given[0] if given else "password"
    value = r.text(entry, source, path, optional=source == "password")
    if value is None or source == "password":
        return value
    if source == "password_env":
        secret = os.environ.get(value)
        if secret is None:
            r.sink.add(
                "missing-secret",
                f"environment variable {value!r} (password_env) is not set",
                (*path, source),
                at_value=True,
                hint=f"export {value}=<the controller's password> before starting nfvo",
            )
        return secret
    try:
        return Path(value).expanduser().read_text(encoding="utf-8").removesuffix("\n")
    except (OSError, UnicodeDecodeError) as exc:
        r.sink.add(
            "missing-secret",
            f"cannot read password_file {value!r}: {getattr(exc, 'strerror', None) or exc}",
            (*path, source),
            at_value=True,
            hint="give a readable file holding only the password",
        )
        return None


def _list(r: _Reader, raw: object, path: YPath, what: str, *, required: bool) -> list[Any]:
    if raw is None:
        if required:
            r.sink.add("missing-field", f"the substrate lacks {what!r}", path[:-1])
        return []
    if not isinstance(raw, list):
        r.sink.add("wrong-type", f"{what} must be a list, got {describe(raw)}", path, at_value=True)
        return []
    if required and not raw:
        r.sink.add("empty", f"{what} must not be empty", path, at_value=True)
    return raw


def _check_connected(r: _Reader, sites: list[Site], links: list[Link], root: YPath) -> None:
    if not sites:
        return
    neighbours: dict[str, set[str]] = {s.name: set() for s in sites}
    for link in links:
        neighbours[link.a].add(link.b)
        neighbours[link.b].add(link.a)
    reached = {sites[0].name}
    frontier = [sites[0].name]
    while frontier:
        for nxt in neighbours[frontier.pop()] - reached:
            reached.add(nxt)
            frontier.append(nxt)
    cut_off = [s.name for s in sites if s.name not in reached]
    if cut_off:
        r.sink.add(
            "disconnected",
            f"sites {', '.join(cut_off)} cannot be reached from {sites[0].name!r}",
            (*root, "links"),
            hint="add links so that every site is connected to the others",
        )


def parse_substrate(text: str, *, source: str = "<input>") -> Substrate:
    """Read a substrate from YAML text; `source` names it in diagnostics.

    Raises `SubstrateError` carrying every problem found, each with its line and path.
    """
    data, positions, syntax = parse_yaml(text, source)
    sink = DiagnosticSink(source, positions)
    sink.extend(syntax)
    if data is None and syntax:
        raise SubstrateError(f"{source}: the substrate file is not valid YAML", sink.items)
    r = _Reader(sink)
    root: YPath = ("substrate",)
    body = data.get("substrate") if isinstance(data, dict) else None
    if not isinstance(body, dict):
        sink.add(
            "missing-field",
            "the file must hold a mapping with a top-level 'substrate' mapping",
            root,
            hint="start the file with 'substrate:' (see models/substrates/lab.yaml)",
        )
        raise SubstrateError(f"{source}: not a substrate file", sink.items)
    for key in data:
        if key != "substrate":
            sink.add("unknown-field", f"unknown top-level field {str(key)!r}", (str(key),))
    for key in body:
        if str(key) not in _TOP:
            sink.add(
                "unknown-field",
                f"unknown field {str(key)!r} in the substrate",
                (*root, str(key)),
                hint=did_you_mean(str(key), _TOP),
            )
    name = r.text(body, "name", root)
    if "name" not in body:
        sink.add("missing-field", "the substrate lacks its 'name'", root)
    sites = _sites(r, body.get("sites"), root)
    site_names = {s.name for s in sites}
    # Names of every listed site, even one rejected for another reason, so that a link to it
    # is not also reported as "unknown".
    raw_sites = body.get("sites")
    raw_sites = raw_sites if isinstance(raw_sites, list) else []
    all_names = {str(s["name"]) for s in raw_sites if isinstance(s, dict) and "name" in s}
    links = _links(r, body.get("links"), root, site_names, all_names)
    controllers = _controllers(r, body.get("controllers"), root)
    if not sink:
        _check_connected(r, sites, links, root)
    if sink:
        count = len(sink)
        raise SubstrateError(
            f"{source}: {count} problem{'s' if count > 1 else ''} in the substrate", sink.items
        )
    return Substrate(name=str(name), sites=tuple(sites), links=tuple(links), controllers=tuple(controllers))


def load_substrate(path: Path | str) -> Substrate:
    """Read and check a substrate file (see `parse_substrate`)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        diag = Diagnostic(
            code="unreadable-file",
            message=f"cannot read the substrate file: {reason}",
            file=str(file),
            hint="check the path (the lab substrate is models/substrates/lab.yaml)",
        )
        raise SubstrateError(f"cannot read the substrate file {file}: {reason}", [diag]) from None
    return parse_substrate(text, source=str(file))
