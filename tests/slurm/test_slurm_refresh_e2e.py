"""A 500-task step: one status refresh makes a constant number of SLURM calls (one squeue, counted
by wrappers on PATH), and `insarproj cancel` leaves no job of the project in the queue."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from e2e_helpers import state_of
from slurm_helpers import slurm_project
from wrappers import calls, wrap


def test_refresh_of_500_tasks_is_one_squeue_and_cancel_empties_the_queue(  # type: ignore[no-untyped-def]
    tmp_path: Path, sandbox, slurm, run_cli, monkeypatch
) -> None:
    # Held arrays never start: the queue stays as submitted while the test looks at it.
    root, _ = slurm_project(tmp_path, slurm_extra='sbatch_lines = ["#SBATCH --hold"]\n')
    assert run_cli(["-C", str(root), "apply", "--yes", "--target", "isce_stack.A064"]).code == 0
    work = root / "data" / "isce" / "A064" / "work"
    run_file = work / "run_files" / "run_01_unpack_topo_reference"
    extra = "".join(f"SentinelWrapper.py -c {work}/configs/config_extra_{n:03d}\n" for n in range(499))
    run_file.write_text(run_file.read_text() + extra)
    bin_dir, log = wrap(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    applied = run_cli(["-C", str(root), "apply", "--yes"])
    assert applied.code == 0, applied.output
    # 500 tasks in arrays of MaxArraySize (3) tasks, and 12 arrays for the other steps
    assert Counter(calls(log))["sbatch"] == 167 + 12

    log.write_text("")
    plan = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert plan.code == 2, plan.output
    assert "0/500 done, 500 queued" in plan.output
    assert calls(log) == ["squeue"]  # the whole project's status from one call

    log.write_text("")
    one = run_cli(["-C", str(root), "cancel", "--target", "isce_step.A064.11"])
    assert one.code == 0 and "cancelled isce_step.A064.11_unwrap" in one.output, one.output
    assert Counter(calls(log)) == {"squeue": 1, "scancel": 1}
    cancelled = run_cli(["-C", str(root), "cancel"])
    assert cancelled.code == 0 and "Cancelled 178 SLURM job(s) of 10 step(s)" in cancelled.output
    assert slurm.jobs() == []
    records = state_of(root)["resources"]
    assert records["isce_step.A064.01_unpack_topo_reference"]["status"] == "cancelled"
    assert "submit to SLURM: 0/500 done" in run_cli(["-C", str(root), "plan"]).output
