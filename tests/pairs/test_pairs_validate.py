"""validate_pair and validate_burst_pair: the checks made before credits are spent."""

from __future__ import annotations

import dataclasses

import pytest
from pairs_helpers import day, make_dates

from insarproj.pairs import Pair, parse_burst_name, validate_burst_pair, validate_pair


def _pair(a: int, b: int, stack: str = "A064") -> Pair:
    return Pair(stack, day(a), day(b), b - a, 0.0, "sbas")


def test_a_good_pair_has_no_problem():
    ref, sec = make_dates([0, 12])
    assert validate_pair(_pair(0, 12), ref, sec, stack_ids=("A064", "A064")) == []


def test_combined_polarization_strings_are_understood():
    ref, sec = make_dates([0, 12], pols="VV")
    ref = dataclasses.replace(ref, polarizations=frozenset({"VV+VH"}))
    assert validate_pair(_pair(0, 12), ref, sec, stack_ids=("A064", "A064")) == []


@pytest.mark.parametrize(
    ("pair", "ref_pols", "sec_pols", "stacks", "swap", "expected"),
    [
        pytest.param(
            _pair(0, 12),
            "VV+VH",
            "VV+VH",
            ("A064", "D087"),
            False,
            "its reference date belongs to stack A064 and its secondary to D087",
            id="two-stacks",
        ),
        pytest.param(
            _pair(0, 12),
            "VV+VH",
            "VV+VH",
            ("D087", "D087"),
            False,
            "its dates belong to stack D087, not A064",
            id="other-stack",
        ),
        pytest.param(
            _pair(0, 12),
            "VV+VH",
            "VV+VH",
            ("A064", "A064"),
            True,
            "the reference 2021-01-14 is later than the secondary 2021-01-02",
            id="reversed",
        ),
        pytest.param(
            _pair(0, 12),
            "HH+HV",
            "VV+VH",
            ("A064", "A064"),
            False,
            "no common co-polarization (VV or HH) between the reference (HH+HV) and the secondary (VH+VV)",
            id="HH-vs-VV",
        ),
        pytest.param(
            _pair(0, 12),
            "VH",
            "VV+VH",
            ("A064", "A064"),
            False,
            "no common co-polarization",
            id="only-cross-pol-in-common",
        ),
    ],
)
def test_pair_problems(pair, ref_pols, sec_pols, stacks, swap, expected):
    (ref,) = make_dates([0], pols=ref_pols)
    (sec,) = make_dates([12], pols=sec_pols)
    if swap:
        ref, sec = sec, ref
    problems = validate_pair(pair, ref, sec, stack_ids=stacks)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith("pair A064.20210102_20210114: ") for p in problems)


def test_same_date_mismatched_dates_wrong_baseline_and_missing_scenes():
    (ref,) = make_dates([0])
    pair = Pair("A064", day(0), day(0), 3, None, "include")
    problems = validate_pair(pair, ref, ref, stack_ids=("A064", "A064"))
    assert any("reference and secondary are the same date 2021-01-02" in p for p in problems)
    assert any("temporal baseline 3 days does not match its dates (0 days)" in p for p in problems)

    ref, sec = make_dates([0, 24])
    no_scene = dataclasses.replace(sec, scenes=())
    problems = validate_pair(_pair(0, 12), ref, no_scene, stack_ids=("A064", "A064"))
    assert any("are not the pair's reference and secondary" in p for p in problems)
    assert any("the secondary date 2021-01-26 has no scene" in p for p in problems)


def burst(burst_id: int, swath: int = 2, time: str = "20200604T022312", pol: str = "VV") -> str:
    return f"S1_{burst_id:06d}_IW{swath}_{time}_{pol}_7C85-BURST"


def run(ids, swath=2, time="20200604T022312", pol="VV"):
    return [burst(i, swath, time, pol) for i in ids]


REF_T, SEC_T = "20200604T022312", "20200616T022313"


def test_parse_burst_name():
    parsed = parse_burst_name("S1_136231_IW2_20200604T022312_VV_7C85-BURST")
    assert parsed is not None
    assert (parsed.burst_id, parsed.subswath, parsed.polarization, parsed.full_id) == (
        136231,
        "IW2",
        "VV",
        "136231_IW2",
    )
    assert parsed.time.isoformat() == "2020-06-04T02:23:12"
    for bad in (
        "S1A_IW_SLC__1SDV_20200604T022251_20200604T022318_032861_03CE65_7C85",
        "S1_136231_IW4_20200604T022312_VV_7C85-BURST",
        "S1_136231_IW2_20201304T022312_VV_7C85-BURST",
    ):
        assert parse_burst_name(bad) is None


GOOD_BURSTS = [
    pytest.param(run([136231]), run([136231], time=SEC_T), id="single-burst"),
    pytest.param(
        run([136231, 136232, 136233]),
        run([136233, 136231, 136232], time=SEC_T),
        id="three-contiguous-in-any-order",
    ),
    pytest.param(
        run(range(100, 103), 1) + run(range(101, 104), 2),
        run(range(100, 103), 1, SEC_T) + run(range(101, 104), 2, SEC_T),
        id="neighbouring-subswaths-offset-by-one",
    ),
    pytest.param(
        [b for s in (1, 2, 3) for b in run(range(100, 105), s)],
        [b for s in (1, 2, 3) for b in run(range(100, 105), s, SEC_T)],
        id="fifteen-across-three-subswaths",
    ),
    pytest.param(run([136231], pol="HH"), run([136231], time=SEC_T, pol="HH"), id="HH"),
]


