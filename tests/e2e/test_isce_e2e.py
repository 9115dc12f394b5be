"""ISCE2 topsStack end to end through the real CLI: the sandbox serves scenes, orbits and the DEM,
the stand-in topsStack (installed into tmp_path, `topsstack_dir` pointing at it) generates the run
files and runs every command. One track, three dates: small and quick."""

from __future__ import annotations

import time
from pathlib import Path

from e2e_helpers import cli_subprocess, isce_project, state_of

from insarproj.sandbox.topsstack.faults import read_log


def runs_of(home: Path, pattern: str) -> list[dict]:
    return [
        e for e in read_log(str(home)) if e.get("event") == "start" and pattern in str(e.get("target", ""))
    ]


def test_an_isce_project_converges_and_a_looks_change_regenerates(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    root, _ = isce_project(tmp_path)
    applied = run_cli(["-C", str(root), "apply", "--yes"])
    assert applied.code == 0, applied.output
    resources = state_of(root)["resources"]
    stack = resources["isce_stack.A064"]["attributes"]
    assert stack["run_files"][-1] == "run_11_unwrap" and "stand-in" in stack["topsstack"]
    assert stack["command"][stack["command"].index("-r") + 1] == "9"
    steps = {a: r for a, r in resources.items() if r["kind"] == "isce_step"}
    assert len(steps) == 11 and all(r["status"] == "present" for r in steps.values())
    # The interferograms made are exactly the declared network.
    pairs = sorted(a.split(".")[2] for a, r in resources.items() if r["kind"] == "pair")
    merged = root / "data" / "isce" / "A064" / "work" / "merged" / "interferograms"
    assert sorted(p.name for p in merged.iterdir()) == pairs
    assert all((merged / p / "filt_fine.unw").stat().st_size > 0 for p in pairs)

    again = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert again.code == 0, again.output
    shown = run_cli(["-C", str(root), "show"])
    assert "isce_step.A064.11_unwrap" in shown.output and "done" in shown.output
    assert "credits spent" not in shown.output and "pairs in the network (processor isce)" in shown.output

    toml = root / "project.toml"
    toml.write_text(toml.read_text().replace("num_proc = 2", "num_proc = 2\nrange_looks = 15"))
    plan = run_cli(["-C", str(root), "plan"])
    assert plan.code == 0, plan.output
    assert "isce_stack.A064" in plan.output and "range_looks 9 → 15" in plan.output
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    stack = state_of(root)["resources"]["isce_stack.A064"]["attributes"]
    assert stack["command"][stack["command"].index("-r") + 1] == "15"
    superseded = root / "data" / "superseded" / "isce" / "A064"
    assert [p.name for p in superseded.iterdir()] and (merged / pairs[0] / "filt_fine.unw").is_file()
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0


def test_a_command_that_leaves_no_output_is_not_done(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    root, home = isce_project(tmp_path, faults="empty@config_igram_unw_*", extra="max_attempts = 1\n")
    applied = run_cli(["-C", str(root), "apply", "--yes"])
    assert applied.code != 0
    assert "isce_step.A064.11_unwrap" in applied.output and "missing or empty output" in applied.output
    record = state_of(root)["resources"]["isce_step.A064.11_unwrap"]
    assert record["status"] != "present"
    (home / "faults.txt").write_text("")
    plan = run_cli(["-C", str(root), "plan"])
    assert "0/1 commands done, 1 failed (attempt 1 of 1)" in plan.output
    assert run_cli(["-C", str(root), "apply", "--yes", "--retry-failed"]).code == 0
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0
    assert len(runs_of(home, "config_igram_unw_")) == 2


def test_a_failing_command_is_retried_to_the_cap_then_reported(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    root, home = isce_project(tmp_path, faults="fail@config_igram_unw_*", extra="max_attempts = 2\n")
    applied = run_cli(["-C", str(root), "apply", "--yes"])
    assert applied.code != 0
    assert "failed 2 time(s)" in applied.output and "log: " in applied.output
    assert "FileNotFoundError" in applied.output  # the log's tail
    assert len(runs_of(home, "config_igram_unw_")) == 2
    earlier = len(runs_of(home, "config_"))
    plan = run_cli(["-C", str(root), "plan"])
    assert "0/1 commands done, 1 failed (attempt 2 of 2)" in plan.output
    again = run_cli(["-C", str(root), "apply", "--yes"])  # failed for good: nothing runs again
    assert again.code != 0 and len(runs_of(home, "config_")) == earlier


def test_after_kill_9_of_insarproj_a_running_command_is_adopted_never_run_twice(
    tmp_path: Path, sandbox, run_cli
) -> None:  # type: ignore[no-untyped-def]
    root, home = isce_project(tmp_path, faults="slow:3@config_igram_unw_*")
    proc = cli_subprocess(["-C", str(root), "apply", "--yes"], {"INSARPROJ_PLUGINS": ""})
    deadline = time.monotonic() + 60
    while not runs_of(home, "config_igram_unw_"):  # the slow unwrap is running
        assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    proc.kill()  # kill -9 of insarproj: its ISCE child runs on in its own process group
    proc.communicate(timeout=30)
    applied = run_cli(["-C", str(root), "apply", "--yes"])
    assert applied.code == 0, applied.output
    assert len(runs_of(home, "config_igram_unw_")) == 1  # adopted, not started again
    assert len(runs_of(home, "config_merge_igram_")) == 1  # finished steps are not re-run
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0
