"""Build the interferometric pair network of one stack from its dates and the [pairs] settings.

Pure and deterministic: the same dates (in any order) and settings always give the same
network, notes included. Rules (docs/configuration.md, [pairs]):

* ``sbas``: dates in time order; each date pairs with up to ``neighbors`` FOLLOWING dates that
  are within ``max_temporal_baseline`` days (when set) and whose |bperp difference| is within
  ``max_perpendicular_baseline`` metres (when set). Following dates are scanned in time order:
  those failing the perpendicular limit are skipped, the first ``neighbors`` that pass are taken,
  and the scan stops at the temporal limit. A date whose bperp is unknown is never excluded by the
  perpendicular limit (a note says so).
* ``sequential``: the same scan with ``neighbors = 1``; limits apply only when set.
* ``all-within``: every pair within the temporal limit (and the perpendicular limit when set).
* ``explicit``: exactly ``pairs``; a pair naming a date outside the stack is skipped with a note.
* ``bridges``: for each date and each target T, the following date whose temporal baseline is
  closest to T within ±``bridge_tolerance`` (ties: the shorter baseline) joins as a "bridge"
  unless that pair is already present. Bridges ignore the temporal limit (crossing it is their
  purpose) but honour the perpendicular limit: a long-baseline pair that is also geometrically
  decorrelated would not bridge anything usable.
* then ``exclude_pairs`` are removed (a note for each that matches nothing) and ``include_pairs``
  are added with origin "include" (they must name two dates of the stack, reference first).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

from insarproj.errors import ConfigError, InsarprojError

Method = Literal["sbas", "sequential", "all-within", "explicit"]
Origin = Literal["sbas", "sequential", "all-within", "explicit", "bridge", "include"]
METHODS: tuple[str, ...] = get_args(Method)

DatePair = tuple[dt.date, dt.date]

# How many suggested include_pairs a disconnection report lists before eliding the rest.
_MAX_SUGGESTIONS = 8


@dataclass(frozen=True)
class NetworkDate:
    """One acquisition date of a stack, as the pairing sees it."""

    date: dt.date
    bperp: float | None  # metres relative to the stack reference; None = unknown
    scenes: tuple[str, ...]  # granule names of this date (SLC slices or bursts)
    polarizations: frozenset[str]  # e.g. {"VV", "VH"} from "VV+VH"


@dataclass(frozen=True)
class NetworkSettings:
    """The [pairs] table of project.toml, already parsed."""

    method: Method = "sbas"
    neighbors: int = 3
    max_temporal_baseline: int | None = 48
    max_perpendicular_baseline: float | None = None
    bridges: tuple[int, ...] = ()  # target temporal baselines in days, e.g. (365,)
    bridge_tolerance: int = 24  # days around each bridge target
    pairs: tuple[DatePair, ...] = ()  # for "explicit"
    exclude_pairs: tuple[DatePair, ...] = ()
    include_pairs: tuple[DatePair, ...] = ()


@dataclass(frozen=True, slots=True, init=False)
class Pair:
    """One interferogram: a reference date and a later secondary date of one stack (slots: 60,000
    at 20,000 scenes, no dict each)."""

    stack_id: str
    reference: dt.date
    secondary: dt.date
    temporal_baseline: int  # days
    bperp: float | None  # metres, secondary minus reference; None when either is unknown
    origin: Origin
    # ``yyyymmdd_yyyymmdd``, the last part of the addresses ``pair.<stack>.<key>``: made once with
    # the pair from isoformat (not strftime), since a plan reads it several times per pair for
    # 60,000 pairs at 20,000 scenes (a cached_property took a lock on its first read of each).
    key: str = field(init=False, repr=False, compare=False)

    def __init__(
        self,
        stack_id: str,
        reference: dt.date,
        secondary: dt.date,
        temporal_baseline: int,
        bperp: float | None,
        origin: Origin,
    ) -> None:
        # The generated __init__ of a frozen class, through the slots' own setters looked up once
        # (`_PAIR_SLOTS`): ≈ 0.4 µs less per pair.
        stack_id_, reference_, secondary_, temporal_baseline_, bperp_, origin_, key_ = _PAIR_SLOTS
        stack_id_(self, stack_id)
        reference_(self, reference)
        secondary_(self, secondary)
        temporal_baseline_(self, temporal_baseline)
        bperp_(self, bperp)
        origin_(self, origin)
        key_(self, f"{_compact(reference)}_{_compact(secondary)}")

    @property
    def address(self) -> str:
        return f"pair.{self.stack_id}.{self.key}"


# The setters of Pair's slots, in the order of its fields (what object.__setattr__ finds per call).
_PAIR_SLOTS = tuple(
    vars(Pair)[name].__set__
    for name in ("stack_id", "reference", "secondary", "temporal_baseline", "bperp", "origin", "key")
)

# A date's `yyyymmdd` is shared by its ≈ 6 pairs: made once per date (a few thousand dates).
_COMPACT: dict[dt.date, str] = {}


def _compact(day: dt.date) -> str:
    text = _COMPACT.get(day)
    if text is None:
        text = _COMPACT[day] = day.isoformat().replace("-", "")
    return text


@dataclass(frozen=True)
class Network:
    """The pairs of one stack plus what a user needs to judge them."""

    stack_id: str
    pairs: tuple[Pair, ...]  # sorted by (reference, secondary)
    notes: tuple[str, ...]
    components: tuple[tuple[dt.date, ...], ...]  # every date, grouped by connectivity, ordered
    isolated: tuple[dt.date, ...]  # dates in no pair

    @property
    def connected(self) -> bool:
        return len(self.components) <= 1

    def disconnection_report(self) -> str | None:
        """One paragraph naming the parts, the gaps between them and a fix; None when connected."""
        if self.connected:
            return None
        parts = [_describe_part(part) for part in self.components]
        text = f"the network of {self.stack_id} falls into {len(parts)} parts: {_join_words(parts)}"
        gaps, overlapping = _gaps_between(self.components)
        if gaps:
            described = [f"{days} days ({_iso(a)} → {_iso(b)})" for a, b, days in gaps]
            text += f", with {'gaps' if len(gaps) > 1 else 'a gap'} of {_join_words(described)}"
        if overlapping:
            text += (
                "; some parts overlap in time, so dates there pair only among themselves"
                " (max_perpendicular_baseline or exclude_pairs can do that)"
            )
        if self.isolated:
            text += f"; dates in no pair: {', '.join(_iso(d) for d in self.isolated)}"
        suggestions = _connecting_pairs(self.components)
        shown = ", ".join(f'["{_iso(a)}", "{_iso(b)}"]' for a, b in suggestions[:_MAX_SUGGESTIONS])
        if len(suggestions) > _MAX_SUGGESTIONS:
            shown += ", …"
        text += (
            "; time-series inversion needs one connected network: raise neighbors or"
            " max_temporal_baseline, add bridges, or add include_pairs"
            f" (these would connect it: include_pairs = [{shown}])"
        )
        return text


def build_network(stack_id: str, dates: Sequence[NetworkDate], settings: NetworkSettings) -> Network:
    """The pair network of one stack (see the module docstring for the rules)."""
    _check_settings(settings)
    by_date = _index_dates(stack_id, dates)
    ordered = [by_date[d] for d in sorted(by_date)]
    notes: list[str] = []
    edges = _method_pairs(stack_id, ordered, by_date, settings, notes)
    notes += _unknown_bperp_notes(ordered, settings)
    if settings.bridges:
        _add_bridges(edges, stack_id, ordered, settings, notes)
    for a, b in _unique(settings.exclude_pairs):
        match = (min(a, b), max(a, b))
        if match in edges:
            del edges[match]
        else:
            notes.append(f"exclude_pairs {_iso(a)}_{_iso(b)} matched nothing in stack {stack_id}")
    _add_named(edges, settings.include_pairs, by_date, "include", "include_pairs", stack_id, notes)

    bperps = {d.date: _bperp(d) for d in ordered}  # once per date, not twice per pair
    pairs = tuple(_make_pair(stack_id, a, b, origin, bperps) for (a, b), origin in sorted(edges.items()))
    components, isolated = _components(list(by_date), edges)
    return Network(
        stack_id=stack_id,
        pairs=pairs,
        notes=tuple(notes),
        components=components,
        isolated=isolated,
    )


def _method_pairs(
    stack_id: str,
    ordered: Sequence[NetworkDate],
    by_date: dict[dt.date, NetworkDate],
    settings: NetworkSettings,
    notes: list[str],
) -> dict[DatePair, Origin]:
    """The pairs the method makes, each with its origin."""
    edges: dict[DatePair, Origin] = {}
    if settings.method == "explicit":
        _add_named(edges, settings.pairs, by_date, "explicit", "explicit pair", stack_id, notes)
        if not settings.pairs:
            notes.append(f"method 'explicit' lists no pairs, so stack {stack_id} gets none from it")
        return edges
    neighbors: int | None = {"sbas": settings.neighbors, "sequential": 1, "all-within": None}[settings.method]
    scan = _forward_pairs(
        ordered, neighbors, settings.max_temporal_baseline, settings.max_perpendicular_baseline
    )
    for a, b in scan:
        edges.setdefault((a, b), settings.method)
    return edges


def _unknown_bperp_notes(ordered: Sequence[NetworkDate], settings: NetworkSettings) -> list[str]:
    """A note naming the dates the perpendicular limit could not be applied to (bperp unknown)."""
    bperp_limit = settings.max_perpendicular_baseline
    limit_used = bperp_limit is not None and (settings.method != "explicit" or bool(settings.bridges))
    unknown = [_iso(d.date) for d in ordered if _bperp(d) is None]
    if not limit_used or not unknown:
        return []
    their = "its" if len(unknown) == 1 else "their"
    return [
        f"bperp unknown for {', '.join(unknown)}: max_perpendicular_baseline "
        f"({bperp_limit:g} m) not applied to {their} pairs"
    ]


def _add_bridges(
    edges: dict[DatePair, Origin],
    stack_id: str,
    ordered: Sequence[NetworkDate],
    settings: NetworkSettings,
    notes: list[str],
) -> None:
    added = 0
    bridges = _bridge_pairs(
        ordered, settings.bridges, settings.bridge_tolerance, settings.max_perpendicular_baseline
    )
    for a, b in bridges:
        if (a, b) not in edges:
            edges[(a, b)] = "bridge"
            added += 1
    if added == 0:
        targets = ", ".join(f"{t}" for t in sorted(set(settings.bridges)))
        notes.append(
            f"bridges ({targets} days ± {settings.bridge_tolerance}) added no pair to stack "
            f"{stack_id}: no date pair is that far apart or every such pair is already present"
        )


def _forward_pairs(
    ordered: Sequence[NetworkDate],
    neighbors: int | None,
    max_temporal: int | None,
    max_bperp: float | None,
) -> Iterable[DatePair]:
    """The forward scan shared by sbas, sequential and all-within (neighbors None = unlimited).
    Each date's bperp is looked at once, not once per candidate (`_within_bperp` inlined)."""
    days = [d.date for d in ordered]
    bperps = [_bperp(d) for d in ordered]
    count = len(days)
    for i in range(count):
        ref, ref_bperp = days[i], bperps[i]
        taken = 0
        for j in range(i + 1, count):
            sec, sec_bperp = days[j], bperps[j]
            if max_temporal is not None and (sec - ref).days > max_temporal:
                break  # dates are in time order: every later one is farther still
            if (
                max_bperp is not None
                and ref_bperp is not None
                and sec_bperp is not None
                and abs(sec_bperp - ref_bperp) > max_bperp
            ):
                continue
            yield ref, sec
            taken += 1
            if neighbors is not None and taken >= neighbors:
                break


