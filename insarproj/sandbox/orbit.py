"""A small Sentinel-1 orbit model for the sandbox catalog.

The catalog needs state vectors that asf_search can turn into believable perpendicular baselines,
and footprints that sit where a real pass of that relative orbit would image the ground. A circular
orbit in a rotating Earth does both well enough:

* the orbit radius comes from the real Fairbanks granule shipped as package data (`SV_POSITION_PRE`);
* the swath's near/far ground ranges come from the same granule's footprint corners, measured from
  the nadir track the model puts under that granule's state vector and `ASC_NODE_TIME`.

Each track is placed by the longitude of its ascending node, which the catalog chooses so that the
demo AOI falls where the track's design wants it in the swath. Positions are Earth-fixed (ECEF,
metres), like the real `SV_POSITION_*` attributes; the model lands within ~20 km and ~20 m/s of the
real Fairbanks state vector.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

Vector = tuple[float, float, float]

ORBIT_PERIOD = 12 * 86400 / 175  # s; Sentinel-1's 12-day, 175-orbit repeat cycle
EARTH_ROTATION = 7.2921159e-5  # rad/s
INCLINATION = math.radians(98.18)
EARTH_RADIUS = 6_371_000.0  # m, spherical Earth for ground geometry


def _rotate_z(v: Vector, angle: float) -> Vector:
    c, s = math.cos(angle), math.sin(angle)
    return (v[0] * c - v[1] * s, v[0] * s + v[1] * c, v[2])


def _norm(v: Vector) -> float:
    return math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])


def lat_lon(v: Vector) -> tuple[float, float]:
    """Geocentric latitude and longitude (degrees) of an ECEF vector."""
    return (
        math.degrees(math.atan2(v[2], math.hypot(v[0], v[1]))),
        math.degrees(math.atan2(v[1], v[0])),
    )


def destination(lat: float, lon: float, bearing: float, distance: float) -> tuple[float, float]:
    """The point `distance` metres from (lat, lon) along `bearing` (degrees) on a spherical Earth."""
    phi1, lam1, theta = math.radians(lat), math.radians(lon), math.radians(bearing)
    delta = distance / EARTH_RADIUS
    phi2 = math.asin(math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta))
    lam2 = lam1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * math.sin(phi2),
    )
    return math.degrees(phi2), (math.degrees(lam2) + 540) % 360 - 180


def bearing(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial bearing (degrees clockwise from north) from point 1 to point 2."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dlam = math.radians(lon2 - lon1)
    y = math.sin(dlam) * math.cos(phi2)
    x = math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * math.cos(phi2) * math.cos(dlam)
    return math.degrees(math.atan2(y, x)) % 360


def ground_distance(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class OrbitModel:
    radius: float  # m
    near_range: float  # m, ground distance from nadir to the swath's near edge
    far_range: float  # m, ... to its far edge

    @classmethod
    def from_reference(
        cls,
        *,
        anx: datetime,
        sv_time: datetime,
        sv_position: Vector,
        near_start: tuple[float, float],
        far_start: tuple[float, float],
        start: datetime,
    ) -> OrbitModel:
        """Calibrate on one real granule: its state vector, node time and footprint corners."""
        radius = _norm(sv_position)
        tau = (sv_time - anx).total_seconds()
        model = cls(radius, 0.0, 0.0)
        modelled = model.position(0.0, tau)
        node = math.degrees(math.atan2(sv_position[1], sv_position[0]) - math.atan2(modelled[1], modelled[0]))
        nadir = model.nadir(node, (start - anx).total_seconds())
        return cls(radius, ground_distance(*nadir, *near_start), ground_distance(*nadir, *far_start))

    def position(self, node: float, tau: float, offset: tuple[float, float] = (0.0, 0.0)) -> Vector:
        """ECEF position `tau` s after an ascending node at longitude `node` (degrees).

        `offset` = (cross-track, radial) metres.

        The offset moves the orbit inside its orbital tube, which is what makes perpendicular
        baselines differ from date to date.
        """
        u = 2 * math.pi * tau / ORBIT_PERIOD
        ci, si = math.cos(INCLINATION), math.sin(INCLINATION)
        radial = (math.cos(u), math.sin(u) * ci, math.sin(u) * si)
        normal = (0.0, -si, ci)
        r = self.radius + offset[1]
        inertial = (
            r * radial[0] + offset[0] * normal[0],
            r * radial[1] + offset[0] * normal[1],
            r * radial[2] + offset[0] * normal[2],
        )
        return _rotate_z(inertial, math.radians(node) - EARTH_ROTATION * tau)

    def velocity(self, node: float, tau: float) -> Vector:
        """ECEF velocity (m/s): the inertial velocity minus the Earth's rotation."""
        u = 2 * math.pi * tau / ORBIT_PERIOD
        w = 2 * math.pi / ORBIT_PERIOD * self.radius
        ci, si = math.cos(INCLINATION), math.sin(INCLINATION)
        inertial = _rotate_z(
            (-w * math.sin(u), w * math.cos(u) * ci, w * math.cos(u) * si),
            math.radians(node) - EARTH_ROTATION * tau,
        )
        p = self.position(node, tau)
        return (
            inertial[0] + EARTH_ROTATION * p[1],
            inertial[1] - EARTH_ROTATION * p[0],
            inertial[2],
        )

    def nadir(self, node: float, tau: float) -> tuple[float, float]:
        return lat_lon(self.position(node, tau))

    def ground_point(self, node: float, tau: float, ground_range: float) -> tuple[float, float]:
        """(lat, lon) of the point `ground_range` metres right of the ground track (S1 looks right)."""
        lat, lon = self.nadir(node, tau)
        ahead = self.nadir(node, tau + 1.0)
        heading = bearing(lat, lon, *ahead)
        return destination(lat, lon, heading + 90.0, ground_range)

    def time_at_latitude(self, lat: float, *, ascending: bool, ground_range: float) -> float:
        """Seconds after the node when the swath point `ground_range` right of nadir reaches `lat`.

        Northern hemisphere only (the sandbox's AOIs): there the latitude of a swath point grows
        monotonically on the ascending quarter-orbit and falls on the descending one.
        """
        quarter = ORBIT_PERIOD / 4
        lo, hi = (0.0, 0.97 * quarter) if ascending else (1.03 * quarter, 2 * quarter)
        sign = 1.0 if ascending else -1.0
        for _ in range(50):
            mid = (lo + hi) / 2
            if sign * (self.ground_point(0.0, mid, ground_range)[0] - lat) < 0:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2

    def node_for(
        self, lat: float, lon: float, *, ascending: bool, ground_range: float
    ) -> tuple[float, float]:
        """(node longitude, tau): the track whose swath point `ground_range` right of nadir passes
        over (lat, lon), and when. Rotating the node about the pole moves only longitudes."""
        tau = self.time_at_latitude(lat, ascending=ascending, ground_range=ground_range)
        reached = self.ground_point(0.0, tau, ground_range)[1]
        return (lon - reached + 540) % 360 - 180, tau
