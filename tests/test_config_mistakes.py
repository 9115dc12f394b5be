"""project.toml mistakes that used to pass silently or read wrongly (issue 17, item 5)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_config_errors import BASE, BBOX_LINE

from insarproj.config import ConfigProblems, load_project, parse_project_text
from insarproj.config.aoi import check_bbox
from insarproj.config.problems import FieldProblem
from insarproj.errors import ConfigError, ExitCode


@pytest.mark.parametrize(
    ("line", "text_line", "key", "expected"),
    [
        # latitude first ([S, W, N, E]): -117.9 cannot be a latitude, the other reading is a valid box
        (
            BBOX_LINE,
            "bbox = [35.5, -117.9, 35.9, -117.3]",
            "aoi.bbox",
            ["looks like latitude and longitude swapped", "bbox = [-117.9, 35.5, -117.3, 35.9]"],
        ),
        (
            BBOX_LINE,
            "bbox = [-117.3, 35.5, -117.9, 35.9]",
            "aoi.bbox",
            ["west -117.3 is greater than east -117.9", "swap west and east", "antimeridian"],
        ),
        (
            "start = 2021-01-01",
            "start = 2021-13-01",
            "search.start",
            ["2021-13-01 is not a valid date (month must be in 1..12)", "YYYY-MM-DD"],
        ),
        ("end = 2021-12-31", "end = 2021-02-30", "search.end", ["2021-02-30 is not a valid date (day"]),
        (
            "relative_orbits = [64]",
            "relative_orbits = [64]\nexclude_dates = [2021-04-01, 2021-04-31]",
            "search.exclude_dates",
            ["2021-04-31 is not a valid date"],
        ),
    ],
)
def test_mistake_is_named_with_file_line_key_and_fix(
    tmp_path: Path, line: str, text_line: str, key: str, expected: list[str]
) -> None:
    (tmp_path / "project.toml").write_text(BASE.replace(line, text_line), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_project(tmp_path)
    rendered = str(caught.value)
    assert caught.value.key == key, rendered
    assert caught.value.line is not None
    for text in expected:
        assert text in rendered, rendered
    assert "TOML syntax" not in rendered and "quote" not in rendered


@pytest.mark.parametrize(
    "bbox",
    [
        [10.2, 45.1, 10.8, 45.5],  # northern Italy, lon first: fine
        [45.1, 10.2, 45.5, 10.8],  # both readings valid (could be Somalia): never flagged as swapped
        [-117.9, 35.5, -117.3, 35.9],
        [-180.0, -90.0, 180.0, 90.0],
    ],
)
def test_only_a_certainly_swapped_bbox_is_flagged(bbox: list[float]) -> None:
    check_bbox(bbox)


def test_swap_is_not_suggested_when_the_other_reading_is_no_box_either() -> None:
    with pytest.raises(FieldProblem) as caught:
        check_bbox([35.9, -117.9, 35.5, -117.3])  # swapped, but then south > north as well
    assert "swapped" not in caught.value.message
    assert "not a valid latitude" in caught.value.message


def test_valid_dates_and_date_like_strings_are_not_called_invalid(tmp_path: Path) -> None:
    text = BASE.replace('name = "ridgecrest"', 'name = "r-2021-13-01"')
    assert parse_project_text(text, project_root=tmp_path).config.project.name == "r-2021-13-01"


def test_syntax_error_elsewhere_keeps_the_toml_message(tmp_path: Path) -> None:
    text = BASE.replace('name = "ridgecrest"', "name = ridgecrest  # since 2021-13-01")
    with pytest.raises(ConfigError) as caught:
        parse_project_text(text, project_root=tmp_path)
    assert "TOML syntax error" in str(caught.value)


def test_validate_lists_every_problem(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    text = (
        BASE.replace("neighbors = 3", "neighbors = 0")
        .replace("min_coverage = 0.5", "min_coverage = 2")
        .replace('method = "sbas"', 'method = "sbass"')
    )
    (tmp_path / "project.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigProblems) as caught:
        load_project(tmp_path)
    assert len(caught.value.problems) == 3
    result = run_cli(["-C", str(tmp_path), "validate"])
    assert result.code == ExitCode.ERROR
    lines = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert [line.split("project.toml:", 1)[1].split(":", 2)[:2] for line in lines] == [
        ["11", " search.min_coverage"],
        ["16", " pairs.method"],
        ["17", " pairs.neighbors"],
    ]
    assert 'did you mean "sbas"?' in lines[1]
    assert "3 problems in" in result.output
    # plan stops at the first and counts the rest
    plan = run_cli(["-C", str(tmp_path), "plan", "--offline"])
    assert plan.code == ExitCode.ERROR and "(and 2 more problems)" in plan.output
