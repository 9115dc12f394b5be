"""The seal of state.json (state/seal.py, state/sealed.py): a state this machine's insarproj wrote is
read without re-checking its bytes; any other (edited, merged, sealed with another key, a key and
seal forced into a commit, records that fail the checks) is read in full, as before."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from test_state_lazy import RECORDS, assert_same, folded_store

from insarproj.errors import InsarprojError, StateError, UnsafePathError
from insarproj.state import State, StateStore, op_put
from insarproj.state import sealed as sealed_module
from insarproj.state import store as store_module
from insarproj.state.seal import KEY_NAME, SEAL_NAME, local_dir, read_key, read_seal, seal_of

# Beyond RECORDS: addresses and values the fast split must read exactly (escapes, non-ASCII).
ODD_TEXT = [
    ('scene.q"uote', "scene", "present", {"path": "slc/Q.zip", "note": 'a \\ back"slash'}),
    ("scene.ünï", "scene", "present", {"path": "slc/U.zip", "note": "ünïcode, \n newline"}),
]


PAIR_LINE = '"pair.s1.20260101_20260113": {"attributes":{'


def full_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files read in full from now on (`parse_exact`, which a sealed read skips)."""
    calls: list[str] = []
    real = store_module.parse_exact

    def spy(lines: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("where", ""))
        return real(lines, **kwargs)

    monkeypatch.setattr(store_module, "parse_exact", spy)
    return calls


def unsealed(store: StateStore, lazy: bool) -> State:
    """The state read in full (its seal set aside and put back)."""
    seal = local_dir(store.dir) / SEAL_NAME
    kept = seal.read_bytes()
    seal.unlink()
    try:
        return store.load(lazy=lazy)
    finally:
        seal.write_bytes(kept)


def reseal(store: StateStore, key: bytes) -> None:
    """What an attacker with ``key`` could do: seal the file as it is now."""
    digest = seal_of(key, store.path.read_bytes())
    (local_dir(store.dir) / SEAL_NAME).write_bytes(b"hmac-sha256 " + digest.hex().encode() + b"\n")


def test_a_state_written_here_is_read_through_its_seal_as_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = folded_store(tmp_path, RECORDS + ODD_TEXT)
    full = {lazy: unsealed(store, lazy) for lazy in (True, False)}
    calls = full_reads(monkeypatch)
    sealed = {lazy: store.load(lazy=lazy) for lazy in (True, False)}
    assert calls == []
    assert_same(sealed[True], sealed[False])
    assert_same(sealed[True], full[False])
    assert sealed[False].resources == full[False].resources and sealed[False].header() == full[False].header()
    assert sealed[True].resources.parsed() == full[True].resources.parsed()  # type: ignore[attr-defined]
    assert sealed[True].resources['scene.q"uote']["attributes"]["note"] == 'a \\ back"slash'


