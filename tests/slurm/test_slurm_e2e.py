"""ISCE steps on a real single-node SLURM through the real CLI (tests/slurm/cluster.py)."""

from __future__ import annotations

from pathlib import Path

from e2e_helpers import state_of
from slurm_helpers import slurm_project


def _wait_apply(run_cli, root: Path, *extra: str):  # type: ignore[no-untyped-def]
    return run_cli(
        ["-C", str(root), "apply", "--yes", "--wait", "--poll-interval", "0.3", "--timeout", "60", *extra]
    )


def test_an_isce_project_on_slurm_converges(tmp_path: Path, sandbox, slurm, run_cli) -> None:  # type: ignore[no-untyped-def]
    root, _ = slurm_project(tmp_path)
    applied = _wait_apply(run_cli, root)
    assert applied.code == 0, applied.output
    resources = state_of(root)["resources"]
    steps = {a: r for a, r in resources.items() if r["kind"] == "isce_step"}
    assert len(steps) == 11 and all(r["status"] == "present" for r in steps.values()), steps
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0
