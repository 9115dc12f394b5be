"""Checks run on a pair before credits are spent on it.

HyP3 charges at submission, FAILED jobs included, and some of its input rules are not checked by
the server (contiguity of burst sets), so a pair that breaks them costs credits for nothing.
Each function returns a list of problems, one sentence each; an empty list means the pair is fine.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Sequence
from functools import cache

from insarproj.pairs.network import NetworkDate, Pair
from insarproj.s1names import BurstName, parse_burst_name

CO_POLARIZATIONS = frozenset({"VV", "HH"})
MAX_BURSTS = 15  # INSAR_ISCE_MULTI_BURST: 1-15 bursts per side
MAX_PASS_SPREAD = dt.timedelta(minutes=2)  # each side must come from one pass

_NOT_CHECKED = (
    "HyP3 does not check this when the job is submitted, so the job would fail after its credits are spent"
)


def validate_pair(pair: Pair, ref: NetworkDate, sec: NetworkDate, *, stack_ids: tuple[str, str]) -> list[str]:
    """Problems with ``pair`` made of dates ``ref`` and ``sec`` (``stack_ids``: their stacks)."""
    if _sound(pair, ref, sec, stack_ids):
        return []  # the common case, decided without a message per pair (60,000 at 20,000 scenes)
    return _pair_problems(pair, ref, sec, stack_ids)


def _sound(pair: Pair, ref: NetworkDate, sec: NetworkDate, stack_ids: tuple[str, str]) -> bool:
    """Whether `_pair_problems` finds nothing: every one of its checks, passed."""
    ref_date, sec_date = ref.date, sec.date
    return (
        stack_ids[0] == stack_ids[1] == pair.stack_id
        and ref_date == pair.reference
        and sec_date == pair.secondary
        and ref_date < sec_date
        and pair.temporal_baseline == (sec_date - ref_date).days
        and bool(ref.scenes)
        and bool(sec.scenes)
        and bool(_polarizations(ref) & _polarizations(sec) & CO_POLARIZATIONS)
    )


def _pair_problems(pair: Pair, ref: NetworkDate, sec: NetworkDate, stack_ids: tuple[str, str]) -> list[str]:
    where = f"pair {pair.stack_id}.{pair.key}"
    problems: list[str] = []
    ref_stack, sec_stack = stack_ids
    if ref_stack != sec_stack:
        problems.append(
            f"{where}: its reference date belongs to stack {ref_stack} and its secondary to "
            f"{sec_stack}; pairs are made between dates of one stack"
        )
    elif ref_stack != pair.stack_id:
        problems.append(f"{where}: its dates belong to stack {ref_stack}, not {pair.stack_id}")
    if ref.date != pair.reference or sec.date != pair.secondary:
        problems.append(
            f"{where}: the dates given ({ref.date.isoformat()}, {sec.date.isoformat()}) are not "
            "the pair's reference and secondary"
        )
    if ref.date == sec.date:
        problems.append(f"{where}: reference and secondary are the same date {ref.date.isoformat()}")
    elif ref.date > sec.date:
        problems.append(
            f"{where}: the reference {ref.date.isoformat()} is later than the secondary "
            f"{sec.date.isoformat()}; the reference must be the earlier date"
        )
    if pair.temporal_baseline != (pair.secondary - pair.reference).days:
        problems.append(
            f"{where}: temporal baseline {pair.temporal_baseline} days does not match its dates "
            f"({(pair.secondary - pair.reference).days} days)"
        )
    for role, d in (("reference", ref), ("secondary", sec)):
        if not d.scenes:
            problems.append(f"{where}: the {role} date {d.date.isoformat()} has no scene")
    ref_pols, sec_pols = _polarizations(ref), _polarizations(sec)
    if not ref_pols & sec_pols & CO_POLARIZATIONS:
        problems.append(
            f"{where}: no common co-polarization (VV or HH) between the reference "
            f"({_show_pols(ref_pols)}) and the secondary ({_show_pols(sec_pols)}); "
            "interferograms need the same co-pol channel on both dates"
        )
    return problems


def validate_burst_pair(reference: Sequence[str], secondary: Sequence[str]) -> list[str]:
    """Problems with a multi-burst pair (INSAR_ISCE_MULTI_BURST input rules, HyP3 burst guide).

    1-15 bursts per side, the same count, pairwise the same burst id and subswath (after sorting),
    one co-pol polarization (VV or HH) on both sides, reference acquired before secondary, each
    side within two minutes, and contiguous along track: within a subswath the burst ids are
    consecutive and neighbouring subswaths are offset by at most one burst.
    """
    problems: list[str] = []
    sides: dict[str, list[BurstName]] = {}
    for role, names in (("reference", reference), ("secondary", secondary)):
        parsed = _parse_side(role, names, problems)
        if parsed is not None:
            sides[role] = parsed
    if len(reference) != len(secondary):
        problems.append(
            f"the reference has {len(reference)} bursts and the secondary {len(secondary)}; "
            "both sides need the same bursts"
        )
    if len(sides) < 2 or not reference or not secondary:
        return problems  # the remaining rules need every name parsed, on both sides
    problems += _burst_set_problems(sides["reference"], sides["secondary"])
    problems += _polarization_problems(sides)
    problems += _timing_problems(sides)
    problems += _side_contiguity_problems(sides)
    return problems


def _parse_side(role: str, names: Sequence[str], problems: list[str]) -> list[BurstName] | None:
    """The parsed bursts of one side (None when a name does not parse); its problems go to ``problems``."""
    parsed = [(n, parse_burst_name(n)) for n in names]
    bad = [n for n, p in parsed if p is None]
    for n in bad:
        problems.append(
            f"{role} {n!r} is not a Sentinel-1 IW burst name "
            "(S1_<burst id>_IW<n>_<yyyymmddThhmmss>_<pol>_<hex>-BURST)"
        )
    if not names:
        problems.append(f"the {role} lists no burst; a job needs 1 to {MAX_BURSTS} on each side")
    elif len(names) > MAX_BURSTS:
        problems.append(
            f"the {role} lists {len(names)} bursts; HyP3 takes at most {MAX_BURSTS} per side, "
            "so split the burst group"
        )
    for n, count in sorted(Counter(names).items()):
        if count > 1:
            problems.append(f"the {role} lists {n} {count} times")
    return None if bad else [p for _, p in parsed if p is not None]


def _burst_set_problems(ref: Sequence[BurstName], sec: Sequence[BurstName]) -> list[str]:
    ref_ids, sec_ids = Counter(b.full_id for b in ref), Counter(b.full_id for b in sec)
    if ref_ids == sec_ids:
        return []
    only_ref = sorted((ref_ids - sec_ids).elements())
    only_sec = sorted((sec_ids - ref_ids).elements())
    return [
        "the two sides differ in bursts: "
        f"only the reference has {_ids_or_none(only_ref)} and only the secondary has "
        f"{_ids_or_none(only_sec)}; each reference burst needs the same burst id and subswath "
        "on the secondary side"
    ]


def _polarization_problems(sides: dict[str, list[BurstName]]) -> list[str]:
    problems: list[str] = []
    pols = {role: sorted({b.polarization for b in side}) for role, side in sides.items()}
    for role, found in pols.items():
        if len(found) > 1:
            problems.append(f"the {role} mixes polarizations {', '.join(found)}; one job takes one")
    if len(pols["reference"]) == 1 == len(pols["secondary"]) and pols["reference"] != pols["secondary"]:
        problems.append(
            f"the reference is {pols['reference'][0]} and the secondary {pols['secondary'][0]}; "
            "both sides need the same polarization"
        )
    cross = sorted({b.polarization for b in sides["reference"] + sides["secondary"]} - CO_POLARIZATIONS)
    if cross:
        problems.append(f"{', '.join(cross)} is cross-polarized; HyP3 burst InSAR takes co-pol VV or HH only")
    return problems


def _timing_problems(sides: dict[str, list[BurstName]]) -> list[str]:
    problems: list[str] = []
    for role, side in sides.items():
        first, last = min(b.time for b in side), max(b.time for b in side)
        if last - first > MAX_PASS_SPREAD:
            problems.append(
                f"the {role} bursts span {_duration(last - first)} ({first:%Y-%m-%dT%H:%M:%S} to "
                f"{last:%H:%M:%S}); each side must be acquired within 2 minutes (one pass)"
            )
    ref, sec = sides["reference"], sides["secondary"]
    if not max(b.time for b in ref) < min(b.time for b in sec):
        problems.append(
            f"the reference ({min(b.time for b in ref):%Y-%m-%dT%H:%M:%S}) is not acquired before "
            f"the secondary ({min(b.time for b in sec):%Y-%m-%dT%H:%M:%S}); swap the two sides"
        )
    return problems


def _side_contiguity_problems(sides: dict[str, list[BurstName]]) -> list[str]:
    problems: list[str] = []
    checked: set[frozenset[str]] = set()
    for role, side in sides.items():
        ids = frozenset(b.full_id for b in side)
        if ids in checked:
            continue  # the same burst set was just checked on the other side
        checked.add(ids)
        for gap in contiguity_problems(side):
            problems.append(f"the {role} bursts are not contiguous along track: {gap}; {_NOT_CHECKED}")
    return problems


def contiguity_problems(bursts: Sequence[BurstName]) -> list[str]:
    """Where a burst set is not contiguous along track (empty when it is).

    ESA burst ids count bursts along the orbit and are shared by the three subswaths of one burst
    cycle, so contiguity is: consecutive ids within each subswath, no skipped subswath, and ranges
    of neighbouring subswaths that start and end at most one burst apart.
    """
    by_swath: dict[int, list[int]] = {}
    for burst in bursts:
        by_swath.setdefault(int(burst.subswath[2:]), []).append(burst.burst_id)
    problems: list[str] = []
    for swath, ids in sorted(by_swath.items()):
        unique = sorted(set(ids))
        for low, high in itertools.pairwise(unique):
            if high - low > 1:
                missing = [f"{i:06d}" for i in range(low + 1, high)]
                shown = ", ".join(missing[:5]) + (", …" if len(missing) > 5 else "")
                problems.append(f"IW{swath} jumps from burst {low:06d} to {high:06d} (missing {shown})")
    swaths = sorted(by_swath)
    for a, b in itertools.pairwise(swaths):
        if b - a > 1:
            problems.append(f"IW{a} and IW{b} are used without IW{a + 1} between them")
            continue
        lo_a, hi_a = min(by_swath[a]), max(by_swath[a])
        lo_b, hi_b = min(by_swath[b]), max(by_swath[b])
        if abs(lo_a - lo_b) > 1 or abs(hi_a - hi_b) > 1:
            problems.append(
                f"IW{a} covers bursts {lo_a:06d}–{hi_a:06d} and IW{b} {lo_b:06d}–{hi_b:06d}; "
                "neighbouring subswaths may be offset by at most one burst"
            )
    return problems


def _polarizations(d: NetworkDate) -> frozenset[str]:
    return _split_polarizations(d.polarizations)


@cache  # a handful of distinct values, asked twice per pair
def _split_polarizations(polarizations: frozenset[str]) -> frozenset[str]:
    # Accept both {"VV", "VH"} and the catalogue's combined form {"VV+VH"}.
    return frozenset(p.strip().upper() for item in polarizations for p in item.split("+") if p.strip())


def _show_pols(pols: frozenset[str]) -> str:
    return "+".join(sorted(pols)) if pols else "no polarization"


def _ids_or_none(ids: Sequence[str]) -> str:
    return ", ".join(ids) if ids else "none"


def _duration(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes} min {seconds} s"
