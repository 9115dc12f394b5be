"""The sandbox CMR against the real asf_search client, and its paging protocol on the wire."""

from __future__ import annotations

import json
from collections import Counter

import asf_search as asf
import pytest
from sandbox_helpers import AOI_WKT, cmr, expected_names, granule_names, in_dates, names

from insarproj.sandbox.catalog import DEMO_BBOX
from insarproj.sandbox.server import Sandbox

S1_SLC = {"platform": asf.PLATFORM.SENTINEL1, "processingLevel": "SLC", "beamMode": "IW"}


@pytest.mark.parametrize(
    ("filters", "keep"),
    [
        ({"relativeOrbit": 64}, lambda s: s.track.path == 64),
        ({"flightDirection": "DESCENDING"}, lambda s: s.track.direction == "DESCENDING"),
        ({"relativeOrbit": [64, 71], "polarization": ["VV", "VV+VH"]}, lambda s: s.track.path in (64, 71)),
        ({"polarization": "VV"}, lambda s: s.polarization == "VV"),
    ],
    ids=["track", "direction", "two-tracks-two-pols", "vv-only"],
)
def test_geo_search_returns_exactly_the_right_scenes(sandbox: Sandbox, asf_opts, filters, keep) -> None:  # type: ignore[no-untyped-def]
    start, end = "2021-03-01", "2021-09-30"
    results = asf.geo_search(
        intersectsWith=AOI_WKT,
        start=f"{start}T00:00:00Z",
        end=f"{end}T23:59:59Z",
        opts=asf_opts,
        **S1_SLC,
        **filters,
    )
    found = names(results)
    assert len(found) == len(set(found))  # no duplicates across asf_search's subqueries
    expected = expected_names(sandbox.catalog, lambda s: keep(s) and in_dates(s, start, end))
    assert expected and set(found) == expected
    posts = [r for r in sandbox.requests() if r.path == "/search/granules.umm_json"]
    assert posts and all(r.status == 200 for r in posts)


def test_frame_filter_follows_drifting_frames(sandbox: Sandbox, asf_opts) -> None:  # type: ignore[no-untyped-def]
    start, end = "2021-01-01", "2022-12-31"
    over_aoi = expected_names(sandbox.catalog, lambda s: s.track.path == 64 and in_dates(s, start, end))
    frames = Counter(s.frame for s in sandbox.catalog.scenes if s.name in over_aoi)
    common = frames.most_common(1)[0][0]
    results = asf.geo_search(
        intersectsWith=AOI_WKT,
        relativeOrbit=64,
        asfFrame=[common, (common + 1, common + 2)],
        start=start,
        end=f"{end}T23:59:59Z",
        opts=asf_opts,
        **S1_SLC,
    )
    expected = expected_names(
        sandbox.catalog,
        lambda s: s.track.path == 64 and common <= s.frame <= common + 2 and in_dates(s, start, end),
    )
    assert sorted(names(results)) == sorted(expected) and len(expected) < sum(frames.values())
    assert {p.properties["frameNumber"] for p in results} <= {common, common + 1, common + 2}


def test_geo_search_sees_the_s1b_era_and_a_small_polygon(sandbox: Sandbox, asf_opts) -> None:  # type: ignore[no-untyped-def]
    # the AOI's north-east corner, which D144 (S1B) reaches; not a rectangle: sent as `polygon`
    triangle = "POLYGON((-117.38 35.8,-117.31 35.8,-117.33 35.89,-117.38 35.8))"
    results = asf.geo_search(
        intersectsWith=triangle, start="2021-06-01", end="2022-06-01", opts=asf_opts, **S1_SLC
    )
    platforms = Counter(p.properties["platform"] for p in results)
    assert platforms["Sentinel-1A"] > 0 and platforms["Sentinel-1B"] > 0
    assert (
        max(p.properties["startTime"] for p in results if p.properties["platform"] == "Sentinel-1B")
        < "2021-12-24"
    )
    assert any(r.query == {} and r.method == "POST" for r in sandbox.requests())
    assert {p.properties["pathNumber"] for p in results} >= {64, 71, 144}


