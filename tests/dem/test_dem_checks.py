"""Sanity checks before a DEM is recorded: coverage, valid share over land, plausible heights."""

from __future__ import annotations

import numpy as np
import pytest
from dem_helpers import grid_profile

from insarproj.dem.checks import judge, tile_corner
from insarproj.errors import ProviderError

BOUNDS = (-118.0, 35.0, -116.0, 36.0)  # two 1° tiles: W118 and W117
BOTH = [(35, -118), (35, -117)]


def heights(fill: float = 800.0) -> np.ndarray:
    return np.full((10, 20), fill, dtype="float32")


def test_a_full_dem_passes_with_its_facts() -> None:
    facts = judge(heights(), grid_profile(BOUNDS), (-117.9, 35.1, -116.1, 35.9), BOTH)
    assert facts.bounds == pytest.approx(BOUNDS)
    assert facts.valid_share == 1.0 and facts.land_valid_share == 1.0
    assert (facts.min_height, facts.max_height) == (800.0, 800.0)


def test_a_coastal_dem_is_accepted_ocean_without_tiles_is_not_a_void() -> None:
    array = heights()
    array[:, 10:] = np.nan  # the eastern tile is open ocean: the bucket has none
    facts = judge(array, grid_profile(BOUNDS), BOUNDS, [(35, -118)])
    assert facts.valid_share == pytest.approx(0.5)
    assert facts.land_valid_share == 1.0


def test_an_all_nodata_dem_is_rejected() -> None:
    with pytest.raises(ProviderError, match="no height at all"):
        judge(heights(np.nan), grid_profile(BOUNDS), BOUNDS, BOTH)


def test_voids_over_land_are_rejected() -> None:
    array = heights()
    array[:, 10:] = np.nan  # the eastern tile exists but came back empty
    with pytest.raises(ProviderError, match="only 50 % of its land"):
        judge(array, grid_profile(BOUNDS), BOUNDS, BOTH)


@pytest.mark.parametrize("bad", [-2000.0, 12000.0])
def test_heights_out_of_the_earths_range_are_rejected(bad: float) -> None:
    array = heights()
    array[3, 3] = bad
    with pytest.raises(ProviderError, match="outside the Earth's"):
        judge(array, grid_profile(BOUNDS), BOUNDS, BOTH)


def test_a_dem_short_of_the_required_extent_is_rejected() -> None:
    with pytest.raises(ProviderError, match="not the required extent"):
        judge(heights(), grid_profile(BOUNDS), (-118.0, 35.0, -115.9, 36.0), BOTH)


def test_tile_corners_from_copernicus_names() -> None:
    assert tile_corner("Copernicus_DSM_COG_10_N64_00_W148_00_DEM") == (64, -148)
    assert tile_corner("Copernicus_DSM_COG_10_S01_00_E010_00_DEM") == (-1, 10)
