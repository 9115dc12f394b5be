"""Records kept as the bytes of their line in state.json until a reader asks for one
(docs/project-folder.md, "Reading a large state").

Why: a plan reads each record once or twice and keeps none of them. Parsed and filled from
`common`, the 180,000 records of a 20,000-scene project take ≈ 290 MiB of small dicts; their
lines take ≈ 65 MiB. A read-only plan (`StateStore.load(lazy=True)`) therefore keeps each line
checked at load (exactly as written, shape and paths as `check_records` checks them, see
state/fileformat.py) but unparsed, and builds the record each time it is asked for: a new dict,
filled from `common` and given back its derived values, so every reader sees exactly the record
that was written. Records put by the journal replay are kept as they are.

A record asked for twice is parsed twice (≈ 3 µs): callers on the plan path ask once where they
can. A writer (apply) never gets a lazy state: what it changes must be the objects it holds.
"""

from __future__ import annotations

from collections.abc import Callable, ItemsView, Iterator, Mapping, MutableMapping, ValuesView
from typing import Any

from insarproj.state.records import Record

# Builds the record a line stands for: (address, the line's bytes) -> a new record. One per
# address group (state/fileformat.py `line_builders`): what to fill in is the group's.
Builder = Callable[[str, bytes], Record]
# A record's status and entries of its attributes, exactly as the record `Builder` builds has
# them: every one asked for that it has, maybe others; read from its line without building the
# rest (`peek`).
Peeked = tuple[Any, dict[str, Any]]
Peeker = Callable[[str, bytes, tuple[str, ...]], Peeked]


class LazyRecords(MutableMapping[str, Record]):
    """address -> record, in file order; each value a record or the bytes of its line."""

    __slots__ = ("_builders", "_items", "_kinds", "_peekers")

    def __init__(
        self,
        builders: Mapping[str, Builder],
        kinds: Mapping[str, str],
        peekers: Mapping[str, Peeker] | None = None,
    ) -> None:
        self._items: dict[str, Record | bytes] = {}
        self._builders = builders  # address group -> what builds a kept line of the group
        self._kinds = kinds  # address group -> the kind every kept line of the group has
        # address group -> what reads a few values of a kept line (`peek`); a group without one
        # has its record built for a peek.
        self._peekers = peekers or {}

    def keep_line(self, address: str, line: bytes) -> None:
        """Keep ``line`` (a record's own JSON, checked by the caller) for ``address``."""
        self._items[address] = line

    def items_by_address(self) -> dict[str, Record | bytes]:
        """The values by address as kept (records or lines), this map's own dict: membership
        tests at C speed, and a loader puts lines (checked) or records without a call each."""
        return self._items

    def parsed(self) -> dict[str, Record]:
        """The records kept parsed (not as lines)."""
        return {a: v for a, v in self._items.items() if type(v) is not bytes}  # type: ignore[misc]

    def kind_of(self, address: str) -> str:
        value = self._items[address]
        if isinstance(value, bytes):
            return self._kinds[address.split(".", 1)[0]]
        return value["kind"]

    def __getitem__(self, address: str) -> Record:
        value = self._items[address]
        if type(value) is bytes:
            return self._build(address, value)
        return value  # type: ignore[return-value]  # a record (the only other value)

    def get(self, address: str, default: Any = None) -> Any:
        value = self._items.get(address)
        if value is None:
            return default
        if type(value) is bytes:
            return self._build(address, value)
        return value

    def _build(self, address: str, line: bytes) -> Record:
        dot = address.find(".")
        return self._builders[address[:dot] if dot >= 0 else address](address, line)

    def __setitem__(self, address: str, record: Record) -> None:
        self._items[address] = record

    def __delitem__(self, address: str) -> None:
        del self._items[address]

    def __contains__(self, address: object) -> bool:
        return address in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def by_kind(self) -> dict[str, KindView]:
        """A view of the records of each kind (a list of addresses each, not a copy of the map)."""
        kinds, items = self._kinds, self._items
        addresses: dict[str, list[str]] = {}
        for address, value in items.items():  # 180,000 at 20,000 scenes: no list per address
            if type(value) is bytes:
                dot = address.find(".")
                kind = kinds[address[:dot] if dot >= 0 else address]
            else:
                kind = value["kind"]  # type: ignore[call-overload]  # a record
            found = addresses.get(kind)
            if found is None:
                found = addresses[kind] = []
            found.append(address)
        return {kind: KindView(self, kind, found) for kind, found in addresses.items()}


