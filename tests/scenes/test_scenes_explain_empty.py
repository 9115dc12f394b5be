"""A search that keeps no scene says which filter removed what (issue 17, item 5)."""

from __future__ import annotations

import datetime as dt

from scenes_helpers import AOI_WKT, OUTSIDE, WHOLE, at, make_slc, pass_items, pinned_all

from insarproj.scenes.model import DroppedScene, SearchRequest
from insarproj.scenes.stacks import build_stacks, drop_stage, explain_empty


def request(**kwargs: object) -> SearchRequest:
    base: dict[str, object] = {"aoi_wkt": AOI_WKT, "start": dt.date(2021, 1, 1), "end": dt.date(2021, 12, 31)}
    base.update(kwargs)
    return SearchRequest(**base)  # type: ignore[arg-type]


def test_every_filter_stage_is_counted_in_pipeline_order() -> None:
    items = [
        make_slc(at("2021-01-03"), footprint=WHOLE, path=71),  # scene level: relative orbit
        make_slc(at("2021-01-14"), footprint=OUTSIDE),  # scene level: outside the AOI
        *pass_items("2021-03-02"),  # date level: season (2 slices)
        *pass_items("2021-05-13"),  # date level: exclude_dates (2 slices)
    ]
    req = request(relative_orbits=(94,), season=(5, 6), exclude_dates=(dt.date(2021, 5, 13),))
    build = build_stacks(pinned_all(items), req, AOI_WKT)
    assert not build.scenes
    text = explain_empty(len(items), build.dropped, req)
    assert text == (
        "CMR returned 6 scenes, and no scene is left: 1 not in relative_orbits, 1 outside the AOI, "
        "2 excluded by exclude_dates, 2 outside season"
    )


def test_min_scenes_is_named_when_it_removed_the_last_stack() -> None:
    items = [*pass_items("2021-01-02"), *pass_items("2021-01-14")]
    req = request(min_scenes=3)
    build = build_stacks(pinned_all(items), req, AOI_WKT)
    assert explain_empty(len(items), build.dropped, req) == (
        "CMR returned 4 scenes, and no scene is left: 4 in stacks with fewer dates than min_scenes"
    )


def test_nothing_found_names_the_search_itself() -> None:
    req = request(relative_orbits=(64,), flight_direction="DESCENDING")
    text = explain_empty(0, [], req)
    assert text.startswith(
        "CMR returned 0 scenes for this AOI and dates (2021-01-01 .. 2021-12-31, SLC IW VV+VH)"
    )
    assert "flight_direction DESCENDING, relative_orbits [64]" in text
    assert "bbox is [west, south, east, north]" in text


def test_a_reason_of_no_known_stage_is_shown_as_itself() -> None:
    assert drop_stage("A064 2021-01-02: something new") == "something new"
    assert drop_stage("A064_136231_IW1_6b 2021-01-02: missing 1 of 3 bursts: x") == (
        "on dates missing bursts of their group"
    )
    text = explain_empty(1, [DroppedScene(name="x", reason="something new")], request())
    assert text.endswith("no scene is left: 1 something new")
