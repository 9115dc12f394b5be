"""When SLURM cannot start, the SLURM tests are skipped with the reason printed, and with
INSARPROJ_REQUIRE_SLURM=1 (CI where apt works) that is a failure instead."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _run_a_slurm_test(tmp_path: Path, require: bool) -> subprocess.CompletedProcess[str]:
    test = HERE / "test_slurm_refresh_e2e.py"
    env = {**os.environ, "INSARPROJ_TEST_SLURM_SBIN": str(tmp_path / "no-daemons-here")}
    env.pop("INSARPROJ_REQUIRE_SLURM", None)
    if require:
        env["INSARPROJ_REQUIRE_SLURM"] = "1"
    args = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(test)]
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, cwd=HERE.parent.parent)


def test_no_slurm_is_a_skip_with_the_reason_or_a_failure_when_required(tmp_path: Path) -> None:
    skipped = _run_a_slurm_test(tmp_path, require=False)
    assert skipped.returncode == 0, skipped.stdout[-2000:]
    assert (
        "1 skipped" in skipped.stdout and "SLURM could not start: munged is not installed" in skipped.stdout
    )
    failed = _run_a_slurm_test(tmp_path, require=True)
    assert failed.returncode == 1 and "INSARPROJ_REQUIRE_SLURM=1" in failed.stdout, failed.stdout[-2000:]
