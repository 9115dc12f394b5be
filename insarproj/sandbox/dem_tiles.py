"""Copernicus DEM tiles and the EGM2008 geoid, as the real buckets serve them (docs/sandbox.md).

* `/copernicus-dem-30m/<tile>/<tile>.tif` (and `-90m`): GeoTIFFs in the real tiles' format —
  EPSG:4326, float32 heights above EGM2008, `AREA_OR_POINT=Point` with the first pixel centred on
  the tile's north-west corner (the origin half a pixel beyond it), pixels wider north of 50° as in
  the real grid — only smaller: 36 × 36 pixels per 1° tile (12 × 12 for GLO-90). The terrain is a
  smooth function of position, so neighbouring tiles meet. Tiles over open ocean are absent, as in
  the real bucket: which tiles exist is the real list that ships with dem_stitcher.
* `/geoid/us_nga_egm2008_1_4326__agisoft.tif`: a global 1° geoid grid (smooth, −100 … +80 m).

Every file is served with `Range` support (GDAL reads the geoid by ranges), and a missing key is
S3's `NoSuchKey` XML.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from functools import lru_cache

from insarproj.sandbox.downloads import s3_error, serve_bytes
from insarproj.sandbox.routing import DATA, Request, Response, Router

TILE = re.compile(
    r"Copernicus_DSM_COG_(?P<res>10|30)_(?P<ns>[NS])(?P<lat>\d{2})_00_(?P<ew>[EW])(?P<lon>\d{3})_00_DEM"
)
TILE_PIXELS = {"10": 36, "30": 12}  # per degree of latitude
DATASET = {"10": "glo_30", "30": "glo_90"}
GEOID_NAME = "us_nga_egm2008_1_4326__agisoft.tif"
MODIFIED = datetime(2021, 11, 1, tzinfo=UTC)


def width_factor(lat: int) -> float:
    """Copernicus tiles get fewer columns away from the equator (the real grid's zones)."""
    north = max(abs(lat), abs(lat + 1))
    for limit, factor in ((50, 1.0), (60, 2 / 3), (70, 1 / 2), (80, 1 / 3), (85, 1 / 5)):
        if north <= limit:
            return factor
    return 1 / 10


def terrain(lon: float, lat: float) -> float:
    """Heights above the geoid, in metres: hills between about 200 and 1,800 m."""
    return 1000.0 + 500.0 * math.sin(lat * 2.1) * math.cos(lon * 1.7) + 300.0 * math.sin(lon * 5.3 + lat)


def geoid_height(lon: float, lat: float) -> float:
    return (
        -10.0
        + 60.0 * math.cos(math.radians(lat) * 2) * math.sin(math.radians(lon))
        - 30.0 * math.sin(math.radians(lat))
    )


@lru_cache(maxsize=1)
def existing_tiles() -> frozenset[str]:
    """The tiles the real buckets hold (GLO-30 and GLO-90), from dem_stitcher's tile lists."""
    from dem_stitcher.datasets import get_global_dem_tile_extents

    names: set[str] = set()
    for dataset in ("glo_30", "glo_90"):
        names.update(get_global_dem_tile_extents(dataset)["tile_id"].tolist())
    return frozenset(names)


@lru_cache(maxsize=256)
def tile_bytes(tile_id: str) -> bytes:
    import numpy as np
    from rasterio.io import MemoryFile
    from rasterio.transform import from_origin

    match = TILE.fullmatch(tile_id)
    assert match is not None
    lat = int(match["lat"]) * (1 if match["ns"] == "N" else -1)
    lon = int(match["lon"]) * (1 if match["ew"] == "E" else -1)
    rows = TILE_PIXELS[match["res"]]
    cols = max(1, round(rows * width_factor(lat)))
    dx, dy = 1.0 / cols, 1.0 / rows
    lons = lon + np.arange(cols) * dx  # pixel centres: the first one on the tile's corner
    lats = lat + 1 - np.arange(rows) * dy
    grid = np.vectorize(terrain)(lons[None, :], lats[:, None]).astype("float32")
    profile = {
        "driver": "GTiff",
        "width": cols,
        "height": rows,
        "count": 1,
        "dtype": "float32",
        "crs": "EPSG:4326",
        "transform": from_origin(lon - dx / 2, lat + 1 + dy / 2, dx, dy),
        "compress": "deflate",
    }
    with MemoryFile() as memory:
        with memory.open(**profile) as dataset:
            dataset.write(grid, 1)
            dataset.update_tags(AREA_OR_POINT="Point")
        return bytes(memory.read())


@lru_cache(maxsize=1)
def geoid_bytes() -> bytes:
    import numpy as np
    from rasterio.io import MemoryFile
    from rasterio.transform import from_origin

    lons = np.arange(-180, 181) * 1.0
    lats = 90.0 - np.arange(181) * 1.0
    grid = np.vectorize(geoid_height)(lons[None, :], lats[:, None]).astype("float32")
    profile = {
        "driver": "GTiff",
        "width": lons.size,
        "height": lats.size,
        "count": 1,
        "dtype": "float32",
        "crs": "EPSG:4326",
        "transform": from_origin(-180.5, 90.5, 1.0, 1.0),
        "nodata": -32767.0,
        "tiled": True,
        "blockxsize": 64,
        "blockysize": 64,
    }
    with MemoryFile() as memory:
        with memory.open(**profile) as dataset:
            dataset.write(grid, 1)
            dataset.update_tags(AREA_OR_POINT="Point")
        return bytes(memory.read())


def _tile(res: str, req: Request) -> Response:
    tile_id, file_name = req.params["tile"], req.params["file"]
    match = TILE.fullmatch(tile_id)
    if (
        match is None
        or match["res"] != res
        or file_name != f"{tile_id}.tif"
        or tile_id not in existing_tiles()
    ):
        return s3_error(404, "NoSuchKey", "The specified key does not exist.")
    data = tile_bytes(tile_id)
    return serve_bytes(
        req, data, content_type="image/tiff", etag=f'"{len(data):x}-{tile_id[-20:]}"', modified=MODIFIED
    )


def _geoid(req: Request) -> Response:
    data = geoid_bytes()
    return serve_bytes(req, data, content_type="image/tiff", etag=f'"geoid-{len(data):x}"', modified=MODIFIED)


def register(router: Router) -> None:
    router.add(
        "GET", r"/copernicus-dem-30m/(?P<tile>[^/]+)/(?P<file>[^/]+)", lambda r: _tile("10", r), host=DATA
    )
    router.add(
        "GET", r"/copernicus-dem-90m/(?P<tile>[^/]+)/(?P<file>[^/]+)", lambda r: _tile("30", r), host=DATA
    )
    router.add("GET", rf"/geoid/{re.escape(GEOID_NAME)}", _geoid, host=DATA)
