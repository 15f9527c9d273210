"""CSAR archives (.csar / .zip holding TOSCA-Metadata/TOSCA.meta), opened safely.

The archive is checked before anything is written: no member may name an absolute path,
climb out with `..`, be a link or a device, and the members' count and sizes are bounded
(also against "zip bombs": the sizes the archive declares are enforced while extracting).
Members are extracted into a temporary folder that `open_csar` always removes, whatever
happens inside the `with`. The entry template is TOSCA.meta's `Entry-Definitions`, or the
single YAML file at the archive's root when there is no TOSCA.meta.
"""

from __future__ import annotations

import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from nfvo.domain import Diagnostic

MAX_MEMBERS = 2000
MAX_MEMBER_BYTES = 32 << 20
MAX_TOTAL_BYTES = 128 << 20
META = "TOSCA-Metadata/TOSCA.meta"


@dataclass(frozen=True)
class OpenedCsar:
    root: Path  # the extraction folder (removed when the `with` ends)
    entry: Path  # the entry template inside it
    member: str  # its name in the archive


class CsarError(Exception):
    def __init__(self, code: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.code, self.hint = code, hint


def _safe_name(info: zipfile.ZipInfo) -> PurePosixPath:
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    mode = info.external_attr >> 16
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise CsarError("csar-unsafe-path", f"member {info.filename!r} points outside the archive")
    kind = stat.S_IFMT(mode)  # 0 when the archiver recorded no file type (plain files)
    if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
        raise CsarError("csar-unsafe-member", f"member {info.filename!r} is a link or special file")
    return path


def _extract(archive: zipfile.ZipFile, root: Path) -> None:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise CsarError("csar-too-large", f"the archive has {len(members)} members (at most {MAX_MEMBERS})")
    total = 0
    for info in members:
        path = _safe_name(info)
        if info.is_dir():
            (root / path).mkdir(parents=True, exist_ok=True)
            continue
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
            raise CsarError(
                "csar-too-large",
                f"the archive unpacks to more than {MAX_TOTAL_BYTES >> 20} MiB "
                f"(or a member over {MAX_MEMBER_BYTES >> 20} MiB)",
            )
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as src, target.open("wb") as dst:
            # Never trust the declared size: copy at most one byte more than it.
            copied = 0
            while chunk := src.read(min(1 << 16, info.file_size + 1 - copied)):
                copied += len(chunk)
                if copied > info.file_size:
                    raise CsarError("csar-too-large", f"member {info.filename!r} is larger than declared")
                dst.write(chunk)


def _entry(root: Path) -> str:
    meta = root / META
    if meta.is_file():
        for line in meta.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "Entry-Definitions" and value.strip():
                return value.strip()
        raise CsarError(
            "csar-no-entry",
            f"{META} names no Entry-Definitions",
            "add a line `Entry-Definitions: Definitions/<main>.yaml`",
        )
    roots = sorted(p.name for p in root.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml"))
    if len(roots) != 1:
        found = "none" if not roots else ", ".join(roots)
        raise CsarError(
            "csar-no-entry",
            f"the archive has no {META} and not exactly one YAML file at its root (found {found})",
            f"add {META} with an Entry-Definitions line",
        )
    return roots[0]


def _prepare(archive: Path, root: Path) -> OpenedCsar | Diagnostic:
    try:
        with zipfile.ZipFile(archive) as zipped:
            _extract(zipped, root)
        member = _entry(root)
        entry = (root / member).resolve()
        if not entry.is_relative_to(root.resolve()) or not entry.is_file():
            raise CsarError("csar-no-entry", f"the entry template {member!r} is not in the archive")
        return OpenedCsar(root.resolve(), entry, member)
    except CsarError as exc:
        return Diagnostic(exc.code, str(exc), hint=exc.hint, file=str(archive))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return Diagnostic("csar-unreadable", f"cannot open the archive: {reason}", file=str(archive))


@contextmanager
def open_csar(archive: Path) -> Iterator[OpenedCsar | Diagnostic]:
    """Yield the extracted archive, or a Diagnostic saying why it cannot be used; the
    extraction folder is removed when the `with` ends, however it ends."""
    root = Path(tempfile.mkdtemp(prefix="nfvo-csar-"))
    try:
        yield _prepare(archive, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
