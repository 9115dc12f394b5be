"""`insarproj suggest` through the real CLI against the sandbox's CMR stand-in (issue 22, item 3).

The sandbox catalog (insarproj/sandbox/catalog.py) has A064 and D071 covering the demo AOI fully
and A166 at its swath's near edge; on the western half of the demo box A166 covers about 40 %.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

WEST_HALF = ["-117.9", "35.5", "-117.6", "35.9"]
DATES = ["--start", "2021-01-01", "--end", "2021-06-30"]
YEAR = ["--start", "2021-01-01", "--end", "2021-12-31"]


def suggest_json(run_cli, *args: str) -> dict:  # type: ignore[no-untyped-def]
    result = run_cli(["suggest", *args, "--json"])
    assert result.code == 0, result.output
    return json.loads(result.stdout)


def test_full_coverage_ranks_above_forty_percent_without_a_project(sandbox, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    data = suggest_json(run_cli, "-C", str(empty), "--bbox", *WEST_HALF, *YEAR)
    tracks = {t["track"]: t for t in data["tracks"]}
    order = [t["track"] for t in data["tracks"]]
    assert set(order) == {"A064", "D071", "A166"}
    partial = tracks["A166"]
    assert 0.3 < partial["coverage_mean"] < 0.5
    for full in ("A064", "D071"):
        assert tracks[full]["coverage_min"] > 0.99
        assert order.index(full) < order.index("A166")
    # A166 has more dates than A064 yet ranks below it: the ranking is the coverage's doing
    assert partial["dates"] > tracks["A064"]["dates"]
    assert sorted(t["score"] for t in data["tracks"]) == [t["score"] for t in reversed(data["tracks"])]
    assert list(empty.iterdir()) == []


def test_json_shape(sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    data = suggest_json(run_cli, "--bbox", *WEST_HALF, *DATES, "--product", "BURST")
    assert {k: data[k] for k in ("start", "end", "product")} == {
        "start": "2021-01-01",
        "end": "2021-06-30",
        "product": "BURST",
    }
    assert data["aoi_wkt"].startswith("POLYGON")
    first = data["tracks"][0]
    assert set(first) == {
        "track",
        "flight_direction",
        "relative_orbit",
        "score",
        "dates",
        "coverage_min",
        "coverage_mean",
        "median_revisit_days",
        "longest_gap_days",
        "longest_gap",
        "acquisitions_per_month",
        "burst_ids",
    }
    assert first["median_revisit_days"] == 12
    for swath, ids in first["burst_ids"].items():
        assert ids and all(i.startswith(f"{first['relative_orbit']:03d}_") and i.endswith(swath) for i in ids)


def test_table_and_direction(sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(["suggest", "--bbox", *WEST_HALF, *DATES, "--direction", "ascending"])
    assert result.code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["track", "score", "dates"]
    assert [line.split()[0] for line in lines[1:]] == ["A064", "A166"]


def test_write_keeps_comments_and_the_project_validates(sandbox, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "proj"
    assert run_cli(["init", str(root), "-t", "download"]).code == 0
    config = root / "project.toml"
    before = config.read_text(encoding="utf-8")
    result = run_cli(["suggest", "-C", str(root), "--write", "--track", "166"])
    assert result.code == 0, result.output
    after = config.read_text(encoding="utf-8")
    assert [line for line in before.splitlines() if line.startswith("#")] == [
        line for line in after.splitlines() if line.startswith("#")
    ]
    search = tomllib.loads(after)["search"]
    assert (search["relative_orbits"], search["flight_direction"]) == ([166], "ASCENDING")
    assert run_cli(["validate", "-C", str(root)]).code == 0
    # the default writes the best track; the earlier choice does not narrow the new search
    assert run_cli(["suggest", "-C", str(root), "--write", "-q"]).code == 0
    assert tomllib.loads(config.read_text(encoding="utf-8"))["search"]["relative_orbits"] == [71]


def test_write_of_an_unknown_track_changes_nothing(sandbox, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "proj"
    assert run_cli(["init", str(root), "-t", "download"]).code == 0
    before = (root / "project.toml").read_text(encoding="utf-8")
    result = run_cli(["suggest", "-C", str(root), "--write", "--track", "99"])
    assert result.code == 64
    assert "--track 99 is not among the suggested tracks" in result.output
    assert (root / "project.toml").read_text(encoding="utf-8") == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bbox", "-117.3", "35.5", "-117.9", "35.9", *DATES], "west -117.3 is greater than east -117.9"),
        (
            ["--bbox", *WEST_HALF, "--start", "2021-06-01", "--end", "2021-01-01"],
            "--end 2021-01-01 is before",
        ),
        (["--bbox", *WEST_HALF, "--start", "2021-13-01", "--end", "2021-12-31"], "is not a date"),
        (["--bbox", *WEST_HALF], "need --start and --end"),
        ([], "no AOI: give --bbox"),
        (["--bbox", *WEST_HALF, *DATES, "--write"], "--write edits the project's [search]"),
    ],
)
def test_bad_input_is_a_usage_error(run_cli, tmp_path: Path, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(["suggest", "-C", str(tmp_path), *args])
    assert result.code == 64
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("form", ["geojson", "wkt"])
def test_aoi_file_gives_what_the_same_box_gives(sandbox, run_cli, tmp_path: Path, form: str) -> None:  # type: ignore[no-untyped-def]
    w, s, e, n = (float(v) for v in WEST_HALF)
    ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
    path = tmp_path / f"aoi.{form}"
    if form == "geojson":
        path.write_text(json.dumps({"type": "Polygon", "coordinates": [ring]}), encoding="utf-8")
    else:
        path.write_text("POLYGON((" + ", ".join(f"{x} {y}" for x, y in ring) + "))", encoding="utf-8")
    from_file = suggest_json(run_cli, "--aoi", str(path), *DATES)
    from_box = suggest_json(run_cli, "--bbox", *WEST_HALF, *DATES)
    assert from_file["tracks"] == from_box["tracks"]
