"""The sandbox's HyP3 InSAR products: their names, zip layout and contents (docs/sandbox.md).

Everything a product holds is built from real recorded material shipped under
``insarproj/data/sandbox/hyp3/`` (see its README.md):

* INSAR_GAMMA: the member list is the real layout (``product_layout.INSAR_GAMMA.json``: always-present
  files plus those the ``include_*`` parameters add); the geocoded rasters are synthetic 64×64
  GeoTIFFs with a known deformation (``synthetic.py``: each pair's own window, look vectors of its
  pass direction, a 0/1 water mask), the browse images hyp3-gamma's samples; ``{name}.txt``
  keeps the key order of the real parameter file with values computed from the two catalog scenes
  (orbit numbers, pass direction, perpendicular baseline, heading, slant ranges from the sandbox's
  orbit model);
  ``{name}.README.md.txt`` is hyp3-gamma's real README template filled in.
* INSAR_ISCE_BURST / INSAR_ISCE_MULTI_BURST: the files of hyp3-docs' burst product guide (Tables 2
  and 3), the ``.txt`` in the key order of hyp3-isce2's real parameter files.

Names follow hyp3-gamma / hyp3-isce2 with one difference: the last 4 hex digits, random in HyP3,
are derived from the job id here, so a product is the same bytes every time it is built.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import math
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any

from insarproj.sandbox.catalog import SUBSWATH_SPAN, Burst, Granule
from insarproj.sandbox.orbit import EARTH_RADIUS, bearing, lat_lon
from insarproj.sandbox.synthetic import PairScene, aoi_coverage, geotiff
from insarproj.sandbox.synthetic import layers as synthetic_layers
from insarproj.sandbox.synthetic import reference_point as synthetic_reference_point

if TYPE_CHECKING:
    from insarproj.sandbox.catalog import Catalog

__all__ = [
    "INSAR_JOB_TYPES",
    "Product",
    "ProductJob",
    "build_product",
    "processing_problem",
    "product_id",
    "product_name",
]

GAMMA = "INSAR_GAMMA"
BURST = "INSAR_ISCE_BURST"
MULTI_BURST = "INSAR_ISCE_MULTI_BURST"
INSAR_JOB_TYPES: tuple[str, ...] = (GAMMA, BURST, MULTI_BURST)

LOOKS: dict[str, tuple[int, int]] = {"20x4": (20, 4), "10x2": (10, 2), "5x1": (5, 1)}  # (range, azimuth)
PRECISE_ORBIT_DELAY = timedelta(days=21)  # POEORB files appear about three weeks after acquisition
AZIMUTH_TIME_INTERVAL = 0.002055556  # s per IW SLC line
RANGE_PIXEL = 2.329562  # m, IW SLC slant-range pixel spacing
WGS84_A, WGS84_B = 6378137.0, 6356752.314245

# What each raster is (hyp3-docs insar_product_guide and burst_insar_product_guide, Table 2).
DESCRIPTIONS: dict[str, str] = {
    "_amp.tif": "Amplitude",
    "_corr.tif": "Normalized coherence file",
    "_unw_phase.tif": "Unwrapped geocoded interferogram",
    "_wrapped_phase.tif": "Wrapped geocoded interferogram",
    "_los_disp.tif": "Line-of-sight displacement",
    "_vert_disp.tif": "Vertical displacement",
    "_lv_phi.tif": "Look vector φ (orientation)",
    "_lv_theta.tif": "Look vector θ (elevation)",
    "_dem.tif": "Digital elevation model",
    "_inc_map_ell.tif": "Ellipsoid incidence angle",
    "_inc_map.tif": "Local incidence angle",
    "_water_mask.tif": "Water mask",
    "_color_phase.kmz": "Wrapped phase kmz file",
    "_unw_phase.kmz": "Unwrapped phase kmz file",
    "_color_phase.png": "Wrapped phase browse image",
    "_unw_phase.png": "Unwrapped phase browse image",
    "_conncomp.tif": "Connected Components",
    "_lat_rdr.tif": "Range-Doppler latitude coordinates",
    "_lon_rdr.tif": "Range-Doppler longitude coordinates",
    "_los_rdr.tif": "Range-Doppler look vectors",
    "_wrapped_phase_rdr.tif": "Wrapped Range-Doppler interferogram",
    ".README.md.txt": "Main README file",
    ".txt": "Parameters and metadata for the InSAR pair",
}

# Burst products (burst_insar_product_guide Tables 2 and 3); single-burst products add the
# range-Doppler files, which multi-burst products leave out.
BURST_FILES: tuple[str, ...] = (
    "_conncomp.tif", "_corr.tif", "_unw_phase.tif", "_wrapped_phase.tif", "_lv_phi.tif", "_lv_theta.tif",
    "_dem.tif", "_water_mask.tif", "_unw_phase.png", ".README.md.txt", ".txt",
)  # fmt: skip
SINGLE_BURST_FILES: tuple[str, ...] = (
    "_lat_rdr.tif", "_lon_rdr.tif", "_los_rdr.tif", "_wrapped_phase_rdr.tif",
)  # fmt: skip

# Rasters of burst products that differ from the GAMMA samples (derived files, see the data README).
BURST_RASTERS: dict[str, str] = {
    "_conncomp.tif": "burst_conncomp.tif",
    "_water_mask.tif": "burst_water_mask.tif",
    "_lat_rdr.tif": "burst_lat_rdr.tif",
    "_lon_rdr.tif": "burst_lon_rdr.tif",
    "_los_rdr.tif": "burst_los_rdr.tif",
    "_wrapped_phase_rdr.tif": "burst_wrapped_phase_rdr.tif",
}

PARAMETER_TEMPLATES: dict[str, str] = {
    GAMMA: "INSAR_GAMMA.parameter_file.docs_values.txt",
    BURST: "hyp3-isce2.single_burst.test_packaging_expected.txt",
    MULTI_BURST: "hyp3-isce2.SLC_pair.test_packaging_expected.txt",
}

# Who made a GAMMA product, as its README says (hyp3-gamma v9.0.5 is the snapshot the layout comes
# from; the GAMMA release is the one named in the real README example).
GAMMA_SOFTWARE = {
    "plugin_name": "hyp3_gamma",
    "plugin_version": "9.0.5",
    "processor_name": "GAMMA",
    "processor_version": "20191203",
}
ISCE_SOFTWARE = {"plugin_name": "hyp3_isce2", "plugin_version": "4.1.3", "processor_name": "ISCE2"}
DEM_NAME = "GLO-30"


# -- package data --------------------------------------------------------------------------------
def _data(*parts: str) -> Traversable:
    return resources.files("insarproj.data").joinpath("sandbox", "hyp3", *parts)


@functools.cache
def data_bytes(*parts: str) -> bytes:
    """A package data file of the HyP3 stand-in, read once."""
    return _data(*parts).read_bytes()


@functools.cache
def _layout() -> dict[str, Any]:
    return json.loads(data_bytes("product_layout.INSAR_GAMMA.json"))


@functools.cache
def sample_grid() -> dict[str, Any]:
    """Where the sample rasters lie (UTM zone, reference point, WGS84 bounds): see the data README."""
    return json.loads(data_bytes("sample_grid.json"))


# -- the job a product is made for ------------------------------------------------------------------
@dataclass(frozen=True)
class ProductJob:
    """What processing needs from a job: its parameters (defaults merged) and the catalog granules.

    ``reference``/``secondary`` are in processing order: for INSAR_GAMMA and INSAR_ISCE_BURST the
    earlier granule is the reference whatever order the request gave (hyp3-gamma and hyp3-isce2 sort
    them); multi-burst jobs keep the lists as given (HyP3's validator made sure of their order).
    """

    job_id: str
    job_type: str
    parameters: Mapping[str, Any]
    reference: tuple[Granule, ...]
    secondary: tuple[Granule, ...]
    processed: datetime  # when processing finished (UTC)

    @classmethod
    def from_parameters(
        cls,
        *,
        job_id: str,
        job_type: str,
        parameters: Mapping[str, Any],
        catalog: Catalog,
        processed: datetime,
    ) -> ProductJob:
        def lookup(names: Sequence[str]) -> tuple[Granule, ...]:
            found = []
            for name in names:
                granule = catalog.get(name)
                if granule is None:
                    raise ValueError(f"granule {name} of job {job_id} is not in the sandbox catalog")
                found.append(granule)
            return tuple(found)

        if job_type not in INSAR_JOB_TYPES:
            raise ValueError(f"the sandbox makes no {job_type} products")
        if job_type == MULTI_BURST:
            reference, secondary = lookup(parameters["reference"]), lookup(parameters["secondary"])
        else:
            first, second = sorted(lookup(parameters["granules"]), key=lambda g: g.start)
            reference, secondary = (first,), (second,)
        return cls(job_id, job_type, dict(parameters), reference, secondary, processed)

    @property
    def looks(self) -> tuple[int, int]:
        return LOOKS[str(self.parameters.get("looks", "20x4"))]

    @property
    def pixel_spacing(self) -> int:
        """Output pixel spacing in metres: 20 × azimuth looks (80, 40 or 20)."""
        return 20 * self.looks[1]

    @property
    def water_masked(self) -> bool:
        return self.parameters.get("apply_water_mask") is True


def product_id(job_id: str) -> str:
    """The 4-hex product id: random in HyP3, derived from the job id here (deterministic bytes)."""
    return hashlib.sha256(job_id.encode()).hexdigest()[:4].upper()


def _polarization(granule: Granule) -> str:
    if isinstance(granule, Burst):
        return granule.polarization
    return granule.name[15] * 2  # "1SDV" → VV (hyp3-gamma reads character 15 of each name)


def _orbit_letter(job: ProductJob) -> str:
    # the least precise orbit of the two scenes: precise orbits exist ~3 weeks after acquisition
    latest = max(g.stop for g in job.reference + job.secondary)
    return "P" if job.processed - latest >= PRECISE_ORBIT_DELAY else "R"


def product_name(job: ProductJob) -> str:
    """The product's name, as hyp3-gamma / hyp3-isce2 form it (hyp3-docs naming conventions)."""
    ref, sec = job.reference[0], job.secondary[0]
    hex4 = product_id(job.job_id)
    if job.job_type == GAMMA:
        days = round(abs((sec.start - ref.start).total_seconds()) / 86400)
        pol = ref.name[15] + sec.name[15]
        mask = "w" if job.water_masked else "u"
        platforms = ref.platform.letter + sec.platform.letter
        return (
            f"S1{platforms}_{ref.start:%Y%m%dT%H%M%S}_{sec.start:%Y%m%dT%H%M%S}"
            f"_{pol}{_orbit_letter(job)}{days:03d}_INT{job.pixel_spacing}_G_{mask}eF_{hex4}"
        )
    assert isinstance(ref, Burst)
    dates = f"{ref.start:%Y%m%d}_{sec.start:%Y%m%d}"
    if job.job_type == BURST:
        return f"S1_{ref.burst_id:06d}_{ref.swath}_{dates}_{ref.polarization}_INT{job.pixel_spacing}_{hex4}"
    groups = []
    for swath in ("IW1", "IW2", "IW3"):
        ids = sorted(g.burst_id for g in job.reference if isinstance(g, Burst) and g.swath == swath)
        groups.append(f"{ids[0] if ids else 0:06d}s{swath[-1]}n{len(ids):02d}")
    swaths = "-".join(groups)
    return f"S1_{ref.track.path:03d}_{swaths}_IW_{dates}_{ref.polarization}_INT{job.pixel_spacing}_{hex4}"


def processing_problem(job: ProductJob) -> str | None:
    """Why processing would fail on this pair although HyP3 accepted the job, or None.

    HyP3's validators check that granules exist and have DEM coverage (and the burst pairing
    rules), not that two SLCs share a track and a polarization: such jobs are accepted, charged
    and then fail in the container.
    """
    pairs = list(zip(job.reference, job.secondary, strict=True))
    for ref, sec in pairs:
        if ref.track.path != sec.track.path or ref.track.direction != sec.track.direction:
            return (
                f"{ref.name} (path {ref.track.path}, {ref.track.direction.lower()}) and {sec.name} "
                f"(path {sec.track.path}, {sec.track.direction.lower()}) are not on the same track; "
                "the scenes do not overlap in radar geometry and coregistration failed"
            )
        if _polarization(ref) != _polarization(sec):
            return f"{ref.name} and {sec.name} have different polarizations; cannot form an interferogram"
        if ref.acquisition is sec.acquisition:
            return f"{ref.name} and {sec.name} come from the same acquisition: the temporal baseline is zero"
    return None


# -- geometry of the parameter file ---------------------------------------------------------------
Vector = tuple[float, float, float]


def _sub(a: Vector, b: Vector) -> Vector:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def _dot(a: Vector, b: Vector) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _cross(a: Vector, b: Vector) -> Vector:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _scale(a: Vector, k: float) -> Vector:
    return (a[0] * k, a[1] * k, a[2] * k)


def _norm(a: Vector) -> float:
    return math.sqrt(_dot(a, a))


def _ellipsoid_radius(lat: float) -> float:
    phi = math.radians(lat)
    c, s = math.cos(phi), math.sin(phi)
    a2, b2 = WGS84_A**2, WGS84_B**2
    return math.sqrt(((a2 * c) ** 2 + (b2 * s) ** 2) / ((WGS84_A * c) ** 2 + (WGS84_B * s) ** 2))


def _sphere_point(lat: float, lon: float) -> Vector:
    phi, lam = math.radians(lat), math.radians(lon)
    return (
        EARTH_RADIUS * math.cos(phi) * math.cos(lam),
        EARTH_RADIUS * math.cos(phi) * math.sin(lam),
        EARTH_RADIUS * math.sin(phi),
    )


@dataclass(frozen=True)
class PairGeometry:
    utc_seconds: float  # seconds of day at the reference's centre
    heading: float  # degrees clockwise from north (GAMMA style: ascending passes negative)
    height: float  # spacecraft height above the ellipsoid at nadir, m
    earth_radius: float  # ellipsoid radius at nadir, m
    slant_near: float
    slant_center: float
    slant_far: float
    baseline: float  # perpendicular baseline, m
    lines: int  # multilooked lines of the reference
    pixels: int  # multilooked range pixels


def pair_geometry(job: ProductJob) -> PairGeometry:
    """Viewing geometry of the pair from the sandbox's orbit model, at the reference's centre."""
    ref, sec = job.reference[0], job.secondary[0]
    acq = ref.acquisition
    model, node = acq.track.grid.model, acq.track.node
    tau = (min(g.tau_start for g in job.reference) + max(g.tau_stop for g in job.reference)) / 2
    when = acq.time(tau)
    position = model.position(node, tau, acq.tube)
    lat, lon = lat_lon(position)
    heading = bearing(lat, lon, *lat_lon(model.position(node, tau + 1.0, acq.tube)))
    if heading > 270.0:
        heading -= 360.0
    r = _norm(position)
    radius = _ellipsoid_radius(lat)
    if job.job_type == GAMMA:
        near, far = 0.0, 1.0
    else:
        spans = [SUBSWATH_SPAN[g.swath] for g in job.reference if isinstance(g, Burst)]
        near, far = min(s[0] for s in spans), max(s[1] for s in spans)

    def ground(fraction: float) -> float:
        return model.near_range + fraction * (model.far_range - model.near_range)

    def slant(fraction: float) -> float:
        gamma = ground(fraction) / EARTH_RADIUS
        return math.sqrt(r * r + EARTH_RADIUS**2 - 2 * r * EARTH_RADIUS * math.cos(gamma))

    target = _sphere_point(*model.ground_point(node, tau, ground((near + far) / 2)))
    look = _sub(target, position)
    look = _scale(look, 1 / _norm(look))
    offset = _sub(model.position(node, tau, sec.acquisition.tube), position)
    perpendicular = _sub(offset, _scale(look, _dot(offset, look)))
    side = _dot(perpendicular, _cross(look, model.velocity(node, tau)))
    baseline = math.copysign(_norm(perpendicular), side)
    range_looks, azimuth_looks = job.looks
    duration = max(g.tau_stop for g in job.reference) - min(g.tau_start for g in job.reference)
    return PairGeometry(
        utc_seconds=when.hour * 3600 + when.minute * 60 + when.second + when.microsecond / 1e6,
        heading=heading,
        height=r - radius,
        earth_radius=radius,
        slant_near=slant(near),
        slant_center=slant((near + far) / 2),
        slant_far=slant(far),
        baseline=baseline,
        lines=max(1, round(duration / AZIMUTH_TIME_INTERVAL / azimuth_looks)),
        pixels=max(1, round((slant(far) - slant(near)) / RANGE_PIXEL / range_looks)),
    )


def _template_keys(job_type: str) -> list[str]:
    text = data_bytes("parameter_files", PARAMETER_TEMPLATES[job_type]).decode()
    return [line.split(":", 1)[0] for line in text.splitlines() if line.strip()]


def parameter_file(job: ProductJob) -> str:
    """``{name}.txt``: the keys of the real parameter file, in its order, with this pair's values."""
    geo = pair_geometry(job)
    ref, sec = job.reference[0], job.secondary[0]
    range_looks, azimuth_looks = job.looks
    point = synthetic_reference_point(pair_scene(job))  # inside the pair's own rasters
    gamma = job.job_type == GAMMA
    values: dict[str, Any] = {
        "Reference Granule": ",".join(g.name for g in job.reference),
        "Secondary Granule": ",".join(g.name for g in job.secondary),
        "Reference Pass Direction": ref.track.direction,
        "Reference Orbit Number": ref.acquisition.orbit,
        "Secondary Pass Direction": sec.track.direction,
        "Secondary Orbit Number": sec.acquisition.orbit,
        "Baseline": f"{geo.baseline:.4f}",
        "UTC time": f"{geo.utc_seconds:.6f}",
        "Heading": f"{geo.heading:.7f}",
        "Spacecraft height": f"{geo.height:.4f}",
        "Earth radius at nadir": f"{geo.earth_radius:.4f}",
        "Slant range near": f"{geo.slant_near:.4f}",
        "Slant range center": f"{geo.slant_center:.4f}",
        "Slant range far": f"{geo.slant_far:.4f}",
        "Range looks": range_looks,
        "Azimuth looks": azimuth_looks,
        "INSAR phase filter": "adf" if gamma else "yes",
        "Phase filter parameter": job.parameters.get("phase_filter_parameter", 0.6) if gamma else 0.5,
        "Resolution of output (m)": job.pixel_spacing,
        "Range bandpass filter": "no",
        "Azimuth bandpass filter": "no",
        "DEM source": DEM_NAME if gamma else "GLO_30",
        "DEM resolution (m)": 2 * job.pixel_spacing if gamma else 30,
        "Unwrapping type": "mcf" if gamma else "snaphu_mcf",
        "Phase at reference point": point["unw_phase"],
        "Azimuth line of the reference point in SAR space": f"{round(geo.lines * 0.55):.1f}",
        "Range pixel of the reference point in SAR space": f"{round(geo.pixels * 0.55):.1f}",
        "Y coordinate of the reference point in the map projection": f"{point['y']:.4f}",
        "X coordinate of the reference point in the map projection": f"{point['x']:.4f}",
        "Latitude of the reference point (WGS84)": f"{point['lat']:.7f}",
        "Longitude of the reference point (WGS84)": f"{point['lon']:.7f}",
        "Unwrapping threshold": "none",
        "Speckle filter": "no" if gamma else "yes",
        "Water mask": "yes" if job.water_masked else "no",
    }
    lines = []
    for key in _template_keys(job.job_type):
        if key not in values:
            raise KeyError(
                f"the {job.job_type} parameter-file template has a key the sandbox cannot fill: {key!r}"
            )
        lines.append(f"{key}: {values[key]}")
    return "\n".join(lines) + "\n"


# -- README ---------------------------------------------------------------------------------------
_EXPRESSION = re.compile(r"{{\s*(.*?)\s*}}")
_IF_BLURB = re.compile(r"{% if dem_blurb\(dem_name\) %}\n(.*?){% endif %}\n", re.DOTALL)


@functools.cache
def _macro(name: str) -> str:
    """The GLO-30 branch of a macro of hyp3-gamma's macros.j2 (the only DEM HyP3 uses now)."""
    text = data_bytes("templates", "macros.j2").decode()
    body = re.search(r"{% macro " + re.escape(name) + r"\(dem_name\) %}(.*?){% endmacro %}", text, re.DOTALL)
    branch = re.search(r"{%- if dem_name == 'GLO-30' -%}(.*?){%-", body.group(1) if body else "", re.DOTALL)
    if branch is None:
        raise ValueError(f"hyp3-gamma's macros.j2 has no GLO-30 branch in macro {name}")
    return branch.group(1).strip()


def gamma_readme(job: ProductJob) -> str:
    """hyp3-gamma's real README template, rendered as hyp3-gamma does (Jinja2, trim_blocks).

    The template uses a fixed set of expressions; each is filled from this table, so a template
    with an expression the table lacks fails loudly instead of shipping ``{{ … }}``.
    """
    text = data_bytes("templates", "insar_readme.md.txt.j2").decode()
    grid = sample_grid()
    when = job.processed.astimezone(UTC)
    water = job.water_masked
    secondary = job.secondary[0].name
    blurb = _macro("dem_blurb")
    table = {
        "processing_date.year": str(when.year),
        "processing_date.isoformat(timespec='seconds')": when.isoformat(timespec="seconds"),
        "plugin_name": GAMMA_SOFTWARE["plugin_name"],
        "plugin_version": GAMMA_SOFTWARE["plugin_version"],
        "processor_name": GAMMA_SOFTWARE["processor_name"],
        "processor_version": GAMMA_SOFTWARE["processor_version"],
        "projection": grid["projection"],
        "pixel_spacing|int": str(job.pixel_spacing),
        "reference_granule_name": job.reference[0].name,
        "secondary_granule_name": secondary,
        "secondary_granule_name[17:21]": secondary[17:21],
        "phase_filter_parameter": str(job.parameters.get("phase_filter_parameter", 0.6)),
        "ref_point_coords['lat']": str(round(grid["reference_point"]["lat"], 4)),
        "ref_point_coords['lon']": str(round(grid["reference_point"]["lon"], 4)),
        '"had" if water_mask_applied else "did not have"': "had" if water else "did not have",
        '"was" if water_mask_applied else "was not"': "was" if water else "was not",
        "dem_name": DEM_NAME,
        "dem_pixel_spacing(dem_name)": _macro("dem_pixel_spacing"),
        "dem_blurb(dem_name)": blurb,
    }
    lines = text.split("\n")
    if lines and lines[0].startswith("{% from "):
        text = "\n".join(lines[1:])
    text = _IF_BLURB.sub(lambda m: m.group(1) if blurb else "", text)

    def fill(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression not in table:
            raise KeyError(f"hyp3-gamma's README template uses {expression!r}, which the sandbox cannot fill")
        return table[expression]

    rendered = _EXPRESSION.sub(fill, text)
    if "{%" in rendered:
        raise ValueError("hyp3-gamma's README template has a block tag the sandbox does not render")
    return rendered


def burst_readme(job: ProductJob, name: str, files: Sequence[str]) -> str:
    """A README for burst products (hyp3-isce2's templates extend a base template; this one lists
    the same facts: software, granules, projection and what each file is)."""
    when = job.processed.astimezone(UTC)
    grid = sample_grid()
    kind = "multi-burst" if job.job_type == MULTI_BURST else "single-burst"
    listing = "\n".join(f"{name}{suffix:<24} {DESCRIPTIONS.get(suffix, '')}".rstrip() for suffix in files)
    return (
        f"ASF Sentinel-1 Burst InSAR Data Package (ISCE2)\n"
        f"===============================================\n\n"
        f"This folder contains a {kind} Sentinel-1 InSAR product. This data was processed by ASF DAAC HyP3 "
        f"{when.year} using the {ISCE_SOFTWARE['plugin_name']} plugin version "
        f"{ISCE_SOFTWARE['plugin_version']} running {ISCE_SOFTWARE['processor_name']}. "
        f"Files are projected to {grid['projection']}, and the pixel "
        f"spacing is {job.pixel_spacing} m.\n\n"
        f"(insarproj sandbox: a stand-in product; its rasters are small sample rasters.)\n\n"
        f"The source bursts for this InSAR product are:\n"
        + "".join(f" - Reference: {g.name}\n" for g in job.reference)
        + "".join(f" - Secondary: {g.name}\n" for g in job.secondary)
        + f"\nProcessing Date/Time: {when.isoformat(timespec='seconds')}\n\n"
        f"----------------\n### Files ###\n\n{listing}\n\n"
        f"Please refer to the ASF Sentinel-1 Burst InSAR Product Guide:\n"
        f"* https://hyp3-docs.asf.alaska.edu/guides/burst_insar_product_guide/\n"
    )


# -- other members ------------------------------------------------------------------------------
def metadata_xml(job: ProductJob, filename: str, suffix: str) -> str:
    """The ArcGIS metadata beside each tif and png (``.tif.xml``, ``.png.xml``)."""
    when = job.processed.astimezone(UTC)
    layer = suffix.removesuffix(".xml")
    secondary_year = job.secondary[0].start.year
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<metadata xml:lang="en">\n'
        f"  <Esri><CreaDate>{when:%Y%m%d}</CreaDate><CreaTime>{when:%H%M%S}00</CreaTime>"
        "<ArcGISFormat>1.0</ArcGISFormat><SyncOnce>TRUE</SyncOnce></Esri>\n"
        "  <dataIdInfo>\n"
        f"    <idCitation><resTitle>{filename}</resTitle></idCitation>\n"
        f"    <idAbs>{DESCRIPTIONS.get(layer, layer)} of the Sentinel-1 InSAR pair "
        f"{job.reference[0].name} / {job.secondary[0].name}.</idAbs>\n"
        f"    <idCredit>ASF DAAC HyP3 {when.year}. Contains modified Copernicus Sentinel data "
        f"{secondary_year}, processed by ESA.</idCredit>\n"
        "  </dataIdInfo>\n"
        "</metadata>\n"
    )


def _zip_bytes(entries: Sequence[tuple[str, bytes]], when: datetime) -> bytes:
    """A zip whose bytes depend only on `entries` and `when` (fixed timestamps and attributes)."""
    stamp = when.astimezone(UTC).timetuple()[:6]
    stamp = (max(stamp[0], 1980), *stamp[1:])
    buffer = io.BytesIO()
    # Level 1: the noisy synthetic rasters hardly compress further, and products are built often.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for arcname, data in entries:
            info = zipfile.ZipInfo(arcname, date_time=stamp)  # type: ignore[arg-type]
            if arcname.endswith("/"):
                info.external_attr = (0o40755 << 16) | 0x10
                archive.writestr(info, b"")
            else:
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
    return buffer.getvalue()


def kmz(job: ProductJob, name: str, suffix: str) -> bytes:
    """A Google Earth overlay of the browse PNG (what GDAL's KMLSUPEROVERLAY driver writes)."""
    png = data_bytes("rasters", f"insar{suffix.removesuffix('.kmz')}.png")
    west, south, east, north = sample_grid()["bounds_wgs84"]
    kml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<kml xmlns="http://www.opengis.net/kml/2.2">\n'
        f"  <Document><name>{name}{suffix.removesuffix('.kmz')}</name>\n"
        "    <GroundOverlay><Icon><href>0/0/0.png</href></Icon>\n"
        f"      <LatLonBox><north>{north}</north><south>{south}</south>"
        f"<east>{east}</east><west>{west}</west></LatLonBox>\n"
        "    </GroundOverlay>\n"
        "  </Document>\n"
        "</kml>\n"
    )
    return _zip_bytes([("doc.kml", kml.encode()), ("0/0/0.png", png)], job.processed)


