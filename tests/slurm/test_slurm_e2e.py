"""ISCE steps on a real single-node SLURM through the real CLI (tests/slurm/cluster.py: its
MaxArraySize is 3, so a step of more commands is split into several arrays)."""

from __future__ import annotations

from pathlib import Path

from e2e_helpers import state_of
from slurm_helpers import slurm_project, wait_apply, wait_until

from insarproj.sandbox.topsstack.faults import read_log


def starts(home: Path, prefix: str) -> int:
    return sum(
        1
        for e in read_log(str(home))
        if e.get("event") == "start" and str(e.get("target", "")).startswith(prefix)
    )


def test_a_failed_task_stops_its_dependants_and_reapply_finishes_only_what_is_left(  # type: ignore[no-untyped-def]
    tmp_path: Path, sandbox, slurm, run_cli
) -> None:
    # env_setup runs before each command: it shows what the job's environment holds.
    setup = 'env_setup = ["echo SETUP-RAN", "env | grep ^EARTHDATA_ || true"]\n'
    root, home = slurm_project(
        tmp_path, faults="fail:2@config_baseline_*", extra="max_attempts = 2\n", slurm_extra=setup
    )
    failed = wait_apply(run_cli, root)
    assert failed.code == 4, failed.output
    assert "Failed for good: isce_step.A064.03_average_baseline" in failed.output
    # Its dependants were killed by SLURM (--kill-on-invalid-dep), none is left pending forever.
    assert wait_until(lambda: slurm.jobs() == [], timeout=10), slurm.jobs()
    assert starts(home, "config_baseline_") == 2 and starts(home, "config_fullBurst_geo2rdr_") == 0
    resources = state_of(root)["resources"]
    assert resources["isce_step.A064.02_unpack_secondary_slc"]["status"] == "present"

    (home / "faults.txt").write_text("")
    assert (
        run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 4
    )  # failed for good until retried
    done = wait_apply(run_cli, root, "--retry-failed")
    assert done.code == 0, done.output
    steps = {a: r for a, r in state_of(root)["resources"].items() if r["kind"] == "isce_step"}
    assert len(steps) == 11 and all(r["status"] == "present" for r in steps.values()), steps
    # Only what was left ran again: the first steps once, the failed one a third time.
    assert starts(home, "config_reference") == 1 and starts(home, "config_baseline_") == 3
    assert starts(home, "config_igram_unw_") == 1
    # A step of 8 commands went as arrays of at most MaxArraySize (3) tasks.
    merge = steps["isce_step.A064.07_merge_reference_secondary_slc"]["attributes"]["slurm"]["submissions"]
    assert [len(p["keys"]) for p in merge[0]["parts"]] == [3, 3, 2]
    merged = root / "data" / "isce" / "A064" / "work" / "merged" / "interferograms"
    assert all((p / "filt_fine.unw").stat().st_size > 0 for p in merged.iterdir())
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0
    logs = list((root / "data" / "isce" / "A064" / "logs").rglob("config_*.log"))
    assert logs and all("SETUP-RAN" in log.read_text() for log in logs)
    # The Earthdata token in insarproj's environment never reaches a job (nor a log, state or name).
    token = sandbox.env()["EARTHDATA_TOKEN"]
    assert not [p for p in root.rglob("*") if p.is_file() and token.encode() in p.read_bytes()]


def test_switching_a_finished_local_stack_to_slurm_submits_nothing(
    tmp_path: Path, sandbox, slurm, run_cli
) -> None:  # type: ignore[no-untyped-def]
    root, home = slurm_project(tmp_path, extra='workflow = "slc"\n')
    toml = root / "project.toml"
    toml.write_text(
        toml.read_text()
        .replace('executor = "slurm"', 'executor = "local"')
        .split("[processor.isce.slurm]")[0]
    )
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    ran = len(read_log(str(home)))
    toml.write_text(toml.read_text().replace('executor = "local"', 'executor = "slurm"'))
    plan = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert plan.code == 0 and "No changes" in plan.output, plan.output
    assert wait_apply(run_cli, root).code == 0 and slurm.jobs() == [] and len(read_log(str(home))) == ran
