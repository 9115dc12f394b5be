"""Durable state: `state.json` plus an append-only journal (docs/project-folder.md, docs/safety.md).

Why a journal: a project of 2,000 scenes and 6,000 pairs has a multi-megabyte state; rewriting
it after every completed action would cost O(state) per action. Instead each completed action is
one fsync'd, sequence-numbered, checksummed line in `.insarproj/journal.<first-seq>.jsonl`
(O(action)). The journal is folded into `state.json` atomically (temp file, fsync, rename, backup
kept) once it has grown as large as the state file itself, so the amortised cost per action
stays proportional to the action. An apply that ends below that threshold leaves its lines for
readers to replay and the next apply to append to, unless state.json is small (SMALL_STATE_BYTES),
where a fold costs milliseconds and the folder is left folded. `state.json` records the last
folded sequence number; a new journal file starts after a fold, and old ones are deleted only
after the fold is durable, so a crash at any point leaves a reader that never applies a line
twice (lines with seq <= journal_seq are skipped) and never misses one.

Readers (plan, show) replay the journal in memory; they never write. Only an apply that holds the
project lock opens a `StateWriter`, which repairs a torn tail an interrupted apply left behind and
appends after it (folding first by the same rule as at the end of an apply).
"""

from __future__ import annotations

import gc
import hmac
import json
import os
import threading
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from pydantic import ValidationError

from insarproj import __version__
from insarproj.errors import DiskFullError, InsarprojError, StateError, storage_error
from insarproj.fsutil import FILE_MODE, atomic_write_bytes, canonical_json, fsync_dir
from insarproj.layout import STATE_DIR
from insarproj.state.checks import check_record_paths, check_records, load_json_object
from insarproj.state.fileformat import expand_inputs, fill_records, parse_exact, render_state
from insarproj.state.lazy import KindView, LazyRecords
from insarproj.state.model import FORMAT_VERSION, JOURNAL_FORMAT_VERSION, JournalLine, StateFile
from insarproj.state.records import DeleteOp, InputOp, JournalOp, PlanAppliedOp, PutOp, Record
from insarproj.state.seal import hashed_lines, make_key, new_mac, read_key, read_seal, seal_of, write_seal
from insarproj.state.sealed import parse_sealed

STATE_NAME = "state.json"
BACKUP_NAME = "state.json.backup"
JOURNAL_GLOB = "journal.*.jsonl"
APPLIED_PLANS_KEPT = 50
# Below this size folding is cheap anyway; avoids folding a tiny state after every action.
MIN_FOLD_BYTES = 256 * 1024
# A state.json below this size is also folded when a writer opens or closes (an apply starts or
# ends): a fold costs milliseconds there. A larger one is folded only past the threshold above.
SMALL_STATE_BYTES = 1024 * 1024


