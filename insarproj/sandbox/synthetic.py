"""Synthetic interferogram rasters with a known truth, for the sandbox's HyP3 products (docs/sandbox.md).

A subsiding bowl sits at a fixed site inside the demo AOI: line-of-sight velocity
``v(r) = BOWL_RATE · exp(−r² / 2σ²)`` (m/yr, negative = away from the sensor), zero far from it.
Each pair's unwrapped phase follows HyP3's convention (the earlier date is the reference; positive
phase = motion away from the sensor, i.e. a range increase)::

    φ = (4π / λ) · (−v) · Δt  +  a(secondary) − a(reference)  +  n

with Δt the pair's temporal baseline in years, ``a(date)`` a smooth per-date "atmosphere"
(seeded by the date, so every pair sharing a date shares it) and ``n`` small per-pixel noise
(seeded by the pair). Each pair's rasters cover its own 64×64-pixel window: around the site,
shifted toward the part of the AOI its scenes both cover and by a small per-pair jitter, so
the windows of a stack overlap without being identical. Look vectors follow the pass direction.
Pure numpy and rasterio: nothing of the client is imported.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from insarproj.sandbox.catalog import DEMO_BBOX

SITE = (-117.6, 35.7)  # (lon, lat) of the bowl's centre, the demo AOI's centre
BOWL_RATE = -0.020  # m/yr line of sight at the centre; negative: away from the sensor (subsidence)
BOWL_SIGMA = 1000.0  # m
WAVELENGTH = 299792458.0 / 5.405e9  # Sentinel-1 C band, m
SIZE = 64  # pixels per side of every raster
MAX_SHIFT = 12  # pixels a window moves toward its pair's coverage
ATMOSPHERE = 0.6  # rad, amplitude of a date's smooth phase screen
NOISE = 0.1  # rad, per-pixel noise of a pair
LAKE = 6  # pixels per side of a small lake at the site's north-west (water mask 0)
# A decorrelated patch at the site's south-west (m per side, m from the site): low coherence, and
# each pair's unwrapping there is off by -1, 0 or +1 whole cycles, as on real low-coherence islands.
# Real stacks always have some; MintPy's quick_overview cannot even plot a stack without one.
PATCH = 400.0
PATCH_OFFSET = -1200.0
YEAR = 365.25 * 86400.0


@dataclass(frozen=True)
class PairScene:
    """What the rasters of one pair depend on."""

    reference: datetime
    secondary: datetime
    ascending: bool
    heading: float  # degrees clockwise from north
    spacing: float  # m per pixel
    coverage_lonlat: tuple[float, float] | None  # centroid of what both scenes cover in the AOI
    seed: str  # the pair's identity (granule names)


@dataclass(frozen=True)
class Grid:
    epsg: int
    west: float
    north: float
    spacing: float

    def xy(self) -> tuple[np.ndarray, np.ndarray]:
        cols = self.west + (np.arange(SIZE) + 0.5) * self.spacing
        rows = self.north - (np.arange(SIZE) + 0.5) * self.spacing
        return np.meshgrid(cols, rows)


def _rng(*parts: str) -> np.random.Generator:
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


@functools.cache
def _utm(lon: float, lat: float) -> tuple[int, float, float]:
    from rasterio.warp import transform

    epsg = 32600 + int((SITE[0] + 180) // 6) + 1 if SITE[1] >= 0 else 32700 + int((SITE[0] + 180) // 6) + 1
    xs, ys = transform("EPSG:4326", f"EPSG:{epsg}", [lon], [lat])
    return epsg, xs[0], ys[0]


def pair_grid(scene: PairScene) -> Grid:
    """The pair's window: SIZE pixels around the site, moved toward its coverage, snapped to whole
    pixels (as HyP3 snaps its grids)."""
    epsg, x0, y0 = _utm(*SITE)
    shift_x = shift_y = 0.0
    if scene.coverage_lonlat is not None:
        _epsg, cx, cy = _utm(*scene.coverage_lonlat)
        shift_x = max(-MAX_SHIFT, min(MAX_SHIFT, (cx - x0) / scene.spacing))
        shift_y = max(-MAX_SHIFT, min(MAX_SHIFT, (cy - y0) / scene.spacing))
    jitter = _rng("jitter", scene.seed).integers(-3, 4, size=2)
    half = SIZE / 2 * scene.spacing
    west = x0 - half + (round(shift_x) + int(jitter[0])) * scene.spacing
    north = y0 + half + (round(shift_y) + int(jitter[1])) * scene.spacing
    snap = scene.spacing
    return Grid(epsg, math.floor(west / snap) * snap, math.floor(north / snap) * snap, scene.spacing)


def velocity(grid: Grid) -> np.ndarray:
    """The true line-of-sight velocity (m/yr, positive toward the sensor) on the grid."""
    _epsg, x0, y0 = _utm(*SITE)
    x, y = grid.xy()
    return BOWL_RATE * np.exp(-((x - x0) ** 2 + (y - y0) ** 2) / (2 * BOWL_SIGMA**2))


def _atmosphere(grid: Grid, when: datetime) -> np.ndarray:
    """A smooth phase screen of one date, defined in map coordinates (pairs sharing the date
    share it wherever their windows overlap)."""
    amplitude, kx, ky, phase = _rng("atmosphere", when.date().isoformat()).uniform(0, 1, size=4)
    x, y = grid.xy()
    wave = 2 * math.pi / 8000.0
    return ATMOSPHERE * amplitude * np.sin(wave * ((0.5 + kx) * x + (0.5 + ky) * y) + 2 * math.pi * phase)


def unwrapped_phase(scene: PairScene, grid: Grid) -> np.ndarray:
    years = (scene.secondary - scene.reference).total_seconds() / YEAR
    signal = 4 * math.pi / WAVELENGTH * (-velocity(grid)) * years
    noise = _rng("noise", scene.seed).normal(0.0, NOISE, size=(SIZE, SIZE))
    return signal + _atmosphere(grid, scene.secondary) - _atmosphere(grid, scene.reference) + noise


def water_mask(grid: Grid) -> np.ndarray:
    """1 on land, 0 on a small lake fixed in map coordinates."""
    _epsg, x0, y0 = _utm(*SITE)
    x, y = grid.xy()
    edge = LAKE * 80.0
    lake = (x < x0 - 1500 + edge) & (x > x0 - 1500) & (y > y0 + 1500 - edge) & (y < y0 + 1500)
    return np.where(lake, 0, 1).astype("uint8")


def look_vectors(scene: PairScene, grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    """(lv_theta, lv_phi) in radians, as HyP3 defines them: the elevation of the ground-to-sensor
    vector above the horizon, and its direction counter-clockwise from east. The sensor looks
    right, so it lies 90° left of the flight direction; incidence grows away from it."""
    _epsg, x0, _y0 = _utm(*SITE)
    x, _y = grid.xy()
    toward_far = (x - x0) if scene.ascending else (x0 - x)
    incidence = np.radians(38.0 + 6.0e-5 * toward_far)  # ~0.06° per km across the swath
    phi = math.radians(180.0 - scene.heading)
    phi = math.atan2(math.sin(phi), math.cos(phi))
    return (np.pi / 2 - incidence).astype("float32"), np.full((SIZE, SIZE), phi, dtype="float32")


def dem(grid: Grid) -> np.ndarray:
    x, y = grid.xy()
    _epsg, x0, y0 = _utm(*SITE)
    return (700.0 + 0.02 * (x - x0) + 40.0 * np.sin((y - y0) / 1500.0)).astype("float32")


def decorrelated_patch(grid: Grid) -> np.ndarray:
    """True on the decorrelated patch (fixed in map coordinates, inside every window of a stack)."""
    _epsg, x0, y0 = _utm(*SITE)
    x, y = grid.xy()
    west, south = x0 + PATCH_OFFSET, y0 + PATCH_OFFSET
    return (x > west) & (x < west + PATCH) & (y > south) & (y < south + PATCH)  # type: ignore[no-any-return]


def unwrapping_error(scene: PairScene, grid: Grid) -> np.ndarray:
    """The pair's unwrapping error in radians: whole cycles on the decorrelated patch, else 0."""
    cycles = int(_rng("unwrapping", scene.seed).integers(-1, 2))
    return np.where(decorrelated_patch(grid), 2 * math.pi * cycles, 0.0)