def test_an_empty_state_is_sealed_from_init(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = StateStore(tmp_path / ".insarproj")
    store.create()
    calls = full_reads(monkeypatch)
    assert store.load(lazy=True).resources == {} and calls == []


@pytest.mark.parametrize("seal_with", ["plain digest", "another key"])
@pytest.mark.parametrize(
    ("edit", "error"),
    [
        # A merge that kept both sides of a record: the strict parser names the duplicate.
        (lambda t: t.replace('    "dem.s1":', '    "dem.s1": {"attributes":{}},\n    "dem.s1":'), "twice"),
        # A path leaving the data folder, on a line otherwise exactly as written (a pair's line is
        # kept unparsed by a lazy read: only the load's own check of it stands in the way).
        (lambda t: t.replace(PAIR_LINE, PAIR_LINE + '"path":"../../A.zip",'), "leaves the data folder"),
    ],
)
def test_a_state_changed_and_sealed_again_without_this_key_is_checked_in_full(
    tmp_path: Path, edit: Any, error: str, seal_with: str
) -> None:
    store = folded_store(tmp_path, RECORDS)
    text = store.path.read_text()
    store.path.write_text(edit(text))
    assert store.path.read_text() != text
    if seal_with == "plain digest":  # anyone can compute it: it proves nothing
        digest = hashlib.sha256(store.path.read_bytes()).hexdigest()
        (local_dir(store.dir) / SEAL_NAME).write_text(f"hmac-sha256 {digest}\n")
    else:
        reseal(store, b"k" * 32)
    for lazy in (True, False):
        with pytest.raises(InsarprojError, match=error):
            store.load(lazy=lazy)


def test_a_key_and_seal_committed_with_a_state_seal_nothing_in_a_clone(tmp_path: Path) -> None:
    store = folded_store(tmp_path / "here", RECORDS)
    store.path.write_text(store.path.read_text().replace(PAIR_LINE, PAIR_LINE + '"path":"/etc/A.zip",'))
    key = read_key(store.dir)
    assert key is not None
    reseal(store, key)  # sealed with this machine's key, then key and seal forced into a commit
    clone = StateStore(tmp_path / "clone" / ".insarproj")
    shutil.copytree(store.dir, clone.dir)  # what a checkout makes: the same bytes, new files
    assert read_seal(clone.dir) == read_seal(store.dir)
    assert (local_dir(clone.dir) / KEY_NAME).read_bytes() == (local_dir(store.dir) / KEY_NAME).read_bytes()
    for lazy in (True, False):
        with pytest.raises(UnsafePathError, match=r"pair\.s1\.20260101_20260113 has the path '/etc/A\.zip'"):
            clone.load(lazy=lazy)


@pytest.mark.parametrize(
    ("attributes", "error"),
    [
        ({"path": "../outside.zip"}, UnsafePathError),
        ({"path": "slc/x.zip", "files": ["/etc/passwd"]}, UnsafePathError),
    ],
)
def test_records_that_fail_the_checks_are_not_sealed(
    tmp_path: Path, attributes: dict[str, Any], error: type[Exception]
) -> None:
    store = folded_store(tmp_path, RECORDS)
    assert read_seal(store.dir) is not None
    with store.open_writer() as writer:
        writer.record([op_put("scene.Z", "scene", "present", attributes)])  # e.g. a kind's bug
        writer.fold()
    assert read_seal(store.dir) is None
    for lazy in (True, False):
        with pytest.raises(error):
            store.load(lazy=lazy)


def test_a_record_of_another_shape_is_not_sealed(tmp_path: Path) -> None:
    store = folded_store(tmp_path, RECORDS)
    with store.open_writer() as writer:
        writer.state.resources["scene.A"] = {**writer.state.resources["scene.A"], "aaa": 1}
        writer.fold()
    assert read_seal(store.dir) is None
    for lazy in (True, False):
        with pytest.raises(StateError, match=r"invalid at resources\.scene\.A\.aaa"):
            store.load(lazy=lazy)


def test_a_writer_seals_a_state_it_read_in_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = folded_store(tmp_path, RECORDS)
    shutil.rmtree(local_dir(store.dir))  # as an insarproj without seals left it, or a fresh clone
    store.open_writer().close()
    key = read_key(store.dir)
    assert key is not None and read_seal(store.dir) == seal_of(key, store.path.read_bytes())
    calls = full_reads(monkeypatch)
    assert_same(store.load(lazy=True), store.load())
    assert calls == []


def test_a_stale_seal_reads_the_new_state_in_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = folded_store(tmp_path, RECORDS)
    other = folded_store(tmp_path / "other", RECORDS[:3])
    # A crash between writing state.json and its seal: the seal is of the file before.
    shutil.copyfile(other.path, store.path)
    calls = full_reads(monkeypatch)
    assert set(store.load(lazy=True).resources) == {a for a, *_ in RECORDS[:3]}
    assert len(calls) == 1


def test_the_key_and_seal_are_never_committed(tmp_path: Path) -> None:
    folded_store(tmp_path, RECORDS)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    shown = subprocess.run(
        ["git", "-C", str(tmp_path), "status", "--porcelain", "--untracked-files=all"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert ".insarproj/state.json" in shown and "local/" not in shown


@pytest.mark.parametrize("block_bytes", [1, 2, 5, 64])
def test_a_sealed_read_splits_lines_across_any_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block_bytes: int
) -> None:
    store = folded_store(tmp_path, RECORDS + ODD_TEXT)
    full = unsealed(store, lazy=False)
    monkeypatch.setattr(sealed_module, "BLOCK_BYTES", block_bytes)  # a `,` and its `\n` apart, ...
    calls = full_reads(monkeypatch)
    assert_same(store.load(lazy=True), full)
    assert calls == []


# Groups whose names start alike, a dotless address in a group, groups of one kind and of mixed
# kinds side by side: how each line's group is told from the line before must not mix them up.
NEIGHBOURS = [
    ("dem", "dem", "present", {"path": "dem/all.tif"}),
    ("dem.a", "dem", "present", {"path": "dem/a.tif"}),
    ("dem.b", "dem", "present", {"path": "dem/b.tif"}),
    ("demx.a", "orbit", "present", {"path": "orbits/a.EOF"}),
    ("demx.b", "orbit", "present", {"path": "orbits/b.EOF"}),
    ("dem_y.a", "scene", "present", {"path": "slc/a.zip"}),
    ("dem_y.b", "scene", "planned", {}),
    ("dem_z.a", "scene", "present", {"path": "slc/a.zip"}),
    ("dem_z.b", "pair", "planned", {}),
]


@pytest.mark.parametrize("seal", [True, False])
def test_lines_of_neighbouring_groups_are_kept_apart(tmp_path: Path, seal: bool) -> None:
    store = folded_store(tmp_path, NEIGHBOURS)
    if not seal:
        (local_dir(store.dir) / SEAL_NAME).unlink()
    lazy = store.load(lazy=True)
    assert_same(lazy, unsealed(store, lazy=False) if seal else store.load())
    kept = {a for a in lazy.resources if a not in lazy.resources.parsed()}  # type: ignore[attr-defined]
    assert kept == {"dem", "dem.a", "dem.b", "demx.a", "demx.b", "dem_y.a", "dem_y.b"}


def test_a_line_is_checked_against_its_own_group(tmp_path: Path) -> None:
    store = folded_store(tmp_path, NEIGHBOURS)
    (local_dir(store.dir) / SEAL_NAME).unlink()
    # dem_y's `common` gives no status (its records' differ), dem's does: a dem_y line without one
    # is of another shape, even right after dem's lines.
    line = '"dem_y.b": {"attributes":{},"status":"planned"}'
    text = store.path.read_text()
    assert line in text
    store.path.write_text(text.replace(line, '"dem_y.b": {"attributes":{}}'))
    for lazy in (True, False):
        with pytest.raises(StateError, match=r"invalid at resources\.dem_y\.b\.status"):
            store.load(lazy=lazy)


def test_a_key_reached_through_a_link_is_no_key(tmp_path: Path) -> None:
    """A committed symlink in place of the key could point at a file whose content is known."""
    store = folded_store(tmp_path, RECORDS)
    key_file = local_dir(store.dir) / KEY_NAME
    assert read_key(store.dir) is not None
    target = tmp_path / "known.hex"
    shutil.move(key_file, target)
    key_file.symlink_to(target)
    assert read_key(store.dir) is None