def pair_scene(job: ProductJob) -> PairScene:
    """What the synthetic rasters of this job's pair depend on (insarproj/sandbox/synthetic.py)."""
    from shapely.ops import unary_union

    ref, sec = job.reference[0], job.secondary[0]
    footprints = [unary_union([g.footprint for g in granules]) for granules in (job.reference, job.secondary)]
    return PairScene(
        reference=ref.start,
        secondary=sec.start,
        ascending=ref.track.direction == "ASCENDING",
        heading=pair_geometry(job).heading,
        spacing=float(job.pixel_spacing),
        coverage_lonlat=aoi_coverage(footprints),
        seed="|".join(g.name for g in job.reference + job.secondary),
    )


def synthetic_rasters(job: ProductJob, suffixes: Sequence[str]) -> dict[str, bytes]:
    """The product's GeoTIFFs that carry the synthetic deformation, by file suffix."""
    wanted = tuple(sorted(s.removesuffix(".tif") for s in suffixes if s.endswith(".tif")))
    return _scene_rasters(pair_scene(job), wanted)


@functools.lru_cache(maxsize=64)
def _scene_rasters(scene: PairScene, wanted: tuple[str, ...]) -> dict[str, bytes]:
    # A pair's rasters depend on the pair alone: a resubmitted job of the same pair (and the many
    # tests that process the demo's pairs) reuse them; a few MB at most.
    built = synthetic_layers(scene)
    return {f"{key}.tif": geotiff(*value) for key, value in built.items() if key in wanted}