def test_stack_from_id_gives_real_baselines(sandbox: Sandbox, asf_opts) -> None:  # type: ignore[no-untyped-def]
    reference = next(s for s in sandbox.catalog.scenes if s.track.path == 64 and s.start.year == 2022)
    stack = asf.stack_from_id(reference.granule_ur, opts=asf_opts)
    by_name = {p.properties["sceneName"]: p.properties for p in stack}
    assert len(by_name) == len(stack) > 50
    assert by_name[reference.name]["perpendicularBaseline"] == 0
    perpendicular = [p["perpendicularBaseline"] for p in by_name.values()]
    temporal = [p["temporalBaseline"] for p in by_name.values()]
    assert all(b is not None and -300 <= b <= 300 for b in perpendicular)
    assert max(perpendicular) - min(perpendicular) > 60  # they do spread
    assert all(t % 12 == 0 for t in temporal)
    assert {p["pathNumber"] for p in by_name.values()} == {64}


def test_product_and_granule_search(sandbox: Sandbox, asf_opts) -> None:  # type: ignore[no-untyped-def]
    scenes = sandbox.catalog.scenes[10:13]
    by_product = asf.product_search([s.granule_ur for s in scenes], opts=asf_opts)
    assert sorted(names(by_product)) == sorted(s.name for s in scenes)
    by_granule = asf.granule_search([scenes[0].name], opts=asf_opts)
    assert names(by_granule) == [scenes[0].name]


def test_burst_search_and_burst_stack(sandbox: Sandbox, asf_opts) -> None:  # type: ignore[no-untyped-def]
    results = asf.geo_search(
        dataset=asf.DATASET.SLC_BURST,
        intersectsWith=AOI_WKT,
        relativeOrbit=71,
        polarization="VV",
        start="2021-05-01",
        end="2021-05-31T23:59:59Z",
        opts=asf_opts,
    )
    assert results and all(p.properties["burst"]["fullBurstID"].startswith("071_") for p in results)
    assert len({p.properties["fileID"] for p in results}) == len(results)
    stack = asf.stack_from_id(results[0].properties["fileID"], opts=asf_opts)
    full_ids = {p.properties["burst"]["fullBurstID"] for p in stack}
    assert full_ids == {results[0].properties["burst"]["fullBurstID"]} and len(stack) > 50
    assert all(p.properties["temporalBaseline"] % 12 == 0 for p in stack)
    assert all(abs(p.properties["perpendicularBaseline"]) <= 300 for p in stack)


