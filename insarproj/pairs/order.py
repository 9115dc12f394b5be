"""The order in which pairs are submitted when credits may run out before the network is done."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from insarproj.pairs.network import Pair

_Node = tuple[str, dt.date]


def connect_early_order(pairs: Sequence[Pair]) -> list[Pair]:
    """``pairs`` reordered so that the dates are connected as early as possible.

    Why: HyP3 charges credits at submission and credits come as a monthly allotment, so a large
    network is often processed over several months, or stops when the balance is spent. A
    time-series inversion (SBAS) can only use a connected network: with half of the pairs done in
    plain date order, the first half of the period is over-determined and the second half absent.
    Submitting a spanning backbone first means that after n − 1 pairs (n dates) the whole period
    is already connected and invertible, and every later pair only adds redundancy.

    How: the backbone is a minimum spanning tree (Kruskal) over the dates of each stack, with edge
    weight temporal baseline, then |bperp| (unknown bperp last), i.e. the pairs expected to be the
    most coherent; its pairs come first in that weight order. The remaining pairs follow by
    increasing temporal baseline (short pairs are the most useful redundancy), ties by reference
    date, secondary date, then stack id. A disconnected input gives a spanning forest (one tree per
    part). The result is a permutation of the input and depends only on its contents, never on
    its order.
    """
    parent: dict[_Node, _Node] = {}

    def find(node: _Node) -> _Node:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    backbone: list[Pair] = []
    rest: list[Pair] = []
    for pair in sorted(pairs, key=_backbone_key):
        ra, rb = find((pair.stack_id, pair.reference)), find((pair.stack_id, pair.secondary))
        if ra == rb:
            rest.append(pair)
        else:
            parent[max(ra, rb)] = min(ra, rb)
            backbone.append(pair)
    rest.sort(key=_rest_key)
    return backbone + rest


def _abs_bperp(pair: Pair) -> float:
    return math.inf if pair.bperp is None else abs(pair.bperp)


def _tiebreak(pair: Pair) -> tuple[str, str, float]:
    # Only identical-looking pairs reach these fields; they make the order total, hence independent
    # of the input order.
    return pair.origin, pair.stack_id, math.inf if pair.bperp is None else pair.bperp


def _backbone_key(pair: Pair) -> tuple[object, ...]:
    return (pair.temporal_baseline, _abs_bperp(pair), pair.reference, pair.secondary, *_tiebreak(pair))


def _rest_key(pair: Pair) -> tuple[object, ...]:
    return (pair.temporal_baseline, pair.reference, pair.secondary, pair.stack_id, *_tiebreak(pair))
