"""Scenes end to end through the real CLI against the sandbox: search, pin, verified downloads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from e2e_helpers import quiesce, state_of, storage_gets, write_project

from insarproj.errors import ExitCode


def scene_files(root: Path) -> list[Path]:
    return sorted((root / "data" / "slc").glob("*.zip"))


def test_download_project_converges_and_pinned_plan_makes_no_request(
    tmp_path: Path, sandbox, run_cli
) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p")
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == 0, result.output
    state = state_of(root)
    scenes = {a: r for a, r in state["resources"].items() if r["kind"] == "scene"}
    assert scenes and all(r["status"] == "present" for r in scenes.values())
    files = scene_files(root)
    assert len(files) == len(scenes)
    # Every recorded file is the verified one.
    import hashlib

    for record in scenes.values():
        path = root / "data" / record["attributes"]["path"]
        assert hashlib.md5(path.read_bytes()).hexdigest() == record["attributes"]["md5"]
    assert not list((root / "data").rglob("*.part"))
    quiesce(sandbox)
    sandbox.clear_requests()
    again = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert again.code == 0, again.output
    assert sandbox.requests() == []  # the pin is reused: no search, no download, no request at all


def test_refresh_search_shows_joins_and_leaves(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p")
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    before = {a for a, r in state_of(root)["resources"].items() if r["kind"] == "scene"}
    toml = root / "project.toml"
    toml.write_text(
        toml.read_text()
        .replace("end = 2021-02-15", "end = 2021-03-01")
        .replace("[pairs]", "exclude_dates = [2021-01-06]\n\n[pairs]")
    )
    result = run_cli(["-C", str(root), "plan"])
    assert result.code == 0, result.output
    assert "join" in result.output and "leave" in result.output
    assert "excluded" in result.output  # the reason a scene leaves
    assert "file kept" in result.output
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    # A scene that left keeps only a record of its kept file (status orphaned) until --prune.
    after = {
        a
        for a, r in state_of(root)["resources"].items()
        if r["kind"] == "scene" and r["status"] != "orphaned"
    }
    left = before - after
    assert left and all("20210106" in a for a in left)
    assert after - before  # joined
    # The files of scenes that left are kept (no --prune).
    for address in left:
        assert (root / "data" / "slc" / (address.split(".", 1)[1] + ".zip")).exists()


def test_interrupted_downloads_resume_with_range(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", end="2021-01-10")
    sandbox.set_faults("slow:1@/_storage/*,drop:1@/_storage/*")
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == 0, result.output
    ranged = [r for r in storage_gets(sandbox) if r.status == 206]
    assert ranged, "the dropped download must resume with a Range request"
    assert all(r["status"] == "present" for r in state_of(root)["resources"].values() if r["kind"] == "scene")


def test_wrong_md5_is_an_error_with_nothing_recorded(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", end="2021-01-10", retries=1)
    assert run_cli(["-C", str(root), "plan"]).code == 0
    sandbox.set_faults("badmd5")
    result = run_cli(["-C", str(root), "apply", "--yes", "--keep-going"])
    assert result.code == ExitCode.ERROR
    assert "MD5" in result.output or "md5" in result.output
    scenes = [r for r in state_of(root)["resources"].values() if r["kind"] == "scene"]
    assert scenes == []
    assert scene_files(root) == [] and not list((root / "data").rglob("*.part"))
    # More than one transfer per file: re-downloaded before giving up.
    assert len(storage_gets(sandbox)) >= 2


@pytest.mark.parametrize("fault", ["auth", "auth-html"])
def test_auth_failure_is_clear_and_leaves_no_file(tmp_path: Path, sandbox, run_cli, fault: str) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", end="2021-01-10")
    sandbox.set_faults(fault)
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == ExitCode.ERROR
    assert "Earthdata credentials" in result.output and "EULA" in result.output
    assert "Traceback" not in result.output
    assert not (root / "data" / "slc").exists() or scene_files(root) == []
    assert not list(root.rglob("*.part"))


def test_missing_credentials_refused_before_any_download(
    tmp_path: Path, sandbox, run_cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", end="2021-01-10")
    monkeypatch.delenv("EARTHDATA_TOKEN")
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == ExitCode.ERROR and "no Earthdata credentials" in result.output
    assert storage_gets(sandbox) == []


def test_by_hand_copy_is_adopted_without_download(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    first = write_project(tmp_path / "first", end="2021-01-10")
    assert run_cli(["-C", str(first), "apply", "--yes"]).code == 0
    second = write_project(tmp_path / "second", end="2021-01-10")
    (second / "data" / "slc").mkdir(parents=True)
    for path in scene_files(first):
        shutil.copy(path, second / "data" / "slc" / path.name)
    plan = run_cli(["-C", str(second), "plan"])
    assert "already on disk" in plan.output and "to adopt" in plan.output
    quiesce(sandbox)
    sandbox.clear_requests()
    assert run_cli(["-C", str(second), "apply", "--yes"]).code == 0
    assert storage_gets(sandbox) == []
    sources = {
        r["attributes"]["source"] for r in state_of(second)["resources"].values() if r["kind"] == "scene"
    }
    assert sources == {"adopted"}


def test_shared_cache_is_used_across_projects(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    cache = tmp_path / "cache"
    first = write_project(tmp_path / "first", end="2021-01-10", paths_extra=f'cache = "{cache}"')
    assert run_cli(["-C", str(first), "apply", "--yes"]).code == 0
    assert list((cache / "slc").glob("*.zip"))
    second = write_project(tmp_path / "second", end="2021-01-10", paths_extra=f'cache = "{cache}"')
    quiesce(sandbox)
    sandbox.clear_requests()
    assert "shared cache" in run_cli(["-C", str(second), "plan"]).output
    assert run_cli(["-C", str(second), "apply", "--yes"]).code == 0
    assert storage_gets(sandbox) == []


def test_not_enough_disk_space_refused_before_any_download(
    tmp_path: Path, sandbox, run_cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", end="2021-01-10")
    import collections

    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 1000, 1000))
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == ExitCode.ERROR and "free" in result.output
    assert storage_gets(sandbox) == []


def test_verify_recomputes_checksums(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", end="2021-01-10")
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    victim = scene_files(root)[0]
    data = bytearray(victim.read_bytes())
    data[100] ^= 0xFF  # same size, different content: only --verify can tell
    victim.write_bytes(bytes(data))
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0
    result = run_cli(["-C", str(root), "plan", "--verify", "--detailed-exitcode"])
    assert result.code == ExitCode.PENDING and "MD5 differs" in result.output
    assert run_cli(["-C", str(root), "apply", "--yes", "--verify"]).code == 0
    assert run_cli(["-C", str(root), "plan", "--verify", "--detailed-exitcode"]).code == 0


@pytest.mark.parametrize("fault", ["5xx:2@/search/*"])
def test_search_faults_are_retried_or_reported(
    tmp_path: Path, sandbox, run_cli, fault: str, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import tenacity

    monkeypatch.setattr(tenacity.nap, "sleep", lambda seconds: None)
    root = write_project(tmp_path / "p", end="2021-01-10")
    sandbox.set_faults(fault)
    result = run_cli(["-C", str(root), "plan"])
    assert result.code == 0, result.output


def test_show_lists_stacks_and_writes_footprints(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    import json

    root = write_project(tmp_path / "p", end="2021-02-15", search_extra="min_coverage = 0.5")
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    text = run_cli(["-C", str(root), "show"]).output
    assert "A064" in text and "D071" in text and "dropped" in text and "min_coverage" in text
    summary = json.loads(run_cli(["-C", str(root), "show", "--json"]).stdout)
    stacks = {s["id"]: s for s in summary["stacks"]}
    assert stacks["A064"]["scenes_present"] == stacks["A064"]["scenes"] > 0
    assert any(d["reason"] for s in stacks.values() for d in s["dropped"])
    out = tmp_path / "fp.geojson"
    assert run_cli(["-C", str(root), "show", "--footprints", str(out)]).code == 0
    collection = json.loads(out.read_text())
    roles = [f["properties"].get("role") for f in collection["features"]]
    assert roles.count("aoi") == 1 and len(collection["features"]) == 1 + len(
        [r for r in state_of(root)["resources"].values() if r["kind"] == "scene"]
    )


def test_fault_classes_on_downloads_are_retried_to_success(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    # Counts, not probabilities: the first N storage requests fault, whatever the thread order,
    # and even all of them hitting one file stays within its retry budget.
    root = write_project(tmp_path / "p", end="2021-01-20", retries=8)
    sandbox.set_faults("5xx:2@/_storage/*,429:1@/_storage/*,truncate:2@/_storage/*,drop:2@/_storage/*")
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == 0, result.output
    faulted = [r for r in sandbox.requests() if r.fault]
    assert faulted, "the faults must have fired"
    import hashlib

    for record in state_of(root)["resources"].values():
        path = root / "data" / record["attributes"]["path"] if record["kind"] == "scene" else None
        if path:
            assert hashlib.md5(path.read_bytes()).hexdigest() == record["attributes"]["md5"]


def test_search_that_keeps_failing_is_reported_and_pins_nothing(
    tmp_path: Path, sandbox, run_cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import tenacity

    monkeypatch.setattr(tenacity.nap, "sleep", lambda seconds: None)
    root = write_project(tmp_path / "p", end="2021-01-20")
    sandbox.set_faults("5xx:1.0@/search/*")
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == ExitCode.ERROR and "Traceback" not in result.output
    assert "CMR" in result.output or "search" in result.output
    assert state_of(root)["inputs"] == {}


def test_reapply_after_an_interrupted_download_transfers_only_the_rest(
    tmp_path: Path, sandbox, run_cli
) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", end="2021-01-02")
    assert run_cli(["-C", str(root), "plan"]).code == 0
    import requests

    from insarproj.kinds.search import load_pin
    from insarproj.state import StateStore

    # What an apply killed mid-file leaves: the pinned search, and a .part holding the first bytes.
    # (`--target search`, the input's name, applies only the pin.)
    result = run_cli(["-C", str(root), "apply", "--yes", "--target", "search"])
    assert result.code == 0
    pin = load_pin(StateStore(root / ".insarproj").load().inputs)
    name = sorted(pin.scenes)[0]
    scene = pin.scenes[name]
    full = requests.get(
        scene.url, headers={"Authorization": "Bearer " + sandbox.env()["EARTHDATA_TOKEN"]}, timeout=10
    ).content
    part = root / "data" / "slc" / f"{name}.zip.part"
    part.parent.mkdir(parents=True)
    half = len(full) // 2
    part.write_bytes(full[:half])
    quiesce(sandbox)
    sandbox.clear_requests()
    assert run_cli(["-C", str(root), "apply", "--yes", "--target", f"scene.{name}"]).code == 0
    gets = [r for r in storage_gets(sandbox) if name in r.path]
    probe, download = gets  # apply's preflight reads one byte through the login chain first
    assert probe.bytes_sent == 1
    assert download.status == 206 and download.bytes_sent == len(full) - half
    assert (root / "data" / "slc" / f"{name}.zip").read_bytes() == full


def test_burst_downloads_are_verified_as_tiffs(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = write_project(
        tmp_path / "p", end="2021-01-10", search_extra='product = "BURST"\npolarization = ["VV"]'
    )
    sandbox.set_faults("burst202:1")
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == 0, result.output
    bursts = [r for r in state_of(root)["resources"].values() if r["kind"] == "scene"]
    assert bursts
    for record in bursts:
        path = root / "data" / record["attributes"]["path"]
        assert path.suffix == ".tiff" and path.read_bytes()[:4] in (b"II*\x00", b"MM\x00*")
        assert path.stat().st_size == record["attributes"]["size"]
    assert any(r.status == 202 for r in sandbox.requests())  # the extractor's "not ready yet" was waited out
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0
