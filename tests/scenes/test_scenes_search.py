"""search_scenes against a `responses` CMR: the form asf_search sends, filters, errors, completeness."""

from __future__ import annotations

import datetime as dt
import sys
import types
from collections.abc import Callable
from typing import Any

import asf_search
import pytest
import responses
from scenes_helpers import (
    AOI_WKT,
    CMR_URL,
    FAIRBANKS,
    GRANULES_URL,
    OUTSIDE,
    WHOLE,
    FakeCmr,
    at,
    box_wkt,
    form_values,
    make_burst,
    make_slc,
    pass_items,
)

from insarproj.errors import ConfigError, NetworkError, ProviderError
from insarproj.scenes.model import ScenePin, SearchRequest
from insarproj.scenes.search import cmr_host_option, search_scenes

FAIRBANKS_AOI = box_wkt(-148.0, 64.5, -146.0, 65.5)
NOW = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.UTC)

FakeFactory = Callable[..., FakeCmr]


def request(**kwargs: Any) -> SearchRequest:
    base: dict[str, Any] = {"aoi_wkt": AOI_WKT, "start": dt.date(2021, 1, 1), "end": dt.date(2021, 12, 31)}
    base.update(kwargs)
    return SearchRequest(**base)


def search(req: SearchRequest, **kwargs: Any) -> ScenePin:
    return search_scenes(req, cmr_url=CMR_URL, now=lambda: NOW, **kwargs)


def test_real_fairbanks_records_become_one_pinned_stack(fake_cmr: FakeFactory) -> None:
    fake = fake_cmr(FAIRBANKS)
    req = request(
        aoi_wkt=FAIRBANKS_AOI,
        start=dt.date(2021, 1, 2),
        end=dt.date(2021, 1, 26),
        relative_orbits=(94,),
        flight_direction="ASCENDING",
        frames=(210,),
    )
    pin = search(req)

    (form,) = fake.forms
    assert form_values(form, "temporal") == ["2021-01-02T00:00:00Z,2021-01-26T23:59:59Z,"]  # inclusive end
    assert sorted(form_values(form, "shortName")) == [f"SENTINEL-1{p}_SLC" for p in "ABCD"]
    assert sorted(form_values(form, "attribute[]")) == sorted(
        [
            "string,BEAM_MODE,IW",
            "string,POLARIZATION,VV+VH",
            "int,PATH_NUMBER,94",
            "string,ASCENDING_DESCENDING,ASCENDING",
            "int,FRAME_NUMBER,210",
        ]
    )
    assert form_values(form, "bounding_box") == ["-148.0,64.5,-146.0,65.5"]

    assert pin.fingerprint == req.fingerprint()
    assert pin.searched_at == "2024-05-01T12:00:00Z"
    assert pin.cmr_host == CMR_URL
    assert pin.found == 3
    assert [s.id for s in pin.stacks] == ["A094"]
    assert len(pin.stacks[0].dates) == 3
    scene = pin.scenes["S1B_IW_SLC__1SDV_20210102T032031_20210102T032058_024970_02F8C3_C081"]
    assert scene.md5 == "6dd7f6a56ed98ba7037dfeb833217d5b"
    assert scene.bytes == 4193723581
    assert scene.url.endswith("S1B_IW_SLC__1SDV_20210102T032031_20210102T032058_024970_02F8C3_C081.zip")
    assert scene.frame == 210 and scene.relative_orbit == 94 and scene.platform == "Sentinel-1B"
    assert scene.processing_date == "2021-01-02T12:40:19Z"  # PROCESSING_DATE, not the acquisition start
    assert scene.state_vectors is not None and scene.asc_node_time == "2021-01-02T03:02:58Z"
    assert ScenePin.from_json(pin.to_json()) == pin


