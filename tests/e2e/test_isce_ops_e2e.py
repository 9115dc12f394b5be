"""ISCE2 operations through the real CLI and the stand-in topsStack: `keep` and `apply --prune`,
the plan-time disk check, NESD coregistration converging, and `validate` on the tool found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2e_helpers import state_of
from test_isce_e2e import isce_project, runs_of

from insarproj.sandbox.topsstack.install import MARKER


def test_prune_removes_what_keep_does_not_name_and_the_stack_stays_converged(
    tmp_path: Path, sandbox, run_cli
) -> None:  # type: ignore[no-untyped-def]
    root, home = isce_project(tmp_path)
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    work = root / "data" / "isce" / "A064" / "work"
    assert (work / "secondarys").is_dir() and (work / "interferograms").is_dir()
    plan = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert plan.code == 0, plan.output  # nothing to do: pruning is only ever asked for
    assert "isce_work.A064: `apply --prune` would free" in plan.output
    assert "secondarys/, interferograms/" in plan.output
    runs = len(runs_of(home, "config_"))

    pruned = run_cli(["-C", str(root), "apply", "--yes", "--prune"])
    assert pruned.code == 0, pruned.output
    assert not (work / "secondarys").exists() and not (work / "interferograms").exists()
    assert (work / "coreg_secondarys").is_dir() and (work / "merged").is_dir()
    record = state_of(root)["resources"]["isce_work.A064"]["attributes"]
    assert record["pruned"] == ["secondarys", "interferograms"] and record["freed"] > 0
    again = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert again.code == 0, again.output  # the steps whose outputs were pruned stay done
    assert "would free" not in again.output
    assert len(runs_of(home, "config_")) == runs
    # show lists per stack what was pruned, in text and --json.
    shown = run_cli(["-C", str(root), "show"]).output
    assert "pruned by `apply --prune`: secondarys/, interferograms/ (freed " in shown, shown
    stack = json.loads(run_cli(["-C", str(root), "show", "--json"]).output)["isce_stacks"][0]
    assert stack["pruned"] == {"folders": ["secondarys", "interferograms"], "freed": record["freed"]}

    # keep shrinks: a second prune adds to what the first removed.
    toml = root / "project.toml"
    toml.write_text(
        toml.read_text().replace("[processor.isce]\n", '[processor.isce]\nkeep = ["merged"]\n', 1)
    )
    assert run_cli(["-C", str(root), "apply", "--yes", "--prune"]).code == 0
    second = state_of(root)["resources"]["isce_work.A064"]["attributes"]
    assert second["pruned"][:2] == ["reference", "geom_reference"] and "secondarys" in second["pruned"]
    assert second["freed"] > record["freed"] and (work / "merged").is_dir()
    stack = json.loads(run_cli(["-C", str(root), "show", "--json"]).output)["isce_stacks"][0]
    assert stack["pruned"]["folders"] == second["pruned"], stack


def test_prune_on_the_first_apply_waits_for_the_steps(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    root, _ = isce_project(tmp_path, extra='keep = ["merged", "reference", "geom_reference"]\n')
    plan = run_cli(["-C", str(root), "plan", "--prune"])
    assert "once its steps are done, prune" in plan.output
    applied = run_cli(["-C", str(root), "apply", "--yes", "--prune"])
    assert applied.code == 0, applied.output
    work = root / "data" / "isce" / "A064" / "work"
    assert sorted(p.name for p in work.iterdir() if p.is_dir()) == [
        "configs",
        "geom_reference",
        "merged",
        "reference",
        "run_files",
    ]
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0


def test_a_stack_that_does_not_fit_on_the_disk_is_refused_before_anything_runs(
    tmp_path: Path, sandbox, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import shutil

    root, home = isce_project(tmp_path)
    # Without its marker line the stand-in counts as a real topsStack (version unknown), whose
    # disk needs are enforced; the stand-in's own are only noted (it writes placeholders).
    program = home / "stackSentinel.py"
    stand_in = program.read_text()
    real = shutil.disk_usage

    def tiny(path):  # type: ignore[no-untyped-def]
        usage = real(path)
        return type(usage)(usage.total, usage.total - 10**9, 10**9)  # 1 GB free

    with monkeypatch.context() as patched:
        patched.setattr("insarproj.isce.disk.shutil.disk_usage", tiny)
        program.write_text(stand_in)
        plan = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
        assert plan.code == 2 and "not enforced: the sandbox's stand-in topsStack" in plan.output
        program.write_text(stand_in.replace(MARKER + "\n", ""))
        plan = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
        assert plan.code == 4, plan.output
        assert "isce_work.A064" in plan.output and "only 1.0 GB are free" in plan.output
        applied = run_cli(["-C", str(root), "apply", "--yes"])
        assert applied.code == 4, applied.output
        assert "free space or set [paths] data to a larger disk" in applied.output
        assert not (root / "data" / "scenes").exists() and not runs_of(home, "")  # nothing ran
    plan = run_cli(["-C", str(root), "plan"])
    assert plan.code == 0 and "isce_work.A064: needs about" in plan.output
    assert "real topsStack at" in plan.output


def test_an_nesd_stack_converges(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    root, home = isce_project(tmp_path, coregistration="NESD")
    applied = run_cli(["-C", str(root), "apply", "--yes"])
    assert applied.code == 0, applied.output
    resources = state_of(root)["resources"]
    run_files = resources["isce_stack.A064"]["attributes"]["run_files"]
    names = [name.split("_", 2)[2] for name in run_files]
    nesd = [
        "extract_burst_overlaps",
        "overlap_geo2rdr",
        "overlap_resample",
        "pairs_misreg",
        "timeseries_misreg",
    ]
    assert [n for n in names if n in nesd] == nesd
    steps = [r for r in resources.values() if r["kind"] == "isce_step"]
    assert len(steps) == len(run_files) and all(r["status"] == "present" for r in steps)
    targets = {str(e.get("target")) for e in runs_of(home, "")}
    assert any("misreg" in t for t in targets) and any("overlap" in t for t in targets), targets
    pairs = sorted(a.split(".")[2] for a, r in resources.items() if r["kind"] == "pair")
    merged = root / "data" / "isce" / "A064" / "work" / "merged" / "interferograms"
    assert sorted(p.name for p in merged.iterdir()) == pairs
    again = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert again.code == 0 and "No changes" in again.output, again.output


def test_prune_never_runs_while_a_step_is_unfinished(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    root, home = isce_project(tmp_path, faults="fail@config_igram_unw_*", extra="max_attempts = 1\n")
    applied = run_cli(["-C", str(root), "apply", "--yes", "--prune"])
    assert applied.code != 0 and "isce_step.A064.11_unwrap" in applied.output
    work = root / "data" / "isce" / "A064" / "work"
    assert (work / "secondarys").is_dir() and (work / "interferograms").is_dir()  # the unwrap may rerun
    assert "isce_work.A064" not in state_of(root)["resources"]
    plan = run_cli(["-C", str(root), "plan", "--prune"])
    assert "would free" not in plan.output and "once its steps are done, prune" in plan.output
    (home / "faults.txt").write_text("")
    assert run_cli(["-C", str(root), "apply", "--yes", "--prune", "--retry-failed"]).code == 0
    assert not (work / "secondarys").exists() and (work / "merged").is_dir()
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0
