"""The required extent of a stack's DEM, and the bounds it is stitched over."""

from __future__ import annotations

import pytest

from insarproj.dem.extent import covers, required_extent, snapped, stitch_bounds

AOI = "POLYGON ((-117.9 35.5, -117.3 35.5, -117.3 35.9, -117.9 35.9, -117.9 35.5))"
WIDE = "POLYGON ((-119 34, -116 34, -116 37, -119 37, -119 34))"  # a scene covering the whole AOI
EAST = "POLYGON ((-117.6 35, -116 35, -116 37, -117.6 37, -117.6 35))"  # covers the AOI's east half


def test_download_needs_the_aoi_where_the_scenes_see_it_plus_a_margin() -> None:
    whole = required_extent(AOI, [WIDE], processor="download", bursts=False)
    assert whole == (-117.95, 35.45, -117.25, 35.95)
    # Scenes that see only the east half: the DEM need not reach the west half.
    east = required_extent(AOI, [EAST], processor="download", bursts=False)
    assert east == (-117.65, 35.45, -117.25, 35.95)


def test_isce_buffers_like_hyp3_isce2_and_snaps_to_whole_degrees() -> None:
    required = required_extent(AOI, [WIDE], processor="isce", bursts=False)
    assert required == (-118.3, 35.1, -116.9, 36.3)
    assert stitch_bounds(required, "isce") == (-119.0, 35.0, -116.0, 37.0)


def test_a_burst_search_needs_the_bursts_themselves() -> None:
    burst = "POLYGON ((-118.2 35.6, -117.0 35.6, -117.0 35.8, -118.2 35.8, -118.2 35.6))"
    assert required_extent(AOI, [burst], processor="isce", bursts=True) == (-118.6, 35.2, -116.6, 36.2)


def test_scenes_that_miss_the_aoi_need_no_dem() -> None:
    far = "POLYGON ((10 10, 11 10, 11 11, 10 11, 10 10))"
    assert required_extent(AOI, [far], processor="download", bursts=False) is None
    assert required_extent(AOI, [], processor="download", bursts=False) is None


@pytest.mark.parametrize(
    ("bounds", "step", "expected"),
    [
        ((-117.95, 35.45, -117.25, 35.95), 0.1, (-118.0, 35.4, -117.2, 36.0)),
        ((-117.9, 35.5, -117.3, 35.9), 0.1, (-117.9, 35.5, -117.3, 35.9)),  # on the grid: unchanged
        ((-179.95, -89.99, 179.99, 89.99), 1.0, (-180.0, -90.0, 180.0, 90.0)),
    ],
)
def test_snapping_grows_outward_only(bounds, step, expected) -> None:  # type: ignore[no-untyped-def]
    assert snapped(bounds, step) == expected


@pytest.mark.parametrize(
    ("recorded", "required", "kept"),
    [
        ((-118.0, 35.4, -117.2, 36.0), (-117.95, 35.45, -117.25, 35.95), True),  # inside: keep
        ((-118.0, 35.4, -117.2, 36.0), (-118.0, 35.4, -117.2, 36.0), True),  # equal: keep
        ((-118.0, 35.4, -117.2, 36.0), (-117.95, 35.45, -117.25, 36.05), False),  # leaves north
        ((-118.0, 35.4, -117.2, 36.0), (-118.05, 35.45, -117.25, 35.95), False),  # leaves west
        ((-118.0, 35.4, -117.2, 36.0), (-117.95, 35.35, -117.25, 35.95), False),  # leaves south
        ((-118.0, 35.4, -117.2, 36.0), (-117.95, 35.45, -117.15, 35.95), False),  # leaves east
    ],
)
def test_a_dem_covers_the_required_extent_or_not(recorded, required, kept) -> None:  # type: ignore[no-untyped-def]
    assert covers(recorded, required) is kept
