"""Trust in what `.insarproj/` holds (issue 14): recorded paths, journal line shapes and versions,
state.json oddities, full disks, and the way back from a lost state (`init --state-only`)."""

from __future__ import annotations

import errno
import json
import os
import zlib
from pathlib import Path

import pytest

from insarproj.errors import (
    DiskFullError,
    InsarprojError,
    StateError,
    UnsafePathError,
    UsageError,
    storage_error,
)
from insarproj.state import ObservedStore, StateStore, op_put
from insarproj.state.checks import check_record_paths, load_json_object


def scene(i: int, path: str | None = None) -> list[dict]:
    return [op_put(f"scene.S{i:05d}", "scene", "present", {"path": path or f"slc/S{i}.zip", "size": 1})]


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    s = StateStore(tmp_path / ".insarproj")
    s.create()
    return s


def journal_line(body: dict) -> str:
    """A line exactly as the writer encodes it: its checksum holds, whatever its content."""
    payload = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return payload[:-1] + f',"crc":{zlib.crc32(payload.encode())}}}\n'


def line_body(store: StateStore, ops: list, **changes: object) -> dict:
    lineage = json.loads(store.path.read_text())["lineage"]
    body: dict = {"v": 1, "seq": 1, "serial": 1, "lineage": lineage, "at": "2026-01-01T00:00:00Z", "ops": ops}
    body.update(changes)
    return body


def write_journal(store: StateStore, *lines: str) -> Path:
    path = store.dir / "journal.000000000001.jsonl"
    path.write_text("".join(lines))
    return path


# --- recorded paths (defect 8) -------------------------------------------------------------------


@pytest.mark.parametrize(
    "record",
    [
        {"attributes": {"path": "slc/S1A_IW_SLC__1SDV_X.zip"}},
        {
            "attributes": {
                "path": "products/A064/S1AA_x_INT80_G_ueF_1234",
                "files": ["a_unw_phase.tif", "sub/b.tif"],
            }
        },
        {"attributes": {"files": [{"filename": "S1AA_x.zip", "url": "https://x/y.zip", "size": 1}]}},
        # A server's file names in a job record are its words, not paths: the product kind refuses
        # them where it uses them (tests/e2e/test_trust_products.py), the state still loads.
        {"attributes": {"files": [{"filename": "../x.zip"}, {"filename": "/abs/b.zip"}]}},
        {"attributes": {"path": "odd name with spaces/file.zip"}},  # unusual but inside
        {"attributes": {}},
    ],
)
def test_paths_inside_the_data_folder_pass(record: dict) -> None:
    check_record_paths("scene.X", record, where="state.json")


@pytest.mark.parametrize(
    ("record", "shown"),
    [
        ({"attributes": {"path": "../../x"}}, "'../../x'"),
        ({"attributes": {"path": "/etc/passwd"}}, "'/etc/passwd'"),
        ({"attributes": {"path": "slc/../../x"}}, "'slc/../../x'"),
        ({"attributes": {"path": "C:\\Users\\x"}}, "C:"),
        ({"attributes": {"path": ""}}, "''"),
        ({"attributes": {"path": 7}}, "7"),
        ({"attributes": {"path": "products/A", "files": ["ok.tif", "../../../x"]}}, "'../../../x'"),
        ({"attributes": {"previous": {"attributes": {"path": "/abs"}}}}, "'/abs'"),
    ],
)
def test_paths_leaving_the_data_folder_are_refused(record: dict, shown: str) -> None:
    with pytest.raises(UnsafePathError) as info:
        check_record_paths("scene.X", record, where=".insarproj/state.json")
    message = str(info.value)
    assert ".insarproj/state.json: record scene.X" in message and shown in message
    assert "git checkout -- .insarproj" in message


@pytest.mark.parametrize(
    "payload",
    [
        {"path": "../x.zip", "stack": "A064"},
        {"stack": "../../x", "file": {"filename": "p.zip"}},
        {"stack": "A064", "file": {"filename": "../p.zip"}},
        {"record": {"attributes": {"path": "/etc"}}, "prune": True},
    ],
)
def test_saved_plan_actions_leaving_the_data_folder_are_refused(payload: dict) -> None:
    from insarproj.state.checks import check_action_paths

    check_action_paths(
        "scene.X",
        {
            "path": "slc/x.zip",
            "stack": "A064_136231_IW1_6b",
            "file": {"filename": "S1AA_x.zip"},
            "record": {"attributes": {"path": "a"}},
        },
        where="plan.json",
    )
    with pytest.raises(UnsafePathError, match=r"plan\.json: action scene\.X has the"):
        check_action_paths("scene.X", payload, where="plan.json")


