"""Queue limits on the real cluster: with max_queued_tasks smaller than a step's commands, several
commands run one after the other in one array task, each with its own exit record, the task's time
limit scaled by them, and the stack converges (docs/slurm.md "Queue limits")."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from e2e_helpers import state_of
from slurm_helpers import slurm_project, wait_apply, wait_until

from insarproj.sandbox.topsstack.faults import read_log

MERGE = "isce_step.A064.07_merge_reference_secondary_slc"


def test_a_step_above_the_queue_limit_packs_its_commands_and_converges(  # type: ignore[no-untyped-def]
    tmp_path: Path, sandbox, slurm, run_cli
) -> None:
    root, home = slurm_project(tmp_path, extra='workflow = "slc"\n', slurm_extra="max_queued_tasks = 4\n")
    # The first six steps (one command each) run and leave the queue: the queue is empty when the
    # merge step (8 commands) and the last step (2) are submitted.
    first = wait_apply(run_cli, root, "--target", "isce_step.A064.06")
    assert first.code == 0, first.output
    assert wait_until(lambda: slurm.jobs() == [], timeout=15), slurm.jobs()
    done = wait_apply(run_cli, root)
    assert done.code == 0, done.output
    parts = state_of(root)["resources"][MERGE]["attributes"]["slurm"]["submissions"][-1]["parts"]
    # 4 queue slots shared with the last step's 2 commands: floor(4 * 8 / 10) = 3 tasks of 3, 3, 2.
    assert [(p["tasks"], len(p["keys"])) for p in parts] == [(3, 8)], parts
    folder = Path(
        state_of(root)["resources"][MERGE]["attributes"]["commands"][parts[0]["keys"][0]]["log_path"]
    )
    table = [line.split("\t")[0] for line in (folder.parent / "part0.tsv").read_text().splitlines()]
    assert sorted(Counter(table).values()) == [2, 3, 3]
    assert "#SBATCH --time=00:15:00" in (folder.parent / "part0.sbatch").read_text()  # 3 × "5:00"
    # Each packed command has its own exit record, from the task that ran it.
    tasks = set()
    for key in parts[0]["keys"]:
        job, task = (folder.parent / f"{key}.start").read_text().split()
        assert (folder.parent / f"{key}.rc").read_text() == f"0 {job}\n"
        tasks.add(task)
    assert tasks == {"0", "1", "2"}
    steps = [r for r in state_of(root)["resources"].values() if r["kind"] == "isce_step"]
    assert len(steps) == 8 and all(r["status"] == "present" for r in steps)
    runs = Counter(e["target"] for e in read_log(str(home)) if e.get("event") == "start")
    assert len(runs) == 1 + 16 and set(runs.values()) == {1}, runs  # stackSentinel.py, 16 commands
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0
