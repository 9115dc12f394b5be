"""Orbit files end to end through the real CLI against the sandbox's orbit bucket."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from e2e_helpers import quiesce, state_of, write_project


def orbit_records(root: Path) -> dict[str, Any]:
    return {a: r for a, r in state_of(root)["resources"].items() if r["kind"] == "orbit"}


def orbit_requests(sandbox: Any) -> list[Any]:
    return [r for r in sandbox.requests() if r.path.startswith("/s1-orbits")]


def test_download_project_converges_and_a_converged_plan_asks_the_bucket_nothing(
    tmp_path: Path, sandbox: Any, run_cli: Any
) -> None:
    root = write_project(tmp_path / "p", end="2021-01-20")
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == 0, result.output
    records = orbit_records(root)
    scenes = [a for a, r in state_of(root)["resources"].items() if r["kind"] == "scene"]
    assert len(records) == len(scenes) and all(r["attributes"]["type"] == "precise" for r in records.values())
    files = {r["attributes"]["file"] for r in records.values()}
    assert len(files) < len(records)  # scenes of one pass share one file, stored once
    assert sorted(p.name for p in (root / "data" / "orbits").glob("*.EOF")) == sorted(files)
    # The bucket was listed once per satellite in use, never the whole bucket.
    listings = [r for r in orbit_requests(sandbox) if r.path in ("/s1-orbits", "/s1-orbits/")]
    assert listings and all(r.query["prefix"][0].startswith("AUX_POEORB/S1") for r in listings)
    assert all(r.authorization is None for r in orbit_requests(sandbox))  # the bucket gets no credentials
    quiesce(sandbox)
    sandbox.clear_requests()
    again = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert again.code == 0, again.output
    assert orbit_requests(sandbox) == []
    shown = run_cli(["-C", str(root), "show"])
    assert "POEORB" in shown.output and next(iter(files)) in shown.output


def test_resorb_then_upgrade_to_poeorb(tmp_path: Path, sandbox: Any, run_cli: Any) -> None:
    root = write_project(tmp_path / "p", start="2021-02-01", end="2021-02-15")
    sandbox.orbit_settings(clock="2021-02-20T00:00:00")  # the last dates have no POEORB yet
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    restituted = {a: r for a, r in orbit_records(root).items() if r["attributes"]["type"] == "restituted"}
    assert restituted and all(r["attributes"]["precise_expected"] for r in restituted.values())
    plan = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert plan.code == 0 and "use restituted orbits (RESORB)" in plan.output, plan.output
    assert run_cli(["-C", str(root), "plan", "--offline", "--detailed-exitcode"]).code == 0
    sandbox.orbit_settings(advance_days=20)
    sandbox.clear_requests()
    plan = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert plan.code == 2 and "upgrade RESORB → POEORB" in plan.output, plan.output
    # Only what lacks a precise orbit is listed: the POEORB tail of the one satellite, no RESORB.
    assert orbit_requests(sandbox)
    assert all(r.query["prefix"][0].startswith("AUX_POEORB/") for r in orbit_requests(sandbox))
    old_files = {r["attributes"]["file"] for r in restituted.values()}
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    upgraded = orbit_records(root)
    assert all(upgraded[a]["attributes"]["type"] == "precise" for a in restituted)
    left = {p.name for p in (root / "data" / "orbits").glob("*.EOF")}
    assert not (old_files & left)  # the RESORBs moved aside
    assert {p.name for p in (root / "data" / "orbits" / "superseded").iterdir()} == old_files
    quiesce(sandbox)
    sandbox.clear_requests()
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0
    assert orbit_requests(sandbox) == []


def test_require_precise_holds_a_date_out_of_the_pair_network(
    tmp_path: Path, sandbox: Any, run_cli: Any
) -> None:
    root = write_project(tmp_path / "p", kind="isce", start="2020-12-20", end="2021-02-15")
    sandbox.orbit_settings(clock="2021-02-20T00:00:00")
    plan = run_cli(["-v", "-C", str(root), "plan"])
    assert plan.code == 0, plan.output
    assert "held out of the stack, no precise orbit (POEORB) listed yet" in plan.output
    assert "[orbits] require_precise" in plan.output
    held_day = "20210211"
    pairs = [line for line in plan.output.splitlines() if "pair." in line]
    assert pairs and not any(held_day in line for line in pairs)
    assert "RESORB" not in plan.output.replace("(RESORB)", "")  # no restituted file is fetched
    sandbox.orbit_settings(advance_days=20)
    later = run_cli(["-v", "-C", str(root), "plan"])
    assert any(held_day in line for line in later.output.splitlines() if "pair." in line), later.output
    assert "held out of the stack" not in later.output
