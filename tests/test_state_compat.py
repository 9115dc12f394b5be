"""A state written before the typed records (state/records.py) loads and folds unchanged.

tests/data/state_written_before_typed/ was written by insarproj as it was before the records were
typed: `project_state/` is a `.insarproj` folder whose journal was never folded (as after a crash),
with scene, pair, hyp3_job (attempts, an intent keeping its `previous` record), product, input and
applied-plan operations; `folded_state.json` is what that version wrote when it folded the journal.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from insarproj.kinds.hyp3_protocol import attempts_of, counted_job_ids
from insarproj.state import StateStore
from insarproj.state.records import hyp3_attributes

DATA = Path(__file__).parent / "data" / "state_written_before_typed"


def _copy(tmp_path: Path) -> StateStore:
    state_dir = tmp_path / ".insarproj"
    shutil.copytree(DATA / "project_state", state_dir)
    return StateStore(state_dir)


def test_old_state_loads_with_every_record_as_written(tmp_path):
    state = _copy(tmp_path).load()
    expected = json.loads((DATA / "folded_state.json").read_text())
    assert state.resources == expected["resources"]
    assert state.inputs == expected["inputs"]
    assert state.applied_plans == expected["applied_plans"]
    job = state.get("hyp3_job.s1.20260101_20260113")
    assert job is not None
    assert attempts_of(job, "id-A") == 2
    assert counted_job_ids(job) == {"j0", "j1"}
    intent = state.get("hyp3_job.s1.other")
    assert intent is not None
    previous = hyp3_attributes(intent).get("previous")
    assert previous is not None and previous["status"] == "failed"
    assert set(state.by_kind("product")) == {"product.s1.20260101_20260113"}


def test_old_state_folds_to_the_same_records(tmp_path):
    # Folded in today's format (state/fileformat.py): the same content as that version's fold.
    store = _copy(tmp_path)
    with store.open_writer() as writer:
        writer.fold()
    expected = json.loads((DATA / "folded_state.json").read_text())
    state = store.load()
    assert state.resources == expected["resources"] and state.inputs == expected["inputs"]
    assert (state.serial, state.journal_seq) == (expected["serial"], expected["journal_seq"])
