"""Selection by sentineleof's rule: time with its margins, satellite, the newest of several files."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from orbit_helpers import key, poeorb

from insarproj.orbits.select import OrbitIndex, mission_of, parse_key, precise_expected

T_ORBIT = timedelta(seconds=12 * 86400 / 175)
MARGIN = timedelta(seconds=60)


def index(*keys: str) -> OrbitIndex:
    files = [parse_key(k) for k in keys]
    assert all(files)
    return OrbitIndex(f for f in files if f is not None)


def test_names_parse_with_sentineleof() -> None:
    file = parse_key(poeorb("S1A", datetime(2021, 1, 13)))
    assert file is not None
    assert (file.mission, file.type, file.label) == ("S1A", "precise", "POEORB")
    assert file.start == datetime(2021, 1, 12, 22, 59, 42) and file.stop == datetime(2021, 1, 14, 0, 59, 42)
    assert parse_key("AUX_POEORB/README.txt") is None
    assert (
        parse_key("AUX_PREORB/S1A_OPER_AUX_PREORB_OPOD_20200325T131800_V20200325T121452_20200325T184952.EOF")
        is None
    )
    assert (
        parse_key(
            "AUX_POEORB/../S1A_OPER_AUX_POEORB_OPOD_20200325T131800_V20200325T121452_20200325T184952.txt"
        )
        is None
    )


def test_missions() -> None:
    assert mission_of("Sentinel-1A") == "S1A" and mission_of("S1C") == "S1C"
    with pytest.raises(ValueError):
        mission_of("Landsat-8")


def test_the_newest_of_several_covering_files_wins() -> None:
    original = poeorb("S1A", datetime(2021, 1, 13))
    reprocessed = poeorb("S1A", datetime(2021, 1, 13), created_days=400)
    scene = (datetime(2021, 1, 13, 1, 50), datetime(2021, 1, 13, 1, 50, 27))
    chosen = index(original, reprocessed).select(*scene)
    assert chosen is not None and chosen.key == reprocessed


def test_a_scene_near_midnight_takes_the_file_covering_its_orbit_before() -> None:
    # 00:30: today's file starts 22:59:42 yesterday, 1.5 h before: less than an orbit + 60 s.
    day = datetime(2021, 1, 13)
    today, yesterday = poeorb("S1A", day), poeorb("S1A", day - timedelta(days=1))
    t0 = datetime(2021, 1, 13, 0, 30)
    chosen = index(today, yesterday).select(t0, t0 + timedelta(seconds=25))
    assert chosen is not None and chosen.key == yesterday


@pytest.mark.parametrize(("shift", "covered"), [(timedelta(0), True), (timedelta(microseconds=-1), False)])
def test_boundary_at_the_start_of_the_window(shift: timedelta, covered: bool) -> None:
    # sentineleof's strict margin: the file must start one orbit + 60 s before the scene.
    file = parse_key(poeorb("S1A", datetime(2021, 1, 13)))
    assert file is not None
    t0 = file.start + T_ORBIT + MARGIN + shift
    assert (OrbitIndex([file]).select(t0, t0 + timedelta(seconds=20)) is not None) is covered


@pytest.mark.parametrize(("shift", "covered"), [(timedelta(0), True), (timedelta(seconds=1), False)])
def test_boundary_at_the_end_of_the_window(shift: timedelta, covered: bool) -> None:
    file = parse_key(poeorb("S1A", datetime(2021, 1, 13)))
    assert file is not None
    t1 = file.stop - MARGIN + shift  # the latest scene stop the file serves
    assert (OrbitIndex([file]).select(t1 - timedelta(seconds=25), t1) is not None) is covered


def test_restituted_is_recognised_and_precise_is_expected_20_days_later() -> None:
    start = datetime(2021, 2, 11, 1, 51)
    resorb = key(
        "S1A",
        "RESORB",
        datetime(2021, 2, 11, 4, 41),
        datetime(2021, 2, 10, 22, 37),
        datetime(2021, 2, 11, 2, 15),
    )
    chosen = index(resorb).select(start, start + timedelta(seconds=27))
    assert chosen is not None and chosen.type == "restituted" and chosen.label == "RESORB"
    assert precise_expected(start) == date(2021, 3, 3)


def test_etag_is_an_md5_only_for_single_part_uploads() -> None:
    file = parse_key(poeorb("S1A", datetime(2021, 1, 13)), 10, '"11dd292a8a5527bb0467105355271364"')
    assert file is not None and file.md5 == "11dd292a8a5527bb0467105355271364"
    multipart = parse_key(poeorb("S1A", datetime(2021, 1, 13)), 10, '"11dd292a8a5527bb0467105355271364-2"')
    assert multipart is not None and multipart.md5 is None
