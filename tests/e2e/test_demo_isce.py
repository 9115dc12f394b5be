"""`insarproj demo --processor isce`: an ISCE project end to end on the sandbox's stand-in
topsStack, honest about it, converged (a second plan says No changes)."""

from __future__ import annotations

from pathlib import Path

from e2e_helpers import run_cli_subprocess, state_of


def test_isce_demo_converges_on_the_stand_in_and_says_so(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    result = run_cli_subprocess(["demo", "--processor", "isce", str(target)], {}, timeout=150)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Demo converged" in result.stdout and "isce_step" in result.stdout
    assert "stand-in topsStack" in result.stderr and "not ISCE2" in result.stderr
    assert 'topsstack_dir = "topsstack-stand-in"' in (target / "project.toml").read_text()
    resources = state_of(target)["resources"]
    steps = [r for r in resources.values() if r["kind"] == "isce_step"]
    assert steps and all(r["status"] == "present" for r in steps)
    pairs = sorted(a.split(".")[2] for a, r in resources.items() if r["kind"] == "pair")
    merged = sorted((target / "data" / "isce").glob("*/work/merged/interferograms/*/filt_fine.unw"))
    assert pairs and sorted(p.parent.name for p in merged) == pairs
    again = run_cli_subprocess(["-C", str(target), "plan", "--offline", "--detailed-exitcode"], {})
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes" in again.stdout and "stand-in topsStack" in again.stdout
