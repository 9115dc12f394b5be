"""Listing the bucket (responses mocks): the real page shape, paging by marker, narrowing by
mission/type prefix and creation time, the cached tail, errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from orbit_helpers import DATA, page, poeorb

from insarproj.errors import NetworkError, ProviderError
from insarproj.orbits.choose import SceneTimes, choose
from insarproj.orbits.listing import Listing, OrbitBucket, key_prefix, refresh

URL = "http://bucket.test"
NOW = datetime(2021, 4, 1, tzinfo=UTC)


def queries(rsps: responses.RequestsMock) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(c.request.url or "").query) for c in rsps.calls]


def bucket() -> OrbitBucket:
    return OrbitBucket(URL, requests.Session())


@responses.activate
def test_real_page_shape_and_paging_by_the_last_key() -> None:
    first = (DATA / "list_AUX_POEORB_page1.first5.xml").read_text()
    second = page([poeorb("S1A", datetime(2021, 1, 20))])
    responses.get(URL + "/", body=first)
    responses.get(URL + "/", body=second)
    files = bucket().list_from("AUX_POEORB", "")
    assert len(files) == 6 and files[0].size == 4409614
    assert files[0].md5 == "11dd292a8a5527bb0467105355271364"
    asked = queries(responses.mock)
    # The real bucket sends no NextMarker: the next page starts after the last key of this one.
    assert asked[1]["marker"] == [
        "AUX_POEORB/S1A_OPER_AUX_POEORB_OPOD_20210207T122351_V20210117T225942_20210119T005942.EOF"
    ]


@responses.activate
def test_a_scene_lists_only_its_mission_type_and_creation_times() -> None:
    scene = SceneTimes("s", "S1B", datetime(2021, 1, 13, 1, 50), datetime(2021, 1, 13, 1, 50, 27))
    responses.get(URL + "/", body=page([poeorb("S1B", datetime(2021, 1, 13))]))
    chosen, _ = choose(bucket(), [scene], {}, NOW)
    assert chosen["s"] is not None and chosen["s"].mission == "S1B"
    (asked,) = queries(responses.mock)
    assert asked["prefix"] == ["AUX_POEORB/S1B_OPER_AUX_POEORB_OPOD_"]
    assert asked["marker"] == ["AUX_POEORB/S1B_OPER_AUX_POEORB_OPOD_20210112T015000"]


@responses.activate
def test_another_satellites_file_never_serves_a_scene() -> None:
    # A mirror that ignores the prefix and answers S1A files for an S1C scene: nothing is chosen.
    scene = SceneTimes("s", "S1C", datetime(2021, 1, 13, 1, 50), datetime(2021, 1, 13, 1, 50, 27))
    responses.get(URL + "/", body=page([poeorb("S1A", datetime(2021, 1, 13))]))
    chosen, _ = choose(bucket(), [scene], {}, NOW)
    assert chosen["s"] is None


@responses.activate
def test_restituted_fallback_only_for_scenes_without_a_precise_orbit() -> None:
    day = datetime(2021, 3, 25)
    old = SceneTimes("old", "S1A", datetime(2021, 1, 13, 1, 50), datetime(2021, 1, 13, 1, 50, 27))
    new = SceneTimes("new", "S1A", day.replace(hour=1, minute=50), day.replace(hour=1, minute=50, second=27))
    resorb = "AUX_RESORB/S1A_OPER_AUX_RESORB_OPOD_20210325T044100_V20210324T223700_20210325T021500.EOF"
    responses.get(URL + "/", body=page([poeorb("S1A", datetime(2021, 1, 13))]))
    responses.get(URL + "/", body=page([resorb]))
    chosen, listings = choose(bucket(), [old, new], {}, NOW)
    assert chosen["old"] is not None and chosen["old"].type == "precise"
    assert chosen["new"] is not None and chosen["new"].type == "restituted"
    asked = queries(responses.mock)
    assert asked[1]["prefix"] == ["AUX_RESORB/S1A_OPER_AUX_RESORB_OPOD_"]
    assert asked[1]["marker"] == [
        "AUX_RESORB/S1A_OPER_AUX_RESORB_OPOD_20210324T015000"
    ]  # only the new scene's
    assert set(listings) == {key_prefix("precise", "S1A"), key_prefix("restituted", "S1A")}


@responses.activate
def test_a_scene_holding_a_resorb_asks_only_for_a_poeorb() -> None:
    scene = SceneTimes(
        "s", "S1A", datetime(2021, 3, 25, 1, 50), datetime(2021, 3, 25, 1, 50, 27), fallback=False
    )
    responses.get(URL + "/", body=page([]))
    chosen, _ = choose(bucket(), [scene], {}, NOW)
    assert chosen["s"] is None and len(responses.calls) == 1


@responses.activate
def test_one_file_serves_adjacent_scenes() -> None:
    day = datetime(2021, 1, 13, 1, 50)
    scenes = [
        SceneTimes(f"s{i}", "S1A", day + timedelta(seconds=25 * i), day + timedelta(seconds=25 * i + 27))
        for i in range(3)
    ]
    responses.get(URL + "/", body=page([poeorb("S1A", datetime(2021, 1, 13))]))
    chosen, _ = choose(bucket(), scenes, {}, NOW)
    assert len({c.key for c in chosen.values() if c}) == 1 and len(responses.calls) == 1


@responses.activate
def test_a_cached_listing_is_extended_from_its_tail() -> None:
    prefix = key_prefix("precise", "S1A")
    listed = [poeorb("S1A", datetime(2021, 1, d)) for d in range(1, 11)]
    responses.get(URL + "/", body=page(listed))
    b = bucket()
    first = refresh(b, prefix, prefix + "20210101T000000", None, NOW)
    cached = Listing.from_json(prefix, first.to_json())
    newer = poeorb("S1A", datetime(2021, 1, 11))
    responses.get(URL + "/", body=page([*listed[6:], newer]))  # what S3 has after the tail marker
    second = refresh(b, prefix, prefix + "20210105T000000", cached, NOW + timedelta(days=1))
    assert [f.key for f in second.files][-1] == newer and len(second.files) == 11
    # the tail is asked from three days before the newest creation time seen (late arrivals)
    assert queries(responses.mock)[1]["marker"] == [prefix + "20210127T120000"]


@responses.activate
def test_an_old_or_narrower_cache_is_listed_again_in_full() -> None:
    prefix = key_prefix("precise", "S1A")
    cached = Listing(prefix, prefix + "20210301T000000", NOW, [])
    responses.get(URL + "/", body=page([]))
    refresh(bucket(), prefix, prefix + "20210101T000000", cached, NOW)
    assert queries(responses.mock)[0]["marker"] == [prefix + "20210101T000000"]
    stale = Listing.from_json(
        prefix,
        {
            "marker": prefix,
            "listed_at": "2020-01-01T00:00:00Z",
            "keys": [[poeorb("S1A", datetime(2021, 1, 2)), 1, None]],
        },
    )
    refresh(bucket(), prefix, prefix + "20210101T000000", stale, NOW)
    assert queries(responses.mock)[1]["marker"] == [prefix + "20210101T000000"]
    assert Listing.from_json(prefix, {"marker": 1}) is None  # a damaged cache is no cache


@responses.activate
@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ({"status": 503, "body": "busy"}, ProviderError),
        ({"body": "<html>login</html>"}, ProviderError),
        ({"body": "<Error><Code>AccessDenied</Code></Error>"}, ProviderError),
        ({"body": requests.ConnectionError("reset")}, NetworkError),
    ],
)
def test_a_failed_listing_is_an_error_never_an_empty_bucket(reply: dict, error: type) -> None:
    responses.get(URL + "/", **reply)
    with pytest.raises(error):
        bucket().list_from("AUX_POEORB", "")
