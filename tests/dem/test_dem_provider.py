"""The DEM's providers: tiles from the configured endpoint through the verified downloader, the
geoid window, and dem_stitcher stitching from the tile cache (GeoTIFF and ISCE forms)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
import responses
from dem_helpers import write_geoid, write_tiles

from insarproj.dem.geoid import geoid_window
from insarproj.dem.stitch import isce_name, make_dem
from insarproj.dem.tiles import fetch_tiles, needed_tiles
from insarproj.errors import InsarprojError

URL = "http://dem.test/copernicus-dem-30m"
URL90 = "http://dem.test/copernicus-dem-90m"
RIDGECREST = (-118.0, 35.4, -117.2, 36.0)
HAWAII = (-156.5, 18.5, -154.5, 20.5)  # the Big Island and Maui: three of nine tiles are ocean
TILE = "Copernicus_DSM_COG_10_N35_00_W118_00_DEM"


def downloader_fetch():  # type: ignore[no-untyped-def]
    import requests

    from insarproj.transfer.download import Downloader

    return Downloader(requests.Session(), retries=1, backoff=0.0).fetch


def test_tiles_come_from_the_configured_endpoint_in_the_bucket_layout() -> None:
    tiles = needed_tiles(RIDGECREST, dem_url=URL, dem90_url=URL90)
    assert [t.url for t in tiles] == [f"{URL}/{TILE}/{TILE}.tif"]


def test_ocean_tiles_are_never_asked_for() -> None:
    tiles = needed_tiles(HAWAII, dem_url=URL, dem90_url=URL90)
    assert len(tiles) == 6  # of the 9 tiles the bounds touch; the bucket has none over open ocean
    assert "Copernicus_DSM_COG_10_N19_00_W155_00_DEM" in {t.tile_id for t in tiles}
    assert "Copernicus_DSM_COG_10_N20_00_W155_00_DEM" not in {t.tile_id for t in tiles}


def test_glo30_gaps_are_filled_from_the_glo90_endpoint() -> None:
    tiles = needed_tiles((44.5, 39.5, 45.5, 40.5), dem_url=URL, dem90_url=URL90)  # Armenia
    assert any(t.dataset == "glo_90_missing" and t.url.startswith(URL90) for t in tiles)


@responses.activate
def test_tiles_are_fetched_once_verified_into_the_cache(tmp_path: Path) -> None:
    from insarproj.sandbox.dem_tiles import tile_bytes

    url = f"{URL}/{TILE}/{TILE}.tif"
    responses.get(url, body=tile_bytes(TILE), headers={"Accept-Ranges": "bytes"})
    tiles = needed_tiles(RIDGECREST, dem_url=URL, dem90_url=URL90)
    assert fetch_tiles(tiles, tmp_path / "tiles", fetch=downloader_fetch()) == 1
    assert (tmp_path / "tiles" / f"{TILE}.tif").read_bytes() == tile_bytes(TILE)
    assert fetch_tiles(tiles, tmp_path / "tiles", fetch=downloader_fetch()) == 0
    assert len(responses.calls) == 1  # never fetched twice
    assert "Authorization" not in responses.calls[0].request.headers


@responses.activate
def test_a_login_page_instead_of_a_tile_is_refused_and_not_cached(tmp_path: Path) -> None:
    url = f"{URL}/{TILE}/{TILE}.tif"
    responses.get(url, body=b"<html><body>sign in</body></html>", content_type="text/html")
    tiles = needed_tiles(RIDGECREST, dem_url=URL, dem90_url=URL90)
    with pytest.raises(InsarprojError):
        fetch_tiles(tiles, tmp_path / "tiles", fetch=downloader_fetch())
    assert not (tmp_path / "tiles" / f"{TILE}.tif").exists()


def test_the_geoid_window_covers_the_dem_with_a_margin(tmp_path: Path) -> None:
    source = write_geoid(tmp_path / "egm08.tif")
    window = geoid_window(str(source), RIDGECREST, tmp_path / "window.tif")
    with rasterio.open(window) as ds:
        west, south, east, north = ds.bounds
        assert ds.width < 10 and ds.height < 10  # a window, not the global grid
    assert west <= RIDGECREST[0] - 1 and east >= RIDGECREST[2] + 1
    assert south <= RIDGECREST[1] - 1 and north >= RIDGECREST[3] + 1


def stitched(tmp_path: Path, bounds, required, *, isce: bool = False):  # type: ignore[no-untyped-def]
    tiles = needed_tiles(bounds, dem_url=URL, dem90_url=URL90)
    write_tiles(tmp_path / "tiles", [t.tile_id for t in tiles])
    geoid = geoid_window(str(write_geoid(tmp_path / "egm08.tif")), bounds, tmp_path / "window.tif")
    made = make_dem(
        stack="A064",
        bounds=bounds,
        required=required,
        tiles=tiles,
        tile_dir=tmp_path / "tiles",
        geoid_path=geoid,
        out_dir=tmp_path / "dem" / "A064",
        isce=isce,
    )
    return made, tmp_path / "dem" / "A064"


def test_stitching_writes_an_ellipsoidal_point_registered_geotiff(tmp_path: Path) -> None:
    made, folder = stitched(tmp_path, RIDGECREST, (-117.95, 35.45, -117.25, 35.95))
    assert made.files == ["dem.tif"]
    assert made.facts.valid_share == 1.0
    with rasterio.open(folder / "dem.tif") as ds:
        assert ds.tags()["AREA_OR_POINT"] == "Point"
        assert ds.crs.to_epsg() == 4326
        heights = ds.read(1)
    from insarproj.sandbox.dem_tiles import geoid_height, terrain

    # Ellipsoidal: the geoid was added to the tile's heights above EGM2008.
    row, col = ds.index(-117.5, 35.7)
    lon, lat = ds.xy(row, col)
    assert heights[row, col] == pytest.approx(terrain(lon, lat) + geoid_height(lon, lat), abs=2.0)
    assert not list(tmp_path.glob("dem/.*"))  # the work folder is gone


def test_isce_form_has_wgs84_xml_and_vrt_with_nan_as_zero(tmp_path: Path) -> None:
    made, folder = stitched(tmp_path, HAWAII, (-156.4, 18.6, -154.6, 20.4), isce=True)
    name = isce_name("A064")
    assert made.files == ["dem.tif", name, f"{name}.xml", f"{name}.vrt"]
    xml = (folder / f"{name}.xml").read_text()
    assert "<imageFile>" in xml and 'name="reference"' in xml and "WGS84" in xml
    with rasterio.open(folder / f"{name}.vrt") as vrt, rasterio.open(folder / "dem.tif") as tif:
        assert vrt.driver == "VRT" and vrt.transform == tif.transform
        zero = vrt.read(1)
        nan = tif.read(1)
    assert np.isnan(nan).any()  # the ocean tiles the bucket lacks
    assert not np.isnan(zero).any() and (zero[np.isnan(nan)] == 0).all()


def test_a_coastal_dem_is_accepted(tmp_path: Path) -> None:
    made, _ = stitched(tmp_path, HAWAII, (-156.4, 18.6, -154.6, 20.4))
    assert made.facts.valid_share < 0.85  # three of the nine tiles it touches are open ocean
    assert made.facts.land_valid_share > 0.95


def test_a_bad_tile_is_rejected_and_nothing_is_written(tmp_path: Path) -> None:
    tiles = needed_tiles(RIDGECREST, dem_url=URL, dem90_url=URL90)
    write_tiles(tmp_path / "tiles", [t.tile_id for t in tiles])
    path = tmp_path / "tiles" / f"{TILE}.tif"
    with rasterio.open(path, "r+") as ds:
        ds.write(np.full((ds.height, ds.width), 20000.0, dtype="float32"), 1)
    geoid = geoid_window(str(write_geoid(tmp_path / "egm08.tif")), RIDGECREST, tmp_path / "window.tif")
    with pytest.raises(InsarprojError, match="outside the Earth's"):
        make_dem(
            stack="A064",
            bounds=RIDGECREST,
            required=RIDGECREST,
            tiles=tiles,
            tile_dir=tmp_path / "tiles",
            geoid_path=geoid,
            out_dir=tmp_path / "dem" / "A064",
            isce=False,
        )
    assert not (tmp_path / "dem" / "A064" / "dem.tif").exists()
