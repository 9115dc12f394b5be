"""The sandbox's Copernicus DEM buckets and geoid: real tile names and format, ocean tiles absent,
byte ranges (GDAL reads over them)."""

from __future__ import annotations

import requests
from rasterio.io import MemoryFile

from insarproj.sandbox.server import Sandbox

TILE = "Copernicus_DSM_COG_10_N64_00_W148_00_DEM"


def tile_url(sandbox: Sandbox, tile: str, bucket: str = "copernicus-dem-30m") -> str:
    return f"{sandbox.url}/{bucket}/{tile}/{tile}.tif"


def test_a_tile_is_a_glo30_geotiff_with_its_first_pixel_centred_on_the_corner(sandbox: Sandbox) -> None:
    response = requests.get(tile_url(sandbox, TILE), timeout=10)
    assert response.status_code == 200
    assert response.headers["Accept-Ranges"] == "bytes"
    with MemoryFile(response.content) as memory, memory.open() as ds:
        assert ds.crs.to_epsg() == 4326 and ds.dtypes == ("float32",)
        assert ds.tags()["AREA_OR_POINT"] == "Point"
        assert ds.height == 36 and ds.width == 18  # 64°N: half the columns, as in the real grid
        assert ds.xy(0, 0) == (-148.0, 65.0)
        heights = ds.read(1)
    assert 0 < heights.min() < heights.max() < 3000


def test_ranges_are_served(sandbox: Sandbox) -> None:
    response = requests.get(tile_url(sandbox, TILE), headers={"Range": "bytes=0-3"}, timeout=10)
    assert response.status_code == 206
    assert response.content in (b"II*\x00", b"MM\x00*")
    assert response.headers["Content-Range"].startswith("bytes 0-3/")


def test_ocean_tiles_and_bad_names_are_missing_keys(sandbox: Sandbox) -> None:
    ocean = "Copernicus_DSM_COG_10_N20_00_W155_00_DEM"  # off Hawaii: the real bucket has no tile
    for url in (
        tile_url(sandbox, ocean),
        tile_url(sandbox, "Copernicus_DSM_COG_10_N99_00_W148_00_DEM"),
        f"{sandbox.url}/copernicus-dem-30m/{TILE}/other.tif",
        tile_url(sandbox, TILE, bucket="copernicus-dem-90m"),  # GLO-30 names are not in GLO-90
    ):
        response = requests.get(url, timeout=10)
        assert response.status_code == 404, url
        assert b"<Code>NoSuchKey</Code>" in response.content


def test_glo90_tiles_are_served_from_their_bucket(sandbox: Sandbox) -> None:
    tile = "Copernicus_DSM_COG_30_N39_00_E044_00_DEM"
    response = requests.get(tile_url(sandbox, tile, bucket="copernicus-dem-90m"), timeout=10)
    assert response.status_code == 200
    with MemoryFile(response.content) as memory, memory.open() as ds:
        assert ds.height == 12


def test_gdal_reads_the_geoid_window_by_ranges(sandbox: Sandbox) -> None:
    import rasterio
    from rasterio.windows import from_bounds

    url = sandbox.env()["INSARPROJ_GEOID_URL"]
    # As dem_stitcher reads it: no directory listing. (Without this GDAL lists the folder while
    # holding the GIL, and the sandbox, in this same process, could never answer.)
    with rasterio.Env(GDAL_DISABLE_READDIR_ON_OPEN="EMPTY_DIR"), rasterio.open(url) as ds:
        window = ds.read(1, window=from_bounds(-119, 34, -116, 37, ds.transform))
        assert ds.width == 361 and ds.height == 181
    assert window.shape == (3, 3)
    assert -110 < window.min() <= window.max() < 90
    assert any(r.status == 206 for r in sandbox.requests() if r.path.startswith("/geoid/"))