def utcnow() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record_time() -> str:
    """A record's `updated_at`: UTC to the second. Nothing orders or compares records by it (it
    tells a reader when an action wrote the record); microseconds cost 7 bytes on each of a large
    project's 180,000 record lines (docs/project-folder.md)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- operations ------------------------------------------------------------------------------


def op_put(
    address: str, kind: str, status: str, attributes: Mapping[str, Any], *, at: str | None = None
) -> PutOp:
    # Every caller passes a dict (typed attributes are dicts at run time): kept as is, not copied.
    record: Record = {
        "kind": kind,
        "status": status,
        "attributes": cast(dict[str, Any], attributes),
        "updated_at": at or record_time(),
    }
    return {"op": "put", "address": address, "record": record}


def op_delete(address: str) -> DeleteOp:
    return {"op": "del", "address": address}


def op_input(name: str, value: Any) -> InputOp:
    return {"op": "input", "name": name, "value": value}


def op_plan_applied(plan_id: str) -> PlanAppliedOp:
    return {"op": "plan_applied", "plan_id": plan_id}


# --- in-memory state ------------------------------------------------------------------------


@dataclass
class State:
    """A consistent snapshot: state.json with any unfolded journal lines applied."""

    lineage: str
    serial: int
    journal_seq: int  # last sequence number applied (folded or replayed)
    folded_seq: int  # last sequence number contained in state.json itself
    created_at: str
    insarproj_version: str
    inputs: dict[str, Any] = field(default_factory=dict[str, Any])
    # A plain dict; for a read-only load (`StateStore.load(lazy=True)`) a LazyRecords, which builds
    # each record anew when asked (state/lazy.py): never change a record of it in place.
    resources: MutableMapping[str, Record] = field(default_factory=dict[str, Any])
    applied_plans: list[str] = field(default_factory=list)
    _by_kind: dict[str, MutableMapping[str, Record]] | None = field(default=None, repr=False)
    _views: dict[str, KindView] | None = field(default=None, repr=False)  # by_kind of a lazy state
    # The format state.json was read in: an older one is rewritten in this format by the next apply.
    read_format: int = FORMAT_VERSION
    # The seal state.json's bytes would have (state/seal.py), when a writer read them in full and
    # they passed every check as they are: the writer seals the file (it was not sealed, or not here).
    seal: bytes | None = field(default=None, repr=False)

    def get(self, address: str) -> Record | None:
        return self.resources.get(address)

    @property
    def lazy(self) -> bool:
        """True when records are built anew on each access (a read-only load): a reader then asks
        for each record as few times as it can, and keeps no part of one to save memory."""
        return isinstance(self.resources, LazyRecords)

    def by_kind(self, kind: str) -> Mapping[str, Record]:
        if isinstance(self.resources, LazyRecords):
            # Views by address (the kind of a kept line is its group's: no record is built for it).
            if self._views is None:
                self._views = self.resources.by_kind()
            return self._views.get(kind, {})
        if self._by_kind is None:
            index: dict[str, MutableMapping[str, Record]] = {}
            for address, record in self.resources.items():
                index.setdefault(record["kind"], {})[address] = record
            self._by_kind = index
        return self._by_kind.get(kind, {})

    def apply_ops(self, ops: Iterable[JournalOp]) -> None:
        self._views = None  # made again when asked for (a lazy state's index)
        for op in ops:
            # Narrowed on the "op" tag: each branch reads only its own operation's keys.
            if op["op"] == "put":
                record = op["record"]
                self.resources[op["address"]] = record
                if self._by_kind is not None:
                    self._drop_from_index(op["address"])
                    self._by_kind.setdefault(record["kind"], {})[op["address"]] = record
            elif op["op"] == "del":
                self.resources.pop(op["address"], None)
                if self._by_kind is not None:
                    self._drop_from_index(op["address"])
            elif op["op"] == "input":
                if op["value"] is None:
                    self.inputs.pop(op["name"], None)
                else:
                    self.inputs[op["name"]] = op["value"]
            elif op["op"] == "plan_applied":
                self.applied_plans.append(op["plan_id"])
                del self.applied_plans[:-APPLIED_PLANS_KEPT]
            else:  # pragma: no cover - guarded by JournalOp validation
                raise StateError(f"unknown journal operation {op['op']!r}")

    def _drop_from_index(self, address: str) -> None:
        assert self._by_kind is not None
        for records in self._by_kind.values():
            records.pop(address, None)

    def header(self) -> dict[str, Any]:
        """Everything state.json holds but the records."""
        return {
            "format_version": FORMAT_VERSION,
            "lineage": self.lineage,
            "serial": self.serial,
            "insarproj_version": __version__,
            "journal_seq": self.journal_seq,
            "created_at": self.created_at,
            "inputs": self.inputs,
            "applied_plans": self.applied_plans,
        }

    def to_bytes(self) -> bytes:
        """state.json as this insarproj writes it (state/fileformat.py)."""
        return render_state(self.header(), self.resources)


# --- the store ---------------------------------------------------------------------------------


class StateStore:
    """Reads and (through `StateWriter`) writes one project's `.insarproj` folder."""

    def __init__(self, state_dir: Path, *, notify: Callable[[str], None] | None = None) -> None:
        self.dir = Path(state_dir)
        # Tells the user what a write changed beyond the records (a format migration).
        self.notify: Callable[[str], None] = notify or (lambda message: None)
        self.path = self.dir / STATE_NAME
        self.backup_path = self.dir / BACKUP_NAME

    # creation -------------------------------------------------------------------------------
    def create(self, lineage: str | None = None) -> State:
        """Write an empty state with a fresh lineage (used by `init`); refuses to overwrite."""
        if self.path.exists():
            raise StateError(f"{self.path} already exists; refusing to overwrite a project's state")
        now = utcnow()
        state = State(
            lineage=lineage or str(uuid.uuid4()),
            serial=0,
            journal_seq=0,
            folded_seq=0,
            created_at=now,
            insarproj_version=__version__,
        )
        self.write(state.to_bytes(), state.resources, backup=False)
        return state

    def exists(self) -> bool:
        return self.path.exists()

    # reading -------------------------------------------------------------------------------
    def load(self, *, expected_lineage: str | None = None, lazy: bool = False) -> State:
        """Load state.json and replay the journal in memory (read-only). With ``lazy`` its records
        are kept as checked lines and built on access (state/lazy.py): for readers that change
        nothing (plan, show), a third of the memory at 20,000 scenes."""
        state = self._load_file(lazy=lazy)
        if expected_lineage and state.lineage != expected_lineage:
            raise StateError(
                f"{self.path} belongs to another project (lineage {state.lineage}, expected "
                f"{expected_lineage})",
                hint=f"restore this project's own {STATE_DIR}/state.json",
            )
        for line in self._journal_lines(state, repair=False):
            state.apply_ops(line["ops"])
            state.serial = line["serial"]
            state.journal_seq = line["seq"]
        return state

    def load_backup(self) -> State:
        """The previous state.json (`state.json.backup`), checked like the state itself."""
        if not self.backup_path.exists():
            raise StateError(f"there is no backup {self.backup_path}", hint=recovery_hint(self, broken=True))
        return self._load_file(self.backup_path)

    def _load_file(self, path: Path | None = None, *, lazy: bool = False, key: bytes | None = None) -> State:
        """The state file at ``path`` (state.json), checked. With ``key``, a file read in full (not
        through its seal) is given the seal its bytes would have (`State.seal`) when its records
        passed every check as they are (what `StateWriter` seals)."""
        path = path or self.path
        if not path.exists():
            raise StateError(f"no state file at {path}", hint=recovery_hint(self, broken=False))
        hint = recovery_hint(self, broken=True)
        raw, mac, sealed = self._read_raw(path, hint, lazy=lazy, key=key)
        if not isinstance(raw, dict) or "format_version" not in raw:
            raise StateError(f"{path} is not an insarproj state file", hint=hint)
        self._check_format_version(path, raw["format_version"], hint)
        resources = raw.get("resources", {})
        try:
            # The header through pydantic; the records through one cheap loop (check_records),
            # which asks pydantic only about a record it refuses, for the same message.
            parsed = StateFile.model_validate({**raw, "resources": {}})
            if not isinstance(resources, dict | LazyRecords):
                StateFile.model_validate(raw)
            # A sealed file's records passed these checks when it was written (state/seal.py).
            odd = [] if sealed else check_records(_to_check(resources), where=str(path))
            if odd:
                StateFile.model_validate({**raw, "resources": {a: resources[a] for a in odd}})
        except ValidationError as exc:
            raise StateError(f"{path} is invalid at {_first_error(exc)}", hint=hint) from exc
        return State(
            lineage=parsed.lineage,
            serial=parsed.serial,
            journal_seq=parsed.journal_seq,
            folded_seq=parsed.journal_seq,
            created_at=parsed.created_at,
            insarproj_version=parsed.insarproj_version,
            inputs=raw.get("inputs", {}),
            # Keep the validated-but-raw dicts: cheap, and what we write back.
            resources=resources,
            applied_plans=list(parsed.applied_plans),
            read_format=parsed.format_version,
            seal=mac.digest()
            if mac is not None and not odd and parsed.format_version == FORMAT_VERSION
            else None,
        )

    def _read_raw(
        self, path: Path, hint: str, *, lazy: bool, key: bytes | None
    ) -> tuple[Any, hmac.HMAC | None, bool]:
        """The file's content as read: through its seal (state/sealed.py), else exactly as
        written (state/fileformat.py), else strictly; with ``key`` and read exactly (not through
        the seal), the HMAC of the bytes read; whether it was read through its seal."""
        sealed = self._seal_to_check(path)
        try:
            with gc_paused(), open(path, "rb") as handle:
                if sealed is not None:
                    raw = parse_sealed(handle, *sealed, lazy=lazy, format_version=FORMAT_VERSION)
                    if raw is not None:
                        return raw, None, True
                    handle.seek(0)
                mac = new_mac(key) if key is not None else None
                raw = parse_exact(hashed_lines(handle, mac) if mac else handle, lazy=lazy, where=str(path))
                if raw is not None:
                    return raw, mac, False
                handle.seek(0)
                return _parse_state_strictly(handle.read(), path, hint), None, False
        except OSError as exc:
            raise StateError(f"{path} is corrupt ({_short(exc)})", hint=hint) from exc

    def _seal_to_check(self, path: Path) -> tuple[bytes, bytes] | None:
        """This machine's key and the seal of state.json, when ``path`` is it and both exist."""
        if path != self.path:
            return None
        seal = read_seal(self.dir)
        key = read_key(self.dir) if seal is not None else None
        return (key, seal) if key is not None and seal is not None else None

    def write(self, data: bytes, resources: Mapping[str, Record], *, backup: bool) -> None:
        """Write ``data`` (the state rendered from ``resources``) as state.json, then seal it when
        its records pass the load's checks (state/seal.py); a state that does not keeps no seal."""
        atomic_write_bytes(self.path, data, backup=self.backup_path if backup else None)
        key = make_key(self.dir)
        write_seal(self.dir, seal_of(key, data) if key is not None and _sealable(resources) else None)

    @staticmethod
    def _check_format_version(path: Path, version: Any, hint: str) -> None:
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise StateError(
                f"{path} has format_version {version!r}, which is not a format number "
                f"(this insarproj writes the number {FORMAT_VERSION}, without quotes)",
                hint=hint,
            )
        if version > FORMAT_VERSION:
            raise StateError(
                f"{path} has format_version {version!r}, newer than this insarproj ({__version__}) "
                "understands "
                f"(format {FORMAT_VERSION})",
                hint="upgrade insarproj: pip install -U insarproj",
            )

    def journal_files(self) -> list[Path]:
        files = []
        for path in self.dir.glob(JOURNAL_GLOB):
            try:
                first = int(path.name.split(".")[1])
            except (IndexError, ValueError):
                continue
            files.append((first, path))
        return [p for _, p in sorted(files)]

    def _journal_lines(self, state: State, *, repair: bool) -> Iterator[dict[str, Any]]:
        """Yield valid journal lines newer than the state; a torn last line is ignored.

        With ``repair`` (writer only, under the lock) the torn tail is truncated so the next
        append starts on a clean line.
        """
        files = self.journal_files()
        expected = state.journal_seq + 1
        hint = _journal_hint(self)
        for index, path in enumerate(files):
            is_last_file = index == len(files) - 1
            with open(path, "rb") as handle:
                data = handle.read()
            offset = 0
            lines = data.split(b"\n")
            for line_no, chunk in enumerate(lines):
                is_tail = line_no == len(lines) - 1
                if is_tail:
                    if chunk.strip() and is_last_file:
                        # No newline: the write of this line never completed.
                        if repair:
                            _truncate(path, offset)
                    elif chunk.strip():
                        raise StateError(f"{path} has a torn line in the middle of the journal", hint=hint)
                    break
                where = f"{path} line {line_no + 1}"
                parsed = _parse_line(chunk, where=where, hint=hint)
                if parsed is None:
                    if is_last_file and line_no == len(lines) - 2 and not lines[-1].strip():
                        # The last complete-looking line is damaged (torn before its newline
                        # was made durable): treat it as never written.
                        if repair:
                            _truncate(path, offset)
                        break
                    raise StateError(f"{where} is corrupt", hint=hint)
                offset += len(chunk) + 1
                _validate_line(parsed, where=where, hint=hint)
                if parsed["lineage"] != state.lineage:
                    raise StateError(
                        f"{path} belongs to another project (lineage {parsed['lineage']})",
                        hint=f"move the foreign journal file out of {STATE_DIR}",
                    )
                seq = parsed["seq"]
                if seq < expected:
                    continue  # already folded into state.json
                if seq != expected:
                    raise StateError(
                        f"{path}: journal sequence jumps from {expected - 1} to {seq}", hint=hint
                    )
                expected += 1
                yield parsed

    # writing ------------------------------------------------------------------------------
    def open_writer(self, *, expected_lineage: str | None = None) -> StateWriter:
        """Open for writing; the caller must hold the project lock. A state.json that was not
        sealed here but passes every check is sealed now (state/seal.py), for the readers after."""
        state = self._load_file(key=make_key(self.dir))
        if expected_lineage and state.lineage != expected_lineage:
            raise StateError(f"{self.path} belongs to another project (lineage {state.lineage})")
        if state.seal is not None:
            write_seal(self.dir, state.seal)
            state.seal = None
        for line in self._journal_lines(state, repair=True):
            state.apply_ops(line["ops"])
            state.serial = line["serial"]
            state.journal_seq = line["seq"]
        writer = StateWriter(self, state)
        # What an earlier apply left is appended to, not folded, until it passes the threshold.
        writer.adopt_journal(sum(path.stat().st_size for path in self.journal_files()))
        return writer


