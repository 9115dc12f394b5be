"""The plan's shortcuts on pairs give what the long way gives: a sound pair is one the full check
finds nothing wrong with, and the forward scan with its per-date baselines makes the pairs the
rules make (each row a way a pair or a date can differ)."""

from __future__ import annotations

import dataclasses
import itertools
import math
import random

import pytest
from pairs_helpers import day, make_dates

from insarproj.pairs import NetworkDate, NetworkSettings, Pair, build_network, validate_pair
from insarproj.pairs.validate import _pair_problems

REF, SEC = make_dates([0, 12])
GOOD = Pair("A064", day(0), day(12), 12, 0.0, "sbas")
NO_SCENE = dataclasses.replace(SEC, scenes=())
REF_NO_SCENE = dataclasses.replace(REF, scenes=())
CROSS = dataclasses.replace(SEC, polarizations=frozenset({"HH"}))

# (case, pair, reference date, secondary date, stacks, has a problem)
ROWS = [
    ("sound", GOOD, REF, SEC, ("A064", "A064"), False),
    ("two stacks", GOOD, REF, SEC, ("A064", "D087"), True),
    ("dates of another stack", GOOD, REF, SEC, ("D087", "D087"), True),
    ("dates swapped", GOOD, SEC, REF, ("A064", "A064"), True),
    (
        "other reference date",
        dataclasses.replace(GOOD, reference=day(6), temporal_baseline=6),
        REF,
        SEC,
        ("A064", "A064"),
        True,
    ),
    ("same date", Pair("A064", day(0), day(0), 0, 0.0, "sbas"), REF, REF, ("A064", "A064"), True),
    (
        "wrong temporal baseline",
        dataclasses.replace(GOOD, temporal_baseline=11),
        REF,
        SEC,
        ("A064", "A064"),
        True,
    ),
    ("a secondary without scenes", GOOD, REF, NO_SCENE, ("A064", "A064"), True),
    ("a reference without scenes", GOOD, REF_NO_SCENE, SEC, ("A064", "A064"), True),
    ("no common co-polarization", GOOD, REF, CROSS, ("A064", "A064"), True),
]


@pytest.mark.parametrize(
    ("pair", "ref", "sec", "stacks", "bad"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_a_pair_is_sound_exactly_when_the_full_check_finds_nothing(
    pair: Pair, ref: NetworkDate, sec: NetworkDate, stacks: tuple[str, str], bad: bool
) -> None:
    problems = validate_pair(pair, ref, sec, stack_ids=stacks)
    assert problems == _pair_problems(pair, ref, sec, stacks)
    assert bool(problems) is bad


def _scan(dates: list[NetworkDate], settings: NetworkSettings) -> list[tuple[str, float | None]]:
    """The rules of sbas / sequential / all-within written the plain way (module doc of
    pairs/network.py): each date with up to `neighbors` following dates within both limits."""
    neighbors = {"sbas": settings.neighbors, "sequential": 1, "all-within": None}[settings.method]
    known = {d.date: None if d.bperp is None or math.isnan(d.bperp) else d.bperp for d in dates}
    ordered = sorted(known)
    found = []
    for i, a in enumerate(ordered):
        taken = 0
        for b in ordered[i + 1 :]:
            if settings.max_temporal_baseline is not None and (b - a).days > settings.max_temporal_baseline:
                break
            limit, ba, bb = settings.max_perpendicular_baseline, known[a], known[b]
            if limit is not None and ba is not None and bb is not None and abs(bb - ba) > limit:
                continue
            found.append((f"{a:%Y%m%d}_{b:%Y%m%d}", None if ba is None or bb is None else bb - ba))
            taken += 1
            if neighbors is not None and taken >= neighbors:
                break
    return found


SETTINGS = [
    NetworkSettings(),
    NetworkSettings(max_perpendicular_baseline=40.0),
    NetworkSettings(method="sequential", max_temporal_baseline=None),
    NetworkSettings(method="all-within", max_temporal_baseline=30, max_perpendicular_baseline=25.0),
    NetworkSettings(neighbors=5, max_temporal_baseline=None, max_perpendicular_baseline=0.0),
]


@pytest.mark.parametrize(("settings", "seed"), list(itertools.product(SETTINGS, range(4))))
def test_the_forward_scan_makes_the_pairs_the_rules_make(settings: NetworkSettings, seed: int) -> None:
    rng = random.Random(seed)
    offsets = sorted(rng.sample(range(0, 400), 40))
    # Unknown baselines (None) and a calculator's NaN among them: never excluded by the limit.
    bperps = [rng.choice([None, math.nan, rng.uniform(-100, 100)]) for _ in offsets]
    dates = make_dates(offsets, bperps)
    rng.shuffle(dates)  # any order in: the same network out
    network = build_network("A064", dates, settings)
    assert [(p.key, p.bperp) for p in network.pairs] == _scan(dates, settings)
    assert all(p.key == f"{p.reference:%Y%m%d}_{p.secondary:%Y%m%d}" for p in network.pairs)
