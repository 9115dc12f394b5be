"""The bytes of `state.json`, format 2 (docs/project-folder.md, "state.json").

Why this layout: a project of 20,000 scenes has 180,000 records; written as indented JSON with
every record complete, the file took ≈ 0.9 KB per record, most of it the same values again and
again (a job type and its default parameters, a status every record shares). Format 2 keeps the
file plain, readable JSON with stable key order, but

- writes each record on one line (compact, sorted keys), so a change to one record is a one-line
  diff and the file is a third smaller;
- moves the scalar values that *every* record of an address group shares (the group is the
  address up to its first dot, i.e. the kind) into `common`, printed once at the top; a record's
  line keeps only what is its own. Reading fills each record from `common` again (a record's own
  value wins), so records in memory are exactly the records that were written.

Only scalars (strings, numbers, booleans, null) are shared, never lists, so no two records in
memory share a mutable value. Reading checks that the bytes are exactly what this module writes
(which also proves there are no duplicate keys); any other bytes (a hand edit, a merge) are read
by the strict parser instead, which names a duplicate key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson

_SORTED = orjson.OPT_SORT_KEYS
_SCALARS = (str, int, float, bool, type(None))
_MISSING = object()
# A group needs at least this many records before its shared values move to `common`: a lone
# record keeps all of its values on its own line.
MIN_GROUP = 2
# inputs > search > pin > scenes > one scene per line (and `common` > kind > one line per value).
COMPACT_DEPTH = 5
RESOURCES_OPEN = b',\n  "resources": {'
RESOURCES_CLOSE = b"\n  }\n}\n"


def group_of(address: str) -> str:
    return address.split(".", 1)[0]


def render_state(header: Mapping[str, Any], resources: Mapping[str, Any]) -> bytes:
    """The file: ``header`` (everything but the records) indented, `common`, then one line per
    record in address order."""
    commons = shared_values(resources)
    # One growing buffer, never a list of parts: each small result of orjson.dumps keeps a
    # few KiB of heap alive while it lives (≈ 1 GB for the 180,000 records of 20,000 scenes).
    out = _head(header, commons)
    for index, address in enumerate(sorted(resources)):
        if index:
            out += b","
        out += _record_line(address, strip_common(resources[address], commons.get(group_of(address))))
    out += RESOURCES_CLOSE if resources else b"}\n}\n"
    return bytes(out)


def _head(header: Mapping[str, Any], commons: Mapping[str, Any]) -> bytearray:
    out = bytearray()
    _pretty({**header, "common": commons}, 0, out)
    del out[-len(b"\n}") :]
    out += RESOURCES_OPEN
    return out


def _pretty(value: Any, depth: int, out: bytearray) -> None:
    """Indented JSON (two spaces, sorted keys) down to COMPACT_DEPTH; deeper values one line each
    (a pinned scene, a stack: what a diff shows as one changed line)."""
    if depth >= COMPACT_DEPTH or not isinstance(value, dict | list) or not value:
        out += orjson.dumps(value, option=_SORTED)
        return
    inner = b"\n" + b"  " * (depth + 1)
    if isinstance(value, list):
        out += b"["
        for index, item in enumerate(value):
            out += inner if index == 0 else b"," + inner
            _pretty(item, depth + 1, out)
        out += b"\n" + b"  " * depth + b"]"
        return
    out += b"{"
    for index, key in enumerate(sorted(value)):
        out += (inner if index == 0 else b"," + inner) + orjson.dumps(key) + b": "
        _pretty(value[key], depth + 1, out)
    out += b"\n" + b"  " * depth + b"}"


def _record_line(address: str, own: Any) -> bytes:
    return b"\n    " + orjson.dumps(address) + b": " + orjson.dumps(own, option=_SORTED)


def parse_exact(data: bytes) -> dict[str, Any] | None:
    """The file's content with every record filled from `common`, when ``data`` is exactly what
    `render_state` writes; None otherwise (the caller then parses strictly and calls
    `fill_records`)."""
    try:
        return _parse_exact(data)
    except (orjson.JSONDecodeError, TypeError):  # TypeError: nested deeper than orjson writes
        return None


def _parse_exact(data: bytes) -> dict[str, Any] | None:
    raw = orjson.loads(data)
    if not (isinstance(raw, dict) and isinstance(raw.get("resources"), dict)):
        return None
    if not isinstance(raw.get("common"), dict):
        return None
    resources = raw.pop("resources")
    commons = raw.pop("common")
    head = _head(raw, commons)
    if not data.startswith(head):
        return None
    end = position = len(head)
    for address, own in resources.items():
        line = _record_line(address, own)
        if not data.startswith(line, position):
            return None
        end = position + len(line)
        position = end + 1  # past the comma (orjson has checked the syntax between records)
    if data[end:] != (RESOURCES_CLOSE if resources else b"}\n}\n"):
        return None
    raw["common"] = commons
    raw["resources"] = fill_records(resources, commons)
    return raw


def fill_records(resources: dict[str, Any], commons: Mapping[str, Any]) -> dict[str, Any]:
    """Each record of ``resources`` (as read) completed in place from its group's `common`."""
    for address, own in resources.items():
        common = commons.get(group_of(address))
        if common and type(own) is dict:
            _fill(own, common)
    return resources


def _fill(own: dict[str, Any], common: Mapping[str, Any]) -> None:
    for key, value in common.items():
        if type(value) is dict:
            sub = own.get(key, _MISSING)
            if sub is _MISSING:
                own[key] = sub = {}
            if type(sub) is dict:
                _fill(sub, value)
        elif key not in own:
            own[key] = value


def shared_values(resources: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per address group of at least MIN_GROUP records: the scalars every record of it has, with
    their place in the record (dicts are descended into; lists are left alone)."""
    groups: dict[str, list[Any]] = {}
    for address, record in resources.items():
        groups.setdefault(group_of(address), []).append(record)
    commons = {}
    for group, records in groups.items():
        if len(records) >= MIN_GROUP and all(type(r) is dict for r in records):
            common = _shared(records)
            if common:
                commons[group] = common
    return commons


def _shared(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    iterator = iter(records)
    candidate = _scalars_of(next(iterator))
    for record in iterator:
        candidate = _intersect(candidate, record)
        if not candidate:
            break
    return candidate


def _scalars_of(record: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        if type(value) is dict:
            sub = _scalars_of(value)
            if sub:
                out[key] = sub
        elif isinstance(value, _SCALARS):
            out[key] = value
    return out


def _intersect(candidate: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in candidate.items():
        theirs = record.get(key, _MISSING)
        if type(value) is dict:
            if type(theirs) is dict:
                sub = _intersect(value, theirs)
                if sub:
                    out[key] = sub
        elif _same_scalar(value, theirs):
            out[key] = value
    return out


def _same_scalar(a: Any, b: Any) -> bool:
    # 1, 1.0 and True are equal in Python but not the same JSON; -0.0 == 0.0 but prints apart.
    return type(a) is type(b) and a == b and (type(a) is not float or repr(a) == repr(b))


def strip_common(record: Any, common: Mapping[str, Any] | None) -> Any:
    """``record`` without the values its group's `common` holds (what its line keeps)."""
    if not common or type(record) is not dict:
        return record
    out = {}
    for key, value in record.items():
        shared = common.get(key, _MISSING)
        if shared is _MISSING:
            out[key] = value
        elif type(shared) is dict:
            own = strip_common(value, shared)
            if own:
                out[key] = own
    return out
