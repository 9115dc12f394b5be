"""Crash-safe file writes.

Every state, plan and artifact file goes through here: temp file in the same folder, fsync,
os.replace, fsync of the folder. click's atomic open replaces without fsync (and even after an
exception), so it is not used for anything durable.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


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


def atomic_write_bytes(path: Path, data: bytes, *, backup: Path | None = None) -> None:
    """Write ``data`` to ``path`` so a reader sees the old or the new content, never a mix.

    With ``backup``, the previous content is kept there (hard link when possible, so the
    backup is itself never partial).
    """
    path = Path(path)
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


def atomic_write_text(path: Path, text: str, *, backup: Path | None = None) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), backup=backup)


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