def test_state_json_with_a_path_outside_is_refused_on_load(store: StateStore) -> None:
    raw = json.loads(store.path.read_text())
    raw["resources"]["scene.EVIL"] = {
        "kind": "scene",
        "status": "present",
        "attributes": {"path": "../../x"},
        "updated_at": "t",
    }
    store.path.write_text(json.dumps(raw))
    for load in (store.load, store.open_writer):
        with pytest.raises(
            UnsafePathError, match=r"state\.json: record scene\.EVIL has the path '\.\./\.\./x'"
        ):
            load()


def test_journal_line_with_a_path_outside_is_refused_on_replay(store: StateStore) -> None:
    write_journal(store, journal_line(line_body(store, scene(1, path="/home/user/thesis.tex"))))
    with pytest.raises(UnsafePathError, match=r"journal\.000000000001\.jsonl line 1: record scene\.S00001"):
        store.load()


# --- journal lines (defect 9) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ops", "changes", "fragment"),
    [
        ([{"op": "frob", "address": "scene.X"}], {}, "'frob'"),
        ([{"op": "put", "address": "scene.X"}], {}, "ops.0.put.record"),
        ([{"op": "del"}], {}, "ops.0.del.address"),
        ([{"op": "put", "address": "scene.X", "record": {"kind": "scene"}}], {}, "record.status"),
        ([], {"seq": "one"}, "seq"),
        ([], {"seq": "2"}, "seq: Input should be a valid integer"),
        ([], {"v": "1"}, "v: Input should be a valid integer"),
        ([], {"v": 0}, "v: Input should be greater than or equal to 1"),
        ("not a list", {}, "ops"),
        ([{"op": "input", "name": "search", "value": 1, "extra": 2}], {}, "extra"),
    ],
)
def test_a_checksummed_line_of_a_wrong_shape_names_file_and_line(
    store: StateStore, ops: object, changes: dict, fragment: str
) -> None:
    good = journal_line(line_body(store, scene(1)))
    bad = journal_line(line_body(store, ops, seq=2, serial=2) | changes)  # type: ignore[arg-type]
    write_journal(store, good, bad)
    with pytest.raises(StateError) as info:
        store.load()
    message = str(info.value)
    assert "journal.000000000001.jsonl line 2 is not a valid journal line" in message
    assert fragment in message and "re-run `insarproj apply`" in message


def test_a_missing_key_is_named_not_a_keyerror(store: StateStore) -> None:
    body = line_body(store, scene(1))
    del body["lineage"]
    write_journal(store, journal_line(body))
    with pytest.raises(StateError, match=r"line 1 is not a valid journal line \(lineage: Field required\)"):
        store.load()


def test_a_line_of_a_newer_format_asks_for_an_upgrade(store: StateStore) -> None:
    write_journal(store, journal_line(line_body(store, [{"op": "put", "address": "a"}], v=99)))
    for load in (store.load, store.open_writer):
        with pytest.raises(StateError) as info:
            load()
        message = str(info.value)
        assert "line 1 was written by a newer insarproj (journal format version 99" in message
        assert "upgrade insarproj" in message


def test_deeply_nested_journal_line_is_named(store: StateStore) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    write_journal(store, deep + "\n", journal_line(line_body(store, scene(1))))
    with pytest.raises(StateError, match="line 1 is nested too deeply"):
        store.load()


def test_valid_lines_of_every_operation_replay(store: StateStore) -> None:
    from insarproj.state import op_delete, op_input, op_plan_applied

    with store.open_writer() as writer:
        writer.record(scene(1) + scene(2))
        writer.record([op_delete("scene.S00001"), op_input("search", {"x": 1}), op_plan_applied("p1")])
        writer.record([op_input("search", None)])
    state = store.load()
    assert set(state.resources) == {"scene.S00002"} and state.applied_plans == ["p1"] and not state.inputs


# --- state.json oddities (defect 10) ----------------------------------------------------------------


def test_format_version_as_a_string_is_named(store: StateStore) -> None:
    raw = json.loads(store.path.read_text())
    raw["format_version"] = "1"
    store.path.write_text(json.dumps(raw))
    with pytest.raises(StateError) as info:
        store.load()
    message = str(info.value)
    assert "format_version '1', which is not a format number" in message and "without quotes" in message
    assert "newer" not in message


