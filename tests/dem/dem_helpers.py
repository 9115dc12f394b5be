"""Small real-format GLO-30 tiles and a geoid for DEM tests, from the sandbox's own generator."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_tiles(tile_dir: Path, tile_ids: list[str]) -> None:
    from insarproj.sandbox.dem_tiles import tile_bytes

    tile_dir.mkdir(parents=True, exist_ok=True)
    for tile_id in tile_ids:
        (tile_dir / f"{tile_id}.tif").write_bytes(tile_bytes(tile_id))


def write_geoid(path: Path) -> Path:
    from insarproj.sandbox.dem_tiles import geoid_bytes

    path.write_bytes(geoid_bytes())
    return path


def grid_profile(bounds: tuple[float, float, float, float], res: float = 0.1) -> dict:
    from rasterio.transform import from_origin

    west, south, east, north = bounds
    return {
        "width": round((east - west) / res),
        "height": round((north - south) / res),
        "transform": from_origin(west, north, res, res),
        "crs": "EPSG:4326",
        "dtype": "float32",
        "count": 1,
        "driver": "GTiff",
        "nodata": np.nan,
    }
