"""kill -9 of insarproj at seeded moments during submission (just before or just after an sbatch)
never leaves two arrays for one step; an array that left the queue while insarproj was dead is
adopted from its batch script's records, not submitted again."""

from __future__ import annotations

import os
import random
from collections import Counter
from pathlib import Path

from e2e_helpers import run_cli_subprocess, state_of
from slurm_helpers import slurm_project, wait_until
from wrappers import submitted, wrap

from insarproj.sandbox.topsstack.faults import read_log

APPLY = ["apply", "--yes", "--wait", "--poll-interval", "0.2", "--timeout", "60"]


def moments(seed: int, count: int) -> list[tuple[str, int]]:
    rng = random.Random(seed)
    return [(rng.choice(("before", "after")), rng.randint(1, 3)) for _ in range(count)]


def recorded_jobs(root: Path) -> set[str]:
    jobs = set()
    for record in state_of(root)["resources"].values():
        for submission in record["attributes"].get("slurm", {}).get("submissions", []):
            jobs |= {str(p["job_id"]) for p in submission["parts"] if p.get("job_id")}
    return jobs


def test_kill_9_during_submission_never_submits_a_step_twice(tmp_path: Path, sandbox, slurm) -> None:  # type: ignore[no-untyped-def]
    root, home = slurm_project(tmp_path)
    bin_dir, log = wrap(tmp_path / "bin")
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    killed = 0
    for index, (when, nth) in enumerate(moments(seed=20, count=6)):
        at = sum(1 for line in log.read_text().splitlines() if line.startswith("sbatch ")) + nth
        run = run_cli_subprocess(["-C", str(root), *APPLY], {**env, "INSARPROJ_TEST_KILL": f"{when}:{at}"})
        assert run.returncode in (-9, 0), run.stderr[-2000:]
        killed += run.returncode == -9
        if index % 2 == 0:  # let what it submitted run and leave the queue while insarproj is dead
            assert wait_until(lambda: slurm.jobs() == [], timeout=30), slurm.jobs()
    assert killed >= 5
    final = run_cli_subprocess(["-C", str(root), *APPLY], env)
    assert final.returncode == 0, final.stderr[-3000:]
    steps = [r for r in state_of(root)["resources"].values() if r["kind"] == "isce_step"]
    assert len(steps) == 11 and all(r["status"] == "present" for r in steps)
    # Every command ran exactly once: no step's array was submitted twice.
    runs = Counter(e["target"] for e in read_log(str(home)) if e.get("event") == "start")
    assert runs and set(runs.values()) == {1}, runs
    # Every array sbatch made is known to state (recorded, or adopted after the kill).
    assert set(submitted(log)) <= recorded_jobs(root)
