"""Sanity checks a stitched DEM passes before it is recorded (docs/dem.md).

* it covers the required extent;
* over land — the tiles the bucket has, since GLO-30 has no tiles over open ocean and a coastal
  AOI is normal — nearly every pixel holds a height;
* heights are those of the Earth: ellipsoidal heights lie between the Dead Sea shore over the
  deepest geoid low (about −540 m) and Everest over the geoid (about 8,860 m).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from insarproj.dem.extent import covers, describe
from insarproj.errors import ProviderError

MIN_HEIGHT = -600.0
MAX_HEIGHT = 9000.0
MIN_LAND_VALID = 0.9  # share of land pixels that must hold a height


@dataclass(frozen=True)
class DemFacts:
    bounds: tuple[float, float, float, float]
    valid_share: float  # of all pixels (ocean without tiles counts as invalid)
    land_valid_share: float  # of the pixels that fall in a tile the bucket has
    min_height: float | None
    max_height: float | None


def raster_bounds(profile: dict[str, Any]) -> tuple[float, float, float, float]:
    from rasterio.transform import array_bounds

    west, south, east, north = array_bounds(profile["height"], profile["width"], profile["transform"])
    return (float(west), float(south), float(east), float(north))


def land_mask(profile: dict[str, Any], land_tiles: Collection[tuple[int, int]]) -> Any:
    """True where a pixel centre lies in a 1°×1° tile (south-west corner lat, lon) the bucket has."""
    import numpy as np

    transform = profile["transform"]
    cols = np.arange(profile["width"]) + 0.5
    rows = np.arange(profile["height"]) + 0.5
    lons = np.floor(transform.c + cols * transform.a).astype(int)
    lats = np.floor(transform.f + rows * transform.e).astype(int)
    keys = {lat * 1000 + lon for lat, lon in land_tiles}
    grid = lats[:, None] * 1000 + lons[None, :]
    return np.isin(grid, list(keys))


def judge(
    array: Any, profile: dict[str, Any], required: Sequence[float], land_tiles: Collection[tuple[int, int]]
) -> DemFacts:
    """The facts recorded with a DEM; ProviderError when it is not fit to record."""
    import numpy as np

    bounds = raster_bounds(profile)
    if not covers(bounds, required, tolerance=1e-6):
        raise ProviderError(
            f"the stitched DEM covers {describe(bounds)}, not the required extent {describe(required)}"
        )
    valid = np.isfinite(array)
    land = land_mask(profile, land_tiles)
    land_pixels = int(land.sum())
    land_valid = float((valid & land).sum() / land_pixels) if land_pixels else 0.0
    if not valid.any():
        raise ProviderError(
            f"the stitched DEM over {describe(bounds)} holds no height at all (every pixel is nodata)",
            hint="check INSARPROJ_DEM_URL: the tiles it served are empty",
        )
    if land_valid < MIN_LAND_VALID:
        raise ProviderError(
            f"the stitched DEM over {describe(bounds)} has heights on only {100 * land_valid:.0f} % of its "
            f"land (at least {100 * MIN_LAND_VALID:.0f} % expected)",
            hint="check INSARPROJ_DEM_URL: some tiles it served are mostly nodata",
        )
    low, high = float(np.nanmin(array)), float(np.nanmax(array))
    if low < MIN_HEIGHT or high > MAX_HEIGHT:
        raise ProviderError(
            f"the stitched DEM over {describe(bounds)} has heights from {low:.0f} m to {high:.0f} m, outside "
            f"the Earth's {MIN_HEIGHT:.0f} … {MAX_HEIGHT:.0f} m",
            hint="check INSARPROJ_DEM_URL and INSARPROJ_GEOID_URL: a tile or the geoid is not what it claims",
        )
    return DemFacts(bounds, float(valid.mean()), land_valid, low, high)


def tile_corner(tile_id: str) -> tuple[int, int]:
    """(lat, lon) of a Copernicus tile's south-west corner, from its name."""
    parts = tile_id.split("_")
    lat_part, lon_part = parts[4], parts[6]
    lat = int(lat_part[1:]) * (1 if lat_part[0] == "N" else -1)
    lon = int(lon_part[1:]) * (1 if lon_part[0] == "E" else -1)
    return lat, lon
