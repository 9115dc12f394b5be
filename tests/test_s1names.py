"""Sentinel-1 granule names: the one module their patterns live in."""

from __future__ import annotations

import datetime as dt

import pytest

from insarproj.s1names import is_granule_name, parse_burst_name, parse_iw_slc_name

SLC = "S1A_IW_SLC__1SDV_20200110T172104_20200110T172131_030741_038660_1234"
BURST = "S1_136231_IW2_20200604T022312_VV_7C85-BURST"


def test_iw_slc_name_parts() -> None:
    parsed = parse_iw_slc_name(SLC)
    assert parsed is not None
    assert (parsed.platform, parsed.polarization, parsed.absolute_orbit) == ("A", "VV", 30741)
    assert parsed.start == dt.datetime(2020, 1, 10, 17, 21, 4)
    assert parse_iw_slc_name(SLC.replace("1SDV", "1SDH")).polarization == "HH"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "name",
    [
        BURST,
        SLC.replace("_IW_", "_EW_"),
        SLC.replace("20200110T172104", "20201310T172104"),  # month 13
        SLC + ".zip",
        SLC + "-SLC",
    ],
)
def test_not_an_iw_slc_name(name: str) -> None:
    assert parse_iw_slc_name(name) is None


def test_burst_name_parts() -> None:
    parsed = parse_burst_name(BURST)
    assert parsed is not None
    assert (parsed.burst_id, parsed.subswath, parsed.polarization) == (136231, "IW2", "VV")
    assert parsed.full_id == "136231_IW2"
    assert parsed.time == dt.datetime(2020, 6, 4, 2, 23, 12)
    assert parse_burst_name(SLC) is None
    assert parse_burst_name(BURST.replace("IW2", "IW4")) is None


def test_granule_names_people_may_exclude() -> None:
    assert is_granule_name(SLC) and is_granule_name(BURST)
    assert is_granule_name("S1B_IW_GRDH_1SDV_20200110T172104_20200110T172131_019741_025660_ABCD")
    assert not is_granule_name(SLC + ".zip")
    assert not is_granule_name(BURST.removesuffix("-BURST"))