def test_asf_search_pages_with_a_small_page_size(sandbox: Sandbox, asf_opts, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import asf_search.CMR.translate as translate

    monkeypatch.setattr(translate, "CMR_PAGE_SIZE", 7)
    monkeypatch.setattr(asf.constants.INTERNAL, "CMR_PAGE_SIZE", 7)
    results = asf.geo_search(
        intersectsWith=AOI_WKT,
        relativeOrbit=64,
        start="2021-01-01",
        end="2021-06-30T23:59:59Z",
        opts=asf_opts,
        **S1_SLC,
    )
    found = names(results)
    expected = expected_names(
        sandbox.catalog, lambda s: s.track.path == 64 and in_dates(s, "2021-01-01", "2021-06-30")
    )
    assert len(found) == len(set(found)) and set(found) == expected
    posts = [r for r in sandbox.requests() if r.path == "/search/granules.umm_json"]
    assert len(posts) == -(-len(expected) // 7)  # one POST per page


def test_paging_protocol_on_the_wire(sandbox: Sandbox) -> None:
    query = [
        ("shortName", "SENTINEL-1A_SLC"),
        ("bounding_box", ",".join(map(str, DEMO_BBOX))),
        ("temporal", "2021-01-01T00:00:00Z,2021-12-31T23:59:59Z,"),
        ("page_size", "25"),
        ("sort_key[]", "-end_date"),
        ("sort_key[]", "granule_ur"),
    ]
    first = cmr(sandbox, query)
    total = int(first.headers["CMR-Hits"])
    assert first.status_code == 200 and first.json()["hits"] == total > 50
    assert first.headers["Content-Type"].startswith("application/vnd.nasa.cmr.umm_results+json")
    pages, response = [first.json()["items"]], first
    while "CMR-Search-After" in response.headers:
        response = cmr(sandbox, query, **{"CMR-Search-After": response.headers["CMR-Search-After"]})
        assert response.status_code == 200
        pages.append(response.json()["items"])
    assert all(len(p) == 25 for p in pages[:-1]) and 0 < len(pages[-1]) <= 25
    collected = [ur for page in pages for ur in granule_names(page)]
    assert len(collected) == len(set(collected)) == total
    stops = [
        item["umm"]["TemporalExtent"]["RangeDateTime"]["EndingDateTime"] for page in pages for item in page
    ]
    assert stops == sorted(stops, reverse=True)

    whole = cmr(sandbox, [(k, v) if k != "page_size" else (k, "2000") for k, v in query])
    assert granule_names(whole.json()["items"]) == collected and "CMR-Search-After" not in whole.headers
    bogus = cmr(sandbox, query, **{"CMR-Search-After": json.dumps(["x", "no-such-granule"])})
    assert bogus.status_code == 400 and bogus.json()["errors"]


def test_temporal_is_inclusive_on_both_ends(sandbox: Sandbox) -> None:
    scene = sandbox.catalog.scenes[40]
    start = scene.start.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    stop = scene.stop.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    for temporal in (f"{stop},{stop},", f"{start},{start},", f"{stop},,"):
        found = cmr(sandbox, [("granule_ur[]", scene.granule_ur), ("temporal", temporal)]).json()
        assert found["hits"] == 1, temporal
    after = cmr(sandbox, [("granule_ur[]", scene.granule_ur), ("temporal", "2030-01-01T00:00:00Z,,")]).json()
    assert after["hits"] == 0


def test_attribute_ranges_and_generic_attributes(sandbox: Sandbox) -> None:
    catalog = sandbox.catalog
    scene = next(s for s in catalog.scenes if s.track.path == 71)
    pairs = [
        ("shortName", "SENTINEL-1A_SLC"),
        ("attribute[]", "int,PATH_NUMBER,70,72"),
        ("attribute[]", f"string,GROUP_ID,{scene.group_id}"),
        ("attribute[]", f"float,CENTER_LAT,{scene.center[1] - 0.001},{scene.center[1] + 0.001}"),
        ("page_size", "100"),
    ]
    found = granule_names(cmr(sandbox, pairs).json()["items"])
    assert scene.granule_ur in found
    assert all(catalog.get(ur).track.path == 71 for ur in found)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("bounding_box", "-117.9,35.5,-117.3"),
        ("polygon", "-117.9,35.5,-117.3,35.5,-117.3,35.9"),
        ("attribute[]", "int,PATH_NUMBER,sixty-four"),
        ("attribute[]", "PATH_NUMBER"),
        ("temporal", "yesterday,today"),
        ("page_size", "5000"),
        ("sort_key[]", "-cloud_cover"),
    ],
)
def test_malformed_queries_are_cmr_400s(sandbox: Sandbox, field: str, value: str) -> None:
    response = cmr(sandbox, [(field, value)])
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert isinstance(errors, list) and errors and isinstance(errors[0], str)


def test_unknown_fields_are_ignored_and_noted_in_the_log(sandbox: Sandbox) -> None:
    response = cmr(sandbox, [("granule_ur[]", sandbox.catalog.scenes[0].granule_ur), ("cloud_cover", "0,10")])
    assert response.status_code == 200 and response.json()["hits"] == 1
    assert sandbox.requests()[-1].notes == ("ignored CMR field cloud_cover",)


def test_get_with_query_parameters_works_too(sandbox: Sandbox) -> None:
    import requests

    scene = sandbox.catalog.scenes[5]
    response = requests.get(
        f"{sandbox.url}/search/granules.umm_json", params={"readable_granule_name[]": scene.name}, timeout=10
    )
    assert granule_names(response.json()["items"]) == [scene.granule_ur]
