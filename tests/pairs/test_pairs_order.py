"""connect_early_order: a spanning backbone first, then the rest by temporal baseline."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence

import pytest
from pairs_helpers import day, make_dates

from insarproj.pairs import NetworkSettings, Pair, build_network, connect_early_order


def _parts(pairs: Sequence[Pair]) -> int:
    """How many connected parts the dates touched by ``pairs`` form (union-find)."""
    parent: dict[tuple[str, object], tuple[str, object]] = {}

    def find(node):
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for p in pairs:
        parent[find((p.stack_id, p.reference))] = find((p.stack_id, p.secondary))
    for p in pairs:
        find((p.stack_id, p.reference))
    return len({find(node) for node in list(parent)})


def _dates_of(pairs: Sequence[Pair]) -> set[tuple[str, object]]:
    return {(p.stack_id, d) for p in pairs for d in (p.reference, p.secondary)}


def test_first_n_minus_1_pairs_connect_a_connected_network():
    network = build_network("A064", make_dates([12 * i for i in range(20)]), NetworkSettings(neighbors=4))
    assert network.connected
    ordered = connect_early_order(network.pairs)
    n = len(network.components[0])
    backbone = ordered[: n - 1]
    assert _dates_of(backbone) == _dates_of(network.pairs)
    assert _parts(backbone) == 1
    assert Counter(ordered) == Counter(network.pairs)
    # A regular 12-day stack: the backbone is the 12-day chain, the rest follows 24 then 36 then 48 days.
    assert all(p.temporal_baseline == 12 for p in backbone)
    rest = [p.temporal_baseline for p in ordered[n - 1 :]]
    assert rest == sorted(rest) and rest[0] == 24 and rest[-1] == 48


def test_backbone_orders_by_temporal_baseline_then_abs_bperp_and_rest_by_baseline_then_date():
    pairs = [
        Pair("A064", day(0), day(12), 12, 90.0, "sbas"),
        Pair("A064", day(12), day(24), 12, -5.0, "sbas"),
        Pair("A064", day(24), day(36), 12, None, "sbas"),
        Pair("A064", day(0), day(24), 24, 85.0, "sbas"),
        Pair("A064", day(12), day(36), 24, 1.0, "sbas"),
        Pair("A064", day(0), day(36), 36, 2.0, "bridge"),
    ]
    ordered = connect_early_order(pairs[::-1])
    assert [(p.reference, p.secondary) for p in ordered] == [
        (day(12), day(24)),  # 12 days, |bperp| 5
        (day(0), day(12)),  # 12 days, |bperp| 90
        (day(24), day(36)),  # 12 days, bperp unknown: last among equals
        (day(0), day(24)),  # the rest: 24 days, earliest reference first
        (day(12), day(36)),
        (day(0), day(36)),
    ]


def test_a_long_pair_joins_the_backbone_when_it_is_the_only_link():
    pairs = [
        Pair("A064", day(0), day(12), 12, 0.0, "sbas"),
        Pair("A064", day(12), day(24), 12, 0.0, "sbas"),
        Pair("A064", day(0), day(24), 24, 0.0, "sbas"),
        Pair("A064", day(24), day(389), 365, 0.0, "bridge"),
        Pair("A064", day(389), day(401), 12, 0.0, "sbas"),
    ]
    ordered = connect_early_order(pairs)
    assert [(p.reference, p.secondary) for p in ordered[:4]] == [
        (day(0), day(12)),
        (day(12), day(24)),
        (day(389), day(401)),
        (day(24), day(389)),
    ]
    assert _parts(ordered[:4]) == 1
    assert ordered[4].temporal_baseline == 24


def _random_network(seed: int):
    rng = random.Random(seed)
    offsets = sorted(rng.sample(range(0, 700), rng.randint(2, 35)))
    bperps = [None if rng.random() < 0.1 else rng.uniform(-200, 200) for _ in offsets]
    settings = NetworkSettings(
        method=rng.choice(["sbas", "all-within", "sequential"]),
        neighbors=rng.randint(1, 5),
        max_temporal_baseline=rng.choice([None, 24, 48, 96]),
        max_perpendicular_baseline=rng.choice([None, 100.0]),
        bridges=rng.choice([(), (365,)]),
    )
    return build_network("A064", make_dates(offsets, bperps), settings)


@pytest.mark.parametrize("seed", range(120))
def test_backbone_spans_every_part_on_random_networks(seed):
    network = _random_network(seed)
    ordered = connect_early_order(network.pairs)
    assert Counter(ordered) == Counter(network.pairs)
    paired_parts = [part for part in network.components if len(part) > 1]
    backbone_size = sum(len(part) - 1 for part in paired_parts)
    backbone = ordered[:backbone_size]
    assert _parts(backbone) == len(paired_parts)
    assert _dates_of(backbone) == _dates_of(network.pairs)
    rest = ordered[backbone_size:]
    assert [(p.temporal_baseline, p.reference, p.secondary) for p in rest] == sorted(
        (p.temporal_baseline, p.reference, p.secondary) for p in rest
    )
    if network.connected and network.pairs:
        assert _parts(ordered[: len(network.components[0]) - 1]) == 1


@pytest.mark.parametrize("seed", range(40))
def test_order_does_not_depend_on_input_order(seed):
    network = _random_network(seed)
    expected = connect_early_order(network.pairs)
    rng = random.Random(seed)
    for _ in range(3):
        shuffled = list(network.pairs)
        rng.shuffle(shuffled)
        assert connect_early_order(shuffled) == expected


def test_several_stacks_each_get_their_backbone():
    a = build_network("A064", make_dates([12 * i for i in range(8)]), NetworkSettings())
    d = build_network("D087", make_dates([5 + 12 * i for i in range(6)]), NetworkSettings())
    ordered = connect_early_order(list(a.pairs) + list(d.pairs))
    backbone = ordered[: 7 + 5]
    assert _parts(backbone) == 2
    assert Counter(p.stack_id for p in backbone) == {"A064": 7, "D087": 5}


def test_empty_input():
    assert connect_early_order([]) == []
