"""Durable state: atomic writes, journal, fold, crash safety, identity checks."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from insarproj.errors import StateError
from insarproj.state import StateStore, op_input, op_put
from insarproj.state import store as store_module


def put(i: int, size: int = 1) -> list[dict]:
    # Each record its own time, as actions seconds apart have (records are stamped to the second:
    # ones written within one second share it through `common`, which would hide what is tested).
    at = f"2026-01-01T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z"
    return [op_put(f"scene.S{i:05d}", "scene", "present", {"path": f"S{i}.zip", "size": size}, at=at)]


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    s = StateStore(tmp_path / ".insarproj")
    s.create()
    return s


def test_create_refuses_overwrite(store: StateStore) -> None:
    with pytest.raises(StateError, match="refusing to overwrite"):
        store.create()


def test_record_is_journaled_then_folded(store: StateStore) -> None:
    writer = store.open_writer()
    for i in range(3):
        assert writer.record(put(i)) == i + 1
    # Readers see journaled actions before any fold.
    assert json.loads(store.path.read_text())["serial"] == 0
    loaded = store.load()
    assert loaded.serial == 3 and len(loaded.resources) == 3
    writer.close()
    assert store.journal_files() == []
    on_disk = json.loads(store.path.read_text())
    assert on_disk["serial"] == 3 and on_disk["journal_seq"] == 3
    assert store.backup_path.exists()


def test_serial_rises_only_with_content(store: StateStore) -> None:
    writer = store.open_writer()
    writer.record([])
    writer.close()
    assert store.load().serial == 0


def test_state_json_is_stable_and_relative(store: StateStore) -> None:
    with store.open_writer() as writer:
        writer.record(put(2) + put(1))
    text = store.path.read_text()
    lines = text.splitlines()
    # One line per record, in address order; what every record shares is written once (common).
    records = [line for line in lines if line.startswith('    "scene.')]
    assert [r.split('"')[1] for r in records] == ["scene.S00001", "scene.S00002"]
    assert json.loads(text)["common"]["scene"] == {
        "kind": "scene",
        "status": "present",
        "attributes": {"size": 1},
    }
    assert store.load().to_bytes().decode() == text


def test_torn_last_line_is_ignored_and_repaired(store: StateStore) -> None:
    writer = store.open_writer()
    writer.record(put(1))
    writer.record(put(2))
    journal = store.journal_files()[0]
    data = journal.read_bytes()
    journal.write_bytes(data[: len(data) - 7])  # the second line loses its tail and newline
    loaded = store.load()
    assert set(loaded.resources) == {"scene.S00001"}
    assert loaded.serial == 1
    writer2 = store.open_writer()  # repairs the tail, folds
    writer2.record(put(3))
    writer2.close()
    assert set(store.load().resources) == {"scene.S00001", "scene.S00003"}


def test_damaged_last_line_with_newline_is_ignored(store: StateStore) -> None:
    writer = store.open_writer()
    writer.record(put(1))
    writer.record(put(2))
    journal = store.journal_files()[0]
    lines = journal.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b"S00002", b"S0000X")  # checksum no longer matches
    journal.write_bytes(b"\n".join(lines))
    assert set(store.load().resources) == {"scene.S00001"}


def test_corrupt_line_in_the_middle_is_an_error(store: StateStore) -> None:
    writer = store.open_writer()
    for i in range(3):
        writer.record(put(i))
    journal = store.journal_files()[0]
    lines = journal.read_bytes().split(b"\n")
    lines[0] = b"garbage"
    journal.write_bytes(b"\n".join(lines))
    with pytest.raises(StateError, match="corrupt"):
        store.load()


def test_corrupt_state_points_at_backup(store: StateStore) -> None:
    with store.open_writer() as writer:
        writer.record(put(1))
    store.path.write_text('{"format_version": 1, "lineage": ')
    with pytest.raises(StateError) as info:
        store.load()
    assert "corrupt" in str(info.value) and str(store.backup_path) in str(info.value)


def test_newer_format_refused(store: StateStore) -> None:
    raw = json.loads(store.path.read_text())
    raw["format_version"] = 99
    store.path.write_text(json.dumps(raw))
    with pytest.raises(StateError, match="upgrade insarproj"):
        store.load()


def test_foreign_lineage_refused(store: StateStore, tmp_path: Path) -> None:
    with pytest.raises(StateError, match="another project"):
        store.load(expected_lineage="00000000-0000-0000-0000-000000000000")
    other = StateStore(tmp_path / "other")
    other.create()
    writer = other.open_writer()
    writer.record(put(9))
    foreign = other.journal_files()[0]
    (store.dir / foreign.name).write_bytes(foreign.read_bytes())
    with pytest.raises(StateError, match="another project"):
        store.load()


def test_inputs_are_pinned(store: StateStore) -> None:
    with store.open_writer() as writer:
        writer.record([op_input("search", {"fingerprint": "abc", "scenes": {}})])
    assert store.load().inputs["search"]["fingerprint"] == "abc"


class Crash(Exception):
    pass


@pytest.mark.parametrize("failing", ["fsync", "replace", "unlink", "link"])
@pytest.mark.parametrize("at_call", [1, 2, 3])
def test_crash_during_fold_keeps_every_acknowledged_action(
    store: StateStore, monkeypatch: pytest.MonkeyPatch, failing: str, at_call: int
) -> None:
    writer = store.open_writer()
    acked = []
    for i in range(5):
        writer.record(put(i))
        acked.append(f"scene.S{i:05d}")
    calls = {"n": 0}
    targets = {
        "fsync": (os, "fsync"),
        "replace": (os, "replace"),
        "link": (os, "link"),
        "unlink": (Path, "unlink"),
    }
    owner, name = targets[failing]
    original = getattr(owner, name)

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == at_call:
            raise Crash(failing)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, boom)
    with contextlib.suppress(Crash):  # the crash under test
        writer.fold()
    monkeypatch.setattr(owner, name, original)
    loaded = StateStore(store.dir).load()
    assert set(acked) <= set(loaded.resources)
    assert loaded.serial == 5
    # And a later writer recovers and folds cleanly.
    StateStore(store.dir).open_writer().close()
    assert set(acked) <= set(StateStore(store.dir).load().resources)


def test_crash_during_journal_append(store: StateStore, monkeypatch: pytest.MonkeyPatch) -> None:
    writer = store.open_writer()
    writer.record(put(1))
    original = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(Crash("fsync")))
    with pytest.raises(Crash):
        writer.record(put(2))  # not acknowledged: may or may not survive, state must load
    monkeypatch.setattr(os, "fsync", original)
    loaded = StateStore(store.dir).load()
    assert "scene.S00001" in loaded.resources


def test_fold_threshold_scales_with_state_size(store: StateStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "MIN_FOLD_BYTES", 1000)
    writer = store.open_writer()
    for i in range(200):
        writer.record(put(i))
    # Folding only when the journal outgrows the state keeps folds logarithmic in actions.
    assert 1 <= writer.folds <= 12
    writer.close()
    assert len(store.load().resources) == 200


WRITER_SCRIPT = """
import sys
from insarproj.state import StateStore, op_put
w = StateStore(sys.argv[1]).open_writer()
import insarproj.state.store as m
m.MIN_FOLD_BYTES = 2000  # fold often so kills land inside folds too
for i in range(100000):
    w.record([op_put(f"scene.S{i:06d}", "scene", "present", {"size": i, "pad": "x" * 50})])
    sys.stdout.write(f"{i}\\n"); sys.stdout.flush()
"""


@pytest.mark.parametrize("seed", range(10))
def test_kill_9_at_random_moments(tmp_path: Path, seed: int) -> None:
    store = StateStore(tmp_path / ".insarproj")
    store.create()
    rng = random.Random(seed)
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER_SCRIPT, str(store.dir)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()  # the writer is up
    assert first.strip() == "0"
    time.sleep(rng.uniform(0.01, 0.4))
    os.kill(proc.pid, signal.SIGKILL)
    rest = proc.stdout.read()
    proc.wait()
    acked = [int(first)] + [int(x) for x in rest.split() if x.strip().isdigit()]
    loaded = StateStore(store.dir).load()
    for i in acked:
        assert f"scene.S{i:06d}" in loaded.resources
    assert loaded.serial >= len(acked)
    StateStore(store.dir).open_writer().close()  # recovery folds without error
    assert loaded.resources.keys() <= StateStore(store.dir).load().resources.keys()
