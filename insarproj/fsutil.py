"""Crash-safe file writes.

Every state, plan and artifact file goes through here: temp file in the same folder, fsync,
os.replace, fsync of the folder. click's atomic open replaces without fsync (and even after an
exception), so it is not used for anything durable.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from insarproj.errors import UnsafePathError, storage_error


def _current_umask() -> int:
    # Read once at import: os.umask can only be read by setting it, which is not thread-safe.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# mkstemp creates 0600 files; state, plans and data should get the usual umask-based mode.
FILE_MODE = 0o666 & ~_current_umask()


def fsync_dir(path: Path) -> None:
    """Make a rename/creation inside ``path`` durable."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse fsync on dirs
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(
    path: Path, data: bytes, *, backup: Path | None = None, rerun: str = "insarproj apply"
) -> None:
    """Write ``data`` to ``path`` so a reader sees the old or the new content, never a mix.

    With ``backup``, the previous content is kept there (hard link when possible, so the
    backup is itself never partial). A full disk (or quota, or read-only file system) becomes a
    DiskFullError naming ``path`` (the OSError itself names only the temp file, or nothing);
    ``rerun`` is the command the message suggests once there is space again.
    """
    try:
        _atomic_write_bytes(Path(path), data, backup)
    except OSError as exc:
        mapped = storage_error(exc, path, rerun=rerun)
        if mapped is None:
            raise
        raise mapped from exc


def _atomic_write_bytes(path: Path, data: bytes, backup: Path | None) -> None:
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if backup is not None and path.exists():
            _replace_backup(path, Path(backup))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(folder)


def _replace_backup(current: Path, backup: Path) -> None:
    link_tmp = backup.with_name(f".{backup.name}.{os.getpid()}.tmp")
    link_tmp.unlink(missing_ok=True)
    try:
        os.link(current, link_tmp)
    except OSError:
        # File systems without hard links: copy through a temp file instead.
        data = current.read_bytes()
        with open(link_tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    os.replace(link_tmp, backup)


def atomic_write_text(
    path: Path, text: str, *, backup: Path | None = None, rerun: str = "insarproj apply"
) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), backup=backup, rerun=rerun)


def canonical_json(value: Any, *, indent: int | None = 2) -> str:
    """Stable key order and indentation so committed JSON diffs stay readable.

    Encoded with orjson: the json module falls back to its pure-Python encoder whenever an
    indent is asked for, which costs seconds per fold of a 16 MB state; orjson's output is the
    same text (sorted keys, two-space indent) about ten times faster.
    """
    import orjson

    options = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
    if indent is None:
        return orjson.dumps(value, option=options).decode("utf-8")
    if indent != 2:
        return json.dumps(value, indent=indent, sort_keys=True, ensure_ascii=False) + "\n"
    return orjson.dumps(value, option=options | orjson.OPT_INDENT_2).decode("utf-8") + "\n"


def atomic_write_json(path: Path, value: Any, *, backup: Path | None = None) -> None:
    atomic_write_text(path, canonical_json(value), backup=backup)


# --- paths that must stay inside the data folder ---------------------------------------------
# Names and paths from servers (product file names, listing keys) and from state or the journal
# (committed to git, so editable by anyone) are never trusted: every path insarproj creates,
# replaces or deletes resolves inside the project's data folder (or .insarproj/).

_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")


def plain_basename(name: str, *, what: str, pattern: re.Pattern[str] | None = None) -> str:
    """``name`` if it is a plain file name (no folder, no ``..``, no absolute path, no control
    characters) that matches ``pattern`` when given; otherwise UnsafePathError naming ``what``."""
    ok = (
        isinstance(name, str)
        and name not in ("", ".", "..")
        and _PLAIN_NAME.fullmatch(name) is not None
        and PurePosixPath(name).name == name
        and PureWindowsPath(name).name == name
        and (pattern is None or pattern.fullmatch(name) is not None)
    )
    if not ok:
        expected = f" like {pattern.pattern!r}" if pattern is not None else ""
        raise UnsafePathError(
            f"{what} gives the file name {name!r}, which is not a plain file name{expected}",
            hint="refused so nothing is written outside the data folder; report it to the service",
        )
    return name


def relative_inside(relpath: str, *, what: str) -> PurePosixPath:
    """A relative path recorded in state (POSIX separators), checked without touching the disk:
    not absolute, no ``..`` part, not empty. UnsafePathError naming ``what`` otherwise."""
    path = PurePosixPath(relpath) if isinstance(relpath, str) else None
    if (
        path is None
        or not relpath
        or path.is_absolute()
        or PureWindowsPath(relpath).is_absolute()
        or "\\" in relpath
        or any(part == ".." for part in path.parts)
        or path == PurePosixPath(".")
    ):
        raise UnsafePathError(
            f"{what} has the path {relpath!r}, which leaves the data folder",
            hint="paths in state are relative to the data folder; restore .insarproj/ from git "
            "(git checkout -- .insarproj) or remove that record",
        )
    return path


# Plain relative paths of plain names (no leading "/", no "." or ".." part, no backslash): what
# insarproj records. Accepted by this one expression; anything else goes through relative_inside.
_PLAIN_RELPATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._+-]*(?:/[A-Za-z0-9_][A-Za-z0-9._+-]*)*")


def checked_relative(relpath: str, *, what: str) -> str:
    """``relative_inside`` as a string, the common plain path accepted without building a path
    object (plan checks every product's recorded path)."""
    if isinstance(relpath, str) and _PLAIN_RELPATH.fullmatch(relpath):
        return relpath
    return str(relative_inside(relpath, what=what))


def resolve_inside(base: Path, relpath: str | Path, *, what: str) -> Path:
    """``base / relpath``, resolved (symbolic links followed), refused unless it stays inside
    ``base``. Call it before creating, replacing or deleting anything named by a server or state."""
    root = Path(base).resolve()
    if isinstance(relpath, Path) and relpath.is_absolute():
        target = relpath.resolve()
    else:
        target = (root / relative_inside(str(relpath), what=what)).resolve()
    if target == root or root not in target.parents:
        raise UnsafePathError(
            f"{what} resolves to {target}, outside the data folder {root}",
            hint="refused; check for a symbolic link inside the data folder pointing elsewhere",
        )
    return target


def data_label(root: Path, data_dir: Path) -> str:
    """How messages name the data folder of ``[paths] data``: relative to the project ``root``
    when inside it (``data``, ``scratch/x``), else its absolute path; never a hard-coded "data"."""
    base, folder = os.path.abspath(root), os.path.abspath(data_dir)
    if folder == base or not folder.startswith(base.rstrip(os.sep) + os.sep):
        return Path(folder).as_posix()
    return Path(os.path.relpath(folder, base)).as_posix()
