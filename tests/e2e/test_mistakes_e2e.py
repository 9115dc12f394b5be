"""Mistakes that used to pass silently (issue 17, item 5), through the real CLI against the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_helpers import write_project

from insarproj.errors import ExitCode


@pytest.mark.parametrize(
    ("target", "nearest"),
    [
        ("pair.A065", "pair.A064."),  # a stack that does not exist: the addresses of the nearest one
        ("pairs", "pair"),  # a kind misspelt
        ("scene.S1A_IW_SLC__1SDV_2031", "scene.S1"),  # nothing close: the addresses sharing a prefix
    ],
)
def test_target_matching_nothing_is_a_usage_error_naming_the_nearest(
    tmp_path: Path, sandbox, run_cli, target: str, nearest: str
) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", kind="isce")
    result = run_cli(["-C", str(root), "plan", "--target", target])
    assert result.code == ExitCode.USAGE, result.output
    assert f"--target {target} matches no resource of this project" in result.output
    assert "did you mean" in result.output and nearest in result.output
    assert "Traceback" not in result.output


def test_target_of_a_converged_resource_is_no_mistake(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", end="2021-01-20")
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    # Every scene is present: the target names resources with nothing to do, which is fine.
    result = run_cli(["-C", str(root), "plan", "--target", "scene", "--detailed-exitcode"])
    assert result.code == ExitCode.OK, result.output


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        # Open ocean west of Africa: CMR finds nothing at all.
        ({"bbox": "bbox = [-30.0, 0.0, -29.5, 0.5]"}, "CMR returned 0 scenes for this AOI and dates"),
        # Scenes exist, but the season keeps none of the searched months.
        ({"search_extra": "season = [7, 8]"}, "outside season"),
        ({"search_extra": 'flight_direction = "ASCENDING"\nmin_scenes = 100'}, "fewer dates than min_scenes"),
    ],
)
def test_search_keeping_no_scene_says_which_filter_removed_what(
    tmp_path: Path, sandbox, run_cli, edit: dict[str, str], expected: str
) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", search_extra=edit.get("search_extra", ""))
    if "bbox" in edit:
        toml = root / "project.toml"
        lines = [edit["bbox"] if line.startswith("bbox") else line for line in toml.read_text().splitlines()]
        toml.write_text("\n".join(lines) + "\n")
    result = run_cli(["-C", str(root), "plan"])
    assert result.code == 0, result.output
    assert expected in result.output
    if "bbox" not in edit:
        assert "CMR returned" in result.output and "no scene is left" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--offline", "-C", "{root}", "-v"],
        ["validate", "-C", "{root}"],
        ["plan", "--offline", "--project-dir", "{root}", "-q"],
        ["show", "-C", "{root}", "--no-color"],
    ],
)
def test_global_options_after_the_command_work(tmp_path: Path, run_cli, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p")
    result = run_cli([a.replace("{root}", str(root)) for a in args])
    assert "No such option" not in result.output
    # plan --offline has no pin to work from: its own error, naming the project's state, not a usage error
    assert result.code in (ExitCode.OK, ExitCode.ERROR), result.output
    assert result.code == ExitCode.OK or "--offline: no scene search is pinned yet" in result.output


def test_filters_removing_every_pinned_scene_name_the_filter_and_keep_the_pin(
    tmp_path: Path, sandbox, run_cli
) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", end="2021-01-20")
    assert run_cli(["-C", str(root), "plan", "--out", str(tmp_path / "plan.json")]).code == 0
    assert run_cli(["-C", str(root), "apply", str(tmp_path / "plan.json")]).code == 0
    toml = root / "project.toml"
    toml.write_text(toml.read_text().replace("[pairs]", "season = [7]\n\n[pairs]"))
    result = run_cli(["-C", str(root), "plan"])
    assert result.code == ExitCode.ERROR, result.output
    assert "project.toml:7: search: [search] now keeps no scene although" in result.output
    assert "outside season" in result.output and "service problem" not in result.output
