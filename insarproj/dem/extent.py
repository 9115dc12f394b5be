"""Which ground a stack's DEM must cover (the *required extent*) and the bounds it is made with.

The required extent is what the processor reads: for `download` the AOI where the stack's scenes
see it, plus a small margin; for `isce` the same with hyp3-isce2's 0.4° buffer (about two bursts),
because topsStack keeps every burst that touches the AOI (for a burst search, the bursts
themselves). The DEM is stitched over the required extent snapped outward to a grid (whole degrees
for isce, as hyp3-isce2 does), so slice framing that drifts between dates stays inside it: a DEM
is replaced only when its recorded bounds no longer cover the required extent (docs/dem.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Bounds = tuple[float, float, float, float]  # west, south, east, north (degrees, EPSG:4326)


@dataclass(frozen=True)
class ExtentRule:
    """How a processor's required extent is drawn: a margin around it and the grid it snaps to."""

    margin: float  # degrees added on every side
    snap: float  # the stitched bounds are snapped outward to multiples of this (degrees)


RULES: dict[str, ExtentRule] = {
    "download": ExtentRule(margin=0.05, snap=0.1),
    # hyp3-isce2 buffers the bursts' extent by 0.4° and floors/ceils it to whole degrees.
    "isce": ExtentRule(margin=0.4, snap=1.0),
}


def rule_for(processor: str) -> ExtentRule:
    return RULES.get(processor, RULES["download"])


def required_extent(
    aoi_wkt: str, footprints: Iterable[str], *, processor: str, bursts: bool
) -> Bounds | None:
    """The bounds a stack's DEM must cover, or None when the stack's scenes do not touch the AOI.

    ``footprints`` are the WKT footprints of every scene (or burst) of the stack, all dates.
    """
    import numpy as np
    import shapely

    shapes = shapely.from_wkt(list(footprints))
    if shapes.size == 0:
        return None
    # The bounds of a union are the envelope of its parts' bounds: no union needed (plan stays fast
    # on stacks of hundreds of dates). A burst search keeps exactly the bursts that intersect the
    # AOI: their extent is the need; otherwise only the AOI part each scene sees.
    parts = shapes if bursts else shapely.intersection(shapes, shapely.from_wkt(aoi_wkt))
    parts = parts[~shapely.is_empty(parts)]
    if parts.size == 0:
        return None
    corners = shapely.bounds(parts)
    envelope = (*np.min(corners[:, :2], axis=0), *np.max(corners[:, 2:], axis=0))
    return expand([float(v) for v in envelope], rule_for(processor).margin)


def expand(bounds: Sequence[float], margin: float) -> Bounds:
    west, south, east, north = bounds
    return _clip((west - margin, south - margin, east + margin, north + margin))


def snapped(bounds: Bounds, step: float) -> Bounds:
    """``bounds`` grown outward to multiples of ``step`` (rounded first: 35.5 stays 35.5)."""

    def down(value: float) -> float:
        return round(math.floor(round(value / step, 9)) * step, 9)

    def up(value: float) -> float:
        return round(math.ceil(round(value / step, 9)) * step, 9)

    west, south, east, north = bounds
    return _clip((down(west), down(south), up(east), up(north)))


def stitch_bounds(required: Bounds, processor: str) -> Bounds:
    return snapped(required, rule_for(processor).snap)


def covers(recorded: Sequence[float], required: Sequence[float], *, tolerance: float = 1e-9) -> bool:
    """Whether a DEM made over ``recorded`` covers ``required``."""
    rw, rs, re_, rn = recorded
    qw, qs, qe, qn = required
    return rw <= qw + tolerance and rs <= qs + tolerance and re_ >= qe - tolerance and rn >= qn - tolerance


def describe(bounds: Sequence[float]) -> str:
    west, south, east, north = bounds
    return f"[{west:g}, {south:g}, {east:g}, {north:g}]"


def _clip(bounds: Sequence[float]) -> Bounds:
    """Inside the globe, and rounded to about 0.1 m: state stays readable, comparisons stable."""
    west, south, east, north = (round(v, 6) for v in bounds)
    return (max(west, -180.0), max(south, -90.0), min(east, 180.0), min(north, 90.0))
