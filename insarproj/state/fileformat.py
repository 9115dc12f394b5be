"""The bytes of `state.json`, format 3 (docs/project-folder.md, "state.json").

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

Format 3 adds one step before both: values a record repeats from itself (a job's own pair, its
own id in its attempts, a pinned scene's name) are written once (state/derived.py).

Only scalars (strings, numbers, booleans, null) are shared, never lists, so no two records in
memory share a mutable value. Reading checks that the bytes are exactly what this module writes
(which also proves there are no duplicate keys); any other bytes (a hand edit, a merge) are read
by the strict parser instead, which names a duplicate key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from sys import intern
from typing import Any

import orjson

from insarproj.state.checks import SAFE_RELPATH, check_record_paths
from insarproj.state.derived import (
    HYP3_JOB_GROUP,
    SINCE_FORMAT,
    compact_inputs,
    compact_record,
    expand_inputs_in_place,
    expand_job_in_place,
    expand_record_in_place,
)
from insarproj.state.lazy import Builder, LazyRecords, Peeked, Peeker, entries
from insarproj.state.sharing import share_pin_names, share_record_names

_SORTED = orjson.OPT_SORT_KEYS
_safe_path = SAFE_RELPATH.fullmatch
_SCALARS = (str, int, float, bool, type(None))
_MISSING = object()
# Fills a record (or one of its tables) from its group's `common` (`_filler`).
Filler = Callable[[dict[str, Any]], dict[str, Any]]
# A group needs at least this many records before its shared values move to `common`: a lone
# record keeps all of its values on its own line.
MIN_GROUP = 2
# inputs > search > pin > scenes > one scene per line (and `common` > kind > one line per value).
COMPACT_DEPTH = 5
RESOURCES_OPEN = b',\n  "resources": {'
RESOURCES_CLOSE = b"\n  }\n}\n"
RECORDS_PER_CHUNK = 2000
_ENDINGS = (b",\n", b"\n")  # of a record's line: more follow, or the last one
_RESOURCES_LINE = b'  "resources": {'


def group_of(address: str) -> str:
    return address.split(".", 1)[0]


def render_state(header: Mapping[str, Any], resources: Mapping[str, Any]) -> bytes:
    """The file: ``header`` (everything but the records) indented, `common`, then one line per
    record in address order."""
    compacted = {address: compact_record(address, record) for address, record in resources.items()}
    commons = shared_values(compacted)
    if "inputs" in header:
        header = {**header, "inputs": compact_inputs(header["inputs"])}
    # One growing buffer, never a list of parts: each small result of orjson.dumps keeps a
    # few KiB of heap alive while it lives (≈ 1 GB for the 180,000 records of 20,000 scenes).
    out = _head(header, commons)
    for index, address in enumerate(sorted(compacted)):
        if index:
            out += b","
        out += _record_line(address, strip_common(compacted[address], commons.get(group_of(address))))
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


def parse_exact(lines: Iterable[bytes], *, lazy: bool = False, where: str = "") -> dict[str, Any] | None:
    """The file's content, every record filled from `common`, when its ``lines`` (an open binary
    file) are exactly what `render_state` writes; None otherwise (the caller then parses the whole
    text strictly and calls `fill_records`). Read one record line at a time, so the file's bytes
    and a parser's tree of all of it are never in memory beside the records.

    With ``lazy``, the records are a `LazyRecords` (state/lazy.py): each plain record's line is
    checked here (shape and paths, as `check_records` does; ``where`` names the file) and kept
    unparsed; any other record is kept parsed, for the caller to check with `check_records`."""
    try:
        return _parse_exact(iter(lines), lazy, where)
    except (orjson.JSONDecodeError, TypeError, ValueError):  # TypeError: nested deeper than orjson writes
        return None


def _parse_exact(lines: Iterator[bytes], lazy: bool, where: str) -> dict[str, Any] | None:
    head = bytearray()
    for line in lines:
        if line.startswith(_RESOURCES_LINE):
            break
        head += line
    else:
        return None
    raw = orjson.loads(head[: -len(b",\n")] + b"\n}")
    if not (isinstance(raw, dict) and isinstance(raw.get("common"), dict)):
        return None
    commons = raw.pop("common")
    if _head(raw, commons) != head + _RESOURCES_LINE:
        return None
    if line not in (_RESOURCES_LINE + b"\n", _RESOURCES_LINE + b"}\n"):
        return None
    del head
    share_pin_names(raw.get("inputs"))  # first, so the records' scene names become the pin's
    keeper = _LineKeeper(commons, raw.get("format_version"), where) if lazy else None
    resources = {} if line == _RESOURCES_LINE + b"}\n" else _record_lines(lines, keeper)
    if resources is None or next(lines, None) != b"}\n" or next(lines, None) is not None:
        return None
    raw["common"] = commons
    expand_inputs(raw)
    if keeper is not None:
        raw["resources"] = keeper.records
        return raw
    raw["resources"] = fill_records(resources, commons, format_version=raw.get("format_version"))
    return raw


def _record_lines(lines: Iterator[bytes], keeper: _LineKeeper | None = None) -> dict[str, Any] | None:
    """The records of the lines after `"resources": {`, up to its closing line, parsed
    RECORDS_PER_CHUNK lines at a time (one parser call each, a bounded tree beside the records).
    With a ``keeper``, the records go to it instead (what is returned then is only the set of
    addresses seen)."""
    resources: dict[str, Any] = {}
    chunk: list[bytes] = []
    for line in lines:
        if line == b"  }\n":
            return resources if _add_chunk(chunk, resources, last=True, keeper=keeper) else None
        chunk.append(line)
        if len(chunk) == RECORDS_PER_CHUNK:
            if not _add_chunk(chunk, resources, last=False, keeper=keeper):
                return None
            chunk = []
    return None


def _add_chunk(
    chunk: list[bytes], resources: dict[str, Any], *, last: bool, keeper: _LineKeeper | None = None
) -> bool:
    """Parse ``chunk`` (record lines) into ``resources``; False unless every line is exactly as
    `render_state` writes it (which also refuses a duplicate address)."""
    if not chunk:
        return not last
    text = b"".join(chunk)
    if not text.endswith(b"\n" if last else b",\n"):
        return False
    parsed = orjson.loads(b"{" + text[: -1 if last else -2] + b"}")
    if len(parsed) != len(chunk):
        return False
    if keeper is not None:
        return keeper.add_chunk(chunk, parsed)
    for line, (address, own) in zip(chunk, parsed.items(), strict=True):
        own_line = orjson.dumps(own, option=_SORTED)
        expected = b"    " + orjson.dumps(address) + b": " + own_line
        if not line.startswith(expected) or line[len(expected) :] not in _ENDINGS or address in resources:
            return False
        address = intern(address)  # kinds build their addresses interned: one string each
        share_record_names(address, own)
        resources[address] = own
    return True


def fill_records(
    resources: dict[str, Any], commons: Mapping[str, Any], *, format_version: Any
) -> dict[str, Any]:
    """Each record of ``resources`` (as read) completed from its group's `common` (a value the
    record has itself wins), then with the values it was written without (state/derived.py)."""
    complete = record_completer(commons, format_version)
    for address, own in resources.items():
        resources[address] = complete(address, own)
    return resources


def record_completer(commons: Mapping[str, Any], format_version: Any) -> Callable[[str, Any], Any]:
    """What `fill_records` does to one record just parsed (in place where it can): a function of
    (address, the record as its line holds it)."""
    fillers = {group: _filler(common) for group, common in commons.items() if type(common) is dict}
    # Only a job's record has values written once (state/derived.py): the others skip the call.
    expand = type(format_version) is int and format_version >= SINCE_FORMAT
    expanded_group = HYP3_JOB_GROUP if expand else None

    def complete(address: str, own: Any) -> Any:
        dot = address.find(".")  # group_of without a list per record (a plan builds 240,000)
        group = address[:dot] if dot >= 0 else address
        fill = fillers.get(group)
        if fill is not None and type(own) is dict:
            own = fill(own)
        if dot >= 0 and group == expanded_group:
            expand_record_in_place(address, own)
        return own

    return complete


def line_builders(
    commons: Mapping[str, Any], format_version: Any, groups: Iterable[str]
) -> dict[str, Builder]:
    """What builds a record of each of ``groups`` from its line's own JSON (a dict, checked when
    the line was kept): `record_completer`'s work, made once per group, so building a record is a
    parse, the group's fill and (a job's) expansion, without finding its group again."""
    expand = type(format_version) is int and format_version >= SINCE_FORMAT
    return {
        group: (_job_builder if expand and group == HYP3_JOB_GROUP else _builder)(_filler(commons[group]))
        for group in groups
    }


def _builder(fill: Filler) -> Builder:
    loads = orjson.loads

    def build(address: str, line: bytes) -> Any:
        return fill(loads(line))

    return build


def _job_builder(fill: Filler) -> Builder:
    loads = orjson.loads

    def build(address: str, line: bytes) -> Any:
        record = fill(loads(line))
        expand_job_in_place(address, record)
        return record

    return build


# The attributes a job's line leaves out when they are derived (state/derived.py): a peek asking for
# one builds the record.
_DERIVED_JOB_KEYS = frozenset(("pair", "attempts"))


def line_peekers(commons: Mapping[str, Any], format_version: Any, groups: Iterable[str]) -> dict[str, Peeker]:
    """What reads a record's status and a few of its attributes from its line (state/lazy.py
    `peek`) for each of ``groups`` (as `line_builders`): the values its record would have, each
    filled from `common` alone, without filling the rest (a job's request: 4 merges per job)."""
    expand = type(format_version) is int and format_version >= SINCE_FORMAT
    builders = line_builders(commons, format_version, groups)
    return {
        group: _peeker(
            commons[group], builders[group], _DERIVED_JOB_KEYS if expand and group == HYP3_JOB_GROUP else None
        )
        for group in builders
    }


def _peeker(common: Mapping[str, Any], build: Builder, derived: frozenset[str] | None) -> Peeker:
    status = common.get("status", _MISSING)  # a line without its own status has this one (lazy_group)
    shared = common.get("attributes", _EMPTY)
    scalars = {k: v for k, v in shared.items() if type(v) is not dict}
    tables = {k: _filler(v) for k, v in shared.items() if type(v) is dict}
    # Left out of what a peek gives unless asked for: a table (filled only when asked for) and a
    # value a job's line may hold without what it derives (state/derived.py).
    unfinished = (*tables, *(derived or ()))
    loads = orjson.loads

    def peek(address: str, line: bytes, keys: tuple[str, ...]) -> Peeked:
        if derived is not None and not derived.isdisjoint(keys):
            return entries(build(address, line), keys)
        own = loads(line)
        attributes = own.get("attributes", _EMPTY)
        if type(attributes) is not dict:  # never written so: the record says what it holds
            return entries(build(address, line), keys)
        # As `_filler` at this level, in one merge: the record's own value wins.
        values = {**scalars, **attributes} if scalars else dict(attributes)
        for key in unfinished:
            if key not in keys:
                values.pop(key, None)
            elif key in tables:
                value = values.get(key, _MISSING)
                if value is _MISSING:
                    values[key] = tables[key]({})
                elif type(value) is dict:
                    values[key] = tables[key](value)
        return own.get("status", status), values

    return peek


def expand_inputs(raw: dict[str, Any]) -> None:
    """The pinned scenes of ``raw`` (a state file as read) with the values written once."""
    version = raw.get("format_version")
    if type(version) is int and version >= SINCE_FORMAT:
        expand_inputs_in_place(raw.get("inputs"))


_RECORD_KEYS = frozenset(("kind", "status", "attributes", "updated_at"))
_EMPTY: dict[str, Any] = {}
# Attributes that name files: a group whose `common` holds one is never kept lazily (its records
# are checked whole, by check_records).
_PATH_KEYS = ("path", "files", "previous")


class _LineKeeper:
    """Where `parse_exact(lazy=True)` puts records: each plain one as its line, checked now as
    `check_records` would check it whole (the same shape; its paths by check_record_paths), any
    other filled and kept parsed (`eager`), for the caller to check whole."""

    def __init__(self, commons: Mapping[str, Any], format_version: Any, where: str) -> None:
        self.complete = record_completer(commons, format_version)
        self.kinds = {g: c["kind"] for g, c in commons.items() if lazy_group(c)}
        # Per group: the record keys its `common` does not give (every line must have them).
        self.missing = {g: _RECORD_KEYS - commons[g].keys() for g in self.kinds}
        self.records = LazyRecords(
            line_builders(commons, format_version, self.kinds),
            self.kinds,
            line_peekers(commons, format_version, self.kinds),
        )
        self.seen = self.records.items_by_address()
        self.where = where

    def add_chunk(self, chunk: list[bytes], parsed: dict[str, Any]) -> bool:
        """`_add_chunk` of a lazy load: False unless each line is exactly as `render_state` writes
        it; each record kept as its line when plain (`_plain`), else filled and kept parsed. One
        loop with its names bound locally: 180,000 lines at 20,000 scenes."""
        items, missing_of, plain, complete = self.seen, self.missing, self._plain, self.complete
        dumps = orjson.dumps
        # The group of the line before, as "<group>." (addresses come sorted, a group's in a row):
        # an address it starts is of that group. None (kept parsed) is the safe guess to start.
        prefix, missing = "\0.", None
        for line, (address, own) in zip(chunk, parsed.items(), strict=True):
            own_line = dumps(own, option=_SORTED)
            expected = b"    " + dumps(address) + b": " + own_line
            end = len(expected)
            if not line.startswith(expected) or line[end:] not in _ENDINGS or address in items:
                return False
            address = intern(address)  # kinds build their addresses interned: one string each
            if not address.startswith(prefix):
                dot = address.find(".")
                group = address[:dot] if dot >= 0 else address
                missing, prefix = missing_of.get(group), group + "."
            if missing is not None and type(own) is dict and plain(address, own, missing):
                # A slice of the line read, not orjson's result: each of those holds a few KiB of
                # heap. Put in the kept map's own dict (`keep_line`, without a call per line).
                items[address] = line[end - len(own_line) : end]
            else:
                items[address] = complete(address, own)
        return True

    def _plain(self, address: str, own: dict[str, Any], missing: frozenset[str]) -> bool:
        keys = own.keys()
        if "kind" in own or not (keys <= _RECORD_KEYS and missing <= keys):
            return False
        if type(own.get("status", "")) is not str or type(own.get("updated_at", "")) is not str:
            return False
        attributes = own.get("attributes", _EMPTY)
        if type(attributes) is not dict:
            return False
        path = attributes.get("path")
        files = attributes.get("files")
        # As check_records: a plain path, and no file names given as strings (a HyP3 job's files
        # are the server's {"filename": ...} records, kinds/products.py) nor a kept `previous`.
        if (
            (path is None or (type(path) is str and _safe_path(path)))
            and "previous" not in attributes
            and (not files or (type(files) is list and str not in map(type, files)))
        ):
            return True
        check_record_paths(address, {"attributes": attributes}, where=self.where)
        return True


def lazy_group(common: Any) -> bool:
    """Records of this group can be kept as lines: `common` gives them their kind, the rest of what
    it gives has the record's shape, and it names no file (checked per line instead)."""
    if type(common) is not dict or type(common.get("kind")) is not str or not common.keys() <= _RECORD_KEYS:
        return False
    if not all(type(common.get(k, "")) is str for k in ("status", "updated_at")):
        return False
    attributes = common.get("attributes", {})
    return type(attributes) is dict and not any(k in attributes for k in _PATH_KEYS)


def _filler(common: Mapping[str, Any]) -> Filler:
    """What fills a record (or one of its tables) from one group's `common`: its scalars merged in
    one dict merge, then each sub-table the same way. A function per level, made once per load,
    so filling a record is a few C-level merges (about 240,000 records built per plan at 20,000
    scenes); a record's own value wins."""
    scalars = {k: v for k, v in common.items() if type(v) is not dict}
    tables = [(k, _filler(v)) for k, v in common.items() if type(v) is dict]
    if not tables:
        if not scalars:
            return _unchanged
        return lambda own: {**scalars, **own}

    def fill(own: dict[str, Any]) -> dict[str, Any]:
        merged = {**scalars, **own} if scalars else own
        for key, table in tables:
            sub = merged.get(key, _MISSING)
            if sub is _MISSING:
                merged[key] = table({})
            elif type(sub) is dict:
                merged[key] = table(sub)
        return merged

    return fill


def _unchanged(own: dict[str, Any]) -> dict[str, Any]:
    return own


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