def test_duplicate_keys_are_refused_with_the_key(store: StateStore) -> None:
    with store.open_writer() as writer:
        writer.record(scene(1))
    raw = json.loads(store.path.read_text())
    other = json.dumps({**raw["resources"]["scene.S00001"], "attributes": {"path": "slc/other.zip"}})
    text = json.dumps(raw, indent=2)
    doubled = text.replace('"resources": {', '"resources": {\n    "scene.S00001": ' + other + ",", 1)
    assert doubled != text
    store.path.write_text(doubled)  # e.g. a careless merge of two branches' state.json
    with pytest.raises(StateError, match=r"has the key 'scene\.S00001' twice in one object \(line \d+\)"):
        store.load()


def test_duplicate_key_detection_keeps_plain_objects(store: StateStore) -> None:
    assert load_json_object('{"a": {"b": 1}, "c": [{"b": 2}]}', where="x", hint="h") == {
        "a": {"b": 1},
        "c": [{"b": 2}],
    }
    with pytest.raises(StateError, match="'b' twice"):
        load_json_object('{"a": {"b": 1, "b": 2}}', where="x", hint="h")


def test_deeply_nested_state_is_named(store: StateStore) -> None:
    store.path.write_text('{"format_version": 1, "inputs": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(StateError, match="nested too deeply") as info:
        store.load()
    assert "init --state-only" in str(info.value)


def test_state_nested_deeper_than_the_encoder_writes_is_named_at_fold(store: StateStore) -> None:
    raw = json.loads(store.path.read_text())
    raw["inputs"]["search"] = json.loads("[" * 300 + "]" * 300)  # json reads it, orjson writes 255 levels
    store.path.write_text(json.dumps(raw))
    writer = store.open_writer()  # readable
    writer.record(scene(1))
    with pytest.raises(
        StateError, match=r"state\.json cannot be written: input search is nested deeper than 255"
    ):
        writer.fold()
    assert "scene.S00001" in store.load().resources  # still in the journal


def test_deeply_nested_plan_file_is_a_usage_error(tmp_path: Path) -> None:
    from insarproj.engine.planfile import read_plan

    path = tmp_path / "plan.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(UsageError, match="nested too deeply"):
        read_plan(path)


def test_deeply_nested_observed_cache_is_just_empty(tmp_path: Path) -> None:
    (tmp_path / "observed.json").write_text("[" * 100_000 + "]" * 100_000)
    assert ObservedStore(tmp_path).load() == {}


# --- full disks (defect 10) ---------------------------------------------------------------------------


def enospc(*_args: object) -> int:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_storage_error_mapping() -> None:
    assert storage_error(ValueError("x")) is None
    assert storage_error(OSError(errno.EIO, "io")) is None
    full = storage_error(OSError(errno.ENOSPC, "No space left on device", "/p/.insarproj/x"))
    assert isinstance(full, DiskFullError)
    assert str(full) == (
        "no space left on device writing /p/.insarproj/x: nothing recorded was lost; free space "
        "and re-run `insarproj apply`"
    )
    assert "quota" in str(storage_error(OSError(errno.EDQUOT, "q")))
    assert "remount it writable" in str(storage_error(OSError(errno.EROFS, "ro")))


def test_full_disk_mid_line_leaves_a_clean_journal(
    store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = store.open_writer()
    writer.record(scene(1))
    real_write = os.write
    calls = {"n": 0}

    def half_then_full(fd: int, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            return real_write(fd, bytes(data[: len(data) // 2]))  # the disk fills up mid-line
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", half_then_full)
    with pytest.raises(
        DiskFullError, match=r"no space left on device writing .*journal\.000000000001\.jsonl"
    ):
        writer.record(scene(2))
    monkeypatch.setattr(os, "write", real_write)
    with pytest.raises(DiskFullError):  # nothing that depends on the lost record may start
        writer.record(scene(3))
    journal = store.journal_files()[0].read_bytes()
    assert journal.endswith(b"\n") and journal.count(b"\n") == 1  # the partial line is cut off
    assert set(store.load().resources) == {"scene.S00001"}
    writer.close()  # folds what was recorded
    next_writer = store.open_writer()
    next_writer.record(scene(2))
    next_writer.close()
    assert set(store.load().resources) == {"scene.S00001", "scene.S00002"}


def test_full_disk_during_fold_keeps_state_and_journal(
    store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = store.open_writer()
    writer.record(scene(1))
    monkeypatch.setattr(os, "fsync", enospc)
    with pytest.raises(DiskFullError, match=r"writing .*state\.json: nothing recorded was lost"):
        writer.fold()
    monkeypatch.undo()
    assert not list(store.dir.glob(".state.json.*.tmp"))
    assert set(store.load().resources) == {"scene.S00001"}


def test_full_disk_writing_observed_and_sidecar_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from insarproj.lock import ProjectLock

    monkeypatch.setattr(os, "fsync", enospc)
    with pytest.raises(DiskFullError, match=r"writing .*observed\.json"):
        ObservedStore(tmp_path).update("hyp3", {"credits": 1})
    with pytest.raises(DiskFullError, match=r"writing .*lock\.info\.json"):
        ProjectLock(tmp_path, command="apply").acquire()
    with pytest.raises(DiskFullError, match=r"writing .*plan\.json.*re-run `insarproj plan --out"):
        _write_plan(tmp_path / "plan.json")


def _write_plan(path: Path) -> None:
    from insarproj.engine.planfile import write_plan

    class AnyPlan:  # write_plan only serialises the plan
        def model_dump_json(self, indent: int) -> str:
            return "{}"

    write_plan(path, AnyPlan())  # type: ignore[arg-type]


# --- the way back from a lost state (defect 15) ----------------------------------------------------------


def project(tmp_path: Path) -> Path:
    from helpers import write_project

    return write_project(tmp_path / "proj")


def test_missing_state_names_every_way_back(tmp_path: Path) -> None:
    root = project(tmp_path)
    store = StateStore(root / ".insarproj")
    store.path.unlink()
    with pytest.raises(StateError) as info:
        store.load()
    message = str(info.value)
    assert "git checkout -- .insarproj" in message and "`insarproj init --state-only`" in message
    assert "--from-backup" not in message  # no backup to offer


def test_state_only_refuses_a_readable_state(tmp_path: Path) -> None:
    from insarproj.scaffold import recreate_state

    root = project(tmp_path)
    before = (root / ".insarproj" / "state.json").read_bytes()
    for options in ({}, {"force": True}, {"from_backup": True}):
        with pytest.raises(StateError, match=r"is readable .*refusing to replace a working state"):
            recreate_state(root, **options)
    assert (root / ".insarproj" / "state.json").read_bytes() == before


def test_state_only_replaces_an_unreadable_state_only_with_force(tmp_path: Path) -> None:
    from insarproj.scaffold import recreate_state

    root = project(tmp_path)
    store = StateStore(root / ".insarproj")
    old_lineage = store.load().lineage
    store.path.write_text("{ torn")
    with pytest.raises(StateError, match=r"cannot be read .*add --force"):
        recreate_state(root)
    assert store.path.read_text() == "{ torn"
    result = recreate_state(root, force=True)
    assert result.source == "fresh" and result.state.lineage != old_lineage
    assert [p.name.split(".broken-")[0] for p in result.kept_aside] == ["state.json"]
    assert result.kept_aside[0].read_text() == "{ torn"
    assert store.load().resources == {}


def test_state_only_from_backup_sets_the_journal_aside(tmp_path: Path) -> None:
    from insarproj.scaffold import recreate_state

    root = project(tmp_path)
    store = StateStore(root / ".insarproj")
    with store.open_writer() as writer:
        writer.record(scene(1))  # folded: state.json.backup is the empty state, state.json has S1
    with store.open_writer() as writer:
        writer.record(scene(2))  # folded again: the backup now holds S1
    writer = store.open_writer()
    writer.record(scene(3))  # journaled, not folded
    lineage = store.load().lineage
    store.path.unlink()  # lost
    result = recreate_state(root, from_backup=True)
    assert result.source == "backup" and result.state.lineage == lineage
    assert set(store.load().resources) == {"scene.S00001"}
    assert [p.name.split(".broken-")[0] for p in result.kept_aside] == ["journal.000000000003.jsonl"]
    assert store.journal_files() == []


def test_state_only_recreates_a_deleted_state_folder(tmp_path: Path) -> None:
    import shutil

    from insarproj.scaffold import recreate_state

    root = project(tmp_path)
    shutil.rmtree(root / ".insarproj")
    result = recreate_state(root)
    assert result.kept_aside == [] and StateStore(root / ".insarproj").load().serial == 0
    assert (root / ".insarproj" / "project.schema.json").is_file()
    with pytest.raises(InsarprojError, match="there is no backup"):
        shutil.rmtree(root / ".insarproj")
        recreate_state(root, from_backup=True)


def test_state_only_needs_a_project(tmp_path: Path) -> None:
    from insarproj.scaffold import recreate_state

    with pytest.raises(UsageError, match=r"project\.toml does not exist"):
        recreate_state(tmp_path)