def _bridge_pairs(
    ordered: Sequence[NetworkDate], targets: Sequence[int], tolerance: int, max_bperp: float | None
) -> Iterable[DatePair]:
    for i, ref in enumerate(ordered):
        for target in sorted(set(targets)):
            best: tuple[int, int, dt.date] | None = None
            for sec in ordered[i + 1 :]:
                days = (sec.date - ref.date).days
                if days > target + tolerance:
                    break
                if days < target - tolerance or not _within_bperp(ref, sec, max_bperp):
                    continue
                candidate = (abs(days - target), days, sec.date)
                if best is None or candidate < best:
                    best = candidate
            if best is not None:
                yield ref.date, best[2]


def _add_named(
    edges: dict[DatePair, Origin],
    named: Sequence[DatePair],
    by_date: dict[dt.date, NetworkDate],
    origin: Origin,
    label: str,
    stack_id: str,
    notes: list[str],
) -> None:
    """Add user-named pairs (explicit, include_pairs), with a note for each one that cannot be."""
    for a, b in _unique(named):
        name = f"{label} {_iso(a)}_{_iso(b)}"
        missing = [_iso(d) for d in sorted({a, b}) if d not in by_date]
        if missing:
            verb = "is not a date" if len(missing) == 1 else "are not dates"
            notes.append(f"{name} skipped: {' and '.join(missing)} {verb} of stack {stack_id}")
        elif a == b:
            notes.append(f"{name} skipped: it pairs a date with itself")
        elif a > b:
            notes.append(
                f'{name} skipped: the reference must come first, write it as ["{_iso(b)}", "{_iso(a)}"]'
            )
        elif (a, b) in edges:
            if origin == "include":
                notes.append(f"{name} is already in the network of {stack_id} (from {edges[(a, b)]})")
        else:
            edges[(a, b)] = origin


