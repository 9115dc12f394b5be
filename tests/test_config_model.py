"""The project.toml model: valid files, defaults, processor-dependent defaults, HyP3 parameters, AOI forms."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from insarproj.config import Hyp3Config, ProjectConfig, load_project, parse_project_text, project_json_schema
from insarproj.errors import ConfigError

DATA = Path(__file__).parent / "data" / "config"
TEMPLATES = Path(__file__).parent.parent / "templates"

MINIMAL = """\
[project]
name = "ridgecrest"
[aoi]
bbox = [-117.9, 35.5, -117.3, 35.9]
[search]
start = 2021-01-01
end = 2021-12-31
[processor]
kind = "{kind}"
"""


def minimal(kind: str = "hyp3", extra: str = "") -> str:
    return MINIMAL.replace("{kind}", kind) + extra


def load_text(text: str, root: Path) -> ProjectConfig:
    return parse_project_text(text, project_root=root).config


def test_minimal_hyp3_project_gets_every_default(tmp_path: Path) -> None:
    config = load_text(minimal(), tmp_path)
    assert config.project.name == "ridgecrest"
    assert (config.search.start, config.search.end) == (date(2021, 1, 1), date(2021, 12, 31))
    assert config.search.product == "SLC"
    assert config.search.beam_mode == "IW"
    assert config.search.polarization == ["VV+VH"]
    assert config.search.flight_direction is None and config.search.relative_orbits is None
    assert config.search.exclude_dates == [] and config.search.exclude_scenes == []
    assert config.pairs.method == "sbas"
    assert (config.pairs.neighbors, config.pairs.max_temporal_baseline) == (3, 48)
    assert config.pairs.max_perpendicular_baseline is None
    assert (config.pairs.bridges, config.pairs.bridge_tolerance) == ([], 24)
    assert (
        config.download.concurrency == 4 and config.download.scenes is False and config.download.retries == 5
    )
    assert config.paths.data == "data" and config.paths.cache is None
    assert config.endpoints.hyp3 is None
    hyp3 = config.processor.hyp3
    assert hyp3 is not None and config.processor.isce is None
    assert (hyp3.job_type, hyp3.max_attempts, hyp3.max_credits, hyp3.hold_recent_days) == (
        "INSAR_GAMMA",
        2,
        None,
        21,
    )
    assert hyp3.job_parameters()["looks"] == "20x4"


@pytest.mark.parametrize(("kind", "expected"), [("hyp3", False), ("isce", True), ("download", True)])
def test_orbits_and_dem_follow_the_processor(kind: str, expected: bool, tmp_path: Path) -> None:
    config = load_text(minimal(kind), tmp_path)
    assert config.orbits_enabled is expected
    assert config.dem_enabled is expected
    assert config.orbits.enabled is None


def test_explicit_orbits_and_dem_win(tmp_path: Path) -> None:
    config = load_text(minimal("hyp3", "[orbits]\nenabled = true\n[dem]\nenabled = true\n"), tmp_path)
    assert config.orbits_enabled and config.dem_enabled
    config = load_text(minimal("isce", "[orbits]\nenabled = false\n[dem]\nenabled = false\n"), tmp_path)
    assert not config.orbits_enabled and not config.dem_enabled


def test_isce_gets_default_table_and_slurm_defaults(tmp_path: Path) -> None:
    config = load_text(minimal("isce"), tmp_path)
    isce = config.processor.isce
    assert isce is not None and config.processor.hyp3 is None
    assert (isce.workflow, isce.executor, isce.swaths) == ("interferogram", "local", [1, 2, 3])
    assert (isce.azimuth_looks, isce.range_looks, isce.filter_strength) == (3, 9, 0.5)
    assert (isce.unwrap_method, isce.coregistration, isce.num_proc, isce.slurm) == ("snaphu", "NESD", 4, None)

    config = load_text(minimal("isce", '[processor.isce]\nexecutor = "slurm"\n'), tmp_path)
    slurm = config.processor.isce.slurm  # type: ignore[union-attr]
    assert slurm is not None and slurm.time_limit == "04:00:00" and slurm.cpus_per_task == 4

    text = '[processor.isce]\nexecutor = "slurm"\n[processor.isce.slurm]\npartition = "short"\nmem = "16G"\n'
    slurm = load_text(minimal("isce", text), tmp_path).processor.isce.slurm  # type: ignore[union-attr]
    assert slurm is not None and (slurm.partition, slurm.mem) == ("short", "16G")


def test_download_kind_has_no_processor_table(tmp_path: Path) -> None:
    config = load_text(minimal("download"), tmp_path)
    assert config.processor.hyp3 is None and config.processor.isce is None
    with pytest.raises(ConfigError, match='set kind = "hyp3"'):
        load_text(minimal("download", "[processor.hyp3]\nlooks = '10x2'\n"), tmp_path)


def test_full_search_and_pairs(tmp_path: Path) -> None:
    text = minimal().replace(
        "end = 2021-12-31\n",
        'end = 2021-12-31\nflight_direction = "DESCENDING"\nrelative_orbits = [71, 64]\nframes = [122]\n'
        "season = [5, 6]\nmin_coverage = 0.5\nmin_scenes = 3\nexclude_dates = [2021-07-04]\n"
        'exclude_scenes = ["S1A_IW_SLC__1SDV_20210704T135937_20210704T140004_038634_048F0B_0F63", '
        '"S1_136231_IW2_20200604T022312_VV_7C85-BURST"]\nmax_results = 500\npolarization = ["VV", "VV+VH"]\n',
    ) + (
        '[pairs]\nmethod = "all-within"\nmax_temporal_baseline = 36\nmax_perpendicular_baseline = 150\n'
        "bridges = [365]\nbridge_tolerance = 12\n"
        'exclude_pairs = [["2021-01-02", 2021-01-14]]\ninclude_pairs = [[2021-02-01, 2021-03-01]]\n'
    )
    config = load_text(text, tmp_path)
    assert config.search.relative_orbits == [71, 64] and config.search.frames == [122]
    assert config.search.exclude_dates == [date(2021, 7, 4)]
    assert config.pairs.exclude_pairs == [(date(2021, 1, 2), date(2021, 1, 14))]
    assert config.pairs.include_pairs == [(date(2021, 2, 1), date(2021, 3, 1))]
    assert config.pairs.max_perpendicular_baseline == 150.0


def test_explicit_pairs(tmp_path: Path) -> None:
    text = minimal(
        extra='[pairs]\nmethod = "explicit"\n'
        'pairs = [["2021-01-02", "2021-01-14"], ["2021-01-14", "2021-01-26"]]\n'
    )
    config = load_text(text, tmp_path)
    assert config.pairs.pairs == [
        (date(2021, 1, 2), date(2021, 1, 14)),
        (date(2021, 1, 14), date(2021, 1, 26)),
    ]


# --------------------------------------------------------------------------- HyP3 parameters per job type


def test_insar_gamma_parameters_with_defaults_filled(tmp_path: Path) -> None:
    extra = (
        '[processor.hyp3]\nlooks = "10x2"\ninclude_dem = true\ninclude_look_vectors = true\n'
        "phase_filter_parameter = 1\n"
    )
    hyp3 = load_text(minimal(extra=extra), tmp_path).processor.hyp3
    assert hyp3 is not None
    params = hyp3.job_parameters()
    assert params == {
        "apply_water_mask": False,
        "include_dem": True,
        "include_displacement_maps": False,
        "include_inc_map": False,
        "include_look_vectors": True,
        "include_los_displacement": False,
        "include_wrapped_phase": False,
        "looks": "10x2",
        "phase_filter_parameter": 1.0,
    }


def test_multi_burst_parameters(tmp_path: Path) -> None:
    text = minimal(extra='[processor.hyp3]\njob_type = "INSAR_ISCE_MULTI_BURST"\nlooks = "5x1"\n').replace(
        "end = 2021-12-31\n", 'end = 2021-12-31\nproduct = "BURST"\n'
    )
    hyp3 = load_text(text, tmp_path).processor.hyp3
    assert hyp3 is not None
    assert hyp3.job_parameters() == {"apply_water_mask": False, "looks": "5x1"}
    assert hyp3.job_spec().input_product == "BURST"


def test_single_burst_parameters(tmp_path: Path) -> None:
    text = minimal(
        extra='[processor.hyp3]\njob_type = "INSAR_ISCE_BURST"\napply_water_mask = true\n'
    ).replace("end = 2021-12-31\n", 'end = 2021-12-31\nproduct = "BURST"\n')
    hyp3 = load_text(text, tmp_path).processor.hyp3
    assert hyp3 is not None and hyp3.job_parameters() == {"apply_water_mask": True, "looks": "20x4"}


@pytest.mark.parametrize(
    ("job_type", "body", "fragment"),
    [
        ("INSAR_GAMMA", 'looks = "5x1"', 'allowed values are "20x4", "10x2"'),
        ("INSAR_GAMMA", "phase_filter_parameter = 1.2", "from 0.0 to 1.0"),
        ("INSAR_GAMMA", "granules = []", "is an input of INSAR_GAMMA jobs"),
        ("INSAR_ISCE_BURST", "include_dem = true", "is a parameter of INSAR_GAMMA, not of INSAR_ISCE_BURST"),
        ("INSAR_ISCE_MULTI_BURST", 'looks = "40x10"', '"20x4", "10x2", "5x1"'),
        ("INSAR_ISCE_MULTI_BURST", "apply_watermask = true", "did you mean `apply_water_mask`?"),
    ],
)
def test_hyp3_parameters_are_checked_against_their_job_type(
    job_type: str, body: str, fragment: str, tmp_path: Path
) -> None:
    product = "SLC" if job_type == "INSAR_GAMMA" else "BURST"
    text = minimal(extra=f'[processor.hyp3]\njob_type = "{job_type}"\n{body}\n').replace(
        "end = 2021-12-31\n", f'end = 2021-12-31\nproduct = "{product}"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_text(text, tmp_path)
    assert fragment in str(caught.value)
    assert caught.value.line == 13


def test_hyp3_model_directly() -> None:
    config = Hyp3Config.model_validate({"job_type": "INSAR_GAMMA", "include_dem": True})
    assert config.job_parameters()["include_dem"] is True
    with pytest.raises(ValueError, match="did you mean `include_dem`"):
        Hyp3Config.model_validate({"include_dme": True})


def test_keep_layers(tmp_path: Path) -> None:
    extra = (
        '[processor.hyp3]\nkeep_layers = ["unw_phase", "corr", "dem", "lv_theta", "lv_phi", "water_mask"]\n'
    )
    hyp3 = load_text(minimal(extra=extra), tmp_path).processor.hyp3
    assert hyp3 is not None and hyp3.keep_layers is not None and "lv_phi" in hyp3.keep_layers
    with pytest.raises(ConfigError, match=r"processor\.hyp3\.keep_layers\[0\]"):
        load_text(minimal(extra='[processor.hyp3]\nkeep_layers = ["unw phase.tif"]\n'), tmp_path)


# --------------------------------------------------------------------------- AOI forms


def test_aoi_bbox(tmp_path: Path) -> None:
    project = parse_project_text(minimal(), project_root=tmp_path)
    assert project.aoi.geom_type == "Polygon"
    assert project.aoi.bounds == (-117.9, 35.5, -117.3, 35.9)


def test_aoi_wkt(tmp_path: Path) -> None:
    wkt = "POLYGON((-117.9 35.5, -117.3 35.5, -117.3 35.9, -117.9 35.9, -117.9 35.5))"
    text = minimal().replace("bbox = [-117.9, 35.5, -117.3, 35.9]", f'wkt = "{wkt}"')
    project = parse_project_text(text, project_root=tmp_path)
    assert project.aoi.bounds == (-117.9, 35.5, -117.3, 35.9)
    assert project.aoi.area == pytest.approx(0.24)


@pytest.mark.parametrize(
    ("name", "geom_type", "area"),
    [
        ("aoi_featurecollection.geojson", "Polygon", 0.24),  # two halves, unioned
        ("aoi_feature.geojson", "Polygon", 0.24),  # 3D coordinates are flattened
        ("aoi_geometry.geojson", "MultiPolygon", 0.04),
    ],
)
def test_aoi_geojson_file(name: str, geom_type: str, area: float, tmp_path: Path) -> None:
    shutil.copy(DATA / name, tmp_path / name)
    text = minimal().replace("bbox = [-117.9, 35.5, -117.3, 35.9]", f'file = "{name}"')
    (tmp_path / "project.toml").write_text(text, encoding="utf-8")
    project = load_project(tmp_path)
    assert project.aoi.geom_type == geom_type
    assert project.aoi.area == pytest.approx(area)
    assert not project.aoi.has_z
    assert project.config.aoi.geometry(tmp_path) is project.aoi  # resolved once


def test_aoi_geojson_in_subfolder_and_absolute(tmp_path: Path) -> None:
    (tmp_path / "gis").mkdir()
    shutil.copy(DATA / "aoi_feature.geojson", tmp_path / "gis" / "site.geojson")
    text = minimal().replace("bbox = [-117.9, 35.5, -117.3, 35.9]", 'file = "gis/site.geojson"')
    assert parse_project_text(text, project_root=tmp_path).aoi.area == pytest.approx(0.24)
    absolute = minimal().replace(
        "bbox = [-117.9, 35.5, -117.3, 35.9]", f'file = "{(tmp_path / "gis" / "site.geojson").as_posix()}"'
    )
    assert parse_project_text(absolute, project_root=tmp_path / "elsewhere").aoi.area == pytest.approx(0.24)


def test_aoi_point_file_is_refused(tmp_path: Path) -> None:
    shutil.copy(DATA / "aoi_point.geojson", tmp_path / "p.geojson")
    text = minimal().replace("bbox = [-117.9, 35.5, -117.3, 35.9]", 'file = "p.geojson"')
    with pytest.raises(ConfigError, match="Polygon or MultiPolygon"):
        parse_project_text(text, project_root=tmp_path)


# --------------------------------------------------------------------------- Project paths


def test_project_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "project.toml").write_text(minimal(), encoding="utf-8")
    project = load_project(tmp_path / "proj")
    assert project.root == (tmp_path / "proj").resolve()
    assert project.config_path == project.root / "project.toml"
    assert project.data_dir == project.root / "data"
    assert project.state_dir == project.root / ".insarproj"
    assert project.cache_dir is None

    text = minimal(extra='[paths]\ndata = "~/scratch/rc"\ncache = "~/.cache/insarproj"\n')
    (tmp_path / "proj" / "project.toml").write_text(text, encoding="utf-8")
    project = load_project(tmp_path / "proj" / "project.toml")  # the file itself works too
    assert project.data_dir == tmp_path / "home" / "scratch" / "rc"
    assert project.cache_dir == tmp_path / "home" / ".cache" / "insarproj"


def test_endpoints(tmp_path: Path) -> None:
    text = minimal(
        extra='[endpoints]\nhyp3 = "http://127.0.0.1:8080/"\ncmr = "https://cmr.uat.earthdata.nasa.gov"\n'
        'geoid = "/data/egm08_25.gtx"\n'
    )
    endpoints = load_text(text, tmp_path).endpoints
    assert endpoints.hyp3 == "http://127.0.0.1:8080"
    assert endpoints.cmr == "https://cmr.uat.earthdata.nasa.gov"
    assert endpoints.geoid == "/data/egm08_25.gtx"
    assert endpoints.dem is None


def test_config_is_frozen(tmp_path: Path) -> None:
    config = load_text(minimal(), tmp_path)
    with pytest.raises(ValueError):
        config.project.name = "other"  # type: ignore[misc]


# --------------------------------------------------------------------------- templates


@pytest.mark.parametrize("template", ["hyp3-insar", "hyp3-burst", "isce-stack", "download"])
def test_templates_load(template: str, tmp_path: Path) -> None:
    raw = (TEMPLATES / f"{template}.toml").read_text(encoding="utf-8")
    assert raw.splitlines()[0] == "#:schema ./.insarproj/project.schema.json"
    assert raw.count("{name}") == 1
    assert raw.count("{") == 1 and raw.count("}") == 1
    (tmp_path / "project.toml").write_text(raw.replace("{name}", tmp_path.name), encoding="utf-8")
    project = load_project(tmp_path)
    config = project.config
    assert config.project.name == tmp_path.name
    assert config.search.start.year == 2021
    kind = {"hyp3-insar": "hyp3", "hyp3-burst": "hyp3", "isce-stack": "isce", "download": "download"}[
        template
    ]
    assert config.processor.kind == kind
    if template == "hyp3-insar":
        assert config.processor.hyp3 is not None
        params = config.processor.hyp3.job_parameters()
        assert config.processor.hyp3.job_type == "INSAR_GAMMA"
        assert params["include_dem"] is True and params["include_look_vectors"] is True
        assert config.pairs.method == "sbas"
    if template == "hyp3-burst":
        assert config.search.product == "BURST"
        assert config.processor.hyp3 is not None
        assert config.processor.hyp3.job_type == "INSAR_ISCE_MULTI_BURST"
    if template == "isce-stack":
        assert config.processor.isce is not None and config.processor.isce.executor == "local"


# --------------------------------------------------------------------------- JSON Schema


def _properties(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for model_name, model in schema["$defs"].items():
        for name, prop in model.get("properties", {}).items():
            found.append((f"{model_name}.{name}", prop))
    found.extend((f"ProjectConfig.{n}", p) for n, p in schema["properties"].items())
    return found


def test_schema_has_title_and_every_property_a_description() -> None:
    schema = project_json_schema()
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["title"] == "insarproj project.toml"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"project", "aoi", "search", "processor"}
    missing = [name for name, prop in _properties(schema) if not prop.get("description")]
    assert missing == []
    # Each description says the default (or that the key is required): editors show it on hover.
    vague = [
        name
        for name, prop in _properties(schema)
        if not any(word in prop["description"].lower() for word in ("default", "required"))
    ]
    assert vague == []
    json.dumps(schema)  # serialisable


def test_schema_lists_hyp3_parameters_of_every_job_type() -> None:
    hyp3 = project_json_schema()["$defs"]["Hyp3Config"]
    properties = hyp3["properties"]
    assert properties["job_type"]["enum"] == ["INSAR_GAMMA", "INSAR_ISCE_BURST", "INSAR_ISCE_MULTI_BURST"]
    assert set(properties["looks"]["enum"]) == {"20x4", "10x2", "5x1"}
    assert "INSAR_GAMMA" in properties["include_dem"]["description"]
    assert "INSAR_ISCE_MULTI_BURST" not in properties["include_dem"]["description"]
    assert properties["include_dem"]["default"] is False
    assert properties["phase_filter_parameter"]["maximum"] == 1.0
    assert hyp3["additionalProperties"] is False


def test_schema_validates_the_templates_as_toml_data() -> None:
    import tomllib

    schema = project_json_schema()
    for path in sorted(TEMPLATES.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8").replace("{name}", "demo"))
        # JSON Schema sees TOML dates as strings (as editors do).
        jsonschema.validate(json.loads(json.dumps(data, default=str)), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"project": {"name": "x"}, "serach": {}}, schema)
