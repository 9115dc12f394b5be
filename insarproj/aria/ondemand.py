"""Which network pairs without a published GUNW product can be made on demand by HyP3's
ARIA_S1_GUNW job (docs/aria.md, "On demand"). Pure: no I/O.

A job makes one (frame, pair) product: its parameters are the frame id and the two dates (ARIA's
reference is the LATER date). HyP3 fails a job whose SLCs cover less than 90 % of the frame and
charges it anyway, so a job is offered only where published products show the frame was covered
on both dates: a frame with a published product of this stack on each of the two dates. The
frame's polygon is the union of its published products' footprints. Frames without any published
product, and dates no published product of the frame has, cannot be offered (a note says which).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from insarproj.aria.model import AriaProduct, AriaStack


@dataclass(frozen=True)
class OnDemandJob:
    """One ARIA_S1_GUNW job to make: a frame of a stack and a pair (earlier date first in `key`)."""

    stack: str
    frame: int
    key: str  # yyyymmdd_yyyymmdd, earlier first
    earlier: dt.date  # ARIA's secondary date
    later: dt.date  # ARIA's reference date
    coverage: float  # AOI share of the pair once made (with its published frames)


@dataclass(frozen=True)
class OnDemandPair:
    """A network pair completed on demand: the jobs to submit and the published products that
    join them (frames that have one), with the AOI share they cover together."""

    key: str
    jobs: tuple[OnDemandJob, ...]
    published: tuple[str, ...]
    coverage: float


def _date(text: str) -> dt.date:
    return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def _frame_problem(
    frame: int,
    pair: tuple[dt.date, dt.date],
    published: set[dt.date],
    acquisitions: Mapping[str, Mapping[str, float]] | None,
) -> str:
    """Why HyP3 could not make the frame's product of the pair ("" when it could)."""
    from insarproj.aria.acquisitions import FRAME_COVERAGE

    for day in pair:
        if acquisitions is None:
            if day not in published:
                return f"frame {frame} has no published product on {day.isoformat()}"
            continue
        share = acquisitions.get(str(frame), {}).get(day.isoformat())
        if share is None:
            return f"no SLC of {day.isoformat()} over frame {frame}"
        if share < FRAME_COVERAGE:
            return (
                f"the SLCs of {day.isoformat()} cover {100 * share:.0f} % of frame {frame}, "
                f"HyP3 needs {100 * FRAME_COVERAGE:.0f} %"
            )
    return ""


def offer_jobs(
    stack: AriaStack,
    missing: Sequence[str],
    products: Mapping[str, AriaProduct],
    aoi_wkt: str,
    min_coverage: float,
    acquisitions: Mapping[str, Mapping[str, float]] | None = None,
) -> tuple[list[OnDemandPair], list[str]]:
    """The pairs of ``missing`` (network keys without a usable product) that jobs can complete to
    at least ``min_coverage`` of the AOI, and a note for every frame or pair that cannot be offered.
    ``acquisitions`` (the pinned SLC search: frame -> ISO date -> share of the frame): a frame is
    offered on dates whose SLCs cover 90 % of it; without it, on dates its published products show."""
    from shapely import wkt as shapely_wkt
    from shapely.ops import unary_union

    aoi = shapely_wkt.loads(aoi_wkt)
    own = [p for p in products.values() if p.stack == stack.id]
    shapes: dict[int, list[Any]] = defaultdict(list)
    dates: dict[int, set[dt.date]] = defaultdict(set)
    for p in own:
        shapes[p.frame].append(shapely_wkt.loads(p.footprint))
        dates[p.frame] |= {dt.date.fromisoformat(p.reference), dt.date.fromisoformat(p.secondary)}
    frame_shape = {frame: unary_union(polygons) for frame, polygons in shapes.items()}
    published = {pair.key: pair.products for pair in stack.pairs}
    offered: list[OnDemandPair] = []
    notes: list[str] = []
    for key in missing:
        earlier, later = (_date(part) for part in key.split("_"))
        have = published.get(key, ())
        have_frames = {products[name].frame for name in have}
        frames, why_not = [], []
        for frame in stack.frames:
            if frame in have_frames:
                continue
            why = _frame_problem(frame, (earlier, later), dates[frame], acquisitions)
            if why:
                why_not.append(why)
            else:
                frames.append(frame)
        covered = [frame_shape[f] for f in frames] + [shapely_wkt.loads(products[n].footprint) for n in have]
        share = unary_union(covered).intersection(aoi).area / aoi.area if covered else 0.0
        share = round(min(1.0, share), 4)
        reason = "; ".join(why_not)
        if not frames:
            why = reason or "every ARIA frame of the stack has a published product of it"
            notes.append(f"{stack.id} {key}: cannot be made on demand ({why})")
            continue
        if share < min_coverage:
            notes.append(
                f"{stack.id} {key}: not made on demand, its frames would cover {100 * share:.0f} % of the "
                f"AOI, below min_coverage {100 * min_coverage:.0f} %" + (f" ({reason})" if reason else "")
            )
            continue
        if reason:
            notes.append(f"{stack.id} {key}: made on demand without some frames ({reason})")
        jobs = tuple(OnDemandJob(stack.id, f, key, earlier, later, share) for f in frames)
        offered.append(OnDemandPair(key=key, jobs=jobs, published=tuple(have), coverage=share))
    return offered, notes
