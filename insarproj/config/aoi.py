"""Area-of-interest geometry from a bbox, a WKT string or a GeoJSON file, checked for use with ASF.

shapely is imported inside the functions: the CLI imports the config package at start-up.
Every check raises :class:`FieldProblem` keyed to the AOI key at fault.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from insarproj.config.nesting import MAX_NESTING, nesting_depth
from insarproj.config.problems import FieldProblem

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

MAX_WKT_NESTING = 8  # a GEOMETRYCOLLECTION(MULTIPOLYGON(((…)))) has 4
SPLIT_HINT = "split the project in two, one per side of the antimeridian (180° longitude)"
_NAMES = ("west", "south", "east", "north")


def bbox_geometry(bbox: Sequence[float]) -> BaseGeometry:
    """The polygon of a ``[W, S, E, N]`` box in degrees."""
    from shapely.geometry import box

    check_bbox(bbox)
    west, south, east, north = bbox
    return box(west, south, east, north)


def bbox_wkt(bbox: Sequence[float]) -> str | None:
    """The WKT shapely writes for ``bbox_geometry(bbox)``, without importing shapely (a no-op plan
    needs the AOI only as the text in the search fingerprint); None when a number is not one whose
    text is sure to match GEOS's (an exponent, or more than 15 decimals), then ask shapely."""
    numbers = [_wkt_number(value) for value in bbox]
    if len(numbers) != 4 or None in numbers:
        return None
    west, south, east, north = numbers
    return f"POLYGON (({east} {south}, {east} {north}, {west} {north}, {west} {south}, {east} {south}))"


def _wkt_number(value: float) -> str | None:
    value = float(value)
    if value == 0:
        return "0"
    text = repr(value)  # the shortest text that reads back as the same float, as GEOS writes
    whole, _, fraction = text.partition(".")
    if "e" in text or len(fraction) > 15:
        return None
    return whole if fraction == "0" else text


def check_bbox(bbox: Sequence[float]) -> None:
    """Check the four numbers of a ``[W, S, E, N]`` box (without building a geometry)."""
    if len(bbox) != 4:
        raise FieldProblem(
            f"needs 4 numbers, got {len(bbox)}",
            key=("bbox",),
            hint="write bbox = [west, south, east, north] in degrees, e.g. [-117.9, 35.5, -117.3, 35.9]",
        )
    _check_swapped(bbox)
    for index, (value, name) in enumerate(zip(bbox, _NAMES, strict=True)):
        limit = 180.0 if name in ("west", "east") else 90.0
        if not math.isfinite(value) or not -limit <= value <= limit:
            kind = "longitude" if limit == 180.0 else "latitude"
            raise FieldProblem(
                f"the {name} edge {value} is not a valid {kind}",
                key=("bbox", index),
                hint=f"use a {kind} from {-limit:g} to {limit:g} degrees "
                "(bbox is [west, south, east, north])",
            )
    west, south, east, north = bbox
    if west > east:
        raise FieldProblem(
            f"west {west:g} is greater than east {east:g}",
            key=("bbox",),
            hint=f"swap west and east ([{east:g}, {south:g}, {west:g}, {north:g}]), or split the project "
            "in two, one per side of the antimeridian (180° longitude), if the box really crosses it",
        )
    if west == east:
        raise FieldProblem(
            f"west and east are both {west}, so the box has no area",
            key=("bbox",),
            hint="bbox is [west, south, east, north] with west < east",
        )
    if south >= north:
        raise FieldProblem(
            f"south {south} is not south of north {north}",
            key=("bbox",),
            hint="bbox is [west, south, east, north] with south < north",
        )


def _check_swapped(bbox: Sequence[float]) -> None:
    """Refuse a box written latitude first ([south, west, north, east]): only when that is certain,
    i.e. a latitude slot holds a value beyond ±90 and reading the numbers the other way round gives
    a valid box. Boxes where both readings are valid (most of Europe) cannot be told apart."""
    first, second, third, fourth = bbox
    values_finite = all(math.isfinite(v) for v in bbox)
    if not values_finite or (abs(second) <= 90 and abs(fourth) <= 90):
        return
    west, south, east, north = second, first, fourth, third
    readable = abs(south) <= 90 and abs(north) <= 90 and abs(west) <= 180 and abs(east) <= 180
    if readable and west < east and south < north:
        raise FieldProblem(
            f"[{first:g}, {second:g}, {third:g}, {fourth:g}] looks like latitude and longitude swapped "
            f"({second:g} and {fourth:g} cannot be latitudes)",
            key=("bbox",),
            hint=f"bbox is [west, south, east, north], longitude first: write "
            f"bbox = [{west:g}, {south:g}, {east:g}, {north:g}]",
        )


def wkt_geometry(text: str) -> BaseGeometry:
    """The geometry of a WKT string, checked by :func:`check_geometry`."""
    import shapely
    from shapely.errors import ShapelyError

    depth = _parenthesis_depth(text)
    if depth > MAX_WKT_NESTING:  # GEOS parses nesting recursively and crashes far below Python's limit
        raise FieldProblem(
            f"the WKT text nests parentheses {depth} levels deep",
            key=("wkt",),
            hint=f"an AOI needs at most {MAX_WKT_NESTING} (a MULTIPOLYGON has 3); "
            "write a polygon like "
            'wkt = "POLYGON((-117.9 35.5, -117.3 35.5, -117.3 35.9, -117.9 35.9, -117.9 35.5))"',
        )
    try:
        geometry = shapely.from_wkt(text)
    except (ShapelyError, ValueError, TypeError) as exc:
        raise FieldProblem(
            f"the WKT text is not valid ({_first_line(exc)})",
            key=("wkt",),
            hint='write a polygon like wkt = "POLYGON((-117.9 35.5, -117.3 35.5, -117.3 35.9, -117.9 35.9, '
            '-117.9 35.5))" (longitude before latitude)',
        ) from None
    return check_geometry(geometry, key=("wkt",), what="the WKT polygon")


