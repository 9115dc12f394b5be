"""Burst stacks: contiguous groups of ≤ 15 bursts per subswath run, dates missing a burst."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from scenes_helpers import box, box_wkt, make_burst, pinned_all

from insarproj.scenes.bursts import burst_groups, burst_stack_id
from insarproj.scenes.model import SearchRequest
from insarproj.scenes.stacks import build_stacks

AOI = box_wkt(-147.8, 64.75, -146.2, 65.25)  # bursts 101..103 of IW1 and IW2 (see band())
SWATH_LON = {"IW1": (-148.0, -147.0), "IW2": (-147.0, -146.0)}


def band(number: int, subswath: str, shift: float = 0.0) -> list[tuple[float, float]]:
    west, east = SWATH_LON[subswath]
    south = 64.5 + 0.2 * (number - 100) + shift
    return box(west, south, east, south + 0.22)


def burst_pass(
    day: str,
    numbers: range | list[int] = range(101, 104),
    swaths: tuple[str, ...] = ("IW1", "IW2"),
    skip: tuple[tuple[int, str], ...] = (),
    shift: dict[tuple[int, str], float] | None = None,
    **kwargs: Any,
) -> list[dict[str, Any]]:
    start = dt.datetime.fromisoformat(f"{day}T15:15:40")
    out = []
    for number in numbers:
        for offset, swath in enumerate(swaths):
            if (number, swath) in skip:
                continue
            moved = (shift or {}).get((number, swath), 0.0)
            when = start + dt.timedelta(seconds=2.758 * (number - 100) + 0.9 * offset)
            out.append(
                make_burst(
                    when,
                    burst=number,
                    subswath=swath,
                    footprint=band(number, swath, moved),
                    uid=day[-2:] + "AA",
                    **kwargs,
                )
            )
    return out


def request(**kwargs: Any) -> SearchRequest:
    base: dict[str, Any] = {
        "aoi_wkt": AOI,
        "start": dt.date(2021, 1, 1),
        "end": dt.date(2021, 12, 31),
        "product": "BURST",
        "polarizations": ("VV",),
    }
    base.update(kwargs)
    return SearchRequest(**base)


def test_groups_are_contiguous_runs_per_subswath() -> None:
    ids = [
        "064_000001_IW1",
        "064_000002_IW1",
        "064_000003_IW1",
        "064_000005_IW1",
        "064_000006_IW1",
        "064_000002_IW2",
        "064_000001_IW2",
    ]
    assert burst_groups(ids) == [
        ["064_000001_IW1", "064_000002_IW1", "064_000003_IW1"],
        ["064_000005_IW1", "064_000006_IW1"],
        ["064_000001_IW2", "064_000002_IW2"],
    ]


def test_groups_hold_at_most_max_bursts() -> None:
    ids = [f"064_{n:06d}_IW2" for n in range(100, 120)]
    groups = burst_groups(ids)
    assert [len(g) for g in groups] == [15, 5]
    assert groups[1][0] == "064_000115_IW2"
    assert burst_groups(ids[:3], max_bursts=1) == [[i] for i in ids[:3]]
    with pytest.raises(ValueError):
        burst_groups(ids, max_bursts=0)


def test_burst_stack_id_names_first_burst_and_count() -> None:
    group = [f"064_{n:06d}_IW1" for n in range(136231, 136237)]
    assert burst_stack_id("ASCENDING", group) == "A064_136231_IW1_6b"
    assert burst_stack_id("DESCENDING", ["174_372326_IW3"]) == "D174_372326_IW3_1b"


def test_burst_stacks_per_group_with_complete_dates() -> None:
    items = [*burst_pass("2021-01-03"), *burst_pass("2021-01-15"), *burst_pass("2021-01-27")]
    build = build_stacks(pinned_all(items), request(), AOI)
    assert [s.id for s in build.stacks] == ["D174_000101_IW1_3b", "D174_000101_IW2_3b"]
    for stack in build.stacks:
        assert stack.burst_ids is not None and len(stack.burst_ids) == 3
        assert [d.date.isoformat() for d in stack.dates] == ["2021-01-03", "2021-01-15", "2021-01-27"]
        assert all(len(d.scenes) == 3 for d in stack.dates)
        assert stack.dates[1].bperp == 0
        assert all(d.bperp is not None for d in stack.dates)
    assert len(build.scenes) == 18
    assert all(s.md5 is None and s.burst_id_full for s in build.scenes.values())


def test_a_date_missing_a_burst_is_dropped_from_that_group_only_and_names_it() -> None:
    items = [
        *burst_pass("2021-01-03"),
        *burst_pass("2021-01-15", skip=((102, "IW1"),)),
        *burst_pass("2021-01-27"),
    ]
    build = build_stacks(pinned_all(items), request(), AOI)
    iw1, iw2 = build.stacks
    assert [d.date.isoformat() for d in iw1.dates] == ["2021-01-03", "2021-01-27"]
    (gone,) = iw1.dropped
    assert gone.date == dt.date(2021, 1, 15)
    assert gone.reason == "missing 1 of 3 bursts: 174_000102_IW1"
    assert len(gone.scenes) == 2
    assert len(iw2.dates) == 3
    reasons = {d.name: d.reason for d in build.dropped}
    assert set(reasons) == set(gone.scenes)
    assert all("missing 1 of 3 bursts" in r for r in reasons.values())


def test_a_burst_grazing_the_aoi_on_one_date_only_still_belongs_to_the_group() -> None:
    # Burst 104 overlaps the AOI's northern edge on the first date only (geolocation jitter);
    # it must not make the other dates incomplete, nor be dropped on them.
    shift = {(104, "IW1"): -0.06}
    items = [
        *burst_pass("2021-01-03", numbers=range(101, 105), shift=shift),
        *burst_pass("2021-01-15", numbers=range(101, 105)),
    ]
    build = build_stacks(pinned_all(items), request(), AOI)
    iw1 = build.stacks[0]
    assert iw1.id == "D174_000101_IW1_4b"
    assert len(iw1.dates) == 2
    names = {d.name for d in build.dropped}
    assert all("000104_IW2" in n for n in names)  # IW2's burst 104 never overlaps


def test_a_burst_present_on_a_minority_of_dates_is_left_out_not_every_other_date() -> None:
    # The datatake of 2021-01-03 reaches one burst further (104) than the other three dates do.
    shift = {(104, "IW1"): -0.06, (104, "IW2"): -0.06}  # and there it grazes the AOI
    items = [
        *burst_pass("2021-01-03", numbers=range(101, 105), shift=shift),
        *burst_pass("2021-01-15"),
        *burst_pass("2021-01-27"),
        *burst_pass("2021-02-08"),
    ]
    build = build_stacks(pinned_all(items), request(), AOI)
    iw1 = next(s for s in build.stacks if "IW1" in s.id)
    assert iw1.id == "D174_000101_IW1_3b"
    assert len(iw1.dates) == 4 and not iw1.dropped
    edge = [d for d in build.dropped if "000104" in d.name]
    assert edge and all("only 1 of 4 dates" in d.reason for d in edge)


def test_one_burst_groups_for_single_burst_jobs() -> None:
    items = [*burst_pass("2021-01-03", swaths=("IW1",)), *burst_pass("2021-01-15", swaths=("IW1",))]
    build = build_stacks(pinned_all(items), request(), AOI, max_bursts=1)
    assert [s.id for s in build.stacks] == ["D174_000101_IW1_1b", "D174_000102_IW1_1b", "D174_000103_IW1_1b"]
    assert all(len(s.dates) == 2 for s in build.stacks)


def test_min_scenes_and_exclude_dates_apply_to_burst_groups() -> None:
    items = [*burst_pass("2021-01-03"), *burst_pass("2021-01-15"), *burst_pass("2021-01-27")]
    req = request(min_scenes=3, exclude_dates=(dt.date(2021, 1, 15),))
    build = build_stacks(pinned_all(items), req, AOI)
    assert build.stacks == []
    assert [s.id for s in build.dropped_stacks] == ["D174_000101_IW1_3b", "D174_000101_IW2_3b"]
    assert all(s.reason.endswith("has 2 dates < min_scenes 3") for s in build.dropped_stacks)


def test_a_slc_in_a_burst_search_is_dropped() -> None:
    from scenes_helpers import WHOLE, make_slc

    items = [*burst_pass("2021-01-03"), make_slc(dt.datetime(2021, 1, 3, 15, 15), footprint=WHOLE)]
    build = build_stacks(pinned_all(items), request(), AOI)
    assert any(d.reason == "is not a burst (the search asks for product BURST)" for d in build.dropped)
