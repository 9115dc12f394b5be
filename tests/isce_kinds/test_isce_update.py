"""Which generation comes next for a stack, and why (kinds/isce_update.py): pure decisions from the
recorded spec, the desired spec, whether the parent finished and what `coreg_secondarys/` holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from insarproj.isce.network_map import CONFIG_PREFIX
from insarproj.kinds.isce_spec import predicted_run_files, spec_fingerprint
from insarproj.kinds.isce_update import decide, generation_notes, next_generation, orbit_changes

A, B, C, D = "20210106", "20210118", "20210130", "20210211"
GEOMETRY = {
    "workflow": "interferogram",
    "coregistration": "geometry",
    "range_looks": 9,
    "num_overlap_connections": 3,
}
POE = "S1A_OPER_AUX_POEORB_OPOD_20210219T061551_V20210129T225942_20210131T005942.EOF"
RES = "S1A_OPER_AUX_RESORB_OPOD_20210130T040000_V20210130T010000_20210130T040000.EOF"


def spec(dates: list[str], pairs: list[tuple[str, str]], **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "stack": "A064",
        "options": dict(GEOMETRY),
        "dates": sorted(dates),
        "scenes": [f"S{d}" for d in sorted(dates)],
        "date_scenes": {d: [f"S{d}"] for d in sorted(dates)},
        "reference": min(dates),
        "orbits": {f"S{d}": POE for d in dates},
        "dem": {"bounds": [1, 2, 3, 4], "files": ["A064.dem.wgs84"]},
        "pairs": sorted([a, b] for a, b in pairs),
        "aoi_bounds": [1, 2, 3, 4],
        "topsstack": {"program": "/opt/topsStack/stackSentinel.py", "version": "2.6.3", "stand_in": False},
        "data_dir": "/p/data",
    }
    return {**base, **changes}


OLD = spec([A, B, C], [(A, B), (A, C), (B, C)])
NEW_DATE = spec([A, B, C, D], [(A, B), (A, C), (B, C), (B, D), (C, D)])


def test_only_new_dates_on_a_finished_stack_is_update_mode() -> None:
    plan = decide(OLD, NEW_DATE, parent_complete=True, coregistered=[B, C])
    assert plan.update and plan.new_dates == (D,) and plan.reprocessed == (C,)
    # The reference's SAFE stays in the SLC list, with the reprocessed and the new dates'.
    assert plan.slc_dates == (A, C, D)
    assert plan.connections is not None and plan.connections.num_connections == 1
    # Update mode pairs within [C, D]; B_D is added, modelled on the pair B_C made earlier.
    assert plan.connections.written == ((C, D),)
    assert plan.connections.add == (((B, D), (C, D)),)
    assert plan.reason == (
        "1 new date(s): update mode (topsStack coregisters 20210211 and again 20210130; "
        "insarproj adds the pair configs update mode does not write: 20210118_20210211)"
    )


def test_update_mode_is_planned_only_with_the_configs_of_the_earlier_pairs_it_models_on(
    tmp_path: Path,
) -> None:
    work = tmp_path / "isce" / "A064" / "work"
    for date in (B, C):
        (work / "coreg_secondarys" / date).mkdir(parents=True)
    (work / "configs").mkdir()
    generation = spec_fingerprint(OLD)
    attrs = {"spec": OLD, "fingerprint": generation, "work": "isce/A064/work", "run_files": ["run_01_x"]}
    record = {"status": "present", "attributes": attrs}
    steps = {"isce_step.A064.01_x": {"status": "present", "attributes": {"generation": generation}}}
    new = spec([A, B, C, D], [*map(tuple, OLD["pairs"]), (A, D), (C, D)])  # A_D is modelled on A_C
    plan = next_generation(new, record, steps, tmp_path)
    assert not plan.update
    assert (
        "not update mode: the config config_generate_igram_20210106_20210130 of an earlier pair"
        in plan.reason
    )
    for prefix in CONFIG_PREFIX.values():
        (work / "configs" / f"{prefix}{A}_{C}").write_text("[Common]\n")
    assert next_generation(new, record, steps, tmp_path).update
    # The steps of the generation it builds on must be done.
    unfinished = {"isce_step.A064.01_x": {"status": "partial", "attributes": {"generation": generation}}}
    assert "has not finished" in next_generation(new, record, unfinished, tmp_path).reason


def test_with_ionosphere_the_update_gets_every_safe() -> None:
    ion = {**GEOMETRY, "ionosphere": {"num_connections": 3}}
    old, new = (
        spec(OLD["dates"], OLD["pairs"], options=ion),
        spec(NEW_DATE["dates"], NEW_DATE["pairs"], options=ion),
    )
    plan = decide(old, new, parent_complete=True, coregistered=[B, C])
    assert plan.update and plan.slc_dates == (A, B, C, D) and plan.reprocessed == (C,)


def test_a_pair_with_the_reference_is_modelled_on_an_earlier_one() -> None:
    new = spec([A, B, C, D], [*map(tuple, OLD["pairs"]), (A, D), (C, D)])
    plan = decide(OLD, new, parent_complete=True, coregistered=[B, C])
    assert plan.update and plan.connections is not None
    assert plan.connections.add == (((A, D), (A, C)),)


@pytest.mark.parametrize(
    ("new", "complete", "coregistered", "reason"),
    [
        (
            spec(NEW_DATE["dates"], NEW_DATE["pairs"], options={**GEOMETRY, "range_looks": 15}),
            True,
            [B, C],
            "range_looks 9 → 15; 1 new date(s): regenerate",
        ),
        (
            NEW_DATE,
            False,
            [B, C],
            "1 new date(s): regenerate, not update mode: the current generation has not",
        ),
        (
            NEW_DATE,
            True,
            [B],
            "not update mode: the work folder's coreg_secondarys/ (1 date(s)) is not the 2",
        ),
        (NEW_DATE, True, None, "coreg_secondarys/ (no coreg_secondarys/) is not the 2 date(s) recorded"),
        (spec([A, B, D], [(A, B), (B, D)]), True, [B, C], "1 date(s) left the stack (20210130)"),
        (spec([A, B, C], [(A, B), (B, C)]), True, [B, C], "1 pair(s) left the network (20210106_20210130)"),
        (spec([A, B, C], OLD["pairs"], data_dir="/q/data"), True, [B, C], "[paths] data moved"),
        (spec([A, B, C], OLD["pairs"], dem={"bounds": None}), True, [B, C], "the DEM changed"),
        (
            spec([A, B, C], OLD["pairs"], date_scenes={**OLD["date_scenes"], B: [f"S{B}", f"S{B}b"]}),
            True,
            [B, C],
            "the scenes of processed date(s) 20210118 changed",
        ),
        (
            spec(["20201225", A, B, C], [("20201225", A), *map(tuple, OLD["pairs"])]),
            True,
            [B, C],
            "reference date 20210106 → 20201225; 1 new date(s): regenerate",
        ),
        (
            spec([A, B, C], OLD["pairs"], topsstack={"program": "x", "version": None, "stand_in": True}),
            True,
            [B, C],
            "the sandbox's stand-in and the real topsStack were swapped",
        ),
    ],
)
def test_what_is_not_only_new_dates_regenerates_with_the_reason(
    new: dict[str, Any], complete: bool, coregistered: list[str] | None, reason: str
) -> None:
    plan = decide(OLD, new, parent_complete=complete, coregistered=coregistered)
    assert not plan.update
    assert reason in plan.reason


def test_a_generation_recorded_by_an_earlier_version_is_regenerated() -> None:
    old = {k: v for k, v in OLD.items() if k not in ("date_scenes", "reference")}
    plan = decide(old, NEW_DATE, parent_complete=True, coregistered=[B, C])
    assert not plan.update and plan.reason.startswith("generated by an earlier insarproj version")


def test_nesd_update_needs_twice_the_overlap_connections_coregistered() -> None:
    nesd = {**GEOMETRY, "coregistration": "NESD"}
    old, new = (
        spec(OLD["dates"], OLD["pairs"], options=nesd),
        spec(NEW_DATE["dates"], NEW_DATE["pairs"], options=nesd),
    )
    plan = decide(old, new, parent_complete=True, coregistered=[B, C])
    assert (
        not plan.update
        and "needs 6 coregistered dates (2 × num_overlap_connections), the stack has 2" in plan.reason
    )
    one = {**nesd, "num_overlap_connections": 1}
    old, new = (
        spec(OLD["dates"], OLD["pairs"], options=one),
        spec(NEW_DATE["dates"], NEW_DATE["pairs"], options=one),
    )
    plan = decide(old, new, parent_complete=True, coregistered=[B, C])
    assert plan.update and plan.reprocessed == (B, C) and plan.slc_dates == (A, B, C, D)
    # Every neighbour pair of [B, C, D] is in the network: -c 3, nothing to add. B_C was made
    # already; topsStack writes it again among the reprocessed dates, so it is remade.
    assert plan.connections is not None and plan.connections.num_connections == 3
    assert set(plan.connections.written) == {(B, C), (B, D), (C, D)}
    assert plan.connections.add == () and plan.connections.remove == ()


def test_a_pair_no_model_can_make_falls_back_to_regenerate() -> None:
    # Reference B: update mode pairs only [B, C] (reference first); A_C has the reference in neither
    # place and neither the written pairs nor the earlier A_B (reference second) can model it.
    old = spec([A, B], [(A, B)], reference=B)
    new = spec([A, B, C], [(A, B), (A, C), (B, C)], reference=B)
    plan = decide(old, new, parent_complete=True, coregistered=[A])
    assert not plan.update
    assert plan.reason.startswith(
        "1 new date(s): regenerate, not update mode: stack A064: pair 20210106_20210130"
    )


def test_orbit_upgrade_and_topsstack_version_are_notes_not_a_new_generation() -> None:
    old = spec([A, B, C], OLD["pairs"], orbits={f"S{d}": RES for d in (A, B, C)})
    new = spec([A, B, C], OLD["pairs"], topsstack={**OLD["topsstack"], "version": "2.6.4"})
    assert spec_fingerprint(old) == spec_fingerprint(new)
    assert orbit_changes(old, new) == {f"S{d}": (RES, POE) for d in (A, B, C)}
    notes = generation_notes("isce_stack.A064", new, {"status": "present", "attributes": {"spec": old}})
    assert notes[0].startswith(
        "isce_stack.A064: 3 processed scene(s) now have another orbit file (RESORB → POEORB; date(s) "
        "20210106, 20210118, 20210130): a note only"
    )
    assert notes[1].startswith("isce_stack.A064 was generated by topsStack 2.6.3") and "now 2.6.4" in notes[1]
    # A scene whose orbit is not recorded yet is no upgrade.
    assert orbit_changes(old, {**new, "orbits": {"SA": "(no orbit yet for SA)"}}) == {}


def test_update_mode_run_files_skip_the_reference_and_the_burst_overlaps() -> None:
    nesd = predicted_run_files({"workflow": "interferogram", "coregistration": "NESD"}, update=True)
    assert nesd[0] == "run_01_unpack_secondary_slc" and nesd[2] == "run_03_overlap_geo2rdr"
    assert len(nesd) == 14 and nesd[-1] == "run_14_unwrap"
    geometry = predicted_run_files({"workflow": "interferogram", "coregistration": "geometry"}, update=True)
    assert len(geometry) == 10 and geometry[-1] == "run_10_unwrap"
