"""[processor.isce.slurm] mistakes: one sentence naming the line, the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_helpers import write_project

SLURM = '[processor.isce]\nexecutor = "slurm"\n[processor.isce.slurm]\n'


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('sbatch_lines = ["--constraint=x"]\n', 'sbatch_lines[0]: "--constraint=x" is not one #SBATCH line'),
        ('[processor.isce.slurm.steps.run_03]\nmem = "4G"\n', 'steps.run_03: "run_03" is not a step name'),
        ('[processor.isce.slurm.steps."11_unwrap"]\ntime_limit = "soon"\n', "steps.11_unwrap.time_limit"),
        ("max_array_tasks = 0\n", "max_array_tasks"),
        ('max_queued_tasks = "many"\n', "max_queued_tasks"),
        ("max_queued_tasks = 0\n", "max_queued_tasks"),
    ],
)
def test_a_slurm_mistake_is_one_clear_sentence(tmp_path: Path, run_cli, table: str, message: str) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", kind="isce", processor_extra=SLURM + table)
    result = run_cli(["-C", str(root), "validate"])
    assert result.code == 1 and message in result.output, result.output
    assert "project.toml:" in result.output and "Traceback" not in result.output


def test_step_overrides_are_accepted(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    table = '[processor.isce.slurm.steps."11_unwrap"]\ntime_limit = "08:00:00"\nmem = "32G"\n'
    root = write_project(tmp_path / "p", kind="isce", processor_extra=SLURM + table)
    result = run_cli(["-C", str(root), "validate"])
    assert result.code == 0, result.output