def coherence(scene: PairScene, grid: Grid, mask: np.ndarray) -> np.ndarray:
    days = abs((scene.secondary - scene.reference).days)
    base = 0.95 - 0.004 * days
    values = base - 0.1 * _rng("coherence", scene.seed).random(size=(SIZE, SIZE))
    values = np.where(decorrelated_patch(grid), 0.3, np.clip(values, 0.3, 0.99))
    return np.where(mask == 1, values, 0.1).astype("float32")


def layers(scene: PairScene) -> dict[str, tuple[np.ndarray, Grid]]:
    """Every synthetic layer of the pair, by the product's file suffix (without .tif)."""
    grid = pair_grid(scene)
    phase = (unwrapped_phase(scene, grid) + unwrapping_error(scene, grid)).astype("float32")
    mask = water_mask(grid)
    theta, phi = look_vectors(scene, grid)
    incidence = (np.pi / 2 - theta).astype("float32")
    los = (-phase * WAVELENGTH / (4 * math.pi)).astype("float32")  # m, positive toward the sensor
    arrays: dict[str, np.ndarray] = {
        "_unw_phase": phase,
        "_wrapped_phase": np.angle(np.exp(1j * phase)).astype("float32"),
        "_corr": coherence(scene, grid, mask),
        "_amp": (0.2 + 0.1 * _rng("amp", scene.seed).random(size=(SIZE, SIZE))).astype("float32"),
        "_dem": dem(grid),
        "_lv_theta": theta,
        "_lv_phi": phi,
        "_inc_map": incidence,
        "_inc_map_ell": incidence,
        "_los_disp": los,
        "_vert_disp": (los / np.cos(incidence)).astype("float32"),
        "_water_mask": mask,
        "_conncomp": np.where(mask == 1, 1, 0).astype("uint8"),
    }
    return {suffix: (array, grid) for suffix, array in arrays.items()}


