"""README's first command: `insarproj demo` converges, and a plan afterwards has nothing to do."""

from __future__ import annotations

import sys
from pathlib import Path

from e2e_helpers import run_cli_subprocess


def test_demo_converges_and_offline_plan_reports_no_changes(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    result = run_cli_subprocess(["demo", str(target)], {}, timeout=150)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "converged" in result.stdout and "product" in result.stdout
    products = list((target / "data" / "products").rglob("*_unw_phase.tif"))
    assert products
    again = run_cli_subprocess(["-C", str(target), "plan", "--offline", "--detailed-exitcode"], {})
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes" in again.stdout
    refused = run_cli_subprocess(["demo", str(target)], {})
    assert refused.returncode == 64 and "already holds a project" in refused.stderr
    assert sys.executable  # the demo ran with this interpreter's installation
