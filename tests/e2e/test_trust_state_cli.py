"""Issue 14 through the real CLI against the sandbox: what `.insarproj/` holds is checked before it
is trusted (paths, journal lines, state.json oddities), a full disk loses nothing and says how to
resume, a taken sandbox port is named, and a lost state has a way back (`init --state-only`)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from e2e_helpers import apply_wait, quiesce, state_of, storage_gets, write_project

from insarproj.errors import ExitCode


def converged_download_project(root: Path, run_cli) -> Path:  # type: ignore[no-untyped-def]
    write_project(root)
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == 0, result.output
    return root


def one_error(result) -> str:  # type: ignore[no-untyped-def]
    """The single `Error:` line of a failed command (never a traceback or an internal error)."""
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    return errors[0]


def lineage_of(root: Path) -> str:
    return json.loads((root / ".insarproj" / "state.json").read_text())["lineage"]


def append_journal_line(root: Path, body: dict) -> None:
    """A journal line exactly as insarproj encodes it, so its checksum holds."""
    state = json.loads((root / ".insarproj" / "state.json").read_text())
    full = {
        "v": 1,
        "seq": state["journal_seq"] + 1,
        "serial": state["serial"] + 1,
        "lineage": state["lineage"],
        "at": "2026-12-06T00:00:00.000000Z",
        **body,
    }
    payload = json.dumps(full, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    line = payload[:-1] + f',"crc":{zlib.crc32(payload.encode())}}}\n'
    with open(root / ".insarproj" / f"journal.{full['seq']:012d}.jsonl", "a") as handle:
        handle.write(line)


def put_op(address: str, path: str) -> dict:
    record = {
        "kind": "scene",
        "status": "present",
        "attributes": {"path": path, "size": 11},
        "updated_at": "2026-12-06T00:00:00.000000Z",
    }
    return {"op": "put", "address": address, "record": record}


# --- defect 8: recorded paths are checked on load ------------------------------------------------


def evil_in_state(root: Path) -> None:
    path = root / ".insarproj" / "state.json"
    raw = json.loads(path.read_text())
    raw["resources"]["scene.S1A_IW_SLC__1SDV_EVIL"] = put_op("x", "../../outside.txt")["record"]
    path.write_text(json.dumps(raw, indent=2))  # a bad commit


def evil_in_journal(root: Path) -> None:
    append_journal_line(root, {"ops": [put_op("scene.S1A_IW_SLC__1SDV_EVIL", "../../outside.txt")]})


@pytest.mark.parametrize(
    ("damage", "where"),
    [(evil_in_state, ".insarproj/state.json: record"), (evil_in_journal, "jsonl line 1: record")],
)
def test_a_committed_path_outside_the_data_folder_is_refused_and_nothing_is_deleted(
    tmp_path: Path, sandbox, run_cli, damage: Callable[[Path], None], where: str
) -> None:  # type: ignore[no-untyped-def]
    root = converged_download_project(tmp_path / "p", run_cli)
    outside = tmp_path / "outside.txt"  # data/../../outside.txt
    outside.write_text("user data")
    damage(root)
    for command in (["plan"], ["show"], ["apply", "--prune", "--yes"]):
        result = run_cli(["-C", str(root), *command])
        assert result.code == ExitCode.ERROR, (command, result.output)
        error = one_error(result)
        assert where in error and "scene.S1A_IW_SLC__1SDV_EVIL has the path '../../outside.txt'" in error, (
            error
        )
        assert "which leaves the data folder" in error and "git checkout -- .insarproj" in error
    assert outside.read_text() == "user data"


# --- defect 9 and 10: journal lines and state.json are validated, errors name file and line ------


def wrong_shape_line(root: Path) -> None:
    append_journal_line(root, {"ops": [{"op": "put", "address": "scene.X"}]})


def unknown_op_line(root: Path) -> None:
    append_journal_line(root, {"ops": [{"op": "frobnicate", "address": "scene.X"}]})


def newer_format_line(root: Path) -> None:
    append_journal_line(root, {"v": 99, "ops": [{"op": "teleport"}]})


def deeply_nested_line(root: Path) -> None:
    journal = root / ".insarproj" / "journal.000000000099.jsonl"
    journal.write_text("[" * 200_000 + "]" * 200_000 + "\n")


def format_version_string(root: Path) -> None:
    path = root / ".insarproj" / "state.json"
    raw = json.loads(path.read_text())
    raw["format_version"] = "1"
    path.write_text(json.dumps(raw, indent=2))


def duplicate_key(root: Path) -> None:
    path = root / ".insarproj" / "state.json"
    raw = json.loads(path.read_text())
    address = min(a for a in raw["resources"] if a.startswith("scene."))
    text = json.dumps(raw, indent=2)
    merged = text.replace(
        '"resources": {', '"resources": {\n    ' + json.dumps(address) + ': {"kind": "scene"},', 1
    )
    path.write_text(merged)  # a careless hand merge of two branches


def deeply_nested_state(root: Path) -> None:
    (root / ".insarproj" / "state.json").write_text(
        '{"format_version": 1, "x": ' + "[" * 200_000 + "]" * 200_000 + "}"
    )


DAMAGES = [
    (
        wrong_shape_line,
        ["jsonl line 1 is not a valid journal line", "record", "Field required", "re-run `insarproj apply`"],
    ),
    (
        unknown_op_line,
        ["jsonl line 1 is not a valid journal line", "'frobnicate'", "'put', 'del', 'input', 'plan_applied'"],
    ),
    (
        newer_format_line,
        ["jsonl line 1 was written by a newer insarproj (journal format version 99", "upgrade insarproj"],
    ),
    (
        deeply_nested_line,
        ["journal.000000000099.jsonl line 1 is nested too deeply", "re-run `insarproj apply`"],
    ),
    (
        format_version_string,
        ["state.json has format_version '1', which is not a format number", "without quotes"],
    ),
    (duplicate_key, ["state.json has the key 'scene.", "twice in one object", "git checkout -- .insarproj"]),
    (deeply_nested_state, ["state.json is nested too deeply", "insarproj init --state-only"]),
]


def test_damaged_state_and_journal_give_one_sentence_with_file_and_line(
    tmp_path: Path, sandbox, run_cli
) -> None:  # type: ignore[no-untyped-def]
    template = converged_download_project(tmp_path / "template", run_cli)
    for damage, fragments in DAMAGES:
        root = tmp_path / damage.__name__
        shutil.copytree(template, root)
        damage(root)
        before = {
            p.name: p.read_bytes()
            for p in (root / ".insarproj").iterdir()
            if p.is_file() and p.name != "lock"
        }
        for command in (["plan"], ["show"], ["apply", "--yes"]):
            result = run_cli(["-C", str(root), *command])
            assert result.code == ExitCode.ERROR, (damage.__name__, command, result.output)
            error = one_error(result)
            for fragment in fragments:
                assert fragment in error, (damage.__name__, command, error)
        after = {
            p.name: p.read_bytes()
            for p in (root / ".insarproj").iterdir()
            if p.is_file() and p.name != "lock"
        }
        assert after == before, f"{damage.__name__}: a refused command must not write"


def test_deeply_nested_saved_plan_is_named(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p")
    plan = tmp_path / "plan.json"
    plan.write_text("[" * 200_000 + "]" * 200_000)
    result = run_cli(["-C", str(root), "apply", str(plan)])
    assert result.code == ExitCode.USAGE  # like every other unreadable plan file
    assert "plan.json is nested too deeply to be an insarproj plan file" in one_error(result)


# --- defect 10: a full disk under .insarproj/ ---------------------------------------------------------


def fail_writes_to(monkeypatch: pytest.MonkeyPatch, function: str, fragment: str, *, after: int = 0) -> dict:
    """Make os.<function> raise ENOSPC for files whose path contains ``fragment``, after ``after``
    successful calls on such files: the disk fills up in the middle of an apply."""
    original = getattr(os, function)
    calls = {"n": 0, "failed": 0}

    def full(fd: int, *args: object) -> object:
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            target = ""
        if fragment in target:
            calls["n"] += 1
            if calls["n"] > after:
                calls["failed"] += 1
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return original(fd, *args)

    monkeypatch.setattr(os, function, full)
    calls["restore"] = lambda: monkeypatch.setattr(
        os, function, original
    )  # not undo(): keeps the sandbox env
    return calls


@pytest.mark.parametrize(
    ("function", "fragment", "after", "named"),
    [
        ("write", "/.insarproj/journal.", 2, ".insarproj/journal.000000000001.jsonl"),  # appending an action
        ("fsync", "/.insarproj/journal.", 2, ".insarproj/journal.000000000001.jsonl"),  # making it durable
        ("fsync", "/.insarproj/.state.json.", 0, ".insarproj/state.json"),  # folding the journal
        ("fsync", "/.insarproj/.lock.info.json.", 0, ".insarproj/lock.info.json"),  # the lock sidecar
    ],
)
def test_full_disk_under_insarproj_loses_nothing_and_the_next_apply_converges(
    tmp_path: Path,
    sandbox,
    run_cli,
    monkeypatch: pytest.MonkeyPatch,
    function: str,
    fragment: str,
    after: int,
    named: str,
) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p")
    assert run_cli(["-C", str(root), "plan"]).code == 0
    calls = fail_writes_to(monkeypatch, function, fragment, after=after)
    result = run_cli(["-C", str(root), "apply", "--yes", "--concurrency", "1"])
    calls["restore"]()
    assert calls["failed"] >= 1
    assert result.code == ExitCode.ERROR, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    assert f"no space left on device writing {root / named}" in result.output, result.output
    assert "nothing recorded was lost; free space and re-run `insarproj apply`" in result.output
    recorded = state_of(root)["resources"]  # the state loads: nothing torn, nothing half-written
    assert not list((root / ".insarproj").glob(".*.tmp"))
    quiesce(sandbox)
    sandbox.clear_requests()
    again = run_cli(["-C", str(root), "apply", "--yes"])
    assert again.code == 0, again.output
    converged = run_cli(["-C", str(root), "plan", "--detailed-exitcode", "--offline"])
    assert converged.code == 0, converged.output
    # Files recorded before the disk filled up are not fetched again.
    fetched = {r.path.rsplit("/", 1)[-1] for r in storage_gets(sandbox)}
    for address, record in recorded.items():
        if record["kind"] == "scene":
            assert Path(record["attributes"]["path"]).name not in fetched, address


def test_full_disk_in_a_saved_plan_names_the_file(tmp_path: Path, sandbox, run_cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p")
    calls = fail_writes_to(monkeypatch, "fsync", "/.plan.json.")
    result = run_cli(["-C", str(root), "plan", "--out", str(tmp_path / "plan.json")])
    calls["restore"]()
    assert result.code == ExitCode.ERROR
    assert f"no space left on device writing {tmp_path / 'plan.json'}" in one_error(result)
    assert "re-run `insarproj plan --out" in one_error(result)


# --- defect 10: a sandbox port already in use ---------------------------------------------------


def test_sandbox_on_a_taken_port_says_so(run_cli) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli(["sandbox", "--port", str(port)])
    assert result.code == ExitCode.ERROR
    assert one_error(result) == (
        f"Error: port {port} on 127.0.0.1 is in use (by another program): pick another with --port or "
        "omit it for a free one"
    )


# --- defect 15: the way back from a lost state ----------------------------------------------------

HYP3 = '[processor.hyp3]\njob_type = "INSAR_GAMMA"\ninclude_dem = true\n'


def lose_state_and_recover(root: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    shutil.rmtree(root / ".insarproj")  # lost: never committed, or deleted by mistake
    lost = run_cli(["-C", str(root), "plan"])
    assert lost.code == ExitCode.ERROR
    error = one_error(lost)
    assert "no state file" in error and "git checkout -- .insarproj" in error
    assert "insarproj init --state-only" in error
    plain_init = run_cli(["init", str(root)])  # refused (project.toml exists), but points the way
    assert plain_init.code == ExitCode.USAGE and "insarproj init --state-only" in one_error(plain_init)
    recovered = run_cli(["-C", str(root), "init", "--state-only"])
    assert recovered.code == 0, recovered.output


def test_lost_hyp3_state_is_recovered_without_submitting_twice(
    tmp_path: Path, sandbox, run_cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    sandbox.hyp3_settings(speed=50.0)
    monkeypatch.setenv("INSARPROJ_HYP3_LISTING_LAG", "0.5")
    root = write_project(tmp_path / "p", kind="hyp3", end="2021-02-10", processor_extra=HYP3)
    first = apply_wait(run_cli, root)
    assert first.code == 0, first.output
    jobs_before, folders_before = hyp3_jobs_of(root), product_folders_of(root)
    assert jobs_before and len(folders_before) == len(jobs_before)
    lose_state_and_recover(root, run_cli)
    quiesce(sandbox)
    sandbox.clear_requests()
    second = apply_wait(run_cli, root)
    assert second.code == 0, second.output
    # The products of adopted jobs are planned once the jobs are recorded (the next apply), and
    # are adopted from disk, checked against their manifests, not downloaded again.
    third = apply_wait(run_cli, root)
    assert third.code == 0, third.output
    quiesce(sandbox)
    assert_recovered_without_paying_or_downloading(sandbox, root, run_cli, jobs_before, folders_before)


def test_lost_state_after_products_expired_adopts_them_from_disk(
    tmp_path: Path, sandbox, run_cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """HyP3 deleted the products two weeks ago, but they are on disk: adopting the jobs and the
    folders is right; resubmitting (paying again) or sweeping the folders away is not."""
    sandbox.hyp3_settings(speed=50.0)
    monkeypatch.setenv("INSARPROJ_HYP3_LISTING_LAG", "0.5")
    root = write_project(tmp_path / "p", kind="hyp3", end="2021-02-10", processor_extra=HYP3)
    assert apply_wait(run_cli, root).code == 0
    jobs_before, folders_before = hyp3_jobs_of(root), product_folders_of(root)
    sandbox.hyp3_advance(15 * 86400)  # past every product's expiration_time
    lose_state_and_recover(root, run_cli)
    quiesce(sandbox)
    sandbox.clear_requests()
    for attempt in (apply_wait(run_cli, root, "--prune"), apply_wait(run_cli, root, "--prune")):
        assert attempt.code == 0, attempt.output
    quiesce(sandbox)
    assert_recovered_without_paying_or_downloading(sandbox, root, run_cli, jobs_before, folders_before)


def hyp3_jobs_of(root: Path) -> dict[str, str]:
    return {
        a: r["attributes"]["job_id"]
        for a, r in state_of(root)["resources"].items()
        if r["kind"] == "hyp3_job"
    }


def product_folders_of(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in (root / "data" / "products").glob("*/*")}


def assert_recovered_without_paying_or_downloading(
    sandbox, root, run_cli, jobs_before, folders_before
) -> None:  # type: ignore[no-untyped-def]
    log = sandbox.requests()
    assert not [r for r in log if r.method == "POST" and r.path == "/jobs"], "a job was submitted twice"
    assert not [r for r in log if r.method == "GET" and r.path.endswith(".zip")], (
        "a product was downloaded again"
    )
    assert hyp3_jobs_of(root) == jobs_before  # every job adopted by identity
    assert product_folders_of(root) == folders_before  # adopted in place: nothing swept aside
    products = [r for r in state_of(root)["resources"].values() if r["kind"] == "product"]
    assert len(products) == len(jobs_before) and all(r["status"] == "present" for r in products)
    converged = run_cli(["-C", str(root), "plan", "--detailed-exitcode", "--offline"])
    assert converged.code == 0, converged.output


def test_lost_download_state_adopts_the_files_on_disk(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = converged_download_project(tmp_path / "p", run_cli)
    scenes_before = {a for a, r in state_of(root)["resources"].items() if r["kind"] == "scene"}
    lose_state_and_recover(root, run_cli)
    plan = run_cli(["-C", str(root), "plan"])
    assert plan.code == 0 and "adopt" in plan.output, plan.output
    quiesce(sandbox)
    sandbox.clear_requests()
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == 0, result.output
    assert storage_gets(sandbox) == [], "a scene already on disk was downloaded again"
    state = state_of(root)["resources"]
    assert {a for a, r in state.items() if r["kind"] == "scene"} == scenes_before
    assert all(r["attributes"]["source"] == "adopted" for r in state.values() if r["kind"] == "scene")


def test_init_state_only_refuses_a_working_state_and_keeps_a_broken_one(
    tmp_path: Path, sandbox, run_cli
) -> None:  # type: ignore[no-untyped-def]
    root = converged_download_project(tmp_path / "p", run_cli)
    state_file = root / ".insarproj" / "state.json"
    refused = run_cli(["-C", str(root), "init", "--state-only"])
    assert refused.code == ExitCode.ERROR and "refusing to replace a working state" in one_error(refused)
    state_file.write_text('{"format_version": 1, "lineage": ')  # unreadable
    corrupt = run_cli(["-C", str(root), "plan"])
    error = one_error(corrupt)
    assert "is corrupt" in error and "insarproj init --state-only --from-backup" in error
    assert "insarproj init --state-only --force" in error
    without_force = run_cli(["-C", str(root), "init", "--state-only"])
    assert without_force.code == ExitCode.ERROR and "add --force" in one_error(without_force)
    from_backup = run_cli(["-C", str(root), "init", "--state-only", "--from-backup"])
    assert from_backup.code == 0, from_backup.output
    kept = list((root / ".insarproj").glob("state.json.broken-*"))
    assert len(kept) == 1 and kept[0].read_text() == '{"format_version": 1, "lineage": '
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0
    usage = run_cli(["-C", str(root), "init", "--state-only", "--template", "download"])
    assert usage.code == ExitCode.USAGE


def test_state_nested_deeper_than_insarproj_writes_is_named_when_apply_folds(
    tmp_path: Path, sandbox, run_cli
) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p")
    path = root / ".insarproj" / "state.json"
    raw = json.loads(path.read_text())
    raw["inputs"]["notes"] = json.loads("[" * 300 + "]" * 300)  # readable by json, deeper than orjson writes
    path.write_text(json.dumps(raw))
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == ExitCode.ERROR
    error = one_error(result)
    assert "state.json cannot be written: input notes is nested deeper than 255 levels" in error, error
    assert "everything recorded is still in the journal" in error
    assert any(
        r["kind"] == "scene" for r in state_of(root)["resources"].values()
    )  # replayed from the journal


def test_a_saved_plan_with_a_path_outside_the_data_folder_is_refused(
    tmp_path: Path, sandbox, run_cli
) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p")
    plan_file = tmp_path / "plan.json"
    assert run_cli(["-C", str(root), "plan", "--out", str(plan_file)]).code == 0
    plan = json.loads(plan_file.read_text())
    scene = next(a for a in plan["actions"] if a["kind"] == "scene")
    scene["payload"]["path"] = "../../outside.zip"  # a shared plan file, edited
    plan_file.write_text(json.dumps(plan))
    result = run_cli(["-C", str(root), "apply", str(plan_file)])
    assert result.code == ExitCode.USAGE
    error = one_error(result)
    assert f"plan.json: action {scene['address']} has the path '../../outside.zip'" in error, error
    assert "insarproj plan --out FILE" in error
    assert not (tmp_path / "outside.zip").exists() and not list(tmp_path.glob("*outside*"))
