"""How topsStack makes exactly a stack's `[pairs]` network (docs/isce-network.md).

stackSentinel.py pairs each date with its next `-c` dates (`selectNeighborPairs`); `-c` cannot
express bridges, `all-within` or edits, `-c all` crashes, and a large `-c` in geometry mode makes
an update re-coregister that many dates. So insarproj asks stackSentinel for the largest `-c`
(at most `max_connections`, at least 1) whose neighbour pairs all belong to the network, then
adds the missing pairs itself, each modelled on a pair stackSentinel wrote, and removes the
neighbour pairs the network does not hold (`insarproj/isce/pair_configs.py`).

A pair is modelled on a written pair whose dates play the same roles: the stack's reference date
lives in `<work>/reference`, every other date in `<work>/coreg_secondarys/<date>`, so only a pair
with the reference date in the same place has the same paths up to the dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from insarproj.errors import ConfigError

DatePair = tuple[str, str]  # (reference, secondary) as topsStack's YYYYMMDD strings

# The run files whose commands are one per pair, per workflow (the notes' table of run files,
# from stackSentinel.py's interferogramStack / correlationStack / offsetStack).
PAIR_STEPS: dict[str, tuple[str, ...]] = {
    "interferogram": ("generate_burst_igram", "merge_burst_igram", "filter_coherence", "unwrap"),
    "correlation": ("generate_burst_igram", "merge_burst_igram", "filter_coherence"),
    "offset": ("dense_offsets",),
    "slc": (),
}
# The config file of one pair in each of those steps (Stack.py's names).
CONFIG_PREFIX: dict[str, str] = {
    "generate_burst_igram": "config_generate_igram_",
    "merge_burst_igram": "config_merge_igram_",
    "filter_coherence": "config_igram_filt_coh_",
    "unwrap": "config_igram_unw_",
    "dense_offsets": "config_denseOffset_",
}
# Largest -c insarproj passes: geometry coregistration re-processes `-c` dates on every update.
MAX_CONNECTIONS = {"NESD": 3, "geometry": 1}


@dataclass(frozen=True)
class ConnectionPlan:
    """What stackSentinel is asked for and what insarproj changes in what it wrote."""

    num_connections: int  # the -c to pass
    written: tuple[DatePair, ...]  # the pairs stackSentinel writes with that -c
    add: tuple[tuple[DatePair, DatePair], ...]  # (network pair, written pair it is modelled on)
    remove: tuple[DatePair, ...]  # written pairs that are not in the network


def neighbor_pairs(dates: Sequence[str], connections: int) -> list[DatePair]:
    """stackSentinel's `selectNeighborPairs`: each date with its next `connections` dates."""
    ordered = sorted(dates)
    return [
        (ordered[i], ordered[j])
        for i in range(len(ordered) - 1)
        for j in range(i + 1, min(i + connections + 1, len(ordered)))
    ]


def plan_connections(
    stack: str,
    dates: Sequence[str],
    reference: str,
    network: Iterable[DatePair],
    *,
    coregistration: str = "NESD",
    paired_dates: Sequence[str] | None = None,
    earlier: Iterable[DatePair] = (),
) -> ConnectionPlan:
    """The `-c` and the pair edits that make exactly `network` from the stack's `dates`.

    `dates` are the dates stackSentinel will use (after its bbox check), `reference` its `-m`,
    `network` the pairs this generation must make. In update mode stackSentinel pairs only among
    `paired_dates` (its `sorted(secondaries + [reference])[1:]`: the new dates and the latest
    coregistered ones); `network` then holds only the pairs not made by an earlier generation, and
    `earlier` the pairs earlier generations made in the same work folder (their configs are still in
    `configs/`), models when no written pair has the same roles.
    Raises ConfigError naming the pair when the network cannot be made.
    """
    wanted = sorted(set(network))
    _check_pairs(stack, dates, reference, wanted)
    pairing = sorted(dates if paired_dates is None else paired_dates)
    cap = MAX_CONNECTIONS.get(coregistration, 1)
    connections = 1
    for candidate in range(2, cap + 1):
        if set(neighbor_pairs(pairing, candidate)) <= set(wanted):
            connections = candidate
    written = neighbor_pairs(pairing, connections)
    missing = [pair for pair in wanted if pair not in set(written)]
    before = sorted(set(earlier) - set(written))
    add = tuple((pair, _template(stack, pair, written, reference, before)) for pair in missing)
    remove = tuple(pair for pair in written if pair not in set(wanted))
    return ConnectionPlan(connections, tuple(written), add, remove)


def _check_pairs(stack: str, dates: Sequence[str], reference: str, wanted: list[DatePair]) -> None:
    known = set(dates)
    if reference not in known:
        raise ConfigError(
            f"stack {stack}: the reference date {reference} is not one of the dates topsStack will use; "
            "choose one of " + ", ".join(sorted(known))
        )
    if not wanted:
        raise ConfigError(f"stack {stack}: the [pairs] network has no pair, so topsStack has nothing to make")
    for first, second in wanted:
        absent = [d for d in (first, second) if d not in known]
        if absent:
            raise ConfigError(
                f"stack {stack}: pair {first}_{second} names {', '.join(absent)}, a date topsStack will not "
                "process (dropped by the bbox check or absent from the stack); remove the pair or the date"
            )
        if first >= second:
            raise ConfigError(
                f"stack {stack}: pair {first}_{second} is not in time order; topsStack pairs an earlier "
                "date with a later one"
            )


def _roles(pair: DatePair, reference: str) -> tuple[bool, bool]:
    return pair[0] == reference, pair[1] == reference


def _template(
    stack: str, pair: DatePair, written: list[DatePair], reference: str, earlier: Sequence[DatePair] = ()
) -> DatePair:
    """The model pair closest in time whose dates play the same roles as `pair`'s: a written pair,
    else a pair an earlier generation made in the same work folder."""
    roles = _roles(pair, reference)
    same = [w for w in written if _roles(w, reference) == roles]
    same = same or [w for w in earlier if _roles(w, reference) == roles]
    if not same:
        raise ConfigError(
            f"stack {stack}: pair {pair[0]}_{pair[1]} cannot be made: stackSentinel writes no pair with "
            f"the reference date {reference} in the same place to model it on; choose another "
            "[processor.isce] reference_date or add a pair of neighbouring dates to the network"
        )
    return min(same, key=lambda w: (_days(w[0], pair[0]) + _days(w[1], pair[1]), w))


def _days(first: str, second: str) -> int:
    return abs((dt.datetime.strptime(first, "%Y%m%d") - dt.datetime.strptime(second, "%Y%m%d")).days)
