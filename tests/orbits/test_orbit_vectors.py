"""Pure tests of insarproj.orbits.vectors: interpolation on a real EOF, zero-Doppler, the baseline."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from insarproj.orbits.vectors import (
    StateVector,
    ground_point,
    interpolate,
    perpendicular_baseline,
    read_vectors,
    zero_doppler,
)

REAL_EOF = (
    Path(__file__).resolve().parent.parent
    / "data"
    / "orbits"
    / "S1A_OPER_AUX_POEORB_OPOD_20210307T053325_V20180419T225942_20180421T005942.EOF"
)
SCENE = (datetime(2018, 4, 20, 4, 30, 0), datetime(2018, 4, 20, 4, 30, 25))


def _distance(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    return math.dist(a, b)


def test_read_vectors_keeps_the_window_and_brackets_it() -> None:
    vectors = read_vectors(REAL_EOF, *SCENE)
    times = [v.time for v in vectors]
    assert times == sorted(times) and len(vectors) == 9  # 04:29:32 .. 04:30:52, 10 s apart
    assert times[0] <= SCENE[0] - timedelta(seconds=20) and times[-1] >= SCENE[1] + timedelta(seconds=20)
    assert 7.1e6 > math.dist(vectors[0].position, (0, 0, 0)) > 7.0e6  # Sentinel-1 flies ~700 km up


@pytest.mark.parametrize("offset", [0, 1, 2, 3])
def test_hermite_interpolation_reproduces_real_vectors_it_did_not_use(offset: int) -> None:
    """Every other real vector dropped (20 s gaps), the dropped ones interpolated: within 5 cm and
    1 mm/s, so at the EOF's own 10 s spacing the error is far below a baseline's metre."""
    vectors = read_vectors(REAL_EOF, SCENE[0] - timedelta(minutes=2), SCENE[1] + timedelta(minutes=2))
    kept = vectors[offset % 2 :: 2]
    for dropped in vectors[1 - offset % 2 :: 2][1:-1]:
        state = interpolate(kept, dropped.time)
        assert state is not None
        assert _distance(state[0], dropped.position) < 0.05
        assert _distance(state[1], dropped.velocity) < 0.001


def test_interpolation_never_extrapolates() -> None:
    vectors = read_vectors(REAL_EOF, *SCENE)
    assert interpolate(vectors, vectors[0].time - timedelta(seconds=1)) is None
    assert interpolate(vectors, vectors[-1].time + timedelta(seconds=1)) is None


def test_state_vector_text_round_trip() -> None:
    vector = read_vectors(REAL_EOF, *SCENE)[3]
    again = StateVector.from_text(vector.to_text())
    assert again.time == vector.time
    assert _distance(again.position, vector.position) < 0.001


def test_zero_doppler_is_the_closest_approach() -> None:
    vectors = read_vectors(REAL_EOF, *SCENE)
    mid = SCENE[0] + (SCENE[1] - SCENE[0]) / 2
    state = interpolate(vectors, mid)
    assert state is not None
    # A point 800 km to the right of the track, on the ground below.
    pos, vel = state
    side = _unit(_cross(vel, pos))
    point = tuple(p * 6.37e6 / math.dist(pos, (0, 0, 0)) + 8.0e5 * s for p, s in zip(pos, side, strict=True))
    found = zero_doppler(vectors, point, mid + timedelta(seconds=5))
    assert found is not None
    (sat, v) = found
    look = tuple(s - p for s, p in zip(sat, point, strict=True))
    assert abs(sum(a * b for a, b in zip(look, v, strict=True))) / (math.dist(look, (0, 0, 0)) * 7600) < 1e-7


def _cross(a, b):  # type: ignore[no-untyped-def]
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _unit(a):  # type: ignore[no-untyped-def]
    n = math.dist(a, (0, 0, 0))
    return tuple(x / n for x in a)


def _shifted(vectors: list[StateVector], shift) -> list[StateVector]:  # type: ignore[no-untyped-def]
    return [
        StateVector(v.time, tuple(p + d for p, d in zip(v.position, shift(v), strict=True)), v.velocity)  # type: ignore[misc]
        for v in vectors
    ]


def _frame(vectors: list[StateVector], point):  # type: ignore[no-untyped-def]
    """(up-beam, look, along) unit vectors of the reference at its closest approach to ``point``."""
    mid = SCENE[0] + (SCENE[1] - SCENE[0]) / 2
    pos, vel = zero_doppler(vectors, point, mid)  # type: ignore[misc]
    look = _unit(tuple(p - q for p, q in zip(pos, point, strict=True)))
    return _unit(_cross(vel, look)), look, _unit(vel)


@pytest.mark.parametrize(
    ("component", "metres", "expected"),
    [
        ("up", 120.0, 120.0),  # across the line of sight: all of it is perpendicular baseline
        ("up", -35.0, -35.0),  # and its sign is asf_search's
        ("look", 200.0, 0.0),  # along the line of sight: parallel baseline only
    ],
)
def test_perpendicular_baseline_of_known_offsets(component: str, metres: float, expected: float) -> None:
    reference = read_vectors(REAL_EOF, *SCENE)
    mid = SCENE[0] + (SCENE[1] - SCENE[0]) / 2
    ref_pos = interpolate(reference, mid)[0]  # type: ignore[index]
    lat = math.degrees(math.atan2(ref_pos[2], math.hypot(ref_pos[0], ref_pos[1])))
    lon = math.degrees(math.atan2(ref_pos[1], ref_pos[0]))
    point = ground_point(lat + 0.5, lon + 6.0)  # off to one side of the track
    up, look, along = _frame(reference, point)
    direction = {"up": up, "look": look, "along": along}[component]
    secondary = _shifted(reference, lambda v: tuple(metres * d for d in direction))
    value = perpendicular_baseline(reference, secondary, point, mid, mid)
    assert value == pytest.approx(expected, abs=0.05 + 1e-4 * abs(metres))


def test_the_same_orbit_flown_later_has_no_baseline() -> None:
    """Along the track is absorbed by the zero-Doppler time: the same positions 0.7 s later."""
    reference = read_vectors(REAL_EOF, *SCENE)
    later = [StateVector(v.time + timedelta(seconds=0.7), v.position, v.velocity) for v in reference]
    mid = SCENE[0] + (SCENE[1] - SCENE[0]) / 2
    pos = interpolate(reference, mid)[0]  # type: ignore[index]
    lat = math.degrees(math.atan2(pos[2], math.hypot(pos[0], pos[1])))
    point = ground_point(lat + 0.5, math.degrees(math.atan2(pos[1], pos[0])) + 6.0)
    assert perpendicular_baseline(reference, later, point, mid, mid) == pytest.approx(0.0, abs=0.01)


def test_no_baseline_when_the_vectors_miss_the_scene() -> None:
    reference = read_vectors(REAL_EOF, *SCENE)
    far = [StateVector(v.time + timedelta(hours=1), v.position, v.velocity) for v in reference]
    point = ground_point(10.0, 10.0)
    mid = SCENE[0] + (SCENE[1] - SCENE[0]) / 2
    assert perpendicular_baseline(reference, far, point, mid, mid) is None


def test_ground_point_on_the_wgs84_ellipsoid() -> None:
    assert ground_point(0.0, 0.0) == pytest.approx((6_378_137.0, 0.0, 0.0))
    assert ground_point(90.0, 0.0)[2] == pytest.approx(6_356_752.314, abs=0.01)