def _parenthesis_depth(text: str) -> int:
    deepest = depth = 0
    for char in text:
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
    return deepest


def geojson_geometry(path: Path, *, shown_as: str) -> BaseGeometry:
    """The union of every geometry of a GeoJSON file (FeatureCollection, Feature or bare geometry)."""
    import shapely
    from shapely.errors import ShapelyError
    from shapely.geometry import shape

    key: tuple[str | int, ...] = ("file",)
    if not path.is_file():
        raise FieldProblem(
            f"the AOI file {shown_as} does not exist (looked for {path})",
            key=key,
            hint="create it, or give its path relative to the project folder",
        )
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:  # deep nesting: RecursionError
        raise FieldProblem(
            f"cannot read the AOI file {shown_as} as GeoJSON ({_first_line(exc)})",
            key=key,
            hint="save it as a GeoJSON FeatureCollection, Feature or geometry",
        ) from None
    if nesting_depth(document) > MAX_NESTING:  # shapely and GEOS walk nested geometries recursively
        raise FieldProblem(
            f"the AOI file {shown_as} nests lists or objects more than {MAX_NESTING} levels deep",
            key=key,
            hint="save it as a GeoJSON FeatureCollection, Feature or geometry "
            "(a MultiPolygon needs 4 levels)",
        )
    try:
        parts = [shape(g) for g in _geojson_geometries(document, shown_as)]
    except FieldProblem:
        raise
    except (ShapelyError, ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError) as exc:
        raise FieldProblem(
            f"the AOI file {shown_as} holds a malformed GeoJSON geometry ({_first_line(exc)})",
            key=key,
            hint="check its coordinates, e.g. by opening it in QGIS",
        ) from None
    invalid = [shapely.is_valid_reason(p) for p in parts if not p.is_valid]
    if invalid:
        raise FieldProblem(
            f"the AOI file {shown_as} holds an invalid geometry ({invalid[0]})",
            key=key,
            hint="repair it, e.g. with QGIS's 'Fix geometries' or shapely.make_valid",
        )
    try:
        geometry = shapely.union_all(parts) if len(parts) > 1 else parts[0]
    except ShapelyError as exc:
        raise FieldProblem(
            f"cannot merge the geometries of the AOI file {shown_as} ({_first_line(exc)})",
            key=key,
            hint="merge them into one polygon, e.g. with QGIS's 'Dissolve'",
        ) from None
    return check_geometry(geometry, key=key, what=f"the geometry of {shown_as}")


def _geojson_geometries(document: Any, shown_as: str) -> list[dict[str, Any]]:
    kind = document.get("type") if isinstance(document, dict) else None
    if kind == "FeatureCollection":
        features = document.get("features") or []
        geometries = [f.get("geometry") for f in features if isinstance(f, dict)]
    elif kind == "Feature":
        geometries = [document.get("geometry")]
    elif kind == "GeometryCollection":
        geometries = list(document.get("geometries") or [])
    elif isinstance(kind, str):
        geometries = [document]
    else:
        geometries = []
    found: list[dict[str, Any]] = [g for g in geometries if isinstance(g, dict)]
    if not found:
        raise FieldProblem(
            f"the AOI file {shown_as} holds no GeoJSON geometry",
            key=("file",),
            hint="it must be a FeatureCollection with at least one polygon feature, a Feature or a geometry",
        )
    return found


def check_geometry(geometry: BaseGeometry, *, key: tuple[str | int, ...], what: str) -> BaseGeometry:
    """Check that ``geometry`` is a valid, non-empty area in lon/lat that does not cross 180°."""
    import shapely

    if geometry.is_empty:
        raise FieldProblem(f"{what} is empty", key=key, hint="give a polygon with an area")
    if not geometry.is_valid:
        raise FieldProblem(
            f"{what} is not valid ({shapely.is_valid_reason(geometry)})",
            key=key,
            hint="make its rings non-self-intersecting, e.g. with QGIS's 'Fix geometries' "
            "or shapely.make_valid",
        )
    geometry = shapely.force_2d(geometry)
    if geometry.geom_type not in ("Polygon", "MultiPolygon") or geometry.area <= 0:
        raise FieldProblem(
            f"{what} is a {geometry.geom_type} without area",
            key=key,
            hint="the AOI must be a Polygon or MultiPolygon (or use bbox)",
        )
    west, south, east, north = geometry.bounds
    if west < -180 or east > 180 or south < -90 or north > 90:
        raise FieldProblem(
            f"{what} reaches beyond longitude -180..180 or latitude -90..90 "
            f"(bounds {west:g}, {south:g}, {east:g}, {north:g})",
            key=key,
            hint="give coordinates as longitude, latitude in degrees (EPSG:4326)",
        )
    if east - west > 180:
        raise FieldProblem(
            f"{what} spans {east - west:g}° of longitude, so it crosses the antimeridian",
            key=key,
            hint=SPLIT_HINT,
        )
    return geometry


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