def _make_pair(
    stack_id: str, ref: dt.date, sec: dt.date, origin: Origin, bperps: dict[dt.date, float | None]
) -> Pair:
    ref_b, sec_b = bperps[ref], bperps[sec]
    # stack_id, reference, secondary, temporal_baseline, bperp, origin (positional: per pair)
    bperp = None if ref_b is None or sec_b is None else sec_b - ref_b
    return Pair(stack_id, ref, sec, (sec - ref).days, bperp, origin)


def _bperp(d: NetworkDate) -> float | None:
    # NaN comes out of some baseline calculators when state vectors are missing: same as unknown.
    if d.bperp is None or math.isnan(d.bperp):
        return None
    return float(d.bperp)


def _within_bperp(ref: NetworkDate, sec: NetworkDate, limit: float | None) -> bool:
    a, b = _bperp(ref), _bperp(sec)
    if limit is None or a is None or b is None:
        return True
    return abs(b - a) <= limit


def _components(
    all_dates: Iterable[dt.date], edges: Iterable[DatePair]
) -> tuple[tuple[tuple[dt.date, ...], ...], tuple[dt.date, ...]]:
    parent = {d: d for d in all_dates}

    def find(d: dt.date) -> dt.date:
        while parent[d] != d:
            parent[d] = parent[parent[d]]
            d = parent[d]
        return d

    edges = list(edges)
    paired = set(itertools.chain.from_iterable(edges))
    for a, b in edges:
        ra, rb = parent[a], parent[b]  # most dates point at their root already: no call then
        if parent[ra] != ra:
            ra = find(ra)
        if parent[rb] != rb:
            rb = find(rb)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[dt.date, list[dt.date]] = {}
    for d in sorted(parent):
        groups.setdefault(find(d), []).append(d)
    components = tuple(sorted((tuple(g) for g in groups.values()), key=lambda g: g[0]))
    isolated = tuple(d for d in sorted(parent) if d not in paired)
    return components, isolated