def geotiff(array: np.ndarray, grid: Grid) -> bytes:
    """A single-band GeoTIFF in memory (0 is nodata for float layers, as in HyP3's products)."""
    from affine import Affine
    from rasterio.io import MemoryFile

    nodata = 0.0 if array.dtype.kind == "f" else None
    transform = Affine(grid.spacing, 0.0, grid.west, 0.0, -grid.spacing, grid.north)
    with MemoryFile() as memory:
        with memory.open(
            driver="GTiff", width=SIZE, height=SIZE, count=1, dtype=str(array.dtype),
            crs=f"EPSG:{grid.epsg}", transform=transform, nodata=nodata,
        ) as dst:  # fmt: skip
            dst.write(array, 1)
        return bytes(memory.read())


def aoi_coverage(footprints: Sequence[Any]) -> tuple[float, float] | None:
    """Centroid (lon, lat) of what every footprint covers inside the demo AOI, or None."""
    from shapely.geometry import box

    area = box(*DEMO_BBOX)
    for footprint in footprints:
        area = area.intersection(footprint)
    if area.is_empty:
        return None
    return float(area.centroid.x), float(area.centroid.y)


@functools.lru_cache(maxsize=256)
def reference_point(scene: PairScene) -> dict[str, float]:
    """The window's centre pixel: where a parameter file says the phase was referenced."""
    from rasterio.warp import transform

    grid = pair_grid(scene)
    row = col = SIZE // 2
    x = grid.west + (col + 0.5) * grid.spacing
    y = grid.north - (row + 0.5) * grid.spacing
    lons, lats = transform(f"EPSG:{grid.epsg}", "EPSG:4326", [x], [y])
    phase = float(unwrapped_phase(scene, grid)[row, col])
    return {"x": x, "y": y, "lat": lats[0], "lon": lons[0], "unw_phase": round(phase, 5)}
