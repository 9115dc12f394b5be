"""Search and config end to end (issue 14): the real CLI against the sandbox.

* max_results is a cap that stops the plan with an error naming how many scenes the search finds,
  never a silent cut (defect 14);
* [search] rules and numeric bounds are enforced when project.toml is loaded, so plan stops with
  the file, line and key before any request (defects 16 and 10).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from e2e_helpers import quiesce, state_of, write_project
from insarproj.errors import ExitCode

HYP3 = '[processor.hyp3]\njob_type = "INSAR_GAMMA"\n'
SEARCH_EXTRA_LINE = 10  # the line of `search_extra` in e2e_helpers.DOWNLOAD_TOML


def error_line(output: str) -> str:
    errors = [line for line in output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, output
    assert "internal error" not in output and "Traceback" not in output
    return errors[0]


def test_max_results_stops_the_plan_with_the_number_the_search_finds(tmp_path: Path, sandbox: Any,
                                                                      run_cli: Any) -> None:
    # Without the cap, the same search finds this many scenes (the number the error must name).
    free = write_project(tmp_path / "free", kind="hyp3", processor_extra=HYP3)
    assert run_cli(["-C", str(free), "apply", "--yes", "--target", "pair"]).code == 0
    found = state_of(free)["inputs"]["search"]["pin"]["found"]
    assert found > 5

    root = write_project(tmp_path / "p", kind="hyp3", processor_extra=HYP3, search_extra="max_results = 5")
    quiesce(sandbox)
    sandbox.clear_requests()
    result = run_cli(["-C", str(root), "plan"])
    assert result.code == ExitCode.ERROR, result.output
    line = error_line(result.output)
    assert f"project.toml:{SEARCH_EXTRA_LINE}: search.max_results: " in line
    assert f"finds {found} scenes, more than max_results = 5" in line
    assert f"raise max_results to at least {found}" in line
    assert "credits" not in result.output  # nothing was priced from a cut list
    quiesce(sandbox)
    assert {r.path for r in sandbox.requests()} <= {"/search/granules.umm_json"}  # searches only
    assert state_of(root)["inputs"] == {}

    fits = write_project(tmp_path / "fits", kind="hyp3", processor_extra=HYP3, search_extra=f"max_results = {found}")
    assert run_cli(["-C", str(fits), "plan"]).code == 0


def test_min_coverage_zero_stops_validate_and_plan_at_its_line(tmp_path: Path, sandbox: Any, run_cli: Any) -> None:
    root = write_project(tmp_path / "p", search_extra="min_coverage = 0.0")
    quiesce(sandbox)
    sandbox.clear_requests()
    for command in ("validate", "plan"):
        result = run_cli(["-C", str(root), command])
        assert result.code == ExitCode.ERROR, result.output
        line = error_line(result.output)
        assert f"project.toml:{SEARCH_EXTRA_LINE}: search.min_coverage: " in line
        assert "greater than 0" in line
    quiesce(sandbox)
    assert sandbox.requests() == []


def test_huge_neighbors_stop_plan_at_their_line(tmp_path: Path, sandbox: Any, run_cli: Any) -> None:
    root = write_project(tmp_path / "p")
    toml = root / "project.toml"
    toml.write_text(toml.read_text().replace("neighbors = 2", f"neighbors = {10**30}"))
    number = toml.read_text().splitlines().index(f"neighbors = {10**30}") + 1
    result = run_cli(["-C", str(root), "plan"])
    assert result.code == ExitCode.ERROR, result.output
    line = error_line(result.output)
    assert f"project.toml:{number}: pairs.neighbors: " in line and "10000" in line
