"""build_network: every method, limit, bridge and edit, the notes, connectivity and determinism."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
import re

import pytest
from pairs_helpers import day, k, keys, make_dates

from insarproj.errors import ConfigError, InsarprojError
from insarproj.pairs import Network, NetworkDate, NetworkSettings, Pair, build_network

S = NetworkSettings

METHOD_CASES = [
    pytest.param(
        [0, 12, 24, 36, 48, 60],
        None,
        S(),
        [
            k(0, 12),
            k(0, 24),
            k(0, 36),
            k(12, 24),
            k(12, 36),
            k(12, 48),
            k(24, 36),
            k(24, 48),
            k(24, 60),
            k(36, 48),
            k(36, 60),
            k(48, 60),
        ],
        id="sbas-defaults-3-neighbors-within-48-days",
    ),
    pytest.param(
        [0, 12, 24, 36, 48, 60],
        None,
        S(neighbors=3, max_temporal_baseline=24),
        [k(0, 12), k(0, 24), k(12, 24), k(12, 36), k(24, 36), k(24, 48), k(36, 48), k(36, 60), k(48, 60)],
        id="sbas-temporal-limit-binds-before-neighbors",
    ),
    pytest.param(
        [0, 12, 100, 200],
        None,
        S(neighbors=2, max_temporal_baseline=None),
        [k(0, 12), k(0, 100), k(12, 100), k(12, 200), k(100, 200)],
        id="sbas-no-temporal-limit",
    ),
    pytest.param(
        [0, 12, 24, 36, 48],
        [0, 300, 0, 300, 0],
        S(neighbors=2, max_temporal_baseline=None, max_perpendicular_baseline=100),
        [k(0, 24), k(0, 48), k(12, 36), k(24, 48)],
        id="sbas-bperp-limit-skips-and-takes-the-next-passing-dates",
    ),
    pytest.param(
        [0, 12, 24, 36],
        [0, 500, 10, 20],
        S(neighbors=3, max_temporal_baseline=30, max_perpendicular_baseline=100),
        [k(0, 24), k(24, 36)],
        id="sbas-scan-stops-at-temporal-limit-after-bperp-skips",
    ),
    pytest.param(
        [0, 12, 24, 60],
        None,
        S(method="sequential", max_temporal_baseline=None),
        [k(0, 12), k(12, 24), k(24, 60)],
        id="sequential-unlimited",
    ),
    pytest.param(
        [0, 12, 24, 60],
        None,
        S(method="sequential", neighbors=5, max_temporal_baseline=24),
        [k(0, 12), k(12, 24)],
        id="sequential-ignores-neighbors-and-honours-a-set-temporal-limit",
    ),
    pytest.param(
        [0, 12, 24],
        [0, 500, 0],
        S(method="sequential", max_temporal_baseline=None, max_perpendicular_baseline=100),
        [k(0, 24)],
        id="sequential-bperp-limit-skips-to-the-next-passing-date",
    ),
    pytest.param(
        [0, 12, 24, 36, 60],
        None,
        S(method="all-within", max_temporal_baseline=24),
        [k(0, 12), k(0, 24), k(12, 24), k(12, 36), k(24, 36), k(36, 60)],
        id="all-within-temporal",
    ),
    pytest.param(
        [0, 12, 24, 36, 60],
        [0, 0, 500, 0, 0],
        S(method="all-within", max_temporal_baseline=24, max_perpendicular_baseline=100),
        [k(0, 12), k(12, 36), k(36, 60)],
        id="all-within-temporal-and-bperp",
    ),
    pytest.param(
        [0, 12, 24, 36],
        None,
        S(method="all-within", max_temporal_baseline=None),
        [k(0, 12), k(0, 24), k(0, 36), k(12, 24), k(12, 36), k(24, 36)],
        id="all-within-unlimited-is-every-pair",
    ),
    pytest.param(
        [0, 12, 24, 36],
        None,
        S(method="explicit", max_temporal_baseline=5, pairs=((day(0), day(36)), (day(12), day(24)))),
        [k(0, 36), k(12, 24)],
        id="explicit-exactly-the-named-pairs-ignoring-limits",
    ),
]


@pytest.mark.parametrize(("offsets", "bperps", "settings", "expected"), METHOD_CASES)
def test_methods_and_limits(offsets, bperps, settings, expected):
    network = build_network("A064", make_dates(offsets, bperps), settings)
    assert keys(network) == expected
    origin = settings.method
    assert {p.origin for p in network.pairs} == {origin}


def test_pair_fields_key_address_and_bperp_difference():
    network = build_network("D087", make_dates([0, 12], [15.5, -20.0]), S())
    (pair,) = network.pairs
    assert pair == Pair("D087", day(0), day(12), 12, -35.5, "sbas")
    assert pair.key == "20210102_20210114"
    assert pair.address == "pair.D087.20210102_20210114"


def test_unknown_bperp_is_not_excluded_and_noted():
    dates = make_dates([0, 12, 24], [0, None, 500])
    network = build_network("A064", dates, S(max_temporal_baseline=None, max_perpendicular_baseline=100))
    assert keys(network) == [k(0, 12), k(12, 24)]
    assert network.pairs[0].bperp is None
    assert network.notes == (
        "bperp unknown for 2021-01-14: max_perpendicular_baseline (100 m) not applied to its pairs",
    )


def test_nan_bperp_counts_as_unknown():
    dates = make_dates([0, 12, 24], [0, math.nan, 500])
    network = build_network("A064", dates, S(max_temporal_baseline=None, max_perpendicular_baseline=100))
    assert keys(network) == [k(0, 12), k(12, 24)]
    assert all(p.bperp is None for p in network.pairs)
    assert "2021-01-14" in network.notes[0]


def test_unknown_bperp_note_lists_every_date_once_and_only_when_a_limit_is_set():
    dates = make_dates([0, 12, 24], [None, 0, None])
    limited = build_network("A064", dates, S(max_perpendicular_baseline=50))
    assert limited.notes == (
        "bperp unknown for 2021-01-02, 2021-01-26: max_perpendicular_baseline (50 m) "
        "not applied to their pairs",
    )
    assert build_network("A064", dates, S()).notes == ()
    explicit = S(method="explicit", pairs=((day(0), day(12)),), max_perpendicular_baseline=50)
    assert build_network("A064", dates, explicit).notes == ()


def test_explicit_skips_pairs_it_cannot_make_with_notes():
    settings = S(
        method="explicit",
        pairs=(
            (day(0), day(24)),
            (day(12), day(36)),  # 36 is not a date of the stack
            (day(24), day(0)),  # reversed
            (day(12), day(12)),  # a date with itself
            (day(0), day(24)),  # duplicate: silently once
        ),
    )
    network = build_network("A064", make_dates([0, 12, 24]), settings)
    assert keys(network) == [k(0, 24)]
    assert network.pairs[0].origin == "explicit"
    assert network.notes == (
        "explicit pair 2021-01-14_2021-02-07 skipped: 2021-02-07 is not a date of stack A064",
        "explicit pair 2021-01-26_2021-01-02 skipped: the reference must come first, "
        'write it as ["2021-01-02", "2021-01-26"]',
        "explicit pair 2021-01-14_2021-01-14 skipped: it pairs a date with itself",
    )


def test_explicit_with_both_dates_unknown_and_with_no_pairs():
    settings = S(method="explicit", pairs=((day(1), day(2)),))
    network = build_network("A064", make_dates([0, 12]), settings)
    assert network.pairs == ()
    assert network.notes == (
        "explicit pair 2021-01-03_2021-01-04 skipped: 2021-01-03 and 2021-01-04 are not dates of stack A064",
    )
    empty = build_network("A064", make_dates([0, 12]), S(method="explicit"))
    assert empty.notes == ("method 'explicit' lists no pairs, so stack A064 gets none from it",)


BRIDGE_CASES = [
    pytest.param(
        [0, 12, 24, 360, 372, 384],
        None,
        S(bridges=(365,)),
        {k(0, 360), k(12, 372), k(24, 384)},
        id="annual-bridges-across-a-seasonal-gap-pick-the-closest",
    ),
    pytest.param(
        [0, 24, 36],
        None,
        S(neighbors=1, max_temporal_baseline=12, bridges=(30,), bridge_tolerance=10),
        {k(0, 24)},
        id="equally-close-candidates-pick-the-shorter-baseline",
    ),
    pytest.param(
        [0, 360, 372],
        [0, 500, 0],
        S(max_perpendicular_baseline=100, bridges=(365,)),
        {k(0, 372)},
        id="bridges-honour-the-bperp-limit",
    ),
    pytest.param(
        [0, 12, 24, 36, 330, 342, 354],
        None,
        S(bridges=(330, 365), bridge_tolerance=5),
        {k(0, 330), k(12, 342), k(24, 354)},
        id="several-targets-only-within-tolerance",
    ),
    pytest.param(
        [0, 12, 24],
        None,
        S(method="explicit", pairs=((day(0), day(12)),), bridges=(24,), bridge_tolerance=0),
        {k(0, 24)},
        id="bridges-extend-an-explicit-network",
    ),
]


@pytest.mark.parametrize(("offsets", "bperps", "settings", "bridges"), BRIDGE_CASES)
def test_bridges(offsets, bperps, settings, bridges):
    network = build_network("A064", make_dates(offsets, bperps), settings)
    assert {p.key for p in network.pairs if p.origin == "bridge"} == bridges
    assert len(set(keys(network))) == len(network.pairs)


def test_bridge_is_not_added_when_the_pair_exists_and_a_note_says_none_were_added():
    network = build_network("A064", make_dates([0, 12, 24]), S(bridges=(24,), bridge_tolerance=0))
    assert [p.origin for p in network.pairs] == ["sbas"] * 3
    assert network.notes == (
        "bridges (24 days ± 0) added no pair to stack A064: no date pair is that far apart or "
        "every such pair is already present",
    )


def test_bridges_reconnect_a_seasonal_network():
    summers = [0, 12, 24, 36, 365, 377, 389, 401]
    plain = build_network("A064", make_dates(summers), S())
    assert not plain.connected
    bridged = build_network("A064", make_dates(summers), S(bridges=(365,)))
    assert bridged.connected


def test_exclude_pairs_removes_matches_in_either_order_and_notes_misses():
    settings = S(
        method="sequential",
        exclude_pairs=((day(12), day(24)), (day(36), day(24)), (day(0), day(36))),
    )
    network = build_network("A064", make_dates([0, 12, 24, 36]), settings)
    assert keys(network) == [k(0, 12)]
    assert network.notes == ("exclude_pairs 2021-01-02_2021-02-07 matched nothing in stack A064",)


def test_include_pairs_are_added_with_notes_for_those_that_cannot_be():
    settings = S(
        method="sequential",
        include_pairs=(
            (day(0), day(24)),
            (day(0), day(12)),  # already there from sequential
            (day(24), day(0)),  # reversed
            (day(0), day(99)),  # not a date of the stack
        ),
    )
    network = build_network("A064", make_dates([0, 12, 24]), settings)
    assert [(p.key, p.origin) for p in network.pairs] == [
        (k(0, 12), "sequential"),
        (k(0, 24), "include"),
        (k(12, 24), "sequential"),
    ]
    assert network.notes == (
        "include_pairs 2021-01-02_2021-01-14 is already in the network of A064 (from sequential)",
        "include_pairs 2021-01-26_2021-01-02 skipped: the reference must come first, "
        'write it as ["2021-01-02", "2021-01-26"]',
        "include_pairs 2021-01-02_2021-04-11 skipped: 2021-04-11 is not a date of stack A064",
    )


def test_a_pair_both_excluded_and_included_ends_up_included():
    pair = (day(0), day(12))
    settings = S(method="sequential", exclude_pairs=(pair,), include_pairs=(pair,))
    network = build_network("A064", make_dates([0, 12]), settings)
    assert [(p.key, p.origin) for p in network.pairs] == [(k(0, 12), "include")]
    assert network.notes == ()


def test_disconnected_network_names_parts_gaps_isolated_dates_and_a_fix():
    offsets = [0, 12, 24, 72, 84, 200]
    settings = S(method="sequential", max_temporal_baseline=24)
    network = build_network("A064", make_dates(offsets), settings)
    assert keys(network) == [k(0, 12), k(12, 24), k(72, 84)]
    assert network.components == ((day(0), day(12), day(24)), (day(72), day(84)), (day(200),))
    assert network.isolated == (day(200),)
    assert not network.connected
    report = network.disconnection_report()
    assert report is not None
    assert report.startswith(
        "the network of A064 falls into 3 parts: 2021-01-02…2021-01-26 (3 dates), "
        "2021-03-15…2021-03-27 (2 dates) and 2021-07-21 (alone), with gaps of 48 days "
        "(2021-01-26 → 2021-03-15) and 116 days (2021-03-27 → 2021-07-21); "
        "dates in no pair: 2021-07-21; time-series inversion needs one connected network: "
        "raise neighbors or max_temporal_baseline, add bridges, or add include_pairs"
    )
    assert 'include_pairs = [["2021-01-26", "2021-03-15"], ["2021-03-27", "2021-07-21"]]' in report

    suggested = tuple(
        (dt.date.fromisoformat(a), dt.date.fromisoformat(b))
        for a, b in re.findall(r'\["(\d{4}-\d\d-\d\d)", "(\d{4}-\d\d-\d\d)"\]', report)
    )
    repaired_settings = dataclasses.replace(settings, include_pairs=suggested)
    repaired = build_network("A064", make_dates(offsets), repaired_settings)
    assert repaired.connected
    assert repaired.disconnection_report() is None


def test_two_parts_report_has_a_single_gap():
    network = build_network("A064", make_dates([0, 12, 60, 72]), S(max_temporal_baseline=24))
    report = network.disconnection_report()
    assert report is not None
    assert (
        "falls into 2 parts: 2021-01-02…2021-01-14 (2 dates) and 2021-03-03…2021-03-15 (2 dates), "
        "with a gap of 48 days (2021-01-14 → 2021-03-03);" in report
    )
    assert "dates in no pair" not in report


def test_parts_interleaved_in_time_are_reported_as_overlapping():
    dates = make_dates([0, 12, 24, 36], [0, 500, 0, 500])
    settings = S(method="all-within", max_temporal_baseline=None, max_perpendicular_baseline=100)
    network = build_network("A064", dates, settings)
    assert network.components == ((day(0), day(24)), (day(12), day(36)))
    report = network.disconnection_report()
    assert report is not None
    assert "some parts overlap in time" in report
    assert "gap" not in report
    assert 'include_pairs = [["2021-01-02", "2021-01-14"]]' in report


def test_connected_network_and_trivial_stacks():
    network = build_network("A064", make_dates([0, 12, 24]), S())
    assert network.connected and network.isolated == () and network.disconnection_report() is None
    empty = build_network("A064", [], S())
    assert empty == Network("A064", (), (), (), ())
    assert empty.connected
    single = build_network("A064", make_dates([0]), S())
    assert single.components == ((day(0),),) and single.isolated == (day(0),)
    assert single.connected and single.disconnection_report() is None


@pytest.mark.parametrize(
    ("settings", "key"),
    [
        (S(method="nearest"), "pairs.method"),  # type: ignore[arg-type]
        (S(neighbors=0), "pairs.neighbors"),
        (S(neighbors=True), "pairs.neighbors"),
        (S(max_temporal_baseline=0), "pairs.max_temporal_baseline"),
        (S(max_perpendicular_baseline=-1.0), "pairs.max_perpendicular_baseline"),
        (S(max_perpendicular_baseline=math.nan), "pairs.max_perpendicular_baseline"),
        (S(bridges=(0,)), "pairs.bridges"),
        (S(bridge_tolerance=-1), "pairs.bridge_tolerance"),
        (S(include_pairs=(("2021-01-02", "2021-01-14"),)), "pairs.include_pairs"),  # type: ignore[arg-type]
        (S(exclude_pairs=((day(0),),)), "pairs.exclude_pairs"),  # type: ignore[arg-type]
        (S(method="explicit", pairs=((dt.datetime(2021, 1, 2), day(12)),)), "pairs.pairs"),
    ],
)
def test_invalid_settings_name_the_key(settings, key):
    with pytest.raises(ConfigError) as excinfo:
        build_network("A064", make_dates([0, 12]), settings)
    assert excinfo.value.key == key
    assert str(excinfo.value).startswith(key + ": ")


def test_a_date_listed_twice_with_different_contents_is_refused():
    first, second = make_dates([0, 12])
    build_network("A064", [first, second, first], S())  # identical repeat is harmless
    clash = dataclasses.replace(first, bperp=99.0)
    with pytest.raises(InsarprojError, match="stack A064 lists the date 2021-01-02 twice"):
        build_network("A064", [first, second, clash], S())


def _random_stack(rng: random.Random) -> list[NetworkDate]:
    count = rng.randint(0, 40)
    offsets = sorted(rng.sample(range(0, 900), count))
    bperps = [None if rng.random() < 0.15 else rng.uniform(-250, 250) for _ in offsets]
    return make_dates(offsets, bperps)


def _random_settings(rng: random.Random) -> NetworkSettings:
    return S(
        neighbors=rng.randint(1, 5),
        max_temporal_baseline=rng.choice([None, 12, 24, 36, 48, 100]),
        max_perpendicular_baseline=rng.choice([None, 50.0, 150.0]),
        bridges=rng.choice([(), (365,), (180, 365)]),
        exclude_pairs=tuple(rng.choice([(), ((day(0), day(12)),)])),
        include_pairs=tuple(rng.choice([(), ((day(0), day(600)),)])),
    )


@pytest.mark.parametrize("seed", range(150))
def test_sbas_invariants_on_random_stacks(seed):
    rng = random.Random(seed)
    dates = _random_stack(rng)
    settings = _random_settings(rng)
    network = build_network("A064", dates, settings)
    by_date = {d.date: d for d in dates}
    limit = settings.max_perpendicular_baseline

    sbas = [p for p in network.pairs if p.origin == "sbas"]
    per_reference: dict[dt.date, int] = {}
    for p in sbas:
        per_reference[p.reference] = per_reference.get(p.reference, 0) + 1
        if settings.max_temporal_baseline is not None:
            assert p.temporal_baseline <= settings.max_temporal_baseline
        if limit is not None and p.bperp is not None:
            assert abs(p.bperp) <= limit
    assert all(count <= settings.neighbors for count in per_reference.values())

    # The forward scan, stated plainly: the first `neighbors` passing dates, up to the temporal limit.
    ordered = sorted(by_date)
    expected: set[tuple[dt.date, dt.date]] = set()
    for i, ref in enumerate(ordered):
        passing = [
            sec
            for sec in ordered[i + 1 :]
            if (settings.max_temporal_baseline is None or (sec - ref).days <= settings.max_temporal_baseline)
            and (
                limit is None
                or by_date[ref].bperp is None
                or by_date[sec].bperp is None
                or abs(by_date[sec].bperp - by_date[ref].bperp) <= limit
            )
        ]
        expected.update((ref, sec) for sec in passing[: settings.neighbors])
    expected -= {(a, b) for a, b in settings.exclude_pairs}
    assert {(p.reference, p.secondary) for p in sbas} == expected

    assert list(network.pairs) == sorted(network.pairs, key=lambda p: (p.reference, p.secondary))
    assert len({(p.reference, p.secondary) for p in network.pairs}) == len(network.pairs)
    assert all(
        p.reference < p.secondary and p.temporal_baseline == (p.secondary - p.reference).days
        for p in network.pairs
    )
    assert sorted(d for part in network.components for d in part) == ordered
    part_of = {d: i for i, part in enumerate(network.components) for d in part}
    assert all(part_of[p.reference] == part_of[p.secondary] for p in network.pairs)
    in_pairs = {d for p in network.pairs for d in (p.reference, p.secondary)}
    assert set(network.isolated) == set(ordered) - in_pairs
    assert (network.disconnection_report() is None) == network.connected


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("method", ["sbas", "sequential", "all-within"])
def test_shuffled_input_gives_the_same_network(seed, method):
    rng = random.Random(seed)
    dates = _random_stack(rng)
    settings = dataclasses.replace(_random_settings(rng), method=method)
    expected = build_network("A064", dates, settings)
    for _ in range(3):
        shuffled = dates[:]
        rng.shuffle(shuffled)
        assert build_network("A064", shuffled, settings) == expected