def _member(
    job: ProductJob, name: str, suffix: str, files: Sequence[str], rasters: Mapping[str, bytes]
) -> bytes:
    """The bytes of ``{name}{suffix}``."""
    burst = job.job_type != GAMMA
    if suffix in rasters:
        return rasters[suffix]
    if suffix == ".txt":
        return parameter_file(job).encode()
    if suffix == ".README.md.txt":
        return (burst_readme(job, name, files) if burst else gamma_readme(job)).encode()
    if suffix.endswith((".tif.xml", ".png.xml")):
        return metadata_xml(job, f"{name}{suffix.removesuffix('.xml')}", suffix).encode()
    if suffix.endswith(".kmz"):
        return kmz(job, name, suffix)
    if burst and suffix in BURST_RASTERS:
        return data_bytes("rasters", BURST_RASTERS[suffix])
    if suffix.endswith((".tif", ".png", ".png.aux.xml")):
        return data_bytes("rasters", f"insar{suffix}")
    raise ValueError(f"the sandbox does not know how to make {name}{suffix}")


def member_suffixes(job_type: str, parameters: Mapping[str, Any]) -> list[str]:
    """The file-name suffixes (after the product name) of a product of this job, in zip order."""
    if job_type == GAMMA:
        layout = _layout()["zip"]
        suffixes = [
            entry.split("/", 1)[1].replace("{product_name}", "", 1) for entry in layout["always_included"]
        ]
        for flags, extra in layout["optional_by_job_parameter"].items():
            if any(parameters.get(flag.strip()) is True for flag in flags.split(" OR ")):
                suffixes.extend(extra)
    elif job_type == BURST:
        suffixes = [*BURST_FILES, *SINGLE_BURST_FILES]
    elif job_type == MULTI_BURST:
        suffixes = list(BURST_FILES)
    else:
        raise ValueError(f"the sandbox makes no {job_type} products")
    return sorted(suffixes)  # shutil.make_archive walks the folder in sorted order