class StateWriter:
    """Appends completed actions to the journal and folds it into state.json.

    Thread-safe: apply runs actions concurrently and records each as it completes.

    A full disk while appending leaves at most a partial line: it is cut off again at once (a
    partial line followed by a later one would read as a tear in the middle of the journal), and
    the writer refuses every later record with the same error, so nothing that depends on the
    lost record starts. What was recorded before stays recorded; re-running apply resumes.
    """

    def __init__(self, store: StateStore, state: State) -> None:
        self.store = store
        self.state = state
        self._mutex = threading.RLock()
        self._fd: int | None = None
        self._journal_path: Path | None = None
        self._journal_size = 0  # bytes of complete lines in the open journal file
        self._journal_bytes = 0
        self._state_bytes = store.path.stat().st_size if store.path.exists() else 0
        self._failed: DiskFullError | None = None
        self.folds = 0

    def record(self, ops: Sequence[JournalOp]) -> int:
        """Make ``ops`` durable (one journal line, fsync'd) and apply them in memory.

        Returns the new serial. Durable before this returns: dependants may rely on it.
        """
        if not ops:
            return self.state.serial
        with self._mutex:
            if self._failed is not None:
                raise self._failed
            seq = self.state.journal_seq + 1
            serial = self.state.serial + 1
            body = {
                "v": JOURNAL_FORMAT_VERSION,
                "seq": seq,
                "serial": serial,
                "lineage": self.state.lineage,
                "at": utcnow(),
                "ops": ops,
            }
            line = _encode_line(body)
            self._append(line, seq)
            self._journal_bytes += len(line)
            self.state.apply_ops(ops)
            self.state.serial = serial
            self.state.journal_seq = seq
            self.fold_if_due()
            return serial

    def adopt_journal(self, size: int) -> None:
        """Count the journal an earlier writer left (lines are appended to its last file)."""
        with self._mutex:
            self._journal_bytes = size
            self.fold_if_due(ending=True)

    def fold_due(self, *, ending: bool = False) -> bool:
        """The fold threshold (docs/project-folder.md): the journal has grown as large as state.json
        (at least MIN_FOLD_BYTES), so the amortised cost of folds stays proportional to the actions.
        When a writer opens or closes (``ending``), a state below SMALL_STATE_BYTES is folded too:
        that costs milliseconds and leaves a small project's folder folded."""
        if self._journal_bytes >= max(self._state_bytes, MIN_FOLD_BYTES):
            return True
        if ending and self.state.read_format != FORMAT_VERSION:
            return True  # an older format is rewritten once, by the first apply that opens it
        return ending and self._state_bytes < SMALL_STATE_BYTES and self._has_journal()

    def _has_journal(self) -> bool:
        return self._journal_bytes > 0 or self.state.journal_seq != self.state.folded_seq

    def fold_if_due(self, *, ending: bool = False) -> None:
        if self.fold_due(ending=ending):
            self.fold()

    def _append(self, line: bytes, seq: int) -> None:
        fd = self._journal_fd(seq)
        assert self._journal_path is not None
        try:
            view = memoryview(line)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        except OSError as exc:
            self._abandon_partial_line()
            mapped = storage_error(exc, self._journal_path)
            if mapped is None:
                raise
            self._failed = mapped
            raise mapped from exc
        self._journal_size += len(line)

    def _abandon_partial_line(self) -> None:
        """Cut the journal back to its last complete line and close it (best effort: if even
        that fails, the next reader ignores the torn tail, and the next writer truncates it)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, self._journal_size)
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)

    def _journal_fd(self, seq: int) -> int:
        if self._fd is None:
            files = self.store.journal_files()
            path = files[-1] if files else self.store.dir / f"journal.{seq:012d}.jsonl"
            try:
                self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
                if not files:
                    fsync_dir(self.store.dir)
            except OSError as exc:
                mapped = storage_error(exc, path)
                if mapped is None:
                    raise
                raise mapped from exc
            self._journal_path = path
            self._journal_size = os.fstat(self._fd).st_size
        return self._fd

    def _close_journal(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def fold(self) -> None:
        """Write state.json with everything journaled, then start a fresh journal file."""
        with self._mutex:
            data = self._state_bytes_to_write()
            self.store.write(data, self.state.resources, backup=True)
            if self.state.read_format != FORMAT_VERSION:
                self.store.notify(
                    f"{self.store.path} rewritten in state format {FORMAT_VERSION} (it was format "
                    f"{self.state.read_format}; docs/project-folder.md): insarproj older than "
                    f"{__version__} cannot read it"
                )
                self.state.read_format = FORMAT_VERSION
            self.state.folded_seq = self.state.journal_seq
            self._state_bytes = len(data)
            self._close_journal()
            # Only after state.json is durable: its journal_seq makes these lines inert anyway.
            for path in self.store.journal_files():
                path.unlink(missing_ok=True)
            fsync_dir(self.store.dir)
            self._journal_bytes = 0
            self.folds += 1

    def _state_bytes_to_write(self) -> bytes:
        try:
            return self.state.to_bytes()
        except TypeError as exc:
            if "recursion" not in str(exc).lower():
                raise
            # json.loads reads deeper nesting than the encoder writes (255 levels): name the value.
            raise StateError(
                f"{self.store.path} cannot be written: {_too_deep(self.state)} is nested deeper than "
                "255 levels, "
                "which insarproj never writes",
                hint=f"restore {self.store.dir.name} with `git checkout -- {self.store.dir.name}` or remove "
                "that value; everything recorded is still in the journal",
            ) from exc

    def close(self) -> None:
        """Close the journal, folding it past the threshold (or into a small state): a large state
        is not rewritten just because an apply ended (readers replay what is left)."""
        with self._mutex:
            try:
                self.fold_if_due(ending=True)
            finally:
                self._close_journal()

    def __enter__(self) -> StateWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _too_deep(state: State) -> str:
    """The first record or input that the encoder refuses (only computed for the error)."""
    named = [(f"record {a}", r) for a, r in state.resources.items()]
    named += [(f"input {n}", v) for n, v in state.inputs.items()]
    for name, value in named:
        try:
            canonical_json(value, indent=None)
        except TypeError:
            return name
    return "a value"


# --- journal line encoding ---------------------------------------------------------------------


# Net new container objects after which gc_paused freezes what exists instead of letting the
# collector walk it (see gc_paused).
FREEZE_AFTER_OBJECTS = 100_000


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a large state is built or planned over:
    its collections, triggered by our own allocations, walked every record again and again
    (superlinear at 20,000 scenes). None of those objects is garbage.

    When the block made many objects (a large state), they are frozen (`gc.freeze`) before the
    collector runs again: otherwise its first collection walks all of them once more (≈ 0.8 s at
    20,000 scenes). Frozen objects are still freed by reference counting (the records are plain
    acyclic dicts); only a reference cycle made unreachable inside the block is never collected,
    a bounded cost paid once per large plan or load."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_count()[0] > FREEZE_AFTER_OBJECTS:
                gc.freeze()
            gc.enable()


def _sealable(resources: Mapping[str, Record]) -> bool:
    """True when every record passes the checks a load makes (plain shape, paths inside the data
    folder): a state sealed with such records is read without them (state/seal.py)."""
    try:
        return not check_records(resources, where="state")
    except InsarprojError:
        return False


def _to_check(resources: Any) -> Any:
    """What check_records must still check: of lazily kept records, those kept parsed (the lines
    kept were checked as they were read, state/fileformat.py)."""
    if isinstance(resources, LazyRecords):
        return resources.parsed()
    return resources


def _parse_state_strictly(data: bytes, path: Path, hint: str) -> dict[str, Any]:
    """The state file's JSON, duplicate keys refused, records filled from `common` (format 2) and
    given back the values written once (format 3, state/derived.py)."""
    try:
        text = data.decode("utf-8")
        raw = load_json_object(text, where=str(path), hint=hint)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StateError(f"{path} is corrupt ({_short(exc)})", hint=hint) from exc
    if not isinstance(raw, dict) or "format_version" not in raw:
        raise StateError(f"{path} is not an insarproj state file", hint=hint)
    StateStore._check_format_version(path, raw["format_version"], hint)
    commons = raw.get("common")
    resources = raw.get("resources")
    if isinstance(resources, dict):
        fill_records(
            resources, commons if isinstance(commons, dict) else {}, format_version=raw["format_version"]
        )
    expand_inputs(raw)
    return raw


def _encode_line(body: dict[str, Any]) -> bytes:
    payload = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    crc = zlib.crc32(payload.encode("utf-8"))
    return (payload[:-1] + f',"crc":{crc}}}\n').encode("utf-8")


def _parse_line(chunk: bytes, *, where: str, hint: str) -> dict[str, Any] | None:
    """The line's JSON when its checksum holds; None when it is damaged (torn or corrupt)."""
    try:
        parsed = json.loads(chunk)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    except RecursionError:
        # A torn write is a prefix of a line insarproj wrote, never deeper than it: not a tear.
        raise StateError(f"{where} is nested too deeply to be a journal line", hint=hint) from None
    if not isinstance(parsed, dict) or "crc" not in parsed:
        return None
    crc = parsed.pop("crc")
    if _crc_of_written_bytes(chunk) == crc:
        return parsed  # the line as _encode_line wrote it: no need to encode it again
    payload = json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if zlib.crc32(payload.encode("utf-8")) != crc:
        return None
    return parsed


