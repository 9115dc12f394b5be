"""state.json format 2 (state/fileformat.py, docs/project-folder.md) and the way from format 1.

tests/data/state_format_1_main/ was written by insarproj's main before format 2: `project_state/`
is a `.insarproj` folder (format-1 state.json, a journal line not folded yet, the backup), and
`expected_load.json` is what that version's `StateStore.load()` returned for it.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from insarproj.errors import StateError
from insarproj.state import StateStore, op_put
from insarproj.state.fileformat import parse_exact, render_state
from insarproj.state.model import FORMAT_VERSION

DATA = Path(__file__).parent / "data" / "state_format_1_main"


def _copy(tmp_path: Path) -> StateStore:
    shutil.copytree(DATA / "project_state", tmp_path / ".insarproj")
    return StateStore(tmp_path / ".insarproj")


def _loaded(store: StateStore) -> dict:
    state = store.load()
    return {
        "serial": state.serial,
        "journal_seq": state.journal_seq,
        "inputs": state.inputs,
        "resources": state.resources,
        "applied_plans": state.applied_plans,
    }


def test_format_1_of_main_loads_as_main_loaded_it(tmp_path):
    assert json.loads((DATA / "project_state" / "state.json").read_text())["format_version"] == 1
    assert _loaded(_copy(tmp_path)) == json.loads((DATA / "expected_load.json").read_text())


def test_first_apply_rewrites_format_1_with_one_message(tmp_path):
    store = _copy(tmp_path)
    messages: list[str] = []
    store.notify = messages.append
    with store.open_writer():
        pass
    assert len(messages) == 1 and f"format {FORMAT_VERSION}" in messages[0] and "format 1" in messages[0]
    assert json.loads(store.path.read_text())["format_version"] == FORMAT_VERSION
    assert json.loads(store.backup_path.read_text())["format_version"] == 1
    assert _loaded(store) == json.loads((DATA / "expected_load.json").read_text())
    with store.open_writer():
        pass
    assert len(messages) == 1  # migrated once


def test_records_keep_their_own_values_and_share_the_rest(tmp_path):
    store = _copy(tmp_path)
    with store.open_writer():
        pass
    text = store.path.read_text()
    common = json.loads(text)["common"]
    # Shared by both jobs: written once; lists (granules, attempts) always stay with the record.
    assert common["hyp3_job"]["attributes"]["request"]["job_parameters"] == {
        "include_dem": True,
        "looks": "20x4",
        "phase_filter_parameter": 0.6,
    }
    assert "status" not in common["hyp3_job"]  # succeeded and submitted
    # 1 and 1.0, 12.5 and -0.0 are different JSON: never merged into one shared value.
    assert "credit_cost" not in common["hyp3_job"]["attributes"]
    assert "product" not in common  # a lone record keeps everything on its line
    line = next(x for x in text.splitlines() if x.startswith('    "pair.A064.20260101_20260102"'))
    assert '"bperp":-0.0' in line and '"status"' not in line


def test_a_hand_edited_file_still_loads_and_the_own_value_wins(tmp_path):
    store = StateStore(tmp_path / ".insarproj")
    store.create()
    with store.open_writer() as writer:
        # Each its own time (records written within one second would share it through `common`).
        at = [f"2026-01-0{i + 1}T00:00:00Z" for i in range(3)]
        writer.record(
            [op_put(f"scene.S{i}", "scene", "present", {"path": f"S{i}.zip"}, at=at[i]) for i in range(3)]
        )
    raw = json.loads(store.path.read_text())
    assert raw["common"]["scene"]["status"] == "present"
    raw["resources"]["scene.S1"]["status"] = "missing"  # re-indented: no longer the exact layout
    store.path.write_text(json.dumps(raw, indent=4))
    assert parse_exact(io.BytesIO(store.path.read_bytes())) is None
    state = store.load()
    assert state.resources["scene.S1"]["status"] == "missing"
    assert state.resources["scene.S2"] == {
        "kind": "scene",
        "status": "present",
        "attributes": {"path": "S2.zip"},
        "updated_at": "2026-01-03T00:00:00Z",
    }


def test_a_duplicated_record_line_is_refused(tmp_path):
    store = StateStore(tmp_path / ".insarproj")
    store.create()
    with store.open_writer() as writer:
        writer.record([op_put(f"scene.S{i}", "scene", "present", {"path": f"S{i}.zip"}) for i in range(2)])
    lines = store.path.read_text().splitlines(keepends=True)
    at = next(i for i, x in enumerate(lines) if x.startswith('    "scene.S0"'))
    lines.insert(at, lines[at].replace("S0.zip", "other.zip"))  # a bad merge
    store.path.write_text("".join(lines))
    with pytest.raises(StateError, match=r"'scene\.S0' twice"):
        store.load()


def test_a_newer_format_is_refused_by_version(tmp_path):
    store = StateStore(tmp_path / ".insarproj")
    store.create()
    newer = FORMAT_VERSION + 1
    text = store.path.read_text()
    store.path.write_text(text.replace(f'"format_version": {FORMAT_VERSION}', f'"format_version": {newer}'))
    with pytest.raises(StateError, match=f"format_version {newer}, newer than this insarproj"):
        store.load()


def test_render_is_exact_for_what_it_reads():
    records = {
        f"hyp3_job.s.{i}": {
            "kind": "hyp3_job",
            "status": "s",
            "attributes": {"a": {"b": 1, "c": [i]}},
            "updated_at": "t",
        }
        for i in range(3)
    }
    records["scene.x"] = {"kind": "scene", "status": "é", "attributes": {}, "updated_at": "t"}
    data = render_state({"format_version": FORMAT_VERSION, "serial": 1}, records)
    parsed = parse_exact(io.BytesIO(data))
    assert parsed is not None and parsed["resources"] == records
    assert render_state({"format_version": FORMAT_VERSION, "serial": 1}, parsed["resources"]) == data
    # Records are parsed in chunks of lines: a duplicate across two chunks is not exact either.
    many = {
        f"scene.s{i:05d}": {"kind": "scene", "status": "p", "attributes": {}, "updated_at": "t"}
        for i in range(2500)
    }
    lines = render_state({"format_version": FORMAT_VERSION}, many).splitlines(keepends=True)
    first = lines.index(b'    "scene.s00000": {"attributes":{}},\n')
    assert parse_exact(io.BytesIO(b"".join(lines))) is not None
    lines[first + 2497] = lines[first]  # the first record again, 2,497 lines later
    assert parse_exact(io.BytesIO(b"".join(lines))) is None
    empty = render_state({"format_version": FORMAT_VERSION}, {})
    assert parse_exact(io.BytesIO(empty)) == {"format_version": FORMAT_VERSION, "common": {}, "resources": {}}


def test_a_record_is_stamped_to_the_second():
    """`updated_at` only tells when an action wrote the record: microseconds cost 7 bytes on each
    record line of a large state (docs/project-folder.md)."""
    import re

    record = op_put("scene.S1", "scene", "present", {})["record"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["updated_at"])
