"""kill -9 of insarproj at seeded moments during submission (just before or just after an sbatch)
never leaves two arrays for one step; an array that left the queue while insarproj was dead is
adopted from its batch script's records, not submitted again."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from e2e_helpers import run_cli_subprocess, state_of
from slurm_helpers import slurm_project, wait_until
from wrappers import submitted, wrap

from insarproj.sandbox.topsstack.faults import read_log

APPLY = ["apply", "--yes", "--wait", "--poll-interval", "0.2", "--timeout", "60"]


# Kill insarproj just before or just after its n-th sbatch call of that apply.
MOMENTS = [("after", 1), ("before", 2), ("after", 2), ("before", 1), ("after", 3)]


def recorded_jobs(root: Path) -> set[str]:
    jobs = set()
    for record in state_of(root)["resources"].values():
        for submission in record["attributes"].get("slurm", {}).get("submissions", []):
            jobs |= {str(p["job_id"]) for p in submission["parts"] if p.get("job_id")}
    return jobs


def test_kill_9_during_submission_never_submits_a_step_twice(
    tmp_path: Path, sandbox, slurm, run_cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    root, home = slurm_project(tmp_path, extra='workflow = "slc"\n')  # 8 steps: quicker
    # Inputs and run files first (in-process: quicker); the kills are about the steps' submission.
    assert run_cli(["-C", str(root), "apply", "--yes", "--target", "isce_stack.A064"]).code == 0
    bin_dir, log = wrap(tmp_path / "bin")
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    monkeypatch.setenv("PATH", env["PATH"])
    killed = 0
    for index, (when, nth) in enumerate(MOMENTS):
        at = sum(1 for line in log.read_text().splitlines() if line.startswith("sbatch ")) + nth
        run = run_cli_subprocess(["-C", str(root), *APPLY], {**env, "INSARPROJ_TEST_KILL": f"{when}:{at}"})
        assert run.returncode in (-9, 0), run.stderr[-2000:]
        killed += run.returncode == -9
        if index in (0, 2):  # "after" kills: what it submitted runs and leaves the queue while it is dead
            assert wait_until(lambda: slurm.jobs() == [], timeout=30), slurm.jobs()
    assert killed >= 5
    # A plain apply (no --wait) after the last kill submits every step left and returns.
    plain = run_cli(["-C", str(root), "apply", "--yes"])
    assert plain.code == 0, plain.output
    plan = run_cli(["-C", str(root), "plan"])
    assert "submit to SLURM" not in plan.output and "later steps follow" not in plan.output, plan.output
    final = run_cli(["-C", str(root), *APPLY])
    assert final.code == 0, final.output
    steps = [r for r in state_of(root)["resources"].values() if r["kind"] == "isce_step"]
    assert len(steps) == 8 and all(r["status"] == "present" for r in steps)
    # Every command ran exactly once: no step's array was submitted twice.
    runs = Counter(e["target"] for e in read_log(str(home)) if e.get("event") == "start")
    assert runs and set(runs.values()) == {1}, runs
    # Every array sbatch made is known to state (recorded, or adopted after the kill).
    assert set(submitted(log)) <= recorded_jobs(root)
