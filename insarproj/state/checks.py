"""Checks of what is read from `.insarproj/` (committed to git, so editable by anyone).

A record's paths are relative to the data folder; one that is absolute or climbs out with `..`
must never reach a kind that deletes or replaces files (`apply --prune`), so it is refused when
the state or a journal line is loaded, with an error naming the file, the record and the fix.
The common, safe path is accepted by one regular expression; only the rare rest is examined
further, so a 16 MB state loads without a noticeable cost.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from insarproj.errors import StateError, UnsafePathError
from insarproj.fsutil import relative_inside
from insarproj.layout import STATE_DIR

# Plain relative paths of plain names: no leading "/", no "." or ".." parts, no backslash.
_SAFE_RELPATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._+-]*(?:/[A-Za-z0-9_][A-Za-z0-9._+-]*)*")
SAFE_RELPATH = _SAFE_RELPATH  # state/fileformat.py checks kept lines with it
_SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._+-]*")
# `previous` holds the record an intent replaced (kinds/hyp3.py): it may be restored, so it is
# checked like a record of its own, to a bounded depth.
_MAX_PREVIOUS_DEPTH = 16


def check_record_paths(address: str, record: Any, *, where: str, noun: str = "record") -> None:
    """Refuse ``record`` when one of its path-like attributes leaves the data folder.

    Checked: ``path`` (relative to the data folder: scenes, products), ``files`` given as plain
    strings (relative to the record's folder) and the same in a kept ``previous`` record. ``where``
    names the file (and line) for the message. Server file names kept as ``{"filename": ...}`` (a
    HyP3 job's files) are the server's words, not paths: refusing the whole state for them would
    stop every plan because of one bad listing, so the product kind reduces each to a plain
    basename where it uses it (kinds/products.py) and refuses that one product instead.
    """
    what = f"{where}: {noun} {address}"
    for _depth in range(_MAX_PREVIOUS_DEPTH):
        attributes = record.get("attributes") if isinstance(record, Mapping) else None
        if not isinstance(attributes, Mapping):
            return
        path = attributes.get("path")
        if path is not None and not (isinstance(path, str) and _SAFE_RELPATH.fullmatch(path)):
            relative_inside(path, what=what)
        files = attributes.get("files")
        if files:
            _check_files(files, what=what)
        record = attributes.get("previous")


_RECORD_KEYS = frozenset(("kind", "status", "attributes", "updated_at"))


def check_records(resources: Mapping[str, Any], *, where: str) -> list[str]:
    """Check every record's paths, and return the addresses of records whose shape is not the
    plain one insarproj writes (the `ResourceRecord` model): one loop over plain dicts, so the
    caller asks pydantic only about those, for a message that names the field."""
    odd = []
    safe = _SAFE_RELPATH.fullmatch
    for address, record in resources.items():
        if not (
            type(record) is dict
            and record.keys() == _RECORD_KEYS
            and type(record["kind"]) is str
            and type(record["status"]) is str
            and type(record["attributes"]) is dict
            and type(record["updated_at"]) is str
        ):
            odd.append(address)
            check_record_paths(address, record, where=where)
            continue
        # The common records at a glance (180,000 of them at 20,000 scenes): no path-like key,
        # or only a plain `path`. Anything else is examined by check_record_paths.
        attributes = record["attributes"]
        path = attributes.get("path")
        if (path is None or (type(path) is str and safe(path))) and not (
            "files" in attributes or "previous" in attributes
        ):
            continue
        check_record_paths(address, record, where=where)
    return odd


def check_action_paths(address: str, payload: Mapping[str, Any], *, where: str) -> None:
    """Refuse a saved plan's action whose payload names a path outside the data folder: its
    ``path``, the zip ``file`` it downloads, the ``stack`` folder it writes into, and the
    ``record`` a forget (--prune) deletes the files of."""
    check_record_paths(address, {"attributes": {"path": payload.get("path")}}, where=where, noun="action")
    file = payload.get("file")
    if isinstance(file, Mapping) and "filename" in file:
        name = file["filename"]
        if not (isinstance(name, str) and _SAFE_NAME.fullmatch(name)):
            _check_plain_name(name, what=f"{where}: action {address}")
    stack = payload.get("stack")
    if stack is not None and not (isinstance(stack, str) and _SAFE_NAME.fullmatch(stack)):
        _check_plain_name(stack, what=f"{where}: action {address}")
    if payload.get("record") is not None:
        check_record_paths(address, payload["record"], where=where, noun="action")


def _check_files(files: Any, *, what: str) -> None:
    if not isinstance(files, list):
        return
    for entry in files:
        if isinstance(entry, str) and not _SAFE_RELPATH.fullmatch(entry):
            relative_inside(entry, what=what)


def _check_plain_name(name: Any, *, what: str) -> None:
    """A server's file name kept in a record: a plain name, never a folder or a path."""
    if isinstance(name, str) and "/" not in name and "\\" not in name:
        relative_inside(name, what=what)  # refuses "", ".", "..", absolute names
        return
    raise UnsafePathError(
        f"{what} has the file name {name!r}, which is not a plain file name",
        hint=f"file names in state are plain names inside the data folder; restore {STATE_DIR}/ from git "
        f"(git checkout -- {STATE_DIR}) or remove that record",
    )


def load_json_object(text: str, *, where: str, hint: str) -> Any:
    """``json.loads`` that refuses duplicate keys (json keeps the last one silently: a
    hand-merged state would lose a record without a word) and too deeply nested input."""
    try:
        return json.loads(text, object_pairs_hook=_refuse_duplicates)
    except _DuplicateKey as dup:
        line = _line_of_second(text, dup.key)
        at = f" (line {line})" if line else ""
        raise StateError(f"{where} has the key {dup.key!r} twice in one object{at}", hint=hint) from None
    except RecursionError:
        raise StateError(f"{where} is nested too deeply to be an insarproj file", hint=hint) from None


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


def _line_of_second(text: str, key: str) -> int | None:
    """Line number of the second ``"key":`` when the key occurs exactly twice in the file (a key
    used by every record, such as ``kind``, gives no reliable line; only computed for the error)."""
    pattern = re.compile(re.escape(json.dumps(key, ensure_ascii=False)) + r"\s*:")
    matches = list(pattern.finditer(text))
    if len(matches) != 2:
        return None
    return text.count("\n", 0, matches[1].start()) + 1
