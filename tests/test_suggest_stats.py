"""The pure parts of `insarproj suggest`: date statistics, the score, and the project.toml edit."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from pathlib import Path

import pytest

from insarproj.errors import ConfigError
from insarproj.suggest.rank import TrackSuggestion
from insarproj.suggest.stats import date_stats, gap_factor, score
from insarproj.suggest.write import tracks_text, write_tracks

D0 = date(2021, 1, 1)


def every(days: int, count: int, share: float = 1.0, skip: tuple[int, ...] = ()) -> list[tuple[date, float]]:
    return [(D0 + timedelta(days=days * i), share) for i in range(count) if i not in skip]


@pytest.mark.parametrize(
    ("coverages", "expected"),
    [
        ([], (0, 0.0, 0.0, None, None, None)),
        ([(D0, 0.5)], (1, 0.5, 0.5, None, None, None)),
        (every(12, 5), (5, 1.0, 1.0, 12.0, 12, (D0, D0 + timedelta(days=12)))),
        # the third date is missing: one 24-day gap, from the second to the fourth date
        (
            every(12, 6, skip=(2,)),
            (5, 1.0, 1.0, 12.0, 24, (D0 + timedelta(days=12), D0 + timedelta(days=36))),
        ),
        ([(D0 + timedelta(days=12), 0.2), (D0, 0.6)], (2, 0.2, 0.4, 12.0, 12, (D0, D0 + timedelta(days=12)))),
    ],
)
def test_date_stats(coverages: list[tuple[date, float]], expected: tuple[object, ...]) -> None:
    stats = date_stats(coverages, D0, D0 + timedelta(days=364))
    got = (
        stats.dates,
        stats.min_coverage,
        pytest.approx(stats.mean_coverage),
        stats.median_revisit_days,
        stats.longest_gap_days,
        stats.longest_gap,
    )
    assert got == expected


def test_acquisitions_per_month_count_the_searched_period() -> None:
    stats = date_stats(every(12, 31), D0, date(2021, 12, 31))
    assert stats.per_month == pytest.approx(31 / (365 / 30.4375))


@pytest.mark.parametrize(
    ("coverages", "factor"),
    [
        (every(12, 5), 1.0),
        (every(12, 6, skip=(2,)), 1.0),  # a 24-day gap on a 12-day track is tolerated
        (every(12, 8, skip=(2, 3)), 24 / 36),
        (every(6, 20, skip=tuple(range(5, 15))), 12 / 66),
        ([(D0, 1.0)], 1.0),
    ],
)
def test_gap_factor(coverages: list[tuple[date, float]], factor: float) -> None:
    assert gap_factor(date_stats(coverages, D0, D0 + timedelta(days=364))) == pytest.approx(factor)


@pytest.mark.parametrize(
    ("better", "worse"),
    [
        (every(12, 10), every(12, 10, 0.4)),  # full coverage beats 40 % on the same dates
        (every(12, 10), every(12, 12, 0.4)),  # ... and beats more dates at 40 %
        (every(12, 10), every(12, 13, skip=(3, 4, 5))),  # as many dates, but one 48-day hole
        (every(6, 20, 0.9), every(12, 10)),  # twice the dates at 90 %
    ],
)
def test_score_orders_tracks(better: list[tuple[date, float]], worse: list[tuple[date, float]]) -> None:
    def value(coverages: list[tuple[date, float]]) -> float:
        stats = date_stats(coverages, D0, D0 + timedelta(days=364))
        return score(stats, [share for _, share in coverages])

    assert value(better) > value(worse)


def suggestion(direction: str, orbit: int) -> TrackSuggestion:
    stats = date_stats(every(12, 3), D0, D0 + timedelta(days=30))
    return TrackSuggestion(direction, orbit, stats, 3.0, tuple(every(12, 3)))


PROJECT = """\
# my project
[project]
name = "p"  # the job name

[aoi]
bbox = [-117.9, 35.5, -117.3, 35.9]

[search]
# dates, inclusive
start = 2021-01-01
end = 2021-12-31
relative_orbits = [1, 2]  # chosen by hand
flight_direction = "DESCENDING"
# season = [5, 6]

[processor]
kind = "download"
"""


def test_the_edit_keeps_comments_and_layout() -> None:
    edited = tracks_text(PROJECT, [suggestion("ASCENDING", 64)])
    assert tomllib.loads(edited)["search"]["relative_orbits"] == [64]
    assert tomllib.loads(edited)["search"]["flight_direction"] == "ASCENDING"
    assert "relative_orbits = [64]  # chosen by hand" in edited
    kept = [
        line
        for line in PROJECT.splitlines()
        if "relative_orbits" not in line and "flight_direction" not in line
    ]
    assert [
        line
        for line in edited.splitlines()
        if "relative_orbits" not in line and "flight_direction" not in line
    ] == kept


def test_tracks_of_both_directions_drop_the_direction_filter() -> None:
    edited = tracks_text(PROJECT, [suggestion("DESCENDING", 71), suggestion("ASCENDING", 64)])
    search = tomllib.loads(edited)["search"]
    assert search["relative_orbits"] == [64, 71]
    assert "flight_direction" not in search


def test_a_project_that_would_not_validate_is_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "project.toml"
    broken = PROJECT.replace("# season = [5, 6]", "min_scenes = 1")
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"was not changed.*min_scenes"):
        write_tracks(path, [suggestion("ASCENDING", 64)])
    assert path.read_text(encoding="utf-8") == broken
    assert [p.name for p in tmp_path.iterdir()] == ["project.toml"]


def test_a_valid_project_is_written(tmp_path: Path) -> None:
    path = tmp_path / "project.toml"
    path.write_text(PROJECT, encoding="utf-8")
    write_tracks(path, [suggestion("ASCENDING", 64)])
    assert tomllib.loads(path.read_text(encoding="utf-8"))["search"]["relative_orbits"] == [64]
