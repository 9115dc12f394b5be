"""build_stacks: tracks, passes, filters, reprocessed duplicates, coverage, baselines (no network)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import yaml
from scenes_helpers import (
    AOI_WKT,
    DATA,
    FAIRBANKS,
    NORTH,
    OUTSIDE,
    SOUTH,
    WHOLE,
    at,
    box,
    make_slc,
    pass_items,
    pinned,
    pinned_all,
)

from insarproj.scenes.baselines import pair_baseline
from insarproj.scenes.model import SearchRequest
from insarproj.scenes.stacks import build_stacks, track_id


def request(**kwargs: object) -> SearchRequest:
    base: dict[str, object] = {"aoi_wkt": AOI_WKT, "start": dt.date(2021, 1, 1), "end": dt.date(2021, 12, 31)}
    base.update(kwargs)
    return SearchRequest(**base)  # type: ignore[arg-type]


def dropped_reasons(build: object) -> dict[str, str]:
    return {d.name: d.reason for d in build.dropped}  # type: ignore[attr-defined]


def test_track_id_pads_the_relative_orbit() -> None:
    assert track_id("ASCENDING", 64) == "A064"
    assert track_id("DESCENDING", 7) == "D007"


def test_one_stack_per_track_with_slices_grouped_into_dates() -> None:
    items = [*pass_items("2021-01-02"), *pass_items("2021-01-14"), *pass_items("2021-01-26")]
    build = build_stacks(pinned_all(items), request(), AOI_WKT)
    assert [s.id for s in build.stacks] == ["A094"]
    stack = build.stacks[0]
    assert [d.date for d in stack.dates] == [dt.date(2021, 1, 2), dt.date(2021, 1, 14), dt.date(2021, 1, 26)]
    assert all(len(d.scenes) == 2 and d.scenes == sorted(d.scenes) for d in stack.dates)
    assert all(d.coverage == pytest.approx(1.0) for d in stack.dates)
    assert set(build.scenes) == {n for d in stack.dates for n in d.scenes}
    assert build.dropped == []


def test_frames_drift_between_dates_but_the_track_stays_one_stack() -> None:
    items = [
        *pass_items("2021-01-02", frame=210),
        *pass_items("2021-01-14", frame=211),
        *pass_items("2021-01-26", frame=209),
    ]
    build = build_stacks(pinned_all(items), request(), AOI_WKT)
    assert [s.id for s in build.stacks] == ["A094"]
    assert len(build.stacks[0].dates) == 3
    assert build.stacks[0].notes == [
        "frame numbers drift between dates (209, 210, 211, 212); the track stays one stack"
    ]


def test_no_drift_note_when_every_date_has_the_same_frames() -> None:
    items = [*pass_items("2021-01-02"), *pass_items("2021-01-14")]
    build = build_stacks(pinned_all(items), request(), AOI_WKT)
    assert build.stacks[0].notes == []


def test_two_tracks_make_two_stacks_in_id_order() -> None:
    items = [
        *pass_items("2021-01-02", path=94),
        *pass_items("2021-01-05", path=71, direction="DESCENDING", clock="15:10:00"),
        *pass_items("2021-01-14", path=94),
        *pass_items("2021-01-17", path=71, direction="DESCENDING", clock="15:10:00"),
    ]
    build = build_stacks(pinned_all(items), request(), AOI_WKT)
    assert [s.id for s in build.stacks] == ["A094", "D071"]
    assert [len(s.dates) for s in build.stacks] == [2, 2]


def test_a_pass_crossing_midnight_is_one_date_named_after_its_first_slice() -> None:
    items = pass_items("2021-03-01", clock="23:59:50")  # second slice starts 2021-03-02T00:00:15
    build = build_stacks(pinned_all(items), request(), AOI_WKT)
    (stack,) = build.stacks
    assert [d.date for d in stack.dates] == [dt.date(2021, 3, 1)]
    assert len(stack.dates[0].scenes) == 2


def test_reprocessed_duplicate_keeps_the_newest_and_says_so() -> None:
    start = at("2021-01-02")
    old = make_slc(start, footprint=WHOLE, uid="AAAA", processed=dt.datetime(2021, 1, 2, 12))
    new = make_slc(start, footprint=WHOLE, uid="0BBB", processed=dt.datetime(2023, 6, 1, 12))
    build = build_stacks(pinned_all([old, new]), request(), AOI_WKT)
    new_name = pinned(new).name
    old_name = pinned(old).name
    assert list(build.scenes) == [new_name]
    reason = dropped_reasons(build)[old_name]
    assert reason.startswith(f"reprocessed duplicate replaced by {new_name}")
    assert "2023-06-01" in reason
    assert build.stacks[0].notes == [f"2021-01-02: reprocessed duplicate {old_name} replaced by {new_name}"]


def test_reprocessed_duplicate_with_equal_processing_dates_keeps_the_later_product_id() -> None:
    start = at("2021-01-02")
    when = dt.datetime(2021, 1, 2, 12)
    first = make_slc(start, footprint=WHOLE, uid="AAAA", processed=when)
    second = make_slc(start, footprint=WHOLE, uid="BBBB", processed=when)
    build = build_stacks(pinned_all([second, first]), request(), AOI_WKT)
    assert list(build.scenes) == [pinned(second).name]
    assert "later product id" in dropped_reasons(build)[pinned(first).name]


def test_coverage_is_measured_on_the_union_of_a_dates_slices() -> None:
    # Each slice alone covers about half of the AOI; together they cover all of it.
    items = pass_items("2021-01-02")
    build = build_stacks(pinned_all(items), request(min_coverage=0.9), AOI_WKT)
    (stack,) = build.stacks
    assert stack.dates[0].coverage == pytest.approx(1.0)


def test_a_date_covering_too_little_is_dropped_with_the_numbers() -> None:
    strip = box(-148.0, 64.5, -146.0, 64.845)  # 31 % of the AOI in area (30.6 % in degrees of latitude)
    items = [*pass_items("2021-01-02"), *pass_items("2021-01-14", slices=[strip])]
    build = build_stacks(pinned_all(items), request(min_coverage=0.5), AOI_WKT)
    (stack,) = build.stacks
    assert [d.date for d in stack.dates] == [dt.date(2021, 1, 2)]
    (gone,) = stack.dropped
    assert gone.date == dt.date(2021, 1, 14)
    assert gone.reason == "covers 31 % of the AOI < min_coverage 50 %"
    assert all("covers 31 %" in r for r in dropped_reasons(build).values())


def test_coverage_uses_an_equal_area_measure() -> None:
    # Two strips of equal height in degrees: the northern one has less ground area.
    from insarproj.scenes.geometry import AoiCoverage

    aoi = "POLYGON((0 60, 10 60, 10 70, 0 70, 0 60))"
    cov = AoiCoverage(aoi)
    south = "POLYGON((0 60, 10 60, 10 65, 0 65, 0 60))"
    north = "POLYGON((0 65, 10 65, 10 70, 0 70, 0 65))"
    assert cov.share([south]) > 0.5 > cov.share([north])
    assert cov.share([south]) + cov.share([north]) == pytest.approx(1.0, abs=1e-3)


def test_representative_is_the_scene_covering_most_of_the_aoi() -> None:
    small = box(-148.0, 64.5, -146.0, 64.7)
    big = box(-148.0, 64.65, -146.0, 65.5)
    items = pass_items("2021-01-02", slices=[small, big])
    build = build_stacks(pinned_all(items), request(), AOI_WKT)
    date = build.stacks[0].dates[0]
    assert date.representative == pinned(items[1]).name


def test_scene_outside_the_aoi_is_dropped() -> None:
    items = [*pass_items("2021-01-02"), make_slc(at("2021-01-14"), footprint=OUTSIDE)]
    build = build_stacks(pinned_all(items), request(), AOI_WKT)
    assert dropped_reasons(build)[pinned(items[-1]).name] == "does not overlap the AOI"


def test_min_scenes_drops_a_short_stack_and_its_scenes() -> None:
    items = [
        *pass_items("2021-01-02"),
        *pass_items("2021-01-14"),
        *pass_items("2021-01-26"),
        *pass_items("2021-01-05", path=71, direction="DESCENDING", clock="15:10:00"),
        *pass_items("2021-01-17", path=71, direction="DESCENDING", clock="15:10:00"),
    ]
    build = build_stacks(pinned_all(items), request(min_scenes=3), AOI_WKT)
    assert [s.id for s in build.stacks] == ["A094"]
    (gone,) = build.dropped_stacks
    assert gone.id == "D071"
    assert gone.reason == "stack D071 has 2 dates < min_scenes 3"
    assert gone.dates == [dt.date(2021, 1, 5), dt.date(2021, 1, 17)]
    reasons = dropped_reasons(build)
    assert sum(1 for r in reasons.values() if r == gone.reason) == 4


def test_season_keeps_only_the_listed_months() -> None:
    items = [*pass_items("2021-03-02"), *pass_items("2021-05-13"), *pass_items("2021-08-11")]
    build = build_stacks(pinned_all(items), request(season=(5, 6, 7, 8)), AOI_WKT)
    stack = build.stacks[0]
    assert [d.date for d in stack.dates] == [dt.date(2021, 5, 13), dt.date(2021, 8, 11)]
    assert stack.dropped[0].date == dt.date(2021, 3, 2)
    assert stack.dropped[0].reason == "month 3 is outside season [5, 6, 7, 8]"


def test_exclude_dates_drops_the_whole_pass_even_across_midnight() -> None:
    items = [*pass_items("2021-01-02"), *pass_items("2021-01-13", clock="23:59:50")]
    build = build_stacks(pinned_all(items), request(exclude_dates=(dt.date(2021, 1, 14),)), AOI_WKT)
    stack = build.stacks[0]
    assert [d.date for d in stack.dates] == [dt.date(2021, 1, 2)]
    assert stack.dropped[0].reason == "excluded by exclude_dates (2021-01-14)"
    assert len(stack.dropped[0].scenes) == 2


def test_exclude_scenes_by_name_or_file_id() -> None:
    items = [
        make_slc(at("2021-01-02"), footprint=WHOLE),
        make_slc(at("2021-01-14"), footprint=WHOLE),
        make_slc(at("2021-01-26"), footprint=WHOLE),
    ]
    scenes = pinned_all(items)
    req = request(exclude_scenes=(scenes[0].name, scenes[1].file_id))
    build = build_stacks(scenes, req, AOI_WKT)
    assert list(build.scenes) == [scenes[2].name]
    assert dropped_reasons(build) == {
        scenes[0].name: "excluded by exclude_scenes",
        scenes[1].name: "excluded by exclude_scenes",
    }


def test_scenes_not_matching_the_request_are_dropped_with_the_rule_they_break() -> None:
    keep = make_slc(at("2021-01-02"), footprint=WHOLE)
    items = [
        keep,
        make_slc(at("2021-01-03"), footprint=WHOLE, path=71),
        make_slc(at("2021-01-04"), footprint=WHOLE, direction="DESCENDING"),
        make_slc(at("2021-01-05"), footprint=WHOLE, frame=300),
        make_slc(at("2021-01-06"), footprint=WHOLE, polarization="HH+HV"),
        make_slc(at("2022-02-01"), footprint=WHOLE),
    ]
    req = request(
        relative_orbits=(94,), flight_direction="ascending", frames=(210,), end=dt.date(2021, 12, 31)
    )
    build = build_stacks(pinned_all(items), req, AOI_WKT)
    assert list(build.scenes) == [pinned(keep).name]
    reasons = sorted(dropped_reasons(build).values())
    assert reasons == sorted(
        [
            "relative orbit 71 is not in relative_orbits [94]",
            "flight direction DESCENDING is not ASCENDING",
            "frame 300 is not in frames [210]",
            "polarization HH+HV is not one of ['VV+VH']",
            "acquired 2022-02-01, outside the search dates 2021-01-01 .. 2021-12-31",
        ]
    )


def test_output_is_deterministic_whatever_the_input_order() -> None:
    items = [
        *pass_items("2021-01-02"),
        *pass_items("2021-01-14"),
        *pass_items("2021-01-26"),
        *pass_items("2021-01-05", path=71, direction="DESCENDING", clock="15:10:00"),
        make_slc(at("2021-01-20"), footprint=OUTSIDE),
    ]
    scenes = pinned_all(items)
    first = build_stacks(scenes, request(), AOI_WKT)
    shuffled = list(scenes)
    random.Random(7).shuffle(shuffled)
    second = build_stacks(shuffled, request(), AOI_WKT)
    assert [s.model_dump() for s in first.stacks] == [s.model_dump() for s in second.stacks]
    assert first.dropped == second.dropped
    assert list(first.scenes) == list(second.scenes) == sorted(first.scenes)


# --- baselines -----------------------------------------------------------------------------------


def _fixture_bperp() -> dict[str, int]:
    records = yaml.safe_load((DATA / "Fairbanks_S1_stack.yml").read_text())
    return {r["properties"]["sceneName"]: r["properties"]["perpendicularBaseline"] for r in records}


def test_pair_baseline_reproduces_the_real_fixture_values() -> None:
    # The fixture's perpendicularBaseline values were computed by asf_search with 2021-01-02 as reference.
    truth = _fixture_bperp()
    scenes = {s.name: s for s in pinned_all(FAIRBANKS)}
    reference = next(s for n, s in scenes.items() if "20210102" in n)
    for name, expected in truth.items():
        assert pair_baseline(reference, scenes[name]) == pytest.approx(expected, abs=0.5)


def test_stack_baselines_are_relative_to_the_middle_date_and_match_the_fixture() -> None:
    truth = _fixture_bperp()
    aoi = box(-148.0, 64.5, -146.0, 65.5)
    wkt = "POLYGON((" + ", ".join(f"{x} {y}" for x, y in aoi) + "))"
    build = build_stacks(pinned_all(FAIRBANKS), request(aoi_wkt=wkt), wkt)
    (stack,) = build.stacks
    middle = stack.dates[1]
    assert stack.reference == middle.representative
    assert middle.bperp == 0
    ordered = sorted(truth)  # names sort by date
    ref_truth = truth[ordered[1]]
    for item, name in zip(stack.dates, ordered, strict=True):
        assert item.representative == name
        assert build.scenes[name].bperp == item.bperp
        # asf_search's baselines are not exactly transitive; a few metres between references.
        assert item.bperp == pytest.approx(truth[name] - ref_truth, abs=5)
    assert stack.dates[2].bperp - stack.dates[0].bperp == pytest.approx(
        truth[ordered[2]] - truth[ordered[0]], abs=1
    )


def test_a_scene_without_state_vectors_gets_no_baseline_and_a_note() -> None:
    items = [
        make_slc(at("2021-01-02"), footprint=WHOLE, base=0),
        make_slc(at("2021-01-14"), footprint=WHOLE, base=1, state_vectors=False),
        make_slc(at("2021-01-26"), footprint=WHOLE, base=2),
    ]
    build = build_stacks(pinned_all(items), request(), AOI_WKT)
    (stack,) = build.stacks
    # The middle date has no state vectors: the reference moves to the nearest date that has them.
    assert stack.reference == stack.dates[0].representative
    assert stack.dates[0].bperp == 0
    assert stack.dates[1].bperp is None
    assert stack.dates[2].bperp is not None
    assert any("no state vectors" in note for note in stack.notes)
    assert any("baseline reference is 2021-01-02" in note for note in stack.notes)
    assert any(note.startswith("A094: ") for note in build.notes)


def test_no_state_vectors_at_all_still_builds_the_stack() -> None:
    items = [make_slc(at(d), footprint=WHOLE, state_vectors=False) for d in ("2021-01-02", "2021-01-14")]
    build = build_stacks(pinned_all(items), request(), AOI_WKT)
    (stack,) = build.stacks
    assert [d.bperp for d in stack.dates] == [None, None]
    assert stack.reference is None
    assert all(s.bperp is None for s in build.scenes.values())


def test_every_slice_of_a_date_gets_a_baseline() -> None:
    items = [*pass_items("2021-01-02", base=0), *pass_items("2021-01-14", base=1)]
    build = build_stacks(pinned_all(items), request(), AOI_WKT)
    assert all(s.bperp is not None for s in build.scenes.values())
    reference = build.stacks[0].dates[1]
    assert all(build.scenes[n].bperp == 0 for n in reference.scenes)


def test_slices_with_all_geometry_kinds_of_aoi() -> None:
    items = pass_items("2021-01-02", slices=[SOUTH, NORTH])
    point = "POINT(-147 64.7)"
    build = build_stacks(pinned_all(items), request(aoi_wkt=point, min_coverage=1.0), point)
    (stack,) = build.stacks
    assert stack.dates[0].coverage == 1.0
    assert stack.dates[0].representative == pinned(items[0]).name
