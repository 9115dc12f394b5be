"""The pydantic model of ``project.toml`` (docs/configuration.md) and its JSON Schema.

Models are strict (TOML already gives typed values: a quoted number or date is a mistake worth
reporting), forbid unknown keys and are frozen. Checks that involve several keys raise
:class:`FieldProblem` so the loader can point at the key at fault. Every field's description says
its default and allowed values: it is what editors show from the JSON Schema.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlparse

from pydantic import ConfigDict, Field, PrivateAttr, ValidationInfo, field_validator, model_validator
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from insarproj.config.base import Section
from insarproj.config.problems import FieldProblem
from insarproj.config.processor import (
    DEFAULT_JOB_TYPE,
    Hyp3Config,
    Hyp3Settings,
    IsceConfig,
    ProcessorConfig,
    SlurmConfig,
)
from insarproj.hyp3spec import format_value, load_job_spec, pair_job_types
from insarproj.s1names import is_granule_name

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "DEFAULT_JOB_TYPE",
    "AoiConfig",
    "DemConfig",
    "DownloadConfig",
    "EndpointsConfig",
    "Hyp3Config",
    "Hyp3Settings",
    "IsceConfig",
    "MintpyConfig",
    "OrbitsConfig",
    "PairsConfig",
    "PathsConfig",
    "ProcessorConfig",
    "ProjectConfig",
    "ProjectSection",
    "SearchConfig",
    "SlurmConfig",
    "project_json_schema",
]

PROJECT_NAME_RE = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
Polarization = Literal["VV", "VH", "HH", "HV", "VV+VH", "HH+HV"]
# Upper bounds of counts and spans: far above any real project (Sentinel-1 has acquired a track
# about 700 times since 2014), low enough that no later arithmetic overflows (docs/cli.md: errors
# name the key, never "internal error").
MAX_DATES = 10_000
MAX_DAYS = 10_000
MAX_RESULTS = 1_000_000
MAX_BPERP = 10_000  # metres; Sentinel-1's orbital tube keeps baselines within a few hundred
MAX_BRIDGE_TOLERANCE = 365
DatePair = tuple[date, date]


# --------------------------------------------------------------------------- [project]


class ProjectSection(Section):
    """[project]: who this project is."""

    name: str = Field(
        description="Project name, required: 1 to 100 characters of letters, digits, '.', '_' or '-'. "
        "It becomes the HyP3 job name of every job of this project, so keep it unique per HyP3 account."
    )

    @field_validator("name")
    @classmethod
    def _safe_name(cls, value: str) -> str:
        if not PROJECT_NAME_RE.match(value):
            raise FieldProblem(
                f"{format_value(value)} is not a valid project name",
                hint="use 1 to 100 characters of letters, digits, '.', '_' or '-' "
                "(it becomes the HyP3 job name of every job)",
            )
        return value


# --------------------------------------------------------------------------- [aoi]


class AoiConfig(Section):
    """[aoi]: the area of interest, as exactly one of bbox, wkt or file."""

    bbox: list[float] | None = Field(
        None,
        description="Bounding box [west, south, east, north] in degrees (EPSG:4326), e.g. "
        "[-117.9, 35.5, -117.3, 35.9]; west < east (no antimeridian crossing), south < north. "
        "Set exactly one of bbox, wkt or file; no default.",
    )
    wkt: str | None = Field(
        None,
        description="AOI as a WKT Polygon or MultiPolygon in lon/lat degrees, e.g. "
        '"POLYGON((-117.9 35.5, -117.3 35.5, -117.3 35.9, -117.9 35.9, -117.9 35.5))"; must be valid, '
        "have an area and span at most 180° of longitude. Set exactly one of bbox, wkt or file; no default.",
    )
    file: str | None = Field(
        None,
        description="Path of a GeoJSON file (FeatureCollection, Feature or geometry; several features are "
        'merged) relative to the project folder or absolute, e.g. "aoi.geojson". '
        "Set exactly one of bbox, wkt or file; no default.",
    )
    _geometry: Any = PrivateAttr(default=None)
    _geometry_root: Path | None = PrivateAttr(default=None)

    @field_validator("bbox")
    @classmethod
    def _check_bbox(cls, value: list[float] | None) -> list[float] | None:
        from insarproj.config.aoi import check_bbox

        if value is not None:
            try:
                check_bbox(value)
            except FieldProblem as problem:
                # The field validator's location already ends in "bbox".
                raise FieldProblem(problem.message, key=problem.key[1:], hint=problem.hint) from None
        return value

    @model_validator(mode="after")
    def _one_form(self, info: ValidationInfo) -> AoiConfig:
        given = [name for name in ("bbox", "wkt", "file") if getattr(self, name) is not None]
        if not given:
            raise FieldProblem(
                "no area of interest is set",
                hint="set one of bbox = [west, south, east, north], "
                'wkt = "POLYGON(...)" or file = "aoi.geojson"',
            )
        if len(given) > 1:
            raise FieldProblem(
                f"both `{given[0]}` and `{given[1]}` are set",
                key=(given[1],),
                hint="keep exactly one of bbox, wkt or file",
            )
        if self.wkt is not None:
            self.geometry(Path("."))
        root = (info.context or {}).get("project_root")
        if self.file is not None and root is not None:
            self.geometry(Path(root))
        return self

    def geometry(self, project_root: Path) -> BaseGeometry:
        """The AOI as a shapely geometry in lon/lat (a GeoJSON file is read relative to ``project_root``).

        Raises FieldProblem when the geometry is not usable; cached per project root.
        """
        from insarproj.config.aoi import bbox_geometry, geojson_geometry, wkt_geometry

        root = Path(project_root)
        if self._geometry is not None and (self.file is None or self._geometry_root == root):
            return self._geometry
        if self.bbox is not None:
            geometry = bbox_geometry(self.bbox)
        elif self.wkt is not None:
            geometry = wkt_geometry(self.wkt)
        elif self.file is not None:
            path = Path(self.file).expanduser()
            geometry = geojson_geometry(path if path.is_absolute() else root / path, shown_as=self.file)
        else:
            raise FieldProblem("no area of interest is set", hint="set one of bbox, wkt or file")
        self._geometry = geometry
        self._geometry_root = root
        return geometry


# --------------------------------------------------------------------------- [search]


class SearchConfig(Section):
    """[search]: which Sentinel-1 acquisitions the project uses."""

    # The rule of _frames_only_for_scenes, for editors (merged with Section's config).
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"product": {"const": "BURST"}}, "required": ["product"]},
            "then": {"not": {"required": ["frames"]}},
        }
    )

    start: date = Field(
        description="First acquisition date, inclusive, as a TOML date (2021-01-01); required."
    )
    end: date = Field(
        description="Last acquisition date, inclusive, as a TOML date (2021-12-31); required; "
        "not before start."
    )
    product: Literal["SLC", "BURST"] = Field(
        "SLC",
        description='"SLC" (whole IW scenes; for INSAR_GAMMA and ISCE2) or "BURST" (single bursts; for '
        'INSAR_ISCE_BURST / INSAR_ISCE_MULTI_BURST). Default "SLC".',
    )
    beam_mode: Literal["IW", "EW", "SM"] = Field(
        "IW", description='Beam mode: "IW", "EW" or "SM". Default "IW".'
    )
    polarization: list[Polarization] = Field(
        ["VV+VH"],
        min_length=1,
        description="A scene is kept when its polarization is one of these: "
        '"VV", "VH", "HH", "HV", "VV+VH", "HH+HV". Default ["VV+VH"].',
    )
    flight_direction: Literal["ASCENDING", "DESCENDING"] | None = Field(
        None, description='Optional: "ASCENDING" or "DESCENDING". Default: both.'
    )
    relative_orbits: list[Annotated[int, Field(ge=1, le=175)]] | None = Field(
        None, description="Optional: relative orbits (tracks) to keep, each 1..175, e.g. [64]. Default: all."
    )
    frames: list[Annotated[int, Field(ge=0, le=1500)]] | None = Field(
        None,
        description="Optional: ASF frame numbers to keep (asf_search frameNumber), each 0..1500. "
        "Frames drift between dates, so they filter but never split a stack. Default: all.",
    )
    season: list[Annotated[int, Field(ge=1, le=12)]] | None = Field(
        None,
        description="Optional: months to keep, each 1..12 without duplicates, e.g. [5, 6, 7, 8, 9]. "
        "Default: every month.",
    )
    min_coverage: float | None = Field(
        None,
        gt=0,
        le=1,
        allow_inf_nan=False,
        description="Optional: share of the AOI (above 0, at most 1) a date must cover, "
        "else the date is dropped. "
        "A date is judged on what the processor uses: the union of its scenes, or for processors taking "
        "one scene per date (INSAR_GAMMA) that scene alone. Default: no minimum.",
    )
    min_scenes: int | None = Field(
        None,
        ge=2,
        le=MAX_DATES,
        description=f"Optional: drop stacks with fewer dates than this (2..{MAX_DATES:,}). "
        "Default: no minimum.",
    )
    exclude_dates: list[date] = Field(
        [], description="Acquisition dates to leave out, as TOML dates, e.g. [2021-07-04]. Default []."
    )
    exclude_scenes: list[str] = Field(
        [],
        description="Scene (or burst) names to leave out, e.g. "
        '["S1A_IW_SLC__1SDV_20210704T135937_20210704T140004_038634_048F0B_0F63"]. Default [].',
    )
    source: Literal["asf", "cdse"] = Field(
        "asf",
        description='Where scenes are searched and downloaded: "asf" (NASA CMR + ASF) or "cdse" (the '
        'Copernicus Data Space Ecosystem\'s OData catalogue, docs/cdse.md). With "cdse": no frames, '
        'and BURST not with processor "hyp3". Default "asf".',
    )
    max_results: int | None = Field(
        None,
        ge=1,
        le=MAX_RESULTS,
        description=f"Optional safety cap (1..{MAX_RESULTS:,}): "
        "stop with an error naming how many scenes the "
        "search finds when they are more than this; nothing is planned from a cut list. Default: no cap.",
    )

    @field_validator("season")
    @classmethod
    def _unique_months(cls, value: list[int] | None) -> list[int] | None:
        if value is not None:
            for index, month in enumerate(value):
                if month in value[:index]:
                    raise FieldProblem(
                        f"month {month} is listed twice", key=(index,), hint="list each month 1..12 once"
                    )
        return value

    @field_validator("exclude_scenes")
    @classmethod
    def _scene_names(cls, value: list[str]) -> list[str]:
        for index, name in enumerate(value):
            if not is_granule_name(name):
                raise FieldProblem(
                    f"{format_value(name)} is not a Sentinel-1 scene or burst name",
                    key=(index,),
                    hint="use the full name, e.g. "
                    "S1A_IW_SLC__1SDV_20210704T135937_20210704T140004_038634_048F0B_0F63 "
                    "or S1_136231_IW2_20200604T022312_VV_7C85-BURST (no .zip, no -SLC suffix)",
                )
        return value

    @model_validator(mode="after")
    def _end_after_start(self) -> SearchConfig:
        if self.end < self.start:
            raise FieldProblem(
                f"end {self.end} is before start {self.start}",
                key=("end",),
                hint="set end on or after start (both are inclusive)",
            )
        return self

    @model_validator(mode="after")
    def _frames_only_for_scenes(self) -> SearchConfig:
        if self.product == "BURST" and self.frames:
            raise FieldProblem(
                "frames are ASF frame numbers of SLC scenes and bursts carry none",
                key=("frames",),
                hint='remove frames, or search product = "SLC"',
            )
        return self

    @model_validator(mode="after")
    def _cdse_limits(self) -> SearchConfig:
        """What source = "cdse" cannot do (docs/cdse.md): ASF frames, and bursts (not yet)."""
        if self.source != "cdse":
            return self
        if self.frames:
            raise FieldProblem(
                "frames are ASF frame numbers and the Copernicus Data Space catalogue has none",
                key=("frames",),
                hint='remove frames (relative_orbits and the AOI select the scenes), or set source = "asf"',
            )
        return self


# --------------------------------------------------------------------------- [pairs]


def _parse_date(value: Any) -> date | None:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _parse_pairs(value: Any) -> Any:
    """Turn ``[["2021-01-02", "2021-01-14"], ...]`` (strings or TOML dates) into date tuples."""
    if not isinstance(value, list):
        return value
    pairs: list[DatePair] = []
    for index, item in enumerate(value):
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise FieldProblem(
                f"{format_value(item)} is not a pair of dates",
                key=(index,),
                hint='write each pair as ["2021-01-02", "2021-01-14"] (earlier date first)',
            )
        dates: list[date] = []
        for position, raw in enumerate(item):
            parsed = _parse_date(raw)
            if parsed is None:
                raise FieldProblem(
                    f"{format_value(raw)} is not a date",
                    key=(index, position),
                    hint='write dates as "YYYY-MM-DD" strings or TOML dates, '
                    'e.g. ["2021-01-02", "2021-01-14"]',
                )
            dates.append(parsed)
        first, second = dates
        if first == second:
            raise FieldProblem(
                f"both dates of the pair are {first}",
                key=(index,),
                hint="a pair needs two different dates, the earlier first",
            )
        if first > second:
            raise FieldProblem(
                f"the pair [{first}, {second}] is in reverse order",
                key=(index,),
                hint=f'write the earlier date first: ["{second}", "{first}"]',
            )
        pairs.append((first, second))
    return pairs


class PairsConfig(Section):
    """[pairs]: how dates of a stack are paired into interferograms."""

    method: Literal["sbas", "sequential", "all-within", "explicit"] = Field(
        "sbas",
        description='"sbas": each date pairs with up to `neighbors` following dates within the baselines; '
        '"sequential": each date with the next `neighbors` dates; "all-within": every pair within the '
        'baselines; "explicit": exactly the dates of `pairs`. Default "sbas".',
    )
    neighbors: int = Field(
        3,
        ge=1,
        le=MAX_DATES,
        description=f"sbas/sequential: following dates each date pairs with (1..{MAX_DATES:,}). Default 3.",
    )
    max_temporal_baseline: int | None = Field(
        48,
        gt=0,
        le=MAX_DAYS,
        description=f"Longest time between the two dates of a pair, in days (1..{MAX_DAYS:,}). Default 48.",
    )
    max_perpendicular_baseline: float | None = Field(
        None,
        gt=0,
        le=MAX_BPERP,
        allow_inf_nan=False,
        description=f"Optional: largest perpendicular baseline of a pair, in metres (above 0, at most "
        f"{MAX_BPERP:,}). Default: no limit.",
    )
    bridges: list[Annotated[int, Field(gt=0, le=MAX_DAYS)]] = Field(
        [],
        description="Seasonal bridges: extra pairs with these temporal baselines in days "
        f"(1..{MAX_DAYS:,}), e.g. [365]; each date pairs with the date nearest that far ahead, "
        "within bridge_tolerance. Default [].",
    )
    bridge_tolerance: int = Field(
        24,
        ge=0,
        le=MAX_BRIDGE_TOLERANCE,
        description=f"How far (days, 0..{MAX_BRIDGE_TOLERANCE}) a bridge partner may be from the exact "
        "baseline. Default 24.",
    )
    pairs: list[DatePair] = Field(
        [],
        description='With method = "explicit" (required there, and only there): the pairs to make, e.g. '
        '[["2021-01-02", "2021-01-14"]]; dates as "YYYY-MM-DD" strings or TOML dates, earlier first. '
        "Default [].",
    )
    exclude_pairs: list[DatePair] = Field(
        [],
        description='Pairs to remove from the network, e.g. [["2021-01-02", "2021-01-14"]]; earlier date '
        "first. Default [].",
    )
    include_pairs: list[DatePair] = Field(
        [],
        description='Pairs to add to the network, e.g. [["2021-01-02", "2021-03-03"]]; earlier date first. '
        "Default [].",
    )

    @field_validator("pairs", "exclude_pairs", "include_pairs", mode="before")
    @classmethod
    def _dates_of_pairs(cls, value: Any) -> Any:
        return _parse_pairs(value)

    @model_validator(mode="after")
    def _explicit_needs_pairs(self) -> PairsConfig:
        if self.method == "explicit" and not self.pairs:
            raise FieldProblem(
                'method = "explicit" needs the list of pairs',
                key=("pairs",),
                hint='add pairs = [["2021-01-02", "2021-01-14"], ...] to [pairs]',
            )
        if self.method != "explicit" and self.pairs:
            raise FieldProblem(
                f'`pairs` is only used with method = "explicit", but method = "{self.method}"',
                key=("pairs",),
                hint='set method = "explicit", or use include_pairs to add pairs to the generated network',
            )
        return self


# --------------------------------------------------------------------------- [orbits], [dem]


class OrbitsConfig(Section):
    """[orbits]: precise orbit files."""

    enabled: bool | None = Field(
        None,
        description="Download precise orbit files (true/false). "
        "Default: true for processors isce and download, "
        "false for hyp3 (HyP3 fetches its own).",
    )
    require_precise: bool | None = Field(
        None,
        description="Hold a date out of its stack until every scene of it has a precise orbit (POEORB) "
        "instead of using a restituted one (RESORB), so the stack is not remade when the POEORB arrives "
        "(true/false). Default: true for processor isce, false otherwise.",
    )
    source: Literal["asf", "cdse"] | None = Field(
        None,
        description='Where orbit files come from: "asf" (the public s1-orbits bucket) or "cdse" (the '
        "Copernicus Data Space catalogue, with your CDSE credentials). Default: the [search] source, "
        "so a project depends on one service.",
    )


class DemConfig(Section):
    """[dem]: the Copernicus DEM over each stack."""

    enabled: bool | None = Field(
        None,
        description="Make a DEM over each stack (true/false). "
        "Default: true for processors isce and download, "
        "false for hyp3 (use include_dem to get HyP3's).",
    )


# --------------------------------------------------------------------------- [mintpy]

MINTPY_KEY_RE = re.compile(r"^mintpy\.[A-Za-z0-9_.]+$")
# The MintPy load keys insarproj writes itself (docs/mintpy.md): extra keys may not override them,
# or the hand-off would point MintPy at files it does not check.
MINTPY_MANAGED_PREFIXES = ("mintpy.load.",)
# HyP3 INSAR_GAMMA products carry the DEM and look vectors only when asked (docs/mintpy.md).
GAMMA_MINTPY_FLAGS = ("include_dem", "include_look_vectors")


class MintpyConfig(Section):
    """[mintpy]: the hand-off of each stack's interferograms to MintPy (docs/mintpy.md)."""

    enabled: bool = Field(
        False,
        description="Prepare a MintPy hand-off per stack in data/mintpy/<stack>/: insarproj.cfg, MintPy's "
        "custom template, with the products clipped to one grid (hyp3) or pointing at the topsStack "
        "stack (isce) (true/false). Default false.",
    )
    clip: Literal["common", "aoi"] = Field(
        "common",
        description='"common": clip every product to the stack\'s common overlap; "aoi": to the common '
        'overlap intersected with the AOI. Default "common".',
    )
    reference_point: list[float] | None = Field(
        None,
        description="Optional: MintPy's reference point as [lat, lon] in degrees (mintpy.reference.lalo), "
        "e.g. [35.8, -118.2]. Default: MintPy chooses.",
    )
    run: bool = Field(
        False,
        description="Also run smallbaselineApp.py in each hand-off folder as the tracked resource "
        "mintpy_run.<stack>, re-run only when the hand-off changed (true/false). Default false.",
    )
    command: str = Field(
        "smallbaselineApp.py",
        description="MintPy's smallbaselineApp.py: a name on PATH or a path (relative to the project), "
        'e.g. "/opt/mintpy-venv/bin/smallbaselineApp.py" for MintPy in its own environment. '
        'Default "smallbaselineApp.py".',
    )
    run_through: Literal["velocity", "geocode", "google_earth", "hdfeos5"] = Field(
        "velocity",
        description="The last smallbaselineApp.py step a run makes (its --end); timeseries.h5 and "
        'velocity.h5 are recorded either way. Default "velocity".',
    )
    options: dict[str, str | int | float | bool] = Field(
        {},
        description="Extra MintPy template keys written verbatim into insarproj.cfg, e.g. "
        '{ "mintpy.troposphericDelay.method" = "no" }; each key starts with "mintpy." and is not a '
        "mintpy.load.* key (insarproj writes those). Default {}.",
    )

    @field_validator("reference_point")
    @classmethod
    def _lat_lon(cls, value: list[float] | None) -> list[float] | None:
        if value is None:
            return None
        if len(value) != 2:
            raise FieldProblem(
                f"{format_value(value)} is not a [lat, lon] pair", hint="write it as [35.8, -118.2]"
            )
        lat, lon = value
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or any(v != v for v in value):
            raise FieldProblem(
                f"{format_value(value)} is not a [lat, lon] in degrees",
                hint="latitude comes first (-90..90), then longitude (-180..180)",
            )
        return value

    @field_validator("options")
    @classmethod
    def _mintpy_keys(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key, item in value.items():
            if not MINTPY_KEY_RE.match(key):
                raise FieldProblem(
                    f"{format_value(key)} is not a MintPy option",
                    key=(key,),
                    hint='use smallbaselineApp.cfg names, e.g. "mintpy.network.coherenceBased"',
                )
            if key.startswith(MINTPY_MANAGED_PREFIXES):
                raise FieldProblem(
                    f"{key} is written by insarproj from the products it checked",
                    key=(key,),
                    hint="remove it (docs/mintpy.md lists the load keys the hand-off writes)",
                )
            if isinstance(item, str) and ("\n" in item or "\r" in item):
                raise FieldProblem(
                    f"the value of {key} spans several lines", key=(key,), hint="write it on one line"
                )
        return value


# --------------------------------------------------------------------------- [download], [paths], [endpoints]


class DownloadConfig(Section):
    """[download]: how files are fetched."""

    concurrency: int = Field(4, ge=1, le=32, description="Parallel downloads, 1..32. Default 4.")
    scenes: bool = Field(
        False,
        description="With processor hyp3: also download the SLC scenes (true/false). Default false "
        "(isce and download always download them).",
    )
    retries: int = Field(
        5, ge=0, le=20, description="Retries per file after a network error, 0..20. Default 5."
    )


class PathsConfig(Section):
    """[paths]: where data lives."""

    data: str = Field(
        "data",
        min_length=1,
        description='Data folder, relative to the project folder or absolute ("~" is expanded), e.g. a '
        'scratch file system. Default "data".',
    )
    cache: str | None = Field(
        None,
        min_length=1,
        description="Optional: folder of verified files shared by projects, adopted by checksum, e.g. "
        '"~/.cache/insarproj". Default: no shared cache.',
    )


def _endpoint(description: str, default: str) -> Any:
    return Field(
        None,
        description=f"{description} (an http(s) URL). Default {default}; the environment variable wins.",
    )


class EndpointsConfig(Section):
    """[endpoints]: service URLs (docs/endpoints.md); INSARPROJ_*_URL environment variables override them."""

    cmr: str | None = _endpoint("NASA CMR search", "https://cmr.earthdata.nasa.gov; INSARPROJ_CMR_URL")
    urs: str | None = _endpoint("Earthdata login", "https://urs.earthdata.nasa.gov; INSARPROJ_URS_URL")
    hyp3: str | None = _endpoint("HyP3 API", "https://hyp3-api.asf.alaska.edu; INSARPROJ_HYP3_URL")
    orbits: str | None = _endpoint(
        "Orbit file bucket", "https://s1-orbits.s3.amazonaws.com; INSARPROJ_ORBITS_URL"
    )
    cdse: str | None = _endpoint(
        "Copernicus Data Space catalogue", "https://catalogue.dataspace.copernicus.eu; INSARPROJ_CDSE_URL"
    )
    cdse_identity: str | None = _endpoint(
        "Copernicus Data Space token service",
        "https://identity.dataspace.copernicus.eu; INSARPROJ_CDSE_IDENTITY_URL",
    )
    cdse_download: str | None = _endpoint(
        "Copernicus Data Space download host (the only host that gets the CDSE token)",
        "https://zipper.dataspace.copernicus.eu; INSARPROJ_CDSE_DOWNLOAD_URL",
    )
    dem: str | None = _endpoint(
        "Copernicus GLO-30 tiles", "https://copernicus-dem-30m.s3.amazonaws.com; INSARPROJ_DEM_URL"
    )
    dem90: str | None = _endpoint(
        "Copernicus GLO-90 tiles", "https://copernicus-dem-90m.s3.amazonaws.com; INSARPROJ_DEM90_URL"
    )
    geoid: str | None = Field(
        None,
        description="EGM2008 geoid file, an http(s) URL or a local path. Default dem_stitcher's file; "
        "INSARPROJ_GEOID_URL wins.",
    )

    @field_validator(
        "cmr", "urs", "hyp3", "orbits", "cdse", "cdse_identity", "cdse_download", "dem", "dem90", "geoid"
    )
    @classmethod
    def _http_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        parsed = urlparse(value)
        if info.field_name == "geoid" and "://" not in value:
            return value  # a local path
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            local = " or a local path" if info.field_name == "geoid" else ""
            raise FieldProblem(
                f"{format_value(value)} is not an http(s) URL",
                hint=f"write a URL like https://host[:port][/path]{local}",
            )
        return value.rstrip("/")


# --------------------------------------------------------------------------- the whole file

_PROCESSORS_WITH_LOCAL_DATA = ("isce", "download")


class ProjectConfig(Section):
    """project.toml: what an insarproj project folder should contain."""

    model_config = ConfigDict(title="insarproj project.toml")  # merged with Section's config

    project: ProjectSection = Field(description="[project]: the project's name; required.")
    aoi: AoiConfig = Field(description="[aoi]: the area of interest (bbox, wkt or file); required.")
    search: SearchConfig = Field(
        description="[search]: dates and filters of the Sentinel-1 search; required."
    )
    # The tables left out are validated from {} like any other; a factory spelled as the class would
    # read to type checkers as a call missing every field (they take a positional Field default for
    # a required field).
    pairs: PairsConfig = Field(
        default_factory=lambda: PairsConfig.model_validate({}),
        description='[pairs]: the pairing of dates. Default: method = "sbas".',
    )
    orbits: OrbitsConfig = Field(
        default_factory=lambda: OrbitsConfig.model_validate({}),
        description="[orbits]: precise orbit files. Default: by processor.",
    )
    dem: DemConfig = Field(
        default_factory=lambda: DemConfig.model_validate({}),
        description="[dem]: the DEM of each stack. Default: by processor.",
    )
    processor: ProcessorConfig = Field(
        description='[processor]: kind = "hyp3", "isce", "download" or "aria"; required.'
    )
    mintpy: MintpyConfig = Field(
        default_factory=lambda: MintpyConfig.model_validate({}),
        description="[mintpy]: the MintPy hand-off of each stack. Default: off.",
    )
    download: DownloadConfig = Field(
        default_factory=lambda: DownloadConfig.model_validate({}),
        description="[download]: fetching files. Default: 4 at a time, 5 retries.",
    )
    paths: PathsConfig = Field(
        default_factory=lambda: PathsConfig.model_validate({}),
        description='[paths]: where data lives. Default: data = "data".',
    )
    endpoints: EndpointsConfig = Field(
        default_factory=lambda: EndpointsConfig.model_validate({}),
        description="[endpoints]: service URL overrides. Default: the real services, or INSARPROJ_*_URL.",
    )

    @model_validator(mode="after")
    def _product_fits_processor(self) -> ProjectConfig:
        product = self.search.product
        if self.processor.kind == "hyp3" and self.processor.hyp3 is not None:
            job_type = self.processor.hyp3.job_type
            wanted = load_job_spec(job_type).input_product
            if product != wanted:
                fitting = [t for t in pair_job_types() if load_job_spec(t).input_product == product]
                raise FieldProblem(
                    f'product = "{product}" does not fit job_type = "{job_type}", '
                    f"which takes {wanted} granules",
                    key=("search", "product"),
                    hint=f'set product = "{wanted}"'
                    + (f', or job_type = "{fitting[0]}" in [processor.hyp3]' if fitting else ""),
                )
        if self.processor.kind == "isce" and product != "SLC":
            raise FieldProblem(
                f'product = "{product}" does not fit processor kind = "isce"',
                key=("search", "product"),
                hint='ISCE2 topsStack processes whole scenes: set product = "SLC"',
            )
        return self

    @model_validator(mode="after")
    def _cdse_bursts_not_for_hyp3(self) -> ProjectConfig:
        """HyP3 burst jobs read ASF's burst archive, never CDSE's extracted bursts (docs/cdse.md)."""
        if self.search.source == "cdse" and self.search.product == "BURST" and self.processor.kind == "hyp3":
            raise FieldProblem(
                'source = "cdse" with product = "BURST" cannot feed processor "hyp3": HyP3 burst jobs read '
                "ASF's burst archive",
                key=("search", "source"),
                hint='set source = "asf" (HyP3 needs no download), or processor kind = "download"',
            )
        return self

    @model_validator(mode="after")
    def _mintpy_layers_ordered(self) -> ProjectConfig:
        """MintPy needs the DEM and look vectors of one product per stack; INSAR_GAMMA products hold
        them only when the jobs ask, and asking later replaces every job (docs/mintpy.md)."""
        hyp3 = self.processor.hyp3
        if not self.mintpy.enabled or self.processor.kind != "hyp3" or hyp3 is None:
            return self
        if hyp3.job_type != "INSAR_GAMMA":
            return self  # burst products always carry the DEM and look vectors
        parameters = hyp3.job_parameters()
        missing = [flag for flag in GAMMA_MINTPY_FLAGS if parameters.get(flag) is not True]
        if missing:
            raise FieldProblem(
                "MintPy needs the DEM and look vectors (incidence and azimuth angles), and INSAR_GAMMA "
                f"products hold them only with {' and '.join(f'{f} = true' for f in missing)}",
                key=("mintpy", "enabled"),
                hint=f"set {', '.join(f'{f} = true' for f in missing)} in [processor.hyp3] (jobs already "
                "submitted without them are then replaced, each at full cost), or set enabled = false",
            )
        return self

    @property
    def orbits_enabled(self) -> bool:
        """[orbits] enabled, or its default for the processor (on for isce and download, off for hyp3)."""
        if self.orbits.enabled is not None:
            return self.orbits.enabled
        return self.processor.kind in _PROCESSORS_WITH_LOCAL_DATA

    @property
    def orbits_source(self) -> str:
        """[orbits] source, or its default: the [search] source (docs/orbits.md)."""
        return self.orbits.source or self.search.source

    @property
    def dem_enabled(self) -> bool:
        """[dem] enabled, or its default for the processor (on for isce and download, off for hyp3)."""
        if self.dem.enabled is not None:
            return self.dem.enabled
        return self.processor.kind in _PROCESSORS_WITH_LOCAL_DATA


class _TomlJsonSchema(GenerateJsonSchema):
    """JSON Schema for a TOML file: TOML has no null, so optional keys are simply absent."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        json_schema = super().default_schema(schema)
        if "default" in json_schema and json_schema["default"] is None:
            del json_schema["default"]
        return json_schema


def project_json_schema() -> dict[str, Any]:
    """The JSON Schema of project.toml (what ``schemas/project.schema.json`` holds)."""
    schema = ProjectConfig.model_json_schema(schema_generator=_TomlJsonSchema)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "insarproj project.toml",
        **{k: v for k, v in schema.items() if k != "title"},
    }
