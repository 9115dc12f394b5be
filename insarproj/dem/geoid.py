"""The geoid window a DEM needs, read from the configured geoid (URL or local file).

dem_stitcher turns GLO-30's EGM2008 heights into ellipsoidal heights with a geoid it reads by GDAL
from AWS unless given `geoid_path`, and it takes only https URLs or existing files there. Reading
the needed window here — GDAL range requests against `INSARPROJ_GEOID_URL`, plain http included —
and handing dem_stitcher a small local GeoTIFF of it keeps the geoid on the configured endpoint and
off the internet, without downloading the whole global file (about a gigabyte) (docs/dem.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from insarproj.errors import ProviderError

# Degrees read around the DEM: covers dem_stitcher's own buffer of two geoid pixels at any resolution.
WINDOW_MARGIN = 1.0


def geoid_window(source: str, bounds: Sequence[float], dest: Path) -> Path:
    """Write the part of the geoid ``source`` covering ``bounds`` (plus a margin) to ``dest``."""
    import rasterio
    from dem_stitcher.geoid import read_geoid
    from rasterio.errors import RasterioError

    west, south, east, north = bounds
    extent = [
        max(west - WINDOW_MARGIN, -180.0),
        max(south - WINDOW_MARGIN, -90.0),
        min(east + WINDOW_MARGIN, 180.0),
        min(north + WINDOW_MARGIN, 90.0),
    ]
    try:
        array, profile = read_geoid(source, extent=extent, res_buffer=2)
    except (RasterioError, OSError) as exc:
        raise ProviderError(
            f"the geoid {source} could not be read ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})",
            hint="check INSARPROJ_GEOID_URL ([endpoints] geoid): an http(s) URL serving byte ranges, "
            "or a local GeoTIFF",
        ) from exc
    profile.update(driver="GTiff", count=array.shape[0], dtype="float32")
    for key in ("blockxsize", "blockysize", "tiled", "compress", "interleave"):
        profile.pop(key, None)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(dest, "w", **profile) as out:
        out.write(array.astype("float32"))
    return dest
