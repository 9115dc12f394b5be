"""The sbatch in flight: insarproj killed while its sbatch is still on the way to the controller
and re-run at once (before that array is in the queue) waits for that sbatch and adopts its array
instead of submitting the same commands again (docs/slurm.md "Crash safety")."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from e2e_helpers import run_cli_subprocess, state_of
from slurm_helpers import slurm_project, wait_until
from wrappers import submitted, wrap

STEP = "isce_step.A064.01_unpack_topo_reference"


def queued_keys(slurm) -> Counter[str]:  # type: ignore[no-untyped-def]
    """How many arrays in the queue hold each command (from each array's task table)."""
    scripts = {line.split("|", 1)[1] for line in slurm.run("squeue", "-h", "-r", "-o", "%F|%o").split()}
    keys: Counter[str] = Counter()
    for script in scripts:
        table = Path(script).with_suffix(".tsv")
        keys.update(line.split("\t")[1] for line in table.read_text().splitlines())
    return keys


def killed_during_sbatch(tmp_path: Path, run_cli, monkeypatch) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    """A generated stack whose apply was killed -9 while its first sbatch (slowed by a wrapper on
    PATH) was still on its way; the project and the wrapper's log. Held arrays never start: the
    queue shows every array submitted, and which commands each holds."""
    root, _ = slurm_project(
        tmp_path, extra='workflow = "slc"\n', slurm_extra='sbatch_lines = ["#SBATCH --hold"]\n'
    )
    assert run_cli(["-C", str(root), "apply", "--yes", "--target", "isce_stack.A064"]).code == 0
    bin_dir, log = wrap(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    env = {"PATH": os.environ["PATH"], "INSARPROJ_TEST_KILL": "during:1", "INSARPROJ_TEST_SBATCH_DELAY": "3"}
    killed = run_cli_subprocess(["-C", str(root), "apply", "--yes"], env)
    assert killed.returncode == -9, killed.stderr[-2000:]
    return root, log


def test_a_kill_while_sbatch_runs_is_adopted_not_submitted_twice(  # type: ignore[no-untyped-def]
    tmp_path: Path, sandbox, slurm, run_cli, monkeypatch
) -> None:
    root, log = killed_during_sbatch(tmp_path, run_cli, monkeypatch)
    assert slurm.jobs() == []  # its sbatch is still sleeping: nothing in the queue yet
    again = run_cli(["-C", str(root), "apply", "--yes"])
    assert again.code == 0, again.output
    # Every sbatch (the orphan's too) has answered: then count arrays per command.
    assert wait_until(lambda: len(submitted(log)) == log.read_text().count("sbatch --parsable"), 20)
    keys = queued_keys(slurm)
    assert keys and set(keys.values()) == {1}, keys
    assert len(submitted(log)) == 10  # 8 steps, one of 8 commands in arrays of MaxArraySize (3)
    record = state_of(root)["resources"][STEP]["attributes"]["slurm"]["submissions"]
    assert len(record) == 1 and record[0]["parts"][0]["job_id"] == submitted(log)[0]
    assert record[0]["parts"][0]["sbatch"]["pid"] > 0  # the identity recorded before it submitted


def test_cancel_after_a_kill_during_sbatch_leaves_no_job_of_the_project(  # type: ignore[no-untyped-def]
    tmp_path: Path, sandbox, slurm, run_cli, monkeypatch
) -> None:
    """The array an orphaned sbatch registers after its apply died is named by no record: cancel
    waits for that sbatch and cancels it by its job name too."""
    root, log = killed_during_sbatch(tmp_path, run_cli, monkeypatch)
    record = state_of(root)["resources"][STEP]["attributes"]["slurm"]["submissions"]
    assert not record[0]["parts"][0].get("job_id")  # state names no job of the step
    cancelled = run_cli(["-C", str(root), "cancel"])
    assert cancelled.code == 0, cancelled.output
    assert len(submitted(log)) == 1  # the orphan's array, registered while cancel waited
    assert slurm.jobs() == []