def test_report_errors_is_off_during_the_search_and_restored(
    rsps: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    fake = FakeCmr(FAIRBANKS)

    def spy(req: Any) -> Any:
        seen.append(asf_search.REPORT_ERRORS)
        return fake.callback(req)

    rsps.add_callback(responses.POST, GRANULES_URL, callback=spy)
    monkeypatch.setattr(asf_search, "REPORT_ERRORS", True)
    search(request(aoi_wkt=FAIRBANKS_AOI))
    assert seen == [False]
    assert asf_search.REPORT_ERRORS is True


def test_each_orbit_polarization_and_frame_is_its_own_complete_query(fake_cmr: FakeFactory) -> None:
    items = [
        *pass_items("2021-01-02", path=94),
        *pass_items("2021-01-05", path=71, clock="15:10:00"),
        *pass_items("2021-01-08", path=12, clock="15:10:00"),
    ]
    fake = fake_cmr(items)
    pin = search(request(relative_orbits=(94, 71), polarizations=("VV+VH", "VV")))
    assert len(fake.forms) == 4
    combos = sorted(
        (form_values(f, "attribute[]")[-2], form_values(f, "attribute[]")[-1]) for f in fake.forms
    )
    assert ("string,POLARIZATION,VV", "int,PATH_NUMBER,71") in combos
    assert [s.id for s in pin.stacks] == ["A071", "A094"]


def test_filters_reach_cmr_and_only_matching_scenes_come_back(fake_cmr: FakeFactory) -> None:
    keep = make_slc(at("2021-02-01"), footprint=WHOLE, path=64, frame=122)
    items = [
        keep,
        make_slc(at("2021-02-02"), footprint=WHOLE, path=65, frame=122),
        make_slc(at("2021-02-03"), footprint=WHOLE, path=64, frame=123),
        make_slc(at("2021-02-04"), footprint=WHOLE, path=64, frame=122, direction="DESCENDING"),
        make_slc(at("2021-02-05"), footprint=WHOLE, path=64, frame=122, polarization="VV"),
        make_slc(at("2021-02-06"), footprint=WHOLE, path=64, frame=122, beam_mode="EW"),
        make_slc(at("2020-12-31"), footprint=WHOLE, path=64, frame=122),
        make_slc(at("2021-02-07"), footprint=OUTSIDE, path=64, frame=122),
    ]
    fake_cmr(items)
    pin = search(request(relative_orbits=(64,), frames=(122,), flight_direction="ASCENDING"))
    assert list(pin.scenes) == [keep["umm"]["GranuleUR"].removesuffix("-SLC")]
    assert pin.found == 1
    assert pin.dropped_scenes == []


def test_filters_a_stand_in_ignores_are_applied_locally(fake_cmr: FakeFactory) -> None:
    keep = make_slc(at("2021-02-01"), footprint=WHOLE, path=64)
    other = make_slc(at("2021-02-02"), footprint=WHOLE, path=65)
    fake_cmr([keep, other], ignore=("PATH_NUMBER",))
    pin = search(request(relative_orbits=(64,)))
    assert pin.found == 2
    assert len(pin.scenes) == 1
    (gone,) = pin.dropped_scenes
    assert gone.reason == "relative orbit 65 is not in relative_orbits [64]"


def test_two_tracks_with_drifting_frames_are_kept_whole(fake_cmr: FakeFactory) -> None:
    items = []
    for i, day in enumerate(["2021-01-02", "2021-01-14", "2021-01-26", "2021-02-07"]):
        items += pass_items(day, path=94, frame=210 + (i % 2))
        shifted = (dt.date.fromisoformat(day) + dt.timedelta(days=3)).isoformat()
        items += pass_items(shifted, path=71, direction="DESCENDING", clock="15:10:00", frame=400 - (i % 2))
    fake_cmr(items)
    pin = search(request())
    assert [s.id for s in pin.stacks] == ["A094", "D071"]
    assert [len(s.dates) for s in pin.stacks] == [4, 4]
    assert all(len(d.scenes) == 2 for s in pin.stacks for d in s.dates)
    assert len(pin.scenes) == 16


def test_frames_filter_scenes_without_splitting_the_stack(fake_cmr: FakeFactory) -> None:
    items = [*pass_items("2021-01-02", frame=210), *pass_items("2021-01-14", frame=211)]
    fake = fake_cmr(items)
    pin = search(request(frames=(210, 211)))
    assert len(fake.forms) == 2
    assert [s.id for s in pin.stacks] == ["A094"]
    # frame 212 (second slice of the second pass) is not asked for: that date keeps one slice
    assert [len(d.scenes) for d in pin.stacks[0].dates] == [2, 1]


def test_pages_are_followed_to_the_end(fake_cmr: FakeFactory) -> None:
    items = [make_slc(at(f"2021-01-{d:02d}"), footprint=WHOLE) for d in range(2, 9)]
    fake = fake_cmr(items, page_size=3)
    pin = search(request())
    assert len(fake.forms) == 3
    assert len(pin.scenes) == 7


def test_max_results_is_an_error_naming_how_many_scenes_the_search_finds(fake_cmr: FakeFactory) -> None:
    # Changed with issue 14 (defect 14): the cap used to cut the list silently and plan on the rest.
    items = [make_slc(at(f"2021-01-{d:02d}"), footprint=WHOLE) for d in range(2, 9)]
    fake = fake_cmr(items)
    with pytest.raises(ConfigError) as info:
        search(request(max_results=4))
    assert info.value.key == "search.max_results"
    assert "finds 7 scenes, more than max_results = 4" in info.value.message
    assert "at least 7" in (info.value.hint or "")
    assert [form_values(f, "page_size") for f in fake.forms] == [["250"], ["0"]]  # the search, then a count
    assert search(request(max_results=7)).found == 7  # exactly at the cap is fine


def test_season_is_filtered_by_month_locally_not_sent_as_days(fake_cmr: FakeFactory) -> None:
    items = [make_slc(at(d), footprint=WHOLE) for d in ("2021-03-02", "2021-06-12", "2021-09-30")]
    fake = fake_cmr(items)
    pin = search(request(season=(6, 7, 8, 9)))
    (form,) = fake.forms
    assert form_values(form, "temporal") == ["2021-01-01T00:00:00Z,2021-12-31T23:59:59Z,"]
    assert [d.date.isoformat() for d in pin.stacks[0].dates] == ["2021-06-12", "2021-09-30"]


def test_burst_search_sends_burst_processing_level_and_builds_burst_stacks(fake_cmr: FakeFactory) -> None:
    def burst(day: str, number: int) -> dict[str, Any]:
        start = dt.datetime.fromisoformat(f"{day}T15:15:40") + dt.timedelta(seconds=2.758 * (number - 100))
        south = 64.5 + 0.2 * (number - 100)
        return make_burst(
            start,
            burst=number,
            footprint=[
                (-148, south),
                (-146, south),
                (-146, south + 0.22),
                (-148, south + 0.22),
                (-148, south),
            ],
        )

    items = [burst(d, n) for d in ("2021-01-03", "2021-01-15") for n in (102, 103, 104)]
    items.append(make_slc(at("2021-01-03"), footprint=WHOLE))  # an SLC never answers a BURST query
    fake = fake_cmr(items)
    pin = search(request(product="BURST"))
    (form,) = fake.forms
    assert "string,PROCESSING_TYPE,BURST" in form_values(form, "attribute[]")
    assert "string,POLARIZATION,VV" in form_values(form, "attribute[]")
    assert sorted(form_values(form, "platform[]")) == [f"SENTINEL-1{p}" for p in "ABCD"]
    assert [s.id for s in pin.stacks] == ["D174_000102_IW1_3b"]
    assert pin.notes[0] == "bursts hold one channel: searched VV bursts"
    first = pin.scenes[sorted(pin.scenes)[0]]
    assert first.burst_id_full == "174_000102_IW1" and first.subswath == "IW1" and first.md5 is None
    assert first.url.endswith("/IW1/VV/5.tiff") and first.bytes == 147215404


# --- errors and completeness ---------------------------------------------------------------------


def test_cmr_500_raises_a_network_error_naming_the_host(
    rsps: responses.RequestsMock, no_retry_wait: None
) -> None:
    rsps.add(responses.POST, GRANULES_URL, json={"errors": ["Internal error"]}, status=500)
    with pytest.raises(NetworkError) as info:
        search(request())
    assert isinstance(info.value, ProviderError)
    assert "https://cmr.test" in str(info.value) and "server error" in str(info.value)
    assert len(rsps.calls) == 3  # asf_search's own retries happened, without their waits


def test_cmr_400_raises_a_provider_error(rsps: responses.RequestsMock) -> None:
    rsps.add(responses.POST, GRANULES_URL, json={"errors": ["polygon is invalid"]}, status=400)
    with pytest.raises(ProviderError, match="was refused") as info:
        search(request())
    assert not isinstance(info.value, NetworkError)


def test_unreachable_cmr_raises_a_network_error(rsps: responses.RequestsMock) -> None:
    with pytest.raises(NetworkError, match="could not be reached"):
        search(request())  # nothing registered: responses raises ConnectionError


def test_a_gateway_error_page_raises_a_network_error(rsps: responses.RequestsMock) -> None:
    rsps.add(responses.POST, GRANULES_URL, body="<html>Bad gateway</html>", status=502)
    with pytest.raises(NetworkError, match="HTTP 502"):
        search(request())


def test_a_client_error_page_that_is_not_json_raises_a_provider_error(rsps: responses.RequestsMock) -> None:
    rsps.add(responses.POST, GRANULES_URL, body="<html>Forbidden</html>", status=403)
    with pytest.raises(ProviderError, match="HTTP 403") as info:
        search(request())
    assert not isinstance(info.value, NetworkError)


def test_a_200_that_is_not_umm_json_raises_a_provider_error(rsps: responses.RequestsMock) -> None:
    rsps.add(responses.POST, GRANULES_URL, json={"feed": {"entry": []}}, status=200)
    with pytest.raises(ProviderError, match="not a CMR UMM-JSON search response"):
        search(request())


def test_an_incomplete_result_raises_instead_of_returning_a_short_list(rsps: responses.RequestsMock) -> None:
    items = [make_slc(at(f"2021-01-{d:02d}"), footprint=WHOLE) for d in range(2, 5)]
    # CMR says 5 hits but sends 3 and no CMR-Search-After header to continue.
    rsps.add(responses.POST, GRANULES_URL, json={"hits": 5, "took": 1, "items": items})
    with pytest.raises(ProviderError, match="incomplete result"):
        search(request())


def test_an_empty_result_is_complete_and_reports_zero(fake_cmr: FakeFactory) -> None:
    fake_cmr([])
    pin = search(request())
    assert pin.found == 0 and pin.scenes == {} and pin.stacks == []


def test_a_granule_without_a_url_cannot_be_pinned(fake_cmr: FakeFactory) -> None:
    item = make_slc(at("2021-01-02"), footprint=WHOLE)
    item["umm"]["RelatedUrls"] = []
    fake_cmr([item])
    with pytest.raises(ProviderError, match="without url"):
        search(request())


# --- endpoint handling ---------------------------------------------------------------------------


def test_cmr_host_option_keeps_port_and_path() -> None:
    assert cmr_host_option("https://cmr.earthdata.nasa.gov") == "cmr.earthdata.nasa.gov"
    assert cmr_host_option("http://127.0.0.1:8123/") == "127.0.0.1:8123"
    assert cmr_host_option("https://uat.example/cmr/") == "uat.example/cmr"
    with pytest.raises(ConfigError):
        cmr_host_option("ftp://cmr.test")


def test_plain_http_cmr_mounts_the_rewriting_adapter(
    monkeypatch: pytest.MonkeyPatch, rsps: responses.RequestsMock
) -> None:
    mounted: list[tuple[Any, str]] = []
    module = types.ModuleType("insarproj.httpcompat")
    module.mount_http_rewrite = lambda session, base: mounted.append((session, base))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "insarproj.httpcompat", module)
    fake = FakeCmr(FAIRBANKS)
    # asf_search always builds https://<host>/...; the adapter (stubbed here) would send it over http.
    fake.register(rsps, "https://127.0.0.1:8123/search/granules.umm_json")
    pin = search_scenes(request(aoi_wkt=FAIRBANKS_AOI), cmr_url="http://127.0.0.1:8123", now=lambda: NOW)
    assert [base for _, base in mounted] == ["http://127.0.0.1:8123"]
    assert pin.cmr_host == "http://127.0.0.1:8123"
    assert pin.found == 3


def test_the_callers_session_is_used(fake_cmr: FakeFactory, rsps: responses.RequestsMock) -> None:
    import requests

    fake_cmr(FAIRBANKS)
    session = requests.Session()
    session.headers["X-Test"] = "yes"
    search(request(aoi_wkt=FAIRBANKS_AOI), session=session)
    assert [c.request.headers.get("X-Test") for c in rsps.calls] == ["yes"]


def test_a_timeout_raises_a_network_error(rsps: responses.RequestsMock) -> None:
    import requests

    rsps.add(responses.POST, GRANULES_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(NetworkError, match=r"took too long|timed out"):
        search(request())


def test_a_point_aoi_is_searched_as_a_point(fake_cmr: FakeFactory) -> None:
    fake = fake_cmr(pass_items("2021-01-02"))
    pin = search(request(aoi_wkt="POINT(-147 64.7)"))
    assert form_values(fake.forms[0], "point")
    assert len(pin.stacks[0].dates) == 1
    assert pin.stacks[0].dates[0].coverage == 1.0