def _crc_of_written_bytes(chunk: bytes) -> int | None:
    """The CRC-32 of the payload of a line as `_encode_line` writes it (the payload's bytes are
    the line's up to `,"crc":`), or None when the line does not end that way."""
    cut = chunk.rfind(b',"crc":')
    if cut < 0 or not chunk.endswith(b"}"):
        return None
    return zlib.crc32(chunk[:cut] + b"}")


def _validate_line(parsed: dict[str, Any], *, where: str, hint: str) -> None:
    """Refuse a line of a newer format, or of a shape no insarproj writes, naming file and line.

    The checksum only proves the line is what was written; this proves it can be replayed.
    """
    version = parsed.get("v", JOURNAL_FORMAT_VERSION)
    if isinstance(version, int) and not isinstance(version, bool) and version > JOURNAL_FORMAT_VERSION:
        raise StateError(
            f"{where} was written by a newer insarproj (journal format version {version}; this is "
            f"{__version__}, format {JOURNAL_FORMAT_VERSION})",
            hint="upgrade insarproj (pip install -U insarproj) before planning or applying this project",
        )
    try:
        # Strict: a "seq" of "1" is no sequence number (and would break the ordering below).
        JournalLine.model_validate(parsed, strict=True)
    except ValidationError as exc:
        raise StateError(f"{where} is not a valid journal line ({_first_error(exc)})", hint=hint) from exc
    for op in parsed["ops"]:
        if op["op"] == "put":
            check_record_paths(op["address"], op["record"], where=where)


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "the top level"
    if first["type"] == "union_tag_invalid":  # pydantic's words for an unknown journal operation
        context = first.get("ctx", {})
        return f"{where}: unknown operation {context.get('tag')!r} (known: {context.get('expected_tags')})"
    return f"{where}: {first['msg']}"


def _truncate(path: Path, size: int) -> None:
    with open(path, "r+b") as handle:
        handle.truncate(size)
        handle.flush()
        os.fsync(handle.fileno())


def recovery_hint(store: StateStore, *, broken: bool) -> str:
    """The ways back from a missing or unreadable state, best first."""
    ways = [f"restore it with `git checkout -- {STATE_DIR}` if it was committed"]
    if store.backup_path.exists():
        ways.append(
            f"or use the previous copy {store.backup_path} with `insarproj init --state-only --from-backup`"
        )
    force = " --force" if broken else ""
    ways.append(
        f"or start a fresh state with `insarproj init --state-only{force}` "
        "(the next apply adopts the HyP3 jobs and files already there)"
    )
    return ", ".join(ways)


def _journal_hint(store: StateStore) -> str:
    return (
        f"restore {store.dir.name} with `git checkout -- {store.dir.name}` if it was committed, or keep "
        "a copy of the damaged journal file, remove it (state.json holds everything folded so far; the "
        "next apply adopts "
        "HyP3 jobs and files recorded only there) and re-run `insarproj apply`"
    )


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]
