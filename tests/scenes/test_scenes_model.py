"""SearchRequest (fingerprint, checks), ScenePin round trip and size, diff_pins, footprints GeoJSON."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from scenes_helpers import AOI_WKT, pass_items, pinned_all

from insarproj.errors import ConfigError
from insarproj.scenes.footprints import footprints_geojson
from insarproj.scenes.model import ScenePin, SearchRequest
from insarproj.scenes.pin import diff_pins
from insarproj.scenes.stacks import build_stacks

START, END = dt.date(2021, 1, 1), dt.date(2021, 12, 31)


def request(**kwargs: Any) -> SearchRequest:
    base: dict[str, Any] = {"aoi_wkt": AOI_WKT, "start": START, "end": END}
    base.update(kwargs)
    return SearchRequest(**base)


def pin_of(items: list[dict[str, Any]], req: SearchRequest | None = None) -> ScenePin:
    req = req or request()
    build = build_stacks(pinned_all(items), req, AOI_WKT)
    return ScenePin(
        fingerprint=req.fingerprint(),
        searched_at="2024-05-01T12:00:00Z",
        cmr_host="https://cmr.test",
        found=len(items),
        scenes=build.scenes,
        stacks=build.stacks,
        dropped_stacks=build.dropped_stacks,
        dropped_scenes=build.dropped,
        notes=build.notes,
    )


# --- SearchRequest -------------------------------------------------------------------------------


def test_fingerprint_is_stable_under_field_and_list_order() -> None:
    a = SearchRequest(
        aoi_wkt=AOI_WKT,
        start=START,
        end=END,
        relative_orbits=(64, 71),
        season=(5, 6),
        polarizations=("VV+VH", "VV"),
        exclude_dates=(dt.date(2021, 7, 4), dt.date(2021, 3, 1)),
    )
    b = SearchRequest(
        exclude_dates=(dt.date(2021, 3, 1), dt.date(2021, 7, 4)),
        polarizations=("vv", "VV+VH"),
        season=(6, 5),
        relative_orbits=(71, 64),
        end=END,
        start=START,
        aoi_wkt=f"  {AOI_WKT}\n",
    )
    assert a.fingerprint() == b.fingerprint()
    assert len(a.fingerprint()) == 64


@pytest.mark.parametrize(
    "change",
    [
        {"end": dt.date(2022, 1, 1)},
        {"product": "BURST"},
        {"flight_direction": "ASCENDING"},
        {"relative_orbits": (64,)},
        {"frames": (122,)},
        {"season": (5,)},
        {"min_coverage": 0.5},
        {"min_scenes": 3},
        {"exclude_dates": (dt.date(2021, 7, 4),)},
        {"exclude_scenes": ("S1A_X",)},
        {"max_results": 10},
        {"polarizations": ("HH+HV",)},
        {"beam_mode": "EW"},
        {"aoi_wkt": "POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))"},
    ],
)
def test_fingerprint_changes_with_every_field(change: dict[str, Any]) -> None:
    assert request(**change).fingerprint() != request().fingerprint()


def test_spelling_is_normalised() -> None:
    req = request(flight_direction="descending", beam_mode="iw", polarizations=("vv+vh",))
    assert (req.flight_direction, req.beam_mode, req.polarizations) == ("DESCENDING", "IW", ("VV+VH",))


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"start": dt.date(2022, 1, 1)}, "search.end"),  # the config's rule names the later key
        ({"product": "GRD"}, "search.product"),
        ({"flight_direction": "NORTH"}, "search.flight_direction"),
        ({"polarizations": ()}, "search.polarization"),
        ({"season": (0, 13)}, "search.season[0]"),
        ({"min_coverage": 0.0}, "search.min_coverage"),
        ({"min_coverage": 1.5}, "search.min_coverage"),
        ({"min_scenes": 0}, "search.min_scenes"),
        ({"max_results": 0}, "search.max_results"),
        ({"product": "BURST", "frames": (122,)}, "search.frames"),
    ],
)
def test_invalid_requests_name_the_key(change: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as info:
        request(**change)
    assert info.value.key == key


def test_burst_requests_search_the_co_polarized_channel() -> None:
    assert request(product="BURST", polarizations=("VV+VH", "VV")).scene_polarizations() == ("VV",)
    assert request(polarizations=("VV+VH", "VV")).scene_polarizations() == ("VV+VH", "VV")


# --- ScenePin -------------------------------------------------------------------------------------


def test_pin_round_trips_through_json_and_leaves_out_empty_fields() -> None:
    pin = pin_of([*pass_items("2021-01-02"), *pass_items("2021-01-14")])
    text = pin.to_json()
    assert ScenePin.from_json(text) == pin
    assert ScenePin.from_dict(json.loads(text)) == pin
    scene = json.loads(text)["scenes"][next(iter(pin.scenes))]
    assert "burst_id_full" not in scene and "subswath" not in scene
    assert pin.to_json() == ScenePin.from_json(text).to_json()  # stable text: diffs stay small


def test_a_2000_scene_pin_stays_compact() -> None:
    pin = pin_of([*pass_items("2021-01-02"), *pass_items("2021-01-14")])
    per_scene = len(pin.to_json(indent=None)) / len(pin.scenes)
    # Scene record plus its mentions in the stacks: 2,000 scenes stay near 3 MB of compact JSON
    # (state vectors as 4 strings, None fields left out) instead of ~6 MB with nested vector lists.
    assert per_scene < 1700


# --- diff_pins -------------------------------------------------------------------------------------


def test_first_search_lists_everything_as_joining() -> None:
    new = pin_of([*pass_items("2021-01-02"), *pass_items("2021-01-14")])
    diff = diff_pins(None, new)
    assert diff.joined == sorted(new.scenes)
    assert diff.summary == "first search: 4 scenes in 1 stack (A094)"


def test_diff_names_joining_dates_and_leaving_scenes_with_reasons() -> None:
    items = [*pass_items("2021-01-02"), *pass_items("2021-01-14"), *pass_items("2021-01-26")]
    old = pin_of(items)
    later = [*pass_items("2021-02-07"), *pass_items("2021-02-19")]
    req = request(exclude_dates=(dt.date(2021, 1, 14),))
    new = pin_of(items + later, req)
    diff = diff_pins(old, new)
    assert len(diff.joined) == 4
    assert diff.left == sorted(
        n for d in old.stacks[0].dates if d.date == dt.date(2021, 1, 14) for n in d.scenes
    )
    assert diff.changed_stacks == ["A094"]
    assert diff.new_dates == {"A094": [dt.date(2021, 2, 7), dt.date(2021, 2, 19)]}
    assert diff.removed_dates == {"A094": [dt.date(2021, 1, 14)]}
    first, second = diff.left
    assert diff.summary == (
        "+4 scenes join (2 new dates in A094), \u22122 leave: "
        f"{first} (now excluded by exclude_dates (2021-01-14)), "
        f"{second} (now excluded by exclude_dates (2021-01-14))"
    )
    assert diff.changed


def test_diff_of_a_scene_no_longer_found() -> None:
    items = [*pass_items("2021-01-02"), *pass_items("2021-01-14")]
    old = pin_of(items)
    new = pin_of(items[:-1])
    diff = diff_pins(old, new)
    assert diff.left_reasons == {diff.left[0]: "no longer found by the search"}
    assert diff.summary.startswith("\u22121 leaves: ")


def test_diff_without_change() -> None:
    items = [*pass_items("2021-01-02"), *pass_items("2021-01-14")]
    diff = diff_pins(pin_of(items), pin_of(items))
    assert not diff.changed
    assert diff.summary == "no change: the same 4 scenes in 1 stack"


# --- footprints ------------------------------------------------------------------------------------


def test_footprints_geojson_has_the_aoi_and_every_kept_scene() -> None:
    pin = pin_of([*pass_items("2021-01-02"), *pass_items("2021-01-14")])
    collection = footprints_geojson(pin, AOI_WKT)
    assert collection["type"] == "FeatureCollection"
    aoi, *scenes = collection["features"]
    assert aoi["properties"]["role"] == "aoi" and aoi["geometry"]["type"] == "Polygon"
    assert [f["properties"]["name"] for f in scenes] == sorted(pin.scenes)
    props = scenes[0]["properties"]
    assert props["role"] == "scene" and props["stack"] == "A094" and props["date"] == "2021-01-02"
    assert props["frame"] == 210 and props["platform"] == "Sentinel-1A"
    assert 0.4 < props["coverage"] < 0.7 and props["date_coverage"] == pytest.approx(1.0)
    json.dumps(collection)  # plain JSON for QGIS


def test_lists_and_iso_strings_are_accepted_and_fingerprint_alike() -> None:
    as_tuples = request(relative_orbits=(64,), exclude_dates=(dt.date(2021, 7, 4),))
    as_lists = SearchRequest(
        aoi_wkt=AOI_WKT,
        start="2021-01-01",
        end="2021-12-31",  # type: ignore[arg-type]
        relative_orbits=[64],
        exclude_dates=["2021-07-04"],
    )  # type: ignore[arg-type]
    assert as_lists == as_tuples
    assert as_lists.fingerprint() == as_tuples.fingerprint()
    hash(as_lists)