@dataclass(frozen=True)
class Product:
    """A finished product: the zip and the objects HyP3 uploads beside it."""

    name: str
    files: dict[str, bytes]  # file name (without the folder) → bytes, as inside the zip
    zip_bytes: bytes
    browse_images: tuple[str, ...]  # file names beside the zip
    thumbnail_images: tuple[str, ...]

    @property
    def zip_name(self) -> str:
        return f"{self.name}.zip"

    def object(self, filename: str) -> bytes | None:
        """An object of the product's folder in the bucket: the zip, a thumbnail, or any file of
        the zip uploaded on its own (hyp3-docs: replace ``.zip`` in the URL with a file's suffix)."""
        if filename == self.zip_name:
            return self.zip_bytes
        if filename in self.thumbnail_images:
            return self.files[filename.replace("_thumb.png", ".png")]
        return self.files.get(filename)


def build_product(job: ProductJob) -> Product:
    """Build the product of a successful job (deterministic: same job, same bytes)."""
    name = product_name(job)
    suffixes = member_suffixes(job.job_type, job.parameters)
    rasters = synthetic_rasters(job, suffixes)
    files = {f"{name}{suffix}": _member(job, name, suffix, suffixes, rasters) for suffix in suffixes}
    entries = [(f"{name}/", b""), *((f"{name}/{filename}", data) for filename, data in files.items())]
    browse = tuple(f for f in files if f.endswith(".png") and f.removeprefix(name) in DESCRIPTIONS)
    return Product(
        name=name,
        files=files,
        zip_bytes=_zip_bytes(entries, job.processed),
        browse_images=browse,
        thumbnail_images=tuple(f.replace(".png", "_thumb.png") for f in browse),
    )
