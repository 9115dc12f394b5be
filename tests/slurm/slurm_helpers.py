"""An ISCE project with executor = "slurm" for the SLURM tests (the sandbox serves the inputs, the
stand-in topsStack runs the commands on the real single-node SLURM)."""

from __future__ import annotations

import time
from pathlib import Path

from e2e_helpers import isce_project


def slurm_project(
    tmp_path: Path, faults: str | None = None, extra: str = "", slurm_extra: str = ""
) -> tuple[Path, Path]:
    slurm = f'executor = "slurm"\n{extra}[processor.isce.slurm]\ncpus_per_task = 1\ntime_limit = "5:00"\n'
    return isce_project(tmp_path, faults, slurm + slurm_extra, num_proc=None)


def wait_apply(run_cli, root: Path, *extra: str):  # type: ignore[no-untyped-def]
    args = ["-C", str(root), "apply", "--yes", "--wait", "--poll-interval", "0.3", "--timeout", "60", *extra]
    return run_cli(args)


def wait_until(predicate, timeout: float = 30.0, step: float = 0.2) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def submissions(root: Path) -> list[Path]:
    """Every batch script insarproj wrote (one per array it submitted or meant to)."""
    return sorted((root / "data").rglob("part*.sbatch"))
