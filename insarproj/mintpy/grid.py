"""One grid per stack: the products' CRS, the common overlap, and clipping onto it (docs/mintpy.md).

HyP3 picks each product's UTM zone from its own footprint, so a stack straddling a zone boundary
mixes zones; MintPy needs one grid. The odd products are warped (nearest neighbour, so phase and
masks keep their values) onto the majority zone rather than refused: the user paid for them and
cannot order them in another zone. Products already in that zone are copied pixel for pixel
(the output grid is snapped to their pixel grid).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from insarproj.errors import InsarprojError

Bounds = tuple[float, float, float, float]  # west, south, east, north in the grid's CRS


@dataclass(frozen=True)
class RasterGrid:
    """Where one raster lies."""

    label: str  # who it is, for messages (the product's address)
    crs: str  # e.g. "EPSG:32611"
    bounds: Bounds
    resolution: float  # metres per pixel (square pixels)


@dataclass(frozen=True)
class TargetGrid:
    crs: str
    bounds: Bounds
    resolution: float

    @property
    def width(self) -> int:
        return round((self.bounds[2] - self.bounds[0]) / self.resolution)

    @property
    def height(self) -> int:
        return round((self.bounds[3] - self.bounds[1]) / self.resolution)

    @property
    def transform(self) -> Any:
        from affine import Affine

        return Affine(self.resolution, 0.0, self.bounds[0], 0.0, -self.resolution, self.bounds[3])


def read_grid(path: Path, label: str) -> RasterGrid:
    import rasterio

    with rasterio.open(path) as src:
        if src.crs is None:
            raise InsarprojError(f"{label}: {path.name} has no coordinate reference system")
        crs = src.crs.to_string()
        return RasterGrid(label, crs, tuple(src.bounds), float(abs(src.res[0])))  # type: ignore[arg-type]


def majority_crs(grids: Sequence[RasterGrid]) -> str:
    """The CRS most products use; ties go to the first in sort order (the same answer every time)."""
    counts = Counter(g.crs for g in grids)
    best = max(counts.values())
    return sorted(crs for crs, n in counts.items() if n == best)[0]


def _in_crs(grid: RasterGrid, crs: str) -> Bounds:
    if grid.crs == crs:
        return grid.bounds
    from rasterio.warp import transform_bounds

    return tuple(transform_bounds(grid.crs, crs, *grid.bounds, densify_pts=21))  # type: ignore[return-value]


def _intersect(a: Bounds, b: Bounds) -> Bounds:
    return (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))


def common_grid(grids: Sequence[RasterGrid], aoi_lonlat: Bounds | None = None) -> TargetGrid:
    """The majority CRS, the coarsest pixel size, and the overlap of every raster (∩ the AOI),
    snapped inward to whole pixels of that size."""
    crs = majority_crs(grids)
    resolution = max(g.resolution for g in grids if g.crs == crs)
    overlap = _in_crs(grids[0], crs)
    for grid in grids[1:]:
        overlap = _intersect(overlap, _in_crs(grid, crs))
    if aoi_lonlat is not None:
        from rasterio.warp import transform_bounds

        aoi = tuple(transform_bounds("EPSG:4326", crs, *aoi_lonlat, densify_pts=21))
        overlap = _intersect(overlap, aoi)  # type: ignore[arg-type]
    west = math.ceil(overlap[0] / resolution) * resolution
    south = math.ceil(overlap[1] / resolution) * resolution
    east = math.floor(overlap[2] / resolution) * resolution
    north = math.floor(overlap[3] / resolution) * resolution
    if east - west < resolution or north - south < resolution:
        names = ", ".join(sorted({g.label for g in grids}))
        where = " and the AOI" if aoi_lonlat is not None else ""
        raise InsarprojError(
            f"the products {names}{where} have no common overlap of even one pixel: MintPy needs one grid; "
            'check the stack\'s footprints (`insarproj show`) or set clip = "common" in [mintpy]'
        )
    return TargetGrid(crs, (west, south, east, north), resolution)


def clip_to(source: Path, target: Path, grid: TargetGrid) -> None:
    """Write ``source`` resampled (nearest) onto ``grid`` as a GeoTIFF at ``target``."""
    import rasterio
    from affine import Affine
    from rasterio.enums import Resampling
    from rasterio.vrt import WarpedVRT

    transform = Affine(grid.resolution, 0.0, grid.bounds[0], 0.0, -grid.resolution, grid.bounds[3])
    with rasterio.open(source) as src:
        options: dict[str, Any] = {
            "crs": grid.crs,
            "transform": transform,
            "width": grid.width,
            "height": grid.height,
            "resampling": Resampling.nearest,
        }
        if src.nodata is not None:
            options["nodata"] = src.nodata
        with WarpedVRT(src, **options) as vrt:
            data = vrt.read()
            profile = {
                "driver": "GTiff",
                "dtype": src.dtypes[0],
                "count": src.count,
                "crs": grid.crs,
                "transform": transform,
                "width": grid.width,
                "height": grid.height,
                "nodata": src.nodata,
            }
    with rasterio.open(target, "w", **profile) as dst:
        dst.write(data)


def union_grid(grids: Sequence[RasterGrid]) -> TargetGrid:
    """The majority CRS, the coarsest pixel size, and the union of every raster's bounds, snapped
    outward to whole pixels: the grid burst groups of one pair are merged onto (merge.py)."""
    crs = majority_crs(grids)
    resolution = max(g.resolution for g in grids if g.crs == crs)
    parts = [_in_crs(g, crs) for g in grids]
    west = math.floor(min(p[0] for p in parts) / resolution) * resolution
    south = math.floor(min(p[1] for p in parts) / resolution) * resolution
    east = math.ceil(max(p[2] for p in parts) / resolution) * resolution
    north = math.ceil(max(p[3] for p in parts) / resolution) * resolution
    return TargetGrid(crs, (west, south, east, north), resolution)


def read_onto(source: Path, grid: TargetGrid) -> tuple[Any, Any, dict[str, Any]]:
    """``source``'s first band on ``grid`` (nearest), where it has data, and its profile."""
    import numpy as np
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.vrt import WarpedVRT

    with rasterio.open(source) as src:
        options: dict[str, Any] = {
            "crs": grid.crs,
            "transform": grid.transform,
            "width": grid.width,
            "height": grid.height,
            "resampling": Resampling.nearest,
            "add_alpha": True,  # the last band says where the source has pixels at all
        }
        with WarpedVRT(src, **options) as vrt:
            values, alpha = vrt.read(1), vrt.read(vrt.count)
        valid = alpha > 0
        if src.nodata is not None:
            valid &= ~(np.isnan(values) if np.isnan(src.nodata) else values == src.nodata)
        return values, valid, {"dtype": src.dtypes[0], "nodata": src.nodata}
