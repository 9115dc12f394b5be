"""How much of the AOI a set of footprints covers.

Coverage is a ratio of areas, so a uniform scale cancels out, but degrees of longitude shrink with
latitude: a footprint stretching north-south over an AOI is not weighed like one crossing it
east-west. Areas are therefore measured in a sinusoidal projection centred on the AOI
(x = (lon - lon0)·cos(lat), y = lat), which is equal-area on the sphere; edges are first densified
to 0.05° so straight lon/lat edges keep their shape. The result is accurate to well under 1 % for
AOIs of a few hundred kilometres, which is all a coverage threshold needs, and needs no PROJ.

shapely is imported inside the functions (the CLI imports this package at start-up).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

from insarproj.errors import ConfigError

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

_DENSIFY_DEG = 0.05


def load_geometry(wkt: str, *, what: str = "the AOI") -> BaseGeometry:
    """Parse lon/lat WKT into a shapely geometry, with a clear error when it is not valid."""
    import shapely
    from shapely import wkt as shapely_wkt

    try:
        geom = shapely_wkt.loads(wkt)
    except (shapely.errors.ShapelyError, ValueError, TypeError) as exc:
        raise ConfigError(
            f"{what} is not valid WKT ({exc})",
            key="aoi",
            hint='write e.g. "POLYGON((W S, E S, E N, W N, W S))" in lon/lat degrees',
        ) from exc
    if geom.is_empty:
        raise ConfigError(f"{what} is an empty geometry", key="aoi", hint="give a point, line or polygon")
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return geom


def to_wkt(geom: BaseGeometry) -> str:
    import shapely

    return str(shapely.to_wkt(geom, rounding_precision=6, trim=True))


class AoiCoverage:
    """Measures shares of one AOI; caches projected footprints (a search reuses each many times)."""

    def __init__(self, aoi: BaseGeometry | str) -> None:
        self.aoi = load_geometry(aoi) if isinstance(aoi, str) else aoi
        self._lon0 = float(self.aoi.centroid.x)
        self._aoi_projected = self._project(self.aoi)
        self._aoi_area = float(self._aoi_projected.area)
        self._aoi_length = float(self._aoi_projected.length)
        self._cache: dict[str, BaseGeometry] = {}

    def _project(self, geom: BaseGeometry) -> BaseGeometry:
        import numpy as np
        import shapely

        lon0 = self._lon0

        def sinusoidal(coords: np.ndarray) -> np.ndarray:
            out = coords.copy()
            out[:, 0] = (coords[:, 0] - lon0) * np.cos(np.radians(coords[:, 1]))
            return out

        return shapely.transform(shapely.segmentize(geom, _DENSIFY_DEG), sinusoidal)

    def footprint(self, wkt: str) -> BaseGeometry:
        cached = self._cache.get(wkt)
        if cached is None:
            cached = self._project(load_geometry(wkt, what="a scene footprint"))
            self._cache[wkt] = cached
        return cached

    def share(self, footprints: Iterable[str]) -> float:
        """Share (0..1) of the AOI covered by the union of the footprints (WKT)."""
        import shapely

        projected = [self.footprint(wkt) for wkt in footprints]
        if not projected:
            return 0.0
        union = projected[0] if len(projected) == 1 else shapely.union_all(projected)
        if self._aoi_area > 0:
            value = union.intersection(self._aoi_projected).area / self._aoi_area
        elif self._aoi_length > 0:
            value = union.intersection(self._aoi_projected).length / self._aoi_length
        else:  # a point AOI is covered or not
            value = 1.0 if union.intersects(self._aoi_projected) else 0.0
        return min(1.0, max(0.0, float(value)))

    def overlaps(self, wkt: str) -> bool:
        """True when the footprint shares some area (or, for point/line AOIs, some part) with the AOI."""
        if self._aoi_area > 0:
            return self.share([wkt]) > 0.0
        return bool(self.footprint(wkt).intersects(self._aoi_projected))


def percent(value: float) -> str:
    """A share as a short percentage for messages ("31 %")."""
    scaled = value * 100
    text = f"{scaled:.0f}"
    if not math.isclose(scaled, round(scaled), abs_tol=1e-9) and scaled < 1:
        text = f"{scaled:.1f}"
    return f"{text} %"
