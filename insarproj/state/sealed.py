"""Reading a sealed state.json (docs/project-folder.md, "Sealed state"; the seal: state/seal.py).

Why: a file this machine's insarproj wrote, with records that passed the load's checks when it
was written, needs neither the proof that its bytes are exactly what `render_state` writes nor
those checks again. So it is read in one pass over blocks of bytes, each fed to the seal's HMAC:
the header is parsed, and each record line is split into its address and its own JSON without
parsing it (`render_state` writes `    "<address>": <record>`), kept as those bytes for a lazy
read (state/lazy.py) or parsed and filled for an eager one. Only when the HMAC of every byte read
equals the seal are the records used; otherwise the caller reads the file again as any other file
(state/fileformat.py `parse_exact`), so a file that was changed since it was sealed is checked in
full and refused or read strictly exactly as an unsealed one.
"""

from __future__ import annotations

import hmac
from bisect import bisect_left
from sys import intern
from typing import Any, BinaryIO

import orjson

from insarproj.state.fileformat import (
    expand_inputs,
    lazy_group,
    line_builders,
    line_peekers,
    record_completer,
)
from insarproj.state.lazy import LazyRecords
from insarproj.state.seal import matches, new_mac
from insarproj.state.sharing import share_pin_names, share_record_names

_RESOURCES_LINE = b'  "resources": {'
_END = b"\n  }\n}\n"  # after the last record line
# Bytes read (and fed to the HMAC) at a time: a bounded buffer beside the records kept.
BLOCK_BYTES = 1 << 16


def parse_sealed(
    handle: BinaryIO, key: bytes, seal: bytes, *, lazy: bool, format_version: int
) -> dict[str, Any] | None:
    """The file's content (as `parse_exact` gives it) when the HMAC under ``key`` of all the bytes
    of ``handle`` is ``seal`` and the file is of ``format_version``; None otherwise."""
    mac = new_mac(key)
    try:
        raw = _read(handle, mac, lazy, format_version)
    except (orjson.JSONDecodeError, ValueError, TypeError, IndexError, KeyError):
        return None  # bytes no seal can match (the HMAC is checked at the end in any case)
    if raw is None or not matches(mac, seal):
        return None
    return raw


def _read(handle: BinaryIO, mac: hmac.HMAC, lazy: bool, format_version: int) -> dict[str, Any] | None:
    head = bytearray()
    for line in handle:
        head += line
        if line.startswith(_RESOURCES_LINE):
            break
    else:
        return None
    mac.update(head)
    raw = orjson.loads(head[: -len(line) - len(b",\n")] + b"\n}")
    del head  # the pin's bytes (14 MB at 20,000 scenes): not beside the records
    if type(raw) is not dict or raw.get("format_version") != format_version:
        return None
    commons = raw.get("common")
    if type(commons) is not dict:
        return None
    share_pin_names(raw.get("inputs"))  # first, so the records' scene names become the pin's
    records = _Records(commons, format_version, lazy)
    if line == _RESOURCES_LINE + b"}\n":
        rest = handle.read()
        mac.update(rest)
        if rest != b"}\n":
            return None
    elif line != _RESOURCES_LINE + b"\n" or not _read_records(handle, mac, records):
        return None
    expand_inputs(raw)
    raw["resources"] = records.records
    return raw


def _read_records(handle: BinaryIO, mac: hmac.HMAC, records: _Records) -> bool:
    """The record lines up to the end of the file, a block at a time. Each line but the last
    ends with `,\n`, which no compact JSON holds otherwise: split there, a block holds whole lines
    and the start of one the next block ends."""
    carry = b""
    while block := handle.read(BLOCK_BYTES):
        mac.update(block)
        escaped = b"\\" in carry or b"\\" in block
        lines = block.split(b",\n")
        if carry:  # the line the block before began: its end is the first line's start
            # (split again where the block cut a separator in two: `,` | `\n`)
            lines[0:1] = (carry + lines[0]).split(b",\n")
        carry = lines.pop()
        records.add(lines, escaped=escaped)
    if not carry.endswith(_END):
        return False
    last = carry[: -len(_END)]
    records.add([last], escaped=b"\\" in last)
    return True


class _Records:
    """Where the record lines go: each kept as its own JSON (lazy, a group whose `common` gives
    the kind, as `parse_exact` keeps them) or parsed and completed."""

    def __init__(self, commons: dict[str, Any], format_version: int, lazy: bool) -> None:
        self.complete = record_completer(commons, format_version)
        self.kinds = {g: c["kind"] for g, c in commons.items() if lazy and lazy_group(c)}
        self.records: dict[str, Any] | LazyRecords = {}
        # Lines go straight into the lazy map's own dict (a method call per line costs more).
        self.items: Any = self.records
        if lazy:
            self.records = LazyRecords(
                line_builders(commons, format_version, self.kinds),
                self.kinds,
                line_peekers(commons, format_version, self.kinds),
            )
            self.items = self.records.items_by_address()

    def add(self, lines: list[bytes], *, escaped: bool) -> None:
        """Add ``lines`` (`    "<address>": <record>`, in address order). An address without a
        backslash is the text between its quotes, so each line is split at its first `": `
        (``escaped``: the lines may hold a backslash, and a line whose part before that has one
        is parsed instead). Each run of one group's lines is then added at once (180,000 lines at
        20,000 scenes). A malformed line makes garbage here that the HMAC then refuses."""
        parts = [line.partition(b'": ') for line in lines]
        addresses = [head[5:].decode() for head, _, _ in parts]
        values = [value for _, _, value in parts]
        if escaped:
            for index, (head, _, _) in enumerate(parts):
                if b"\\" in head:
                    addresses[index], values[index] = _split_parsed(lines[index])
        addresses = list(map(intern, addresses))
        start, count = 0, len(addresses)
        while start < count:
            address = addresses[start]
            dot = address.find(".")
            group = address[:dot] if dot >= 0 else address
            # Sorted addresses: those of a group ("<group>.<rest>") lie before "<group>/".
            end = bisect_left(addresses, group + "/", start) if dot >= 0 else start + 1
            if group in self.kinds:
                self.items.update(zip(addresses[start:end], values[start:end], strict=True))
            else:
                for index in range(start, end):
                    self._put(addresses[index], orjson.loads(values[index]))
            start = end

    def _put(self, address: str, own: Any) -> None:
        share_record_names(address, own)
        self.records[address] = self.complete(address, own)


def _split_parsed(line: bytes) -> tuple[str, bytes]:
    """The address and the record's own JSON of a line whose address may hold escapes: parsed,
    and its JSON found after the address as `render_state` spells it."""
    address = next(iter(orjson.loads(b"{" + line + b"}")))
    return address, line[len(b"    ") + len(orjson.dumps(address)) + len(b": ") :]
