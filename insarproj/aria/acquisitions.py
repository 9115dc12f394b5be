"""Which dates HyP3 could make a GUNW product of, per ARIA frame: an SLC search of the stack's
track over its frames (docs/aria.md "On demand"), made with the pinned search (no request later).

HyP3's ARIA_S1_GUNW job fails when the SLCs of its two dates cover less than 90 % of the ARIA
frame (`--min-frame-coverage 0.9`) and charges it anyway. A frame's polygon is known only from its
published products (the union of their footprints); each date's coverage of it is the share the
union of that date's SLC footprints covers. The pin keeps {stack: {frame: {date: share}}}.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from insarproj.aria.model import AriaPin

FRAME_COVERAGE = 0.9  # HyP3's --min-frame-coverage of ARIA_S1_GUNW jobs
Coverage = dict[str, dict[str, float]]  # frame id (text) -> ISO date -> share of the frame


def frame_shapes(pin: AriaPin, stack: str) -> dict[int, Any]:
    """Each frame's polygon: the union of its published products' footprints."""
    from shapely import wkt as shapely_wkt
    from shapely.ops import unary_union

    shapes: dict[int, list[Any]] = defaultdict(list)
    for product in pin.products.values():
        if product.stack == stack:
            shapes[product.frame].append(shapely_wkt.loads(product.footprint))
    return {frame: unary_union(polygons) for frame, polygons in shapes.items()}


def frame_coverage(scenes: Iterable[tuple[dt.date, str]], frames: Mapping[int, Any]) -> Coverage:
    """{frame: {date: share}} from (date, footprint WKT) SLC scenes. Pure."""
    from shapely import wkt as shapely_wkt
    from shapely.ops import unary_union

    by_date: dict[dt.date, list[Any]] = defaultdict(list)
    for day, footprint in scenes:
        by_date[day].append(shapely_wkt.loads(footprint))
    result: Coverage = {}
    for frame, shape in sorted(frames.items()):
        shares = {}
        for day, footprints in sorted(by_date.items()):
            share = unary_union(footprints).intersection(shape).area / shape.area if shape.area else 0.0
            shares[day.isoformat()] = round(min(1.0, share), 4)
        result[str(frame)] = shares
    return result


def usable_dates(coverage: Coverage) -> set[dt.date]:
    """Dates on which at least one frame's SLCs reach HyP3's 90 %."""
    return {
        dt.date.fromisoformat(day)
        for shares in coverage.values()
        for day, share in shares.items()
        if share >= FRAME_COVERAGE
    }


def search_acquisitions(pin: AriaPin, project: Any, *, cmr_url: str, session: Any) -> dict[str, Coverage]:
    """The SLC search of each stack's track over its frames, as frame coverage per date."""
    from shapely.ops import unary_union

    from insarproj.scenes.model import SearchRequest
    from insarproj.scenes.search import find_products, scene_from_product

    result: dict[str, Coverage] = {}
    for stack in pin.stacks:
        shapes = frame_shapes(pin, stack.id)
        if not shapes:
            continue
        request = SearchRequest(
            aoi_wkt=unary_union(list(shapes.values())).envelope.wkt,
            start=project.config.search.start,
            end=project.config.search.end,
            polarizations=("VV+VH", "VV"),  # GUNW products are VV
            flight_direction="ASCENDING" if stack.id.startswith("A") else "DESCENDING",
            relative_orbits=(int(stack.id[1:]),),
        )
        products = find_products(request, cmr_url=cmr_url, session=session)
        scenes = [scene_from_product(p, cmr_url=cmr_url) for p in products]
        dated = [(dt.date.fromisoformat(s.start_time[:10]), s.footprint_wkt) for s in scenes]
        result[stack.id] = frame_coverage(dated, shapes)
    return result
