"""When SLURM cannot start, the SLURM tests are skipped with the reason printed, and with
INSARPROJ_REQUIRE_SLURM=1 (CI where apt works) that is a failure instead."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _start_a_slurm_test(tmp_path: Path, require: bool) -> subprocess.Popen[str]:
    test = HERE / "test_slurm_refresh_e2e.py"
    env = {**os.environ, "INSARPROJ_TEST_SLURM_SBIN": str(tmp_path / "no-daemons-here")}
    env.pop("INSARPROJ_REQUIRE_SLURM", None)
    if require:
        env["INSARPROJ_REQUIRE_SLURM"] = "1"
    # Each its own --basetemp: the two run at once, beside this run's workers.
    basetemp = f"--basetemp={tmp_path / ('required' if require else 'optional')}"
    args = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", basetemp, str(test)]
    return subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=HERE.parent.parent
    )


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    try:
        out, _ = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return proc.returncode, out


def test_no_slurm_is_a_skip_with_the_reason_or_a_failure_when_required(tmp_path: Path) -> None:
    # Both runs at once: each is a whole pytest start-up, independent of the other.
    skipping, failing = (_start_a_slurm_test(tmp_path, require) for require in (False, True))
    code, out = _finish(skipping)
    assert code == 0, out[-2000:]
    assert "1 skipped" in out and "SLURM could not start: munged is not installed" in out
    code, out = _finish(failing)
    assert code == 1 and "INSARPROJ_REQUIRE_SLURM=1" in out, out[-2000:]
