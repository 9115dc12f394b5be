"""A read-only load keeps records as checked lines (state/lazy.py): every reader sees the records
of an eager load, and every check of the load still refuses what it refused."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from insarproj.errors import StateError, UnsafePathError
from insarproj.state import State, StateStore, op_put
from insarproj.state.lazy import LazyRecords

COMPAT = Path(__file__).parent / "data" / "state_written_before_typed" / "project_state"

JOB_ATTRS = {
    "identity": "id-A",
    "job_id": "j1",
    "pair": "pair.s1.20260101_20260113",
    "attempts": [{"job_id": "j1", "identity": "id-A"}],
    "files": [{"filename": "P.zip", "url": "https://x/P.zip", "size": 3}],
    "request": {"job_type": "INSAR_GAMMA", "name": "p", "job_parameters": {"granules": ["a", "b"]}},
}
# Records of every shape the loader tells apart: plain lines, paths, file lists, kept `previous`
# records, a lone record of its group, a record whose kind is not its group's.
RECORDS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("scene.A", "scene", "present", {"path": "slc/A.zip", "size": 1}),
    ("scene.B", "scene", "present", {"path": "slc/B.zip", "size": 2}),
    ("scene.C", "orbit", "present", {"path": "orbits/C.EOF"}),
    ("pair.s1.20260101_20260113", "pair", "planned", {"reference": ["a"], "secondary": ["b"]}),
    ("pair.s1.20260113_20260125", "pair", "planned", {"reference": ["b"], "secondary": ["c"]}),
    ("hyp3_job.s1.20260101_20260113", "hyp3_job", "succeeded", JOB_ATTRS),
    ("hyp3_job.s1.20260113_20260125", "hyp3_job", "intent", {"identity": "id-B", "previous": None}),
    ("product.s1.20260101_20260113", "product", "present", {"path": "products/s1/P", "files": ["a.tif"]}),
    ("dem.s1", "dem", "present", {"path": "dem/s1.tif"}),
]


def folded_store(tmp_path: Path, records: list[tuple[str, str, str, dict[str, Any]]]) -> StateStore:
    """A state.json exactly as this insarproj writes it (folded), holding ``records``."""
    store = StateStore(tmp_path / ".insarproj")
    store.create()
    with store.open_writer() as writer:
        writer.record(
            [op_put(a, kind, status, attrs, at="2026-01-01T00:00:00Z") for a, kind, status, attrs in records]
        )
        writer.fold()
    return store


def assert_same(lazy: State, eager: State, *, kept_as_lines: bool = True) -> None:
    assert lazy.lazy is kept_as_lines and not eager.lazy
    assert list(lazy.resources) == list(eager.resources)
    assert {a: lazy.resources[a] for a in lazy.resources} == eager.resources
    for kind in {r["kind"] for r in eager.resources.values()}:
        assert dict(lazy.by_kind(kind).items()) == eager.by_kind(kind)
    assert lazy.to_bytes() == eager.to_bytes()


def test_a_lazy_load_reads_every_record_as_an_eager_one(tmp_path: Path) -> None:
    store = folded_store(tmp_path, RECORDS)
    lazy = store.load(lazy=True)
    assert_same(lazy, store.load())
    assert isinstance(lazy.resources, LazyRecords)
    # Kept parsed: the groups whose `common` gives no kind (a lone record; scene.C is an orbit).
    assert lazy.resources.parsed().keys() == {"scene.A", "scene.B", "scene.C", "dem.s1", RECORDS[7][0]}
    assert lazy.get("nothing") is None and "scene.A" in lazy.resources


def test_a_state_from_an_older_insarproj_loads_lazily_as_eagerly(tmp_path: Path) -> None:
    state_dir = tmp_path / ".insarproj"
    shutil.copytree(COMPAT, state_dir)
    store = StateStore(state_dir)
    # Format 1 and an unfolded journal: not in today's exact layout, so read whole (and strictly).
    assert_same(store.load(lazy=True), store.load(), kept_as_lines=False)
    with store.open_writer() as writer:
        writer.fold()
    assert_same(store.load(lazy=True), store.load())


def test_journal_lines_are_replayed_over_a_lazy_state(tmp_path: Path) -> None:
    store = folded_store(tmp_path, RECORDS)
    with store.open_writer() as writer:
        writer.record([op_put("scene.A", "scene", "missing", {"path": "slc/A.zip"}, at="t")])
        writer.record([{"op": "del", "address": "scene.B"}])
    lazy = store.load(lazy=True)
    assert lazy.get("scene.A") == {
        "kind": "scene",
        "status": "missing",
        "attributes": {"path": "slc/A.zip"},
        "updated_at": "t",
    }
    assert "scene.B" not in lazy.resources and "scene.B" not in lazy.by_kind("scene")
    assert_same(lazy, store.load())


def test_each_access_builds_a_new_record(tmp_path: Path) -> None:
    lazy = folded_store(tmp_path, RECORDS).load(lazy=True)
    record = lazy.resources["hyp3_job.s1.20260101_20260113"]
    record["attributes"]["files"].clear()  # a reader's change of its copy stays its own
    assert lazy.resources["hyp3_job.s1.20260101_20260113"]["attributes"] == JOB_ATTRS
    del lazy.resources["dem.s1"]
    assert len(lazy.resources) == len(RECORDS) - 1 and lazy.get("dem.s1") is None
    with pytest.raises(KeyError):
        lazy.resources["dem.s1"]


@pytest.mark.parametrize(
    ("attributes", "shown"),
    [
        ({"path": "../../x"}, r"'\.\./\.\./x'"),
        ({"path": "slc/ok.zip", "files": ["../up.tif"]}, r"'\.\./up\.tif'"),
        ({"previous": {"attributes": {"path": "/etc/passwd"}}}, r"'/etc/passwd'"),
    ],
)
def test_a_lazy_load_refuses_a_path_outside_as_an_eager_one(
    tmp_path: Path, attributes: dict, shown: str
) -> None:
    # In a group kept as lines (hyp3_job): checked as its line is read.
    evil = ("hyp3_job.s1.EVIL", "hyp3_job", "succeeded", attributes)
    store = folded_store(tmp_path, [*RECORDS, evil])
    for lazy in (True, False):
        with pytest.raises(
            UnsafePathError, match=r"state\.json: record hyp3_job\.s1\.EVIL has the path " + shown
        ):
            store.load(lazy=lazy)
    safe = {**attributes, "path": "ok", "files": ["ok.tif"], "previous": {"attributes": {"path": "ok"}}}
    lazy = folded_store(tmp_path / "safe", [*RECORDS, (*evil[:3], safe)]).load(lazy=True)
    assert "hyp3_job.s1.EVIL" not in lazy.resources.parsed() and lazy.get("hyp3_job.s1.EVIL")


def test_a_lazy_load_refuses_a_record_of_another_shape(tmp_path: Path) -> None:
    store = folded_store(tmp_path, RECORDS)
    text = store.path.read_text()
    # An extra key on a record's own line: exactly as written otherwise, so the fast reader reads it.
    edited = text.replace('"dem.s1": {"attributes"', '"dem.s1": {"aaa":1,"attributes"')
    assert edited != text
    store.path.write_text(edited)
    for lazy in (True, False):
        with pytest.raises(StateError, match=r"state\.json is invalid at resources\.dem\.s1\.aaa"):
            store.load(lazy=lazy)


def test_a_plan_reads_its_own_state_lazily(fake_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from helpers import write_fake

    from insarproj.engine.model import Op
    from insarproj.workspace import Workspace

    content = [{"name": name, "content": name} for name in ("a", "b", "c")]
    write_fake(fake_project, {"files": content, "jobs": []})
    Workspace(fake_project).apply()
    loaded: list[State] = []
    real_load = StateStore.load

    def spy(self: StateStore, **kwargs: Any) -> State:
        loaded.append(real_load(self, **kwargs))
        return loaded[-1]

    monkeypatch.setattr(StateStore, "load", spy)
    assert Workspace(fake_project).plan().actions == []
    [state] = loaded
    assert state.lazy and not state.resources.parsed()  # type: ignore[attr-defined]
    assert state.inputs == {}  # its own copy: the pinned search went once resolved
    given = StateStore(fake_project / ".insarproj").load(lazy=True)
    assert Workspace(fake_project).plan(state=given).actions == []
    assert "search" in given.inputs  # a caller's state is left as it was
    write_fake(fake_project, {"files": content[:2], "jobs": []})
    [orphan] = Workspace(fake_project).plan().actions  # built only because it is an orphan
    assert (orphan.address, orphan.op) == ("fakefile.c", Op.FORGET)
