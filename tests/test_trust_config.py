"""One rule set for project.toml, applied when it is loaded (issue 14, defects 16 and 10).

Every row breaks one rule in an otherwise valid project.toml; `insarproj validate` (the real CLI
entry) must exit 1 with one error naming the file, the line and the key, never "internal error".
The [search] rules are those SearchRequest used to apply only at plan time; the bounds keep huge
numbers, NaN, infinity and deep nesting out of later arithmetic and recursion.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from insarproj.config import parse_project_text
from insarproj.config.load import MAX_NESTING, nesting_depth
from insarproj.config.toml_lines import first_deep_key, key_lines
from insarproj.errors import ConfigError, ExitCode
from insarproj.scenes.model import SearchRequest
from insarproj.state import StateStore

HUGE = str(10**30)

# Line numbers below refer to this text.
BASE = """\
[project]
name = "trust"

[aoi]
bbox = [-117.9, 35.5, -117.3, 35.9]

[search]
start = 2021-01-01
end = 2021-12-31
product = "SLC"
polarization = ["VV+VH"]
min_coverage = 0.5

[pairs]
method = "sbas"
neighbors = 3
max_temporal_baseline = 48

[download]
concurrency = 4

[processor]
kind = "hyp3"

[processor.hyp3]
job_type = "INSAR_GAMMA"
max_attempts = 2
"""

ISCE = """\
[processor]
kind = "isce"