class KindView(Mapping[str, Record]):
    """The records of one kind of a `LazyRecords`, as it was when the view was made."""

    __slots__ = ("_addresses", "_builders", "_kind", "_peekers", "_records")

    def __init__(self, records: LazyRecords, kind: str, addresses: list[str]) -> None:
        self._records, self._kind, self._addresses = records, kind, addresses
        # The builders of the groups whose kept lines are of this kind: one lookup finds both.
        kinds = records._kinds
        self._builders = {g: b for g, b in records._builders.items() if kinds[g] == kind}
        self._peekers = {g: p for g, p in records._peekers.items() if g in self._builders}

    def __getitem__(self, address: str) -> Record:
        record = self.get(address, _ABSENT)
        if record is _ABSENT:
            raise KeyError(address)
        return record  # type: ignore[no-any-return]  # a record (get's only other value)

    def get(self, address: str, default: Any = None) -> Any:
        # One lookup of the kept value (the planner asks once per desired resource).
        records = self._records
        value = records._items.get(address)
        if value is None:
            return default
        if type(value) is bytes:
            dot = address.find(".")
            build = self._builders.get(address[:dot] if dot >= 0 else address)
            return default if build is None else build(address, value)
        return value if value["kind"] == self._kind else default  # type: ignore[call-overload]  # a record

    def peek(self, address: str, keys: tuple[str, ...]) -> Peeked | None:
        """`peek` of this view's record at ``address``: as `get`, without building a kept line."""
        value = self._records._items.get(address)
        if value is None:
            return None
        if type(value) is bytes:
            dot = address.find(".")
            group = address[:dot] if dot >= 0 else address
            read = self._peekers.get(group)
            if read is not None:
                return read(address, value, keys)
            build = self._builders.get(group)
            return None if build is None else entries(build(address, value), keys)
        return entries(value, keys) if value["kind"] == self._kind else None  # type: ignore[call-overload,arg-type]

    def __contains__(self, address: object) -> bool:
        records = self._records
        return isinstance(address, str) and address in records and records.kind_of(address) == self._kind

    def __iter__(self) -> Iterator[str]:
        return iter(self._addresses)

    def __len__(self) -> int:
        return len(self._addresses)

    def items(self) -> ItemsView[str, Record]:
        return _KindItems(self)

    def values(self) -> ValuesView[Record]:
        return _KindValues(self)

    def _pairs(self) -> Iterator[tuple[str, Record]]:
        """(address, record) of each address of the view, each record looked up and built
        once (a kind reads all its records in one pass: 60,000 products at 20,000 scenes);
        `get` spelled out, without a call per record."""
        items, builders, kind = self._records._items, self._builders, self._kind
        for address in self._addresses:
            value = items.get(address)
            if type(value) is bytes:
                dot = address.find(".")
                build = builders.get(address[:dot] if dot >= 0 else address)
                if build is not None:
                    yield address, build(address, value)
                    continue
            elif value is not None and value["kind"] == kind:  # type: ignore[call-overload]  # a record
                yield address, value  # type: ignore[misc]  # a record (the only other value)
                continue
            raise KeyError(address)  # as Mapping's own items() would


class _KindItems(ItemsView[str, Record]):
    """`KindView.items()`: each record looked up and built once, not checked and built apart."""

    _mapping: KindView

    def __iter__(self) -> Iterator[tuple[str, Record]]:
        return self._mapping._pairs()


class _KindValues(ValuesView[Record]):
    _mapping: KindView

    def __iter__(self) -> Iterator[Record]:
        return (record for _address, record in self._mapping._pairs())


_ABSENT: Any = object()


def peek(records: Mapping[str, Record], address: str, keys: tuple[str, ...]) -> Peeked | None:
    """The status of the record at ``address`` of ``records`` (a kind's records, `State.by_kind`)
    and entries of its attributes: each named in ``keys`` that it has, and maybe others, each as
    the record has it; None when there is none. For
    a verdict that needs a few values of a record: a `KindView` reads them from the record's line
    without building the whole record (≈ 3 µs for a HyP3 job: its request filled from `common`)."""
    if type(records) is KindView:
        return records.peek(address, keys)
    record = records.get(address)
    return None if record is None else entries(record, keys)


def entries(record: Record, keys: tuple[str, ...]) -> Peeked:
    """`peek` of a record at hand."""
    attributes = record["attributes"]
    return record["status"], {key: attributes[key] for key in keys if key in attributes}
