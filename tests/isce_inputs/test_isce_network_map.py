"""The pure decision: which -c stackSentinel gets and which pairs insarproj adds or removes."""

from __future__ import annotations

import pytest

from insarproj.errors import ConfigError
from insarproj.isce.network_map import neighbor_pairs, plan_connections

D = ["20210101", "20210113", "20210125", "20210206", "20210218"]


def p(i: int, j: int) -> tuple[str, str]:
    return D[i], D[j]


@pytest.mark.parametrize(
    ("name", "network", "coregistration", "connections", "add", "remove"),
    [
        ("sequential", [p(0, 1), p(1, 2), p(2, 3), p(3, 4)], "NESD", 1, [], []),
        ("sbas, 2 neighbours", neighbor_pairs(D, 2), "NESD", 2, [], []),
        ("sbas, 3 neighbours", neighbor_pairs(D, 3), "NESD", 3, [], []),
        ("all-within (a long temporal limit)", neighbor_pairs(D, 4), "NESD", 3, [p(0, 4)], []),
        (
            "sbas in geometry mode: -c stays 1",
            neighbor_pairs(D, 2),
            "geometry",
            1,
            [p(0, 2), p(1, 3), p(2, 4)],
            [],
        ),
        (
            "bridges: a yearly pair beside sequential",
            [*neighbor_pairs(D, 1), p(0, 4)],
            "NESD",
            1,
            [p(0, 4)],
            [],
        ),
        ("explicit, no neighbours", [p(0, 2), p(2, 4)], "NESD", 1, [p(0, 2), p(2, 4)], neighbor_pairs(D, 1)),
        ("exclude_pairs edit", [p(0, 1), p(2, 3), p(3, 4)], "NESD", 1, [], [p(1, 2)]),
    ],
)
def test_connections_and_edits(
    name: str,
    network: list[tuple[str, str]],
    coregistration: str,
    connections: int,
    add: list[tuple[str, str]],
    remove: list[tuple[str, str]],
) -> None:
    plan = plan_connections("A064", D, D[0], network, coregistration=coregistration)
    assert plan.num_connections == connections, name
    assert [pair for pair, _ in plan.add] == add, name
    assert list(plan.remove) == remove, name
    assert set(plan.written) - set(plan.remove) | {pair for pair, _ in plan.add} == set(network), name


def test_an_added_pair_is_modelled_on_a_written_pair_with_the_reference_in_the_same_place() -> None:
    reference = D[2]
    plan = plan_connections("A064", D, reference, [p(0, 2), p(2, 4), p(0, 4), p(1, 3)])
    models = dict(plan.add)
    assert models[p(0, 2)] == p(1, 2)  # reference as secondary
    assert models[p(2, 4)] == p(2, 3)  # reference as reference
    assert models[p(0, 4)] == p(0, 1)  # neither: the nearest written pair without it
    assert models[p(1, 3)] == p(0, 1)


def test_in_update_mode_pairs_reaching_older_dates_are_added() -> None:
    """stackSentinel pairs only among the dates an update (re)processes: D[3] (the latest
    coregistered) and the new D[4]; the network's new pairs also reach back to D[2]."""
    plan = plan_connections(
        "A064", D, D[0], [p(2, 4), p(3, 4)], coregistration="geometry", paired_dates=D[3:]
    )
    assert plan.written == (p(3, 4),)
    assert plan.add == ((p(2, 4), p(3, 4)),)
    assert plan.remove == ()


@pytest.mark.parametrize(
    ("dates", "reference", "network", "message"),
    [
        (
            D,
            D[0],
            [p(0, 1), ("20210101", "20221231")],
            "pair 20210101_20221231 names 20221231, a date topsStack",
        ),
        (D, D[0], [], "has no pair"),
        (D, D[0], [(D[2], D[1])], "not in time order"),
        (D, "20200101", [p(0, 1)], "reference date 20200101 is not one of the dates"),
        (D[:3], D[1], [p(0, 2)], "pair 20210101_20210125 cannot be made"),
    ],
)
def test_networks_that_cannot_be_made_are_refused_naming_the_pair(
    dates: list[str], reference: str, network: list[tuple[str, str]], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        plan_connections("A064", dates, reference, network)