@pytest.mark.parametrize(("reference", "secondary"), GOOD_BURSTS)
def test_good_burst_pairs(reference, secondary):
    assert validate_burst_pair(reference, secondary) == []


BAD_BURSTS = [
    pytest.param(
        run([136231, 136233]),
        run([136231, 136233], time=SEC_T),
        "the reference bursts are not contiguous along track: IW2 jumps from burst 136231 to "
        "136233 (missing 136232); HyP3 does not check this when the job is submitted, so the job "
        "would fail after its credits are spent",
        id="gap",
    ),
    pytest.param(
        run([100, 101], 1) + run([100, 101], 3),
        run([100, 101], 1, SEC_T) + run([100, 101], 3, SEC_T),
        "IW1 and IW3 are used without IW2 between them",
        id="skipped-subswath",
    ),
    pytest.param(
        run([100, 101, 102], 1) + run(range(100, 104 + 1), 2),
        run([100, 101, 102], 1, SEC_T) + run(range(100, 104 + 1), 2, SEC_T),
        "IW1 covers bursts 000100–000102 and IW2 000100–000104; neighbouring subswaths may be "
        "offset by at most one burst",
        id="subswaths-offset-by-two",
    ),
    pytest.param(
        run([136231, 136232]),
        run([136231], time=SEC_T),
        "the reference has 2 bursts and the secondary 1; both sides need the same bursts",
        id="count-mismatch",
    ),
    pytest.param(
        run([136231], pol="VH"),
        run([136231], time=SEC_T, pol="VH"),
        "VH is cross-polarized; HyP3 burst InSAR takes co-pol VV or HH only",
        id="cross-pol",
    ),
    pytest.param(
        run([136231], pol="VV"),
        run([136231], time=SEC_T, pol="HH"),
        "the reference is VV and the secondary HH; both sides need the same polarization",
        id="different-polarizations",
    ),
    pytest.param(
        [burst(136231, pol="VV"), burst(136232, pol="HH")],
        [burst(136231, time=SEC_T), burst(136232, time=SEC_T)],
        "the reference mixes polarizations HH, VV",
        id="mixed-polarizations",
    ),
    pytest.param(
        run(range(1, 17)),
        run(range(1, 17), time=SEC_T),
        "the reference lists 16 bursts; HyP3 takes at most 15 per side",
        id="more-than-15",
    ),
    pytest.param(
        [],
        run([136231], time=SEC_T),
        "the reference lists no burst; a job needs 1 to 15 on each side",
        id="empty-side",
    ),
    pytest.param(
        run([136231], time=SEC_T),
        run([136231], time=REF_T),
        "the reference (2020-06-16T02:23:13) is not acquired before the secondary "
        "(2020-06-04T02:23:12); swap the two sides",
        id="wrong-order",
    ),
    pytest.param(
        run([136231]),
        run([136232], time=SEC_T),
        "the two sides differ in bursts: only the reference has 136231_IW2 and only the secondary "
        "has 136232_IW2",
        id="different-burst-ids",
    ),
    pytest.param(
        run([136231], swath=1),
        run([136231], swath=2, time=SEC_T),
        "only the reference has 136231_IW1 and only the secondary has 136231_IW2",
        id="different-subswath",
    ),
    pytest.param(
        [burst(136231, time="20200604T022312"), burst(136232, time="20200604T022530")],
        run([136231, 136232], time=SEC_T),
        "the reference bursts span 2 min 18 s (2020-06-04T02:23:12 to 02:25:30); each side must be "
        "acquired within 2 minutes",
        id="spread-over-2-minutes",
    ),
    pytest.param(
        ["S1A_IW_SLC__1SDV_20200604T022251_20200604T022318_032861_03CE65_7C85"],
        run([1], time=SEC_T),
        "reference 'S1A_IW_SLC__1SDV_20200604T022251_20200604T022318_032861_03CE65_7C85' is not a "
        "Sentinel-1 IW burst name",
        id="not-a-burst-name",
    ),
    pytest.param(
        run([136231, 136231]),
        run([136231, 136231], time=SEC_T),
        "the reference lists S1_136231_IW2_20200604T022312_VV_7C85-BURST 2 times",
        id="duplicate",
    ),
]


@pytest.mark.parametrize(("reference", "secondary", "expected"), BAD_BURSTS)
def test_bad_burst_pairs(reference, secondary, expected):
    problems = validate_burst_pair(reference, secondary)
    assert any(expected in p for p in problems), problems


def test_a_gap_present_on_both_sides_is_reported_once():
    problems = validate_burst_pair(run([1, 3]), run([1, 3], time=SEC_T))
    assert len([p for p in problems if "not contiguous" in p]) == 1


def test_exactly_two_minutes_spread_is_allowed():
    reference = [burst(1, time="20200604T022312"), burst(2, time="20200604T022512")]
    secondary = [burst(1, time="20200616T022312"), burst(2, time="20200616T022315")]
    assert validate_burst_pair(reference, secondary) == []