[processor.isce]
azimuth_looks = 3
"""
ISCE_LINE = 26  # "azimuth_looks = 3" once ISCE replaces the [processor] tables


@dataclass(frozen=True)
class Row:
    id: str
    old: str
    new: str
    line: int
    key: str
    fragment: str

    def text(self) -> str:
        assert BASE.count(self.old) == 1, f"{self.id}: {self.old!r} must occur once in BASE"
        return BASE.replace(self.old, self.new)


PROCESSOR = BASE[BASE.index("[processor]\n") :]

SEARCH_RULES = [  # every rule SearchRequest had, now in the config model
    Row(
        "min_coverage-zero",
        "min_coverage = 0.5",
        "min_coverage = 0.0",
        12,
        "search.min_coverage",
        "greater than 0",
    ),
    Row("min_coverage-above-one", "min_coverage = 0.5", "min_coverage = 1.5", 12, "search.min_coverage", "1"),
    Row("min_coverage-nan", "min_coverage = 0.5", "min_coverage = nan", 12, "search.min_coverage", "finite"),
    Row("min_scenes-one", "min_coverage = 0.5", "min_scenes = 1", 12, "search.min_scenes", "2"),
    Row("max_results-zero", "min_coverage = 0.5", "max_results = 0", 12, "search.max_results", "1"),
    Row("end-before-start", "end = 2021-12-31", "end = 2020-12-31", 9, "search.end", "before start"),
    Row("season-month-13", "min_coverage = 0.5", "season = [5, 13]", 12, "search.season[1]", "12"),
    Row(
        "no-polarization",
        'polarization = ["VV+VH"]',
        "polarization = []",
        11,
        "search.polarization",
        "at least 1",
    ),
    Row(
        "flight-direction",
        "min_coverage = 0.5",
        'flight_direction = "NORTH"',
        12,
        "search.flight_direction",
        "ASCENDING",
    ),
    Row(
        "bursts-have-no-frames",
        'product = "SLC"',
        'product = "BURST"\nframes = [122]',
        11,
        "search.frames",
        "bursts carry none",
    ),
]

BOUNDS = [  # every integer and float key of project.toml has a sane upper bound and must be finite
    Row("neighbors-huge", "neighbors = 3", f"neighbors = {HUGE}", 16, "pairs.neighbors", "10000"),
    Row(
        "temporal-huge",
        "max_temporal_baseline = 48",
        f"max_temporal_baseline = {HUGE}",
        17,
        "pairs.max_temporal_baseline",
        "10000",
    ),
    Row(
        "bperp-inf",
        "max_temporal_baseline = 48",
        "max_perpendicular_baseline = inf",
        17,
        "pairs.max_perpendicular_baseline",
        "finite",
    ),
    Row("bridges-huge", "max_temporal_baseline = 48", f"bridges = [{HUGE}]", 17, "pairs.bridges[0]", "10000"),
    Row(
        "bridge-tolerance-huge",
        "max_temporal_baseline = 48",
        f"bridge_tolerance = {HUGE}",
        17,
        "pairs.bridge_tolerance",
        "365",
    ),
    Row("concurrency-huge", "concurrency = 4", f"concurrency = {HUGE}", 20, "download.concurrency", "32"),
    Row("retries-huge", "concurrency = 4", f"retries = {HUGE}", 20, "download.retries", "20"),
    Row("season-huge", "min_coverage = 0.5", f"season = [{HUGE}]", 12, "search.season[0]", "12"),
    Row(
        "orbit-huge",
        "min_coverage = 0.5",
        f"relative_orbits = [{HUGE}]",
        12,
        "search.relative_orbits[0]",
        "175",
    ),
    Row("frame-huge", "min_coverage = 0.5", f"frames = [{HUGE}]", 12, "search.frames[0]", "1500"),
    Row("min_scenes-huge", "min_coverage = 0.5", f"min_scenes = {HUGE}", 12, "search.min_scenes", "10000"),
    Row(
        "max_results-huge", "min_coverage = 0.5", f"max_results = {HUGE}", 12, "search.max_results", "1000000"
    ),
    Row("bbox-overflow", "35.9]", "1e400]", 5, "aoi.bbox[3]", "latitude"),
    Row("bbox-huge-integer", "35.9]", f"{10**400}]", 5, "aoi.bbox[3]", "too large"),
    Row(
        "bperp-huge-integer",
        "max_temporal_baseline = 48",
        f"max_perpendicular_baseline = {10**400}",
        17,
        "pairs.max_perpendicular_baseline",
        "too large",
    ),
    Row(
        "filter-huge-integer",
        "max_attempts = 2",
        f"phase_filter_parameter = {10**400}",
        27,
        "processor.hyp3.phase_filter_parameter",
        "must be a number",
    ),
    Row("bbox-nan", "35.9]", "nan]", 5, "aoi.bbox[3]", "latitude"),
    Row(
        "max_attempts-huge",
        "max_attempts = 2",
        f"max_attempts = {HUGE}",
        27,
        "processor.hyp3.max_attempts",
        "100",
    ),
    Row(
        "hold-huge",
        "max_attempts = 2",
        f"hold_recent_days = {HUGE}",
        27,
        "processor.hyp3.hold_recent_days",
        "3650",
    ),
    Row("credits-inf", "max_attempts = 2", "max_credits = inf", 27, "processor.hyp3.max_credits", "finite"),
    Row(
        "filter-nan",
        "max_attempts = 2",
        "phase_filter_parameter = nan",
        27,
        "processor.hyp3.phase_filter_parameter",
        "1.0",
    ),
    *(
        Row(
            f"isce-{key}-huge",
            PROCESSOR,
            ISCE.replace("azimuth_looks = 3", f"{key} = {HUGE}"),
            ISCE_LINE,
            f"processor.isce.{key}",
            bound,
        )
        for key, bound in (
            ("azimuth_looks", "1000"),
            ("range_looks", "1000"),
            ("num_overlap_connections", "100"),
            ("num_proc", "4096"),
        )
    ),
    Row(
        "isce-filter-nan",
        PROCESSOR,
        ISCE.replace("azimuth_looks = 3", "filter_strength = nan"),
        ISCE_LINE,
        "processor.isce.filter_strength",
        "finite",
    ),
    Row(
        "slurm-cpus-huge",
        PROCESSOR,
        ISCE.replace(
            "azimuth_looks = 3", f'executor = "slurm"\n\n[processor.isce.slurm]\ncpus_per_task = {HUGE}'
        ),
        ISCE_LINE + 3,
        "processor.isce.slurm.cpus_per_task",
        "4096",
    ),
]

DEEP = 100_000
NESTING = [  # past Python's recursion limit (tomllib) and past MAX_NESTING (the model, the line finder)
    Row(
        "deep-list",
        "concurrency = 4",
        "concurrency = " + "[" * DEEP + "]" * DEEP,
        20,
        "download.concurrency",
        "nested more than",
    ),
    Row(
        "deep-list-below-recursion",
        "concurrency = 4",
        "concurrency = " + "[" * 40 + "]" * 40,
        20,
        "download.concurrency",
        "nested more than",
    ),
    Row(
        "deep-inline-table",
        "concurrency = 4",
        "concurrency = " + "{a = " * DEEP + "1" + "}" * DEEP,
        20,
        "download.concurrency.a.a",
        "nested more than",
    ),
    Row(
        "deep-dotted-key",
        "concurrency = 4",
        ".".join(["x"] * 5000) + " = 1",
        20,
        "download.x.x.x",
        "nested more than",
    ),
]

ROWS = SEARCH_RULES + BOUNDS + NESTING


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_validate_names_the_line_and_key_of_every_broken_rule(tmp_path: Path, run_cli: Any, row: Row) -> None:
    StateStore(tmp_path / ".insarproj").create()
    (tmp_path / "project.toml").write_text(row.text())
    result = run_cli(["-C", str(tmp_path), "validate"])
    assert result.code == ExitCode.ERROR, result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    assert f"project.toml:{row.line}: {row.key}: " in errors[0], errors[0][:400]
    assert row.fragment in errors[0], errors[0][:400]


def test_the_base_project_is_valid(tmp_path: Path, run_cli: Any) -> None:
    StateStore(tmp_path / ".insarproj").create()
    (tmp_path / "project.toml").write_text(BASE)
    assert run_cli(["-C", str(tmp_path), "validate"]).code == ExitCode.OK
    (tmp_path / "project.toml").write_text(BASE.replace(PROCESSOR, ISCE))
    assert run_cli(["-C", str(tmp_path), "validate"]).code == ExitCode.OK


# --- one rule set: SearchRequest applies the config's rules, and is not re-checked from a loaded file


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"min_coverage": 0.0}, "search.min_coverage"),
        ({"min_coverage": float("nan")}, "search.min_coverage"),
        ({"min_scenes": 1}, "search.min_scenes"),
        ({"max_results": 10**30}, "search.max_results"),
        ({"relative_orbits": (176,)}, "search.relative_orbits[0]"),
    ],
)
def test_a_request_built_by_hand_follows_the_config_rules(change: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as info:
        SearchRequest(aoi_wkt="POINT (0 0)", start=dt.date(2021, 1, 1), end=dt.date(2021, 2, 1), **change)
    assert info.value.key == key


def test_a_request_from_a_loaded_project_is_the_same_request(tmp_path: Path) -> None:
    project = parse_project_text(BASE, project_root=tmp_path)
    from_config = SearchRequest.from_config(project.aoi.wkt, project.config.search)
    by_hand = SearchRequest(
        aoi_wkt=project.aoi.wkt, start=dt.date(2021, 1, 1), end=dt.date(2021, 12, 31), min_coverage=0.5
    )
    assert from_config == by_hand
    assert from_config.fingerprint() == by_hand.fingerprint()


# --- the pure pieces of the nesting guard


def test_nesting_depth_walks_without_recursion() -> None:
    value: Any = 1
    for _ in range(DEEP):
        value = [value]
    assert nesting_depth({"a": value}) == MAX_NESTING + 1  # stops counting once past the limit
    assert nesting_depth({"pairs": {"pairs": [["2021-01-02", "2021-01-14"]]}}) == 4


def test_first_deep_key_points_at_the_key_holding_the_deep_value() -> None:
    text = "a = 1\n[t]\nb = [1]\nc = " + "[" * 50 + "]" * 50 + "\n"
    assert first_deep_key(key_lines(text), MAX_NESTING) == (("t", "c"), 4)
    assert first_deep_key(key_lines("a = [[1]]\n"), MAX_NESTING) is None


# --- deep nesting in the AOI: GEOS parses it recursively and crashed the process (segfault)


def _validate_in_a_subprocess(root: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INSARPROJ_")}
    return subprocess.run(
        [sys.executable, "-m", "insarproj", "-C", str(root), "validate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("depth", [9, 50_000])
def test_a_deeply_nested_wkt_is_refused_before_geos_parses_it(tmp_path: Path, depth: int) -> None:
    StateStore(tmp_path / ".insarproj").create()
    wkt = "GEOMETRYCOLLECTION(" * depth + "POINT(0 0)" + ")" * depth
    (tmp_path / "project.toml").write_text(
        BASE.replace("bbox = [-117.9, 35.5, -117.3, 35.9]", f'wkt = "{wkt}"')
    )
    result = _validate_in_a_subprocess(tmp_path)
    assert result.returncode == ExitCode.ERROR, (result.returncode, result.stderr[-500:])
    assert "project.toml:5: aoi.wkt: the WKT text nests parentheses" in result.stderr


@pytest.mark.parametrize("depth", [40, 100_000])
def test_a_deeply_nested_geojson_aoi_is_refused(tmp_path: Path, depth: int) -> None:
    StateStore(tmp_path / ".insarproj").create()
    point = '{"type": "Point", "coordinates": [0, 0]}'
    (tmp_path / "aoi.geojson").write_text(
        '{"type": "GeometryCollection", "geometries": [' * depth + point + "]}" * depth
    )
    (tmp_path / "project.toml").write_text(
        BASE.replace("bbox = [-117.9, 35.5, -117.3, 35.9]", 'file = "aoi.geojson"')
    )
    result = _validate_in_a_subprocess(tmp_path)
    assert result.returncode == ExitCode.ERROR, (result.returncode, result.stderr[-500:])
    assert "project.toml:5: aoi.file: " in result.stderr and "aoi.geojson" in result.stderr
    assert "internal error" not in result.stderr
