"""Stitch a stack's DEM with dem_stitcher from the tile cache and write its files.

One stitch serves both forms: dem_stitcher's defaults (ellipsoidal heights; `Point`, which is
GLO-30's own registration, so no resampling), written as a GeoTIFF with NaN as nodata; and for
processor `isce` the `.wgs84` file stackSentinel.py reads, written by GDAL's ISCE driver with NaN
replaced by 0 and its `.xml` / `.vrt`, as ASF's hyp3-isce2 does (a DEM labelled `Area` there
would be shifted by half a pixel). Files are written in a temporary folder beside the stack's
folder and moved into place only after the checks passed (docs/dem.md).
"""

from __future__ import annotations

import os
import shutil
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from insarproj.dem.checks import DemFacts, judge, tile_corner
from insarproj.dem.tiles import Tile
from insarproj.errors import ProviderError

DEM_NAME = "glo_30"
GEOTIFF = "dem.tif"


def parameters(processor: str) -> dict[str, Any]:
    """What the DEM is made with besides its bounds: recorded, and compared on every plan."""
    params: dict[str, Any] = {
        "dem_name": DEM_NAME,
        "dst_ellipsoidal_height": True,
        "dst_area_or_point": "Point",
        "fill_in_glo_30": True,
    }
    if processor == "isce":
        params["isce_wgs84"] = "NaN->0"
    return params


def stitcher_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dem_stitcher")
    except PackageNotFoundError:
        return "not installed"


def isce_name(stack: str) -> str:
    return f"{stack}.dem.wgs84"


@dataclass(frozen=True)
class MadeDem:
    files: list[str]  # names inside the stack's DEM folder
    facts: DemFacts


def make_dem(
    *,
    stack: str,
    bounds: Sequence[float],
    required: Sequence[float],
    tiles: Sequence[Tile],
    tile_dir: Path,
    geoid_path: Path,
    out_dir: Path,
    isce: bool,
) -> MadeDem:
    """Stitch, check and write the DEM of ``stack`` into ``out_dir`` (replacing what was there)."""
    if not tiles:
        raise ProviderError(
            f"no GLO-30 tile covers the DEM bounds of {stack} {list(bounds)}: open ocean",
            hint="the stack's AOI has no land: set [dem] enabled = false",
        )
    array, profile = _stitch(bounds, tile_dir, geoid_path)
    facts = judge(array, profile, required, [tile_corner(t.tile_id) for t in tiles])
    work = out_dir.parent / f".{out_dir.name}.new-{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True)
    try:
        files = [_write_geotiff(array, profile, work / GEOTIFF)]
        if isce:
            files += _write_isce(array, profile, work / isce_name(stack))
        out_dir.mkdir(parents=True, exist_ok=True)
        for name in files:
            os.replace(work / name, out_dir / name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return MadeDem(files=files, facts=facts)


def _quiet_stitcher() -> None:
    """dem_stitcher draws tqdm bars on stderr with no switch to turn them off; insarproj shows its
    own progress, so dem_stitcher's modules get a tqdm that is always disabled."""
    import functools

    import dem_stitcher.merge
    import dem_stitcher.stitcher
    from tqdm import tqdm

    for module in (dem_stitcher.stitcher, dem_stitcher.merge):
        module.tqdm = functools.partial(tqdm, disable=True)  # type: ignore[attr-defined]


def _stitch(bounds: Sequence[float], tile_dir: Path, geoid_path: Path) -> tuple[Any, dict[str, Any]]:
    from dem_stitcher import stitch_dem
    from rasterio.errors import RasterioError

    _quiet_stitcher()
    params = parameters("download")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "directory exists; writing new files": the cache is ours
            array, profile = stitch_dem(
                list(bounds),
                params["dem_name"],
                dst_ellipsoidal_height=params["dst_ellipsoidal_height"],
                dst_area_or_point=params["dst_area_or_point"],
                fill_in_glo_30=params["fill_in_glo_30"],
                geoid_path=str(geoid_path),
                dst_tile_dir=tile_dir,
                n_threads_downloading=1,
                n_threads_reproj=2,
            )
    except (RasterioError, OSError, ValueError) as exc:
        raise ProviderError(
            f"dem_stitcher failed on the tiles in {tile_dir} ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0][:200] if str(exc) else ''})",
            hint=f"delete {tile_dir} to fetch the tiles again",
        ) from exc
    return array, dict(profile)


def _write_geotiff(array: Any, profile: dict[str, Any], path: Path) -> str:
    import rasterio

    out = dict(profile)
    for key in ("blockxsize", "blockysize", "interleave"):
        out.pop(key, None)
    out.update(driver="GTiff", dtype="float32", count=1, compress="deflate", tiled=False)
    with rasterio.open(path, "w", **out) as dst:
        dst.write(array.astype("float32"), 1)
        dst.update_tags(AREA_OR_POINT="Point")
    return path.name


def _write_isce(array: Any, profile: dict[str, Any], path: Path) -> list[str]:
    """The `.wgs84` file with GDAL's ISCE driver (which writes its `.xml`), and a `.vrt` over it."""
    import numpy as np
    import rasterio
    import rasterio.shutil

    with rasterio.Env() as env:
        if "ISCE" not in env.drivers():
            raise ProviderError(
                "the GDAL inside rasterio has no ISCE driver, so the .wgs84 DEM for stackSentinel.py "
                "cannot be written",
                hint="install rasterio's wheels from PyPI (their GDAL has it) or a GDAL built with ISCE",
            )
    out = dict(profile)
    for key in ("blockxsize", "blockysize", "compress", "interleave", "tiled"):
        out.pop(key, None)
    out.update(driver="ISCE", dtype="float32", count=1, nodata=None)
    filled = np.where(np.isfinite(array), array, 0.0).astype("float32")
    with rasterio.open(path, "w", **out) as dst:
        dst.write(filled, 1)
    vrt = path.with_name(path.name + ".vrt")
    rasterio.shutil.copy(path, vrt, driver="VRT")
    xml = path.with_name(path.name + ".xml")
    _tag_ellipsoidal(xml)
    return [path.name, xml.name, vrt.name]


def _tag_ellipsoidal(xml: Path) -> None:
    """Say in the ISCE header that heights are above the WGS84 ellipsoid (as hyp3-isce2 does)."""
    import xml.etree.ElementTree as ET

    tree = ET.parse(xml)
    root = tree.getroot()
    prop = ET.Element("property", name="reference")
    ET.SubElement(prop, "value").text = "WGS84"
    ET.SubElement(prop, "doc").text = "Geodetic datum"
    root.insert(0, prop)
    tree.write(xml)
