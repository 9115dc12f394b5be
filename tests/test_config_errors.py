"""Malformed project.toml files: each gives one ConfigError naming file, line, key and the fix."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from insarproj.config import ConfigProblems, load_project, parse_project_text
from insarproj.errors import ConfigError, InsarprojError

DATA = Path(__file__).parent / "data" / "config"

# Line numbers below refer to this text (every row edits it by exact, unique replacements).
BASE = """\
[project]
name = "ridgecrest"

[aoi]
bbox = [-117.9, 35.5, -117.3, 35.9]

[search]
start = 2021-01-01
end = 2021-12-31
product = "SLC"
min_coverage = 0.5
season = [5, 6, 7]
relative_orbits = [64]

[pairs]
method = "sbas"
neighbors = 3
exclude_pairs = [["2021-01-02", "2021-01-14"]]

[processor]
kind = "hyp3"

[processor.hyp3]
job_type = "INSAR_GAMMA"
looks = "20x4"
"""

BBOX_LINE = "bbox = [-117.9, 35.5, -117.3, 35.9]"


@dataclass(frozen=True)
class Row:
    id: str
    edits: tuple[tuple[str, str], ...]
    line: int | None
    key: str | None
    fix: str
    append: str = ""
    files: tuple[str, ...] = field(default=())

    def text(self) -> str:
        text = BASE
        for old, new in self.edits:
            assert text.count(old) == 1, f"{self.id}: {old!r} must occur once in BASE"
            text = text.replace(old, new)
        return text + self.append


ROWS = [
    # --- TOML syntax (line numbers come from tomllib)
    Row(
        "toml-unquoted-string",
        (('name = "ridgecrest"', "name = ridgecrest"),),
        2,
        "project.name",
        '"quoted string"',
    ),
    Row("toml-duplicate-key", (("end = 2021-12-31", "start = 2021-03-01"),), 9, None, "only once"),
    Row("toml-unclosed-header", (("[search]", "[search"),), 7, None, "[name] on its own line"),
    Row("toml-unterminated-string", (('looks = "20x4"', 'looks = "20x4'),), 25, None, "close each string"),
    Row(
        "toml-two-values",
        (("neighbors = 3", "neighbors = 3 4"),),
        17,
        "pairs.neighbors",
        "one key = value per line",
    ),
    # --- unknown keys
    Row("typo-section", (("[search]", "[serach]"),), 7, "serach", "did you mean `search`?"),
    Row(
        "typo-key",
        (("start = 2021-01-01", "strat = 2021-01-01"),),
        8,
        "search.strat",
        "did you mean `start`?",
    ),
    Row(
        "typo-processor-kind",
        (('kind = "hyp3"', 'knid = "hyp3"'),),
        21,
        "processor.knid",
        "did you mean `kind`?",
    ),
    Row(
        "unknown-section",
        (),
        27,
        "colour",
        "the sections allowed in the top level are aoi",
        append="\n[colour]\nx = 1\n",
    ),
    # --- wrong types
    Row(
        "neighbors-string",
        (("neighbors = 3", 'neighbors = "3"'),),
        17,
        "pairs.neighbors",
        "must be an integer",
    ),
    Row(
        "start-quoted", (("start = 2021-01-01", 'start = "2021-01-01"'),), 8, "search.start", "without quotes"
    ),
    Row(
        "start-datetime",
        (("start = 2021-01-01", "start = 2021-01-01T00:00:00Z"),),
        8,
        "search.start",
        "without a time",
    ),
    Row(
        "search-not-table",
        (("relative_orbits = [64]", "relative_orbits = 64"),),
        13,
        "search.relative_orbits",
        "must be a list",
    ),
    # --- enums
    Row(
        "method-enum", (('method = "sbas"', 'method = "sbass"'),), 16, "pairs.method", 'did you mean "sbas"?'
    ),
    Row(
        "product-enum",
        (('product = "SLC"', 'product = "GRD"'),),
        10,
        "search.product",
        'allowed values are "SLC", "BURST"',
    ),
    Row(
        "polarization-enum",
        (('product = "SLC"', 'polarization = ["VV", "VVVH"]'),),
        10,
        "search.polarization[1]",
        '"VV+VH"',
    ),
    Row(
        "processor-kind-enum",
        (('kind = "hyp3"', 'kind = "gamma"'),),
        21,
        "processor.kind",
        '"hyp3", "isce", "download"',
    ),
    # --- ranges
    Row(
        "coverage-range",
        (("min_coverage = 0.5", "min_coverage = 1.5"),),
        11,
        "search.min_coverage",
        "less than or equal to 1",
    ),
    Row(
        "neighbors-range",
        (("neighbors = 3", "neighbors = 0"),),
        17,
        "pairs.neighbors",
        "greater than or equal to 1",
    ),
    Row(
        "month-range",
        (("season = [5, 6, 7]", "season = [5, 6, 13]"),),
        12,
        "search.season[2]",
        "less than or equal to 12",
    ),
    Row(
        "month-twice",
        (("season = [5, 6, 7]", "season = [5, 6, 5]"),),
        12,
        "search.season[2]",
        "list each month",
    ),
    Row(
        "orbit-range",
        (("relative_orbits = [64]", "relative_orbits = [\n  200,\n]"),),
        14,
        "search.relative_orbits[0]",
        "175",
    ),
    Row(
        "end-before-start", (("end = 2021-12-31", "end = 2020-12-31"),), 9, "search.end", "on or after start"
    ),
    Row(
        "bad-scene-name",
        (('product = "SLC"', 'exclude_scenes = ["S1A_IW_SLC.zip"]'),),
        10,
        "search.exclude_scenes[0]",
        "full name",
    ),
    # --- AOI
    Row(
        "two-aoi-forms",
        ((BBOX_LINE, BBOX_LINE + '\nfile = "aoi.geojson"'),),
        6,
        "aoi.file",
        "keep exactly one",
    ),
    Row("no-aoi", ((BBOX_LINE, "# no area yet"),), 4, "aoi", "set one of bbox"),
    Row(
        "bbox-three-numbers",
        ((BBOX_LINE, "bbox = [-117.9, 35.5, -117.3]"),),
        5,
        "aoi.bbox",
        "[west, south, east, north]",
    ),
    Row(
        "bbox-lon-range",
        ((BBOX_LINE, "bbox = [-190.0, 35.5, -117.3, 35.9]"),),
        5,
        "aoi.bbox[0]",
        "from -180 to 180",
    ),
    Row(
        "bbox-lat-order",
        ((BBOX_LINE, "bbox = [-117.9, 35.9, -117.3, 35.5]"),),
        5,
        "aoi.bbox",
        "south < north",
    ),
    Row(
        "bbox-antimeridian",
        ((BBOX_LINE, "bbox = [170.0, -20.0, -170.0, -10.0]"),),
        5,
        "aoi.bbox",
        "split the project",
    ),
    Row("bad-wkt", ((BBOX_LINE, 'wkt = "POLYGON((0 0, 1 1"'),), 5, "aoi.wkt", "write a polygon like"),
    Row(
        "self-intersecting-wkt",
        ((BBOX_LINE, 'wkt = "POLYGON((-117.9 35.5, -117.3 35.9, -117.3 35.5, -117.9 35.9, -117.9 35.5))"'),),
        5,
        "aoi.wkt",
        "non-self-intersecting",
    ),
    Row("wkt-point", ((BBOX_LINE, 'wkt = "POINT(-117.6 35.7)"'),), 5, "aoi.wkt", "Polygon or MultiPolygon"),
    Row(
        "wkt-antimeridian",
        ((BBOX_LINE, 'wkt = "POLYGON((170 -20, -170 -20, -170 -10, 170 -10, 170 -20))"'),),
        5,
        "aoi.wkt",
        "split the project",
    ),
    Row(
        "missing-geojson",
        ((BBOX_LINE, 'file = "nowhere.geojson"'),),
        5,
        "aoi.file",
        "nowhere.geojson does not exist",
    ),
    Row(
        "geojson-not-json",
        ((BBOX_LINE, 'file = "aoi_not_json.geojson"'),),
        5,
        "aoi.file",
        "cannot read the AOI file aoi_not_json.geojson",
        files=("aoi_not_json.geojson",),
    ),
    Row(
        "geojson-self-intersecting",
        ((BBOX_LINE, 'file = "aoi_self_intersecting.geojson"'),),
        5,
        "aoi.file",
        "aoi_self_intersecting.geojson holds an invalid geometry",
        files=("aoi_self_intersecting.geojson",),
    ),
    Row(
        "geojson-empty",
        ((BBOX_LINE, 'file = "aoi_empty_collection.geojson"'),),
        5,
        "aoi.file",
        "holds no GeoJSON geometry",
        files=("aoi_empty_collection.geojson",),
    ),
    Row(
        "geojson-antimeridian",
        ((BBOX_LINE, 'file = "aoi_antimeridian.geojson"'),),
        5,
        "aoi.file",
        "split the project",
        files=("aoi_antimeridian.geojson",),
    ),
    # --- processor
    Row(
        "bad-job-type",
        (('job_type = "INSAR_GAMMA"', 'job_type = "INSAR_GAMA"'),),
        24,
        "processor.hyp3.job_type",
        "did you mean INSAR_GAMMA?",
    ),
    Row(
        "unknown-hyp3-parameter",
        (('looks = "20x4"', 'look = "10x2"'),),
        25,
        "processor.hyp3.look",
        "did you mean `looks`?",
    ),
    Row(
        "typo-hyp3-own-key",
        (('looks = "20x4"', "max_attempt = 3"),),
        25,
        "processor.hyp3.max_attempt",
        "did you mean `max_attempts`?",
    ),
    Row(
        "bad-looks-enum",
        (('looks = "20x4"', 'looks = "5x1"'),),
        25,
        "processor.hyp3.looks",
        'allowed values are "20x4", "10x2"',
    ),
    Row(
        "hyp3-parameter-type",
        (('looks = "20x4"', 'include_dem = "yes"'),),
        25,
        "processor.hyp3.include_dem",
        "true or false",
    ),
    Row(
        "parameter-of-other-job-type",
        (
            ('product = "SLC"', 'product = "BURST"'),
            ('job_type = "INSAR_GAMMA"', 'job_type = "INSAR_ISCE_MULTI_BURST"'),
            ('looks = "20x4"', "include_dem = true"),
        ),
        25,
        "processor.hyp3.include_dem",
        "is a parameter of INSAR_GAMMA, not of INSAR_ISCE_MULTI_BURST",
    ),
    Row(
        "product-vs-job-type",
        (('product = "SLC"', 'product = "BURST"'),),
        10,
        "search.product",
        'set product = "SLC"',
    ),
    Row(
        "isce-table-with-hyp3",
        (("[processor.hyp3]", "[processor.isce]"),),
        23,
        "processor.isce",
        'set kind = "isce"',
    ),
    Row(
        "slurm-with-local-executor",
        (
            ('kind = "hyp3"', 'kind = "isce"'),
            ("[processor.hyp3]", "[processor.isce.slurm]"),
            ('job_type = "INSAR_GAMMA"', 'partition = "normal"'),
            ('looks = "20x4"', 'account = "me"'),
        ),
        23,
        "processor.isce.slurm",
        'set executor = "slurm"',
    ),
    Row(
        "max-attempts-zero",
        (('looks = "20x4"', "max_attempts = 0"),),
        25,
        "processor.hyp3.max_attempts",
        "greater than or equal to 1",
    ),
    Row(
        "missing-kind",
        (('kind = "hyp3"', "# kind chosen later"),),
        20,
        "processor.kind",
        "add it to [processor]",
    ),
    # --- pairs
    Row(
        "explicit-without-pairs",
        (('method = "sbas"', 'method = "explicit"'),),
        15,
        "pairs.pairs",
        "add pairs = ",
    ),
    Row(
        "pair-equal-dates",
        (('["2021-01-02", "2021-01-14"]', '["2021-01-02", "2021-01-02"]'),),
        18,
        "pairs.exclude_pairs[0]",
        "two different dates",
    ),
    Row(
        "pair-reversed",
        (('["2021-01-02", "2021-01-14"]', '["2021-01-14", "2021-01-02"]'),),
        18,
        "pairs.exclude_pairs[0]",
        "earlier date first",
    ),
    Row(
        "pair-not-a-date",
        (('["2021-01-02", "2021-01-14"]', '["2021-01-02", "soon"]'),),
        18,
        "pairs.exclude_pairs[0][1]",
        "YYYY-MM-DD",
    ),
    Row(
        "pairs-without-explicit",
        (("neighbors = 3", 'pairs = [["2021-01-02", "2021-01-14"]]'),),
        17,
        "pairs.pairs",
        "include_pairs",
    ),
    # --- project, endpoints
    Row(
        "bad-project-name",
        (('name = "ridgecrest"', 'name = "my project"'),),
        2,
        "project.name",
        "HyP3 job name",
    ),
    Row(
        "long-project-name",
        (('name = "ridgecrest"', f'name = "{"x" * 101}"'),),
        2,
        "project.name",
        "1 to 100 characters",
    ),
    Row(
        "missing-name",
        (('name = "ridgecrest"', "title = 'x'"),),
        2,
        "project.title",
        "the keys allowed in [project] are name",
    ),
    Row(
        "endpoint-not-http",
        (),
        28,
        "endpoints.hyp3",
        "https://host",
        append='\n[endpoints]\nhyp3 = "ftp://example.org"\n',
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_malformed_project_file(row: Row, tmp_path: Path) -> None:
    (tmp_path / "project.toml").write_text(row.text(), encoding="utf-8")
    for name in row.files:
        shutil.copy(DATA / name, tmp_path / name)

    with pytest.raises(ConfigError) as caught:
        load_project(tmp_path)

    error = caught.value
    rendered = str(error)
    assert "project.toml" in rendered
    if row.line is not None:
        assert f"project.toml:{row.line}:" in rendered, rendered
        assert error.line == row.line
    if row.key is not None:
        assert f": {row.key}: " in rendered, rendered
        assert error.key == row.key
    assert row.fix in rendered, rendered
    assert "\n" not in rendered.strip(), "one sentence, one line"
    assert "Traceback" not in rendered and "pydantic" not in rendered.lower()


def test_table_has_enough_rows() -> None:
    assert len(ROWS) >= 25
    assert len({row.id for row in ROWS}) == len(ROWS)


def test_the_base_text_is_valid(tmp_path: Path) -> None:
    project = parse_project_text(BASE, project_root=tmp_path)
    assert project.config.project.name == "ridgecrest"


def test_missing_project_file_says_to_run_init(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="run `insarproj init`") as caught:
        load_project(tmp_path)
    assert "project.toml" in str(caught.value)


def test_missing_section_has_no_line_but_names_the_table(tmp_path: Path) -> None:
    text = BASE.replace("[search]\nstart = 2021-01-01\nend = 2021-12-31\n", "[search_]\n")
    text = text.replace(
        'product = "SLC"\nmin_coverage = 0.5\nseason = [5, 6, 7]\nrelative_orbits = [64]\n', ""
    )
    with pytest.raises(ConfigError) as caught:
        parse_project_text(text, project_root=tmp_path)
    # The typo is reported first (it has a line), the missing table it causes is counted.
    assert "project.toml:7: search_: unknown section `search_`: did you mean `search`?" in str(caught.value)
    assert "(and 1 more problem)" in str(caught.value)


def test_all_problems_are_kept_for_validate(tmp_path: Path) -> None:
    text = BASE.replace("neighbors = 3", "neighbors = 0").replace("min_coverage = 0.5", "min_coverage = 2")
    with pytest.raises(ConfigProblems) as caught:
        parse_project_text(text, source="p.toml", project_root=tmp_path)
    problems = caught.value.problems
    assert [(p.key, p.line) for p in problems] == [("search.min_coverage", 11), ("pairs.neighbors", 17)]
    assert all(p.file == "p.toml" for p in problems)
    assert "(and 1 more problem)" in str(caught.value)


def test_errors_are_insarproj_errors(tmp_path: Path) -> None:
    with pytest.raises(InsarprojError):
        parse_project_text("[project", project_root=tmp_path)


def test_syntax_error_at_end_of_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_project_text("[project]\nname", project_root=tmp_path)
    assert caught.value.line == 2
    assert "write key = value" in str(caught.value)


def test_line_points_into_multiline_arrays_and_inline_tables(tmp_path: Path) -> None:
    text = BASE.replace(
        'exclude_pairs = [["2021-01-02", "2021-01-14"]]',
        'exclude_pairs = [\n  ["2021-01-02", "2021-01-14"],  # fine\n  ["2021-02-02", "2021-02-02"],\n]',
    )
    with pytest.raises(ConfigError) as caught:
        parse_project_text(text, project_root=tmp_path)
    assert caught.value.line == 20
    assert caught.value.key == "pairs.exclude_pairs[1]"

    processor_tables = (
        '[processor]\nkind = "hyp3"\n\n[processor.hyp3]\njob_type = "INSAR_GAMMA"\nlooks = "20x4"\n'
    )
    inline = 'processor = { kind = "hyp3", hyp3 = { looks = "1x1" } }\n' + BASE.replace(processor_tables, "")
    with pytest.raises(ConfigError) as caught:
        parse_project_text(inline, project_root=tmp_path)
    assert (caught.value.line, caught.value.key) == (1, "processor.hyp3.looks")


def test_dotted_keys_get_their_line(tmp_path: Path) -> None:
    processor_tables = (
        '[processor]\nkind = "hyp3"\n\n[processor.hyp3]\njob_type = "INSAR_GAMMA"\nlooks = "20x4"\n'
    )
    dotted = 'processor.kind = "hyp3"\nprocessor.hyp3.looks = "1x1"\n' + BASE.replace(processor_tables, "")
    with pytest.raises(ConfigError) as caught:
        parse_project_text(dotted, project_root=tmp_path)
    assert (caught.value.line, caught.value.key) == (2, "processor.hyp3.looks")


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "project.toml").write_bytes(b"\xff\xfe[project]")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_project(tmp_path)