def _gaps_between(
    components: Sequence[Sequence[dt.date]],
) -> tuple[list[tuple[dt.date, dt.date, int]], bool]:
    """Time gaps separating consecutive parts, and whether any parts interleave in time."""
    gaps: list[tuple[dt.date, dt.date, int]] = []
    overlapping = False
    latest_end = components[0][-1]
    for part in components[1:]:
        if part[0] > latest_end:
            gaps.append((latest_end, part[0], (part[0] - latest_end).days))
        else:
            overlapping = True
        latest_end = max(latest_end, part[-1])
    return gaps, overlapping


def _connecting_pairs(components: Sequence[Sequence[dt.date]]) -> list[DatePair]:
    """A smallest set of shortest pairs joining all parts (Kruskal over time-neighbouring dates).

    Time-neighbouring dates form a path through every date, so these candidates always suffice.
    """
    part_of = {d: i for i, part in enumerate(components) for d in part}
    timeline = sorted(part_of)
    candidates = sorted(
        ((b - a).days, a, b) for a, b in itertools.pairwise(timeline) if part_of[a] != part_of[b]
    )
    parent = list(range(len(components)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    chosen: list[DatePair] = []
    for _, a, b in candidates:
        ra, rb = find(part_of[a]), find(part_of[b])
        if ra != rb:
            parent[ra] = rb
            chosen.append((a, b))
    return sorted(chosen)


def _describe_part(part: Sequence[dt.date]) -> str:
    if len(part) == 1:
        return f"{_iso(part[0])} (alone)"
    return f"{_iso(part[0])}…{_iso(part[-1])} ({len(part)} dates)"


def _join_words(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _iso(d: dt.date) -> str:
    return d.isoformat()


def _unique(pairs: Iterable[DatePair]) -> list[DatePair]:
    seen: set[DatePair] = set()
    out: list[DatePair] = []
    for a, b in pairs:
        if (a, b) not in seen:
            seen.add((a, b))
            out.append((a, b))
    return out


def _index_dates(stack_id: str, dates: Sequence[NetworkDate]) -> dict[dt.date, NetworkDate]:
    by_date: dict[dt.date, NetworkDate] = {}
    for d in dates:
        if d.date in by_date and by_date[d.date] != d:
            raise InsarprojError(
                f"stack {stack_id} lists the date {_iso(d.date)} twice with different contents",
                hint="group the scenes of one date into one NetworkDate",
            )
        by_date[d.date] = d
    return by_date


def _check_settings(s: NetworkSettings) -> None:
    """Refuse settings no rule can honour; names the [pairs] key at fault."""
    if s.method not in METHODS:
        raise ConfigError(
            f"unknown method {s.method!r}", key="pairs.method", hint=f"use one of {', '.join(METHODS)}"
        )
    if not _is_int(s.neighbors) or s.neighbors < 1:
        raise ConfigError(f"must be a whole number ≥ 1, not {s.neighbors!r}", key="pairs.neighbors")
    if s.max_temporal_baseline is not None and (
        not _is_int(s.max_temporal_baseline) or s.max_temporal_baseline < 1
    ):
        raise ConfigError(
            f"must be a whole number of days ≥ 1 (or left out), not {s.max_temporal_baseline!r}",
            key="pairs.max_temporal_baseline",
        )
    limit = s.max_perpendicular_baseline
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int | float) or not math.isfinite(limit) or limit < 0
    ):
        raise ConfigError(
            f"must be a number of metres ≥ 0 (or left out), not {limit!r}",
            key="pairs.max_perpendicular_baseline",
        )
    for target in s.bridges:
        if not _is_int(target) or target < 1:
            raise ConfigError(
                f"each target must be a whole number of days ≥ 1, not {target!r}", key="pairs.bridges"
            )
    if not _is_int(s.bridge_tolerance) or s.bridge_tolerance < 0:
        raise ConfigError(
            f"must be a whole number of days ≥ 0, not {s.bridge_tolerance!r}", key="pairs.bridge_tolerance"
        )
    named_lists = (
        ("pairs.pairs", s.pairs),
        ("pairs.exclude_pairs", s.exclude_pairs),
        ("pairs.include_pairs", s.include_pairs),
    )
    for key, named in named_lists:
        for item in named:
            if not (
                isinstance(item, tuple | list)
                and len(item) == 2
                and all(isinstance(d, dt.date) and not isinstance(d, dt.datetime) for d in item)
            ):
                raise ConfigError(
                    f"each entry must be two dates [reference, secondary], not {item!r}", key=key
                )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
