"""GLO-30 tiles: which ones a DEM needs, and fetching them into the tile cache.

Which tiles exist comes from dem_stitcher's own tile index (the real bucket has no tiles over open
ocean, and the index lists none: a coastal extent simply needs fewer tiles). Each tile is then
fetched from the configured endpoint (`INSARPROJ_DEM_URL`, the bucket layout `/<tile>/<tile>.tif`)
by insarproj's verified downloader — resume, retry, temp name, TIFF check — into the tile cache
that dem_stitcher gets as `dst_tile_dir`. dem_stitcher reuses a tile it finds there by name and
never reaches the internet itself. A tile in the cache is never fetched again: the downloader puts
a file under its real name only after it verified (docs/dem.md). No credentials go to the bucket.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from insarproj.errors import ProviderError

# Copernicus tile names, e.g. Copernicus_DSM_COG_10_N64_00_W148_00_DEM (10: GLO-30, 30: GLO-90).
TILE_NAME = re.compile(r"Copernicus_DSM_COG_(10|30)_[NS]\d{2}_00_[EW]\d{3}_00_DEM")


@dataclass(frozen=True)
class Tile:
    tile_id: str
    dataset: str  # "glo_30", or "glo_90_missing" (GLO-90 where GLO-30 has no tile)
    url: str

    @property
    def file_name(self) -> str:
        return f"{self.tile_id}.tif"


def needed_tiles(bounds: Sequence[float], *, dem_url: str, dem90_url: str) -> list[Tile]:
    """The tiles dem_stitcher will read for ``bounds``, at the configured endpoints."""
    from dem_stitcher.datasets import get_overlapping_dem_tiles, intersects_missing_glo_30_tiles

    sources = [("glo_30", dem_url)]
    # dem_stitcher fills GLO-30's few gaps (Armenia, Azerbaijan) with GLO-90 from the same cache.
    if intersects_missing_glo_30_tiles(list(bounds)):
        sources.append(("glo_90_missing", dem90_url))
    tiles = []
    for dataset, base in sources:
        frame = get_overlapping_dem_tiles(list(bounds), dataset)
        for tile_id in frame["tile_id"].tolist():
            if not TILE_NAME.fullmatch(tile_id):
                raise ProviderError(f"dem_stitcher's tile index names an unexpected tile {tile_id!r}")
            tiles.append(Tile(tile_id, dataset, f"{base.rstrip('/')}/{tile_id}/{tile_id}.tif"))
    return tiles


def fetch_tiles(
    tiles: Sequence[Tile],
    tile_dir: Path,
    *,
    fetch: Callable[[Any], Any],
    concurrency: int = 4,
) -> int:
    """Put every tile into ``tile_dir``; returns how many were downloaded (the rest were cached).

    ``fetch`` is a Downloader's fetch (a DownloadSpec in, the verified file in place out).
    """
    from insarproj.transfer.download import DownloadSpec

    missing = [t for t in tiles if not (tile_dir / t.file_name).is_file()]
    if not missing:
        return 0
    tile_dir.mkdir(parents=True, exist_ok=True)
    specs = [
        DownloadSpec(
            url=t.url, dest=tile_dir / t.file_name, size=None, md5=None, kind="tiff", label=t.tile_id
        )
        for t in missing
    ]
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        list(pool.map(fetch, specs))
    return len(missing)
