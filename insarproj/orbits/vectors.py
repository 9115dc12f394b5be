"""Orbit state vectors from an EOF, and the perpendicular baseline they give (docs/orbits.md,
"Perpendicular baselines from orbit files").

Pure maths on Earth-fixed (ECEF) positions and velocities, no I/O beyond reading the EOF:

* the satellite's position and velocity at any time between two state vectors by cubic Hermite
  interpolation (positions and velocities of both ends; EOF vectors are 10 s apart, where this is
  accurate to millimetres for Sentinel-1's orbit);
* the zero-Doppler time of a ground point (the instant the satellite is closest to it, where the
  line of sight is perpendicular to the velocity), by Newton's method;
* the perpendicular baseline of a secondary pass relative to a reference pass at one ground point,
  with asf_search's sign convention (``asf_search.baseline.calc``): the component of the
  secondary's position along ``velocity × (satellite − ground)`` of the reference.
"""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

Vec = tuple[float, float, float]

WGS84_A = 6_378_137.0
WGS84_F = 1 / 298.257223563
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


@dataclass(frozen=True)
class StateVector:
    time: datetime  # naive UTC
    position: Vec  # m, ECEF
    velocity: Vec  # m/s, ECEF

    def to_text(self) -> str:
        """Compact 'time,x,y,z,vx,vy,vz' (kept in the orbit's state record)."""
        numbers = ",".join(f"{v:.3f}" for v in (*self.position, *self.velocity))
        return f"{self.time.strftime(TIME_FORMAT)},{numbers}"

    @classmethod
    def from_text(cls, text: str) -> StateVector:
        when, *rest = text.split(",")
        x, y, z, vx, vy, vz = (float(v) for v in rest)
        return cls(datetime.strptime(when, TIME_FORMAT), (x, y, z), (vx, vy, vz))


def _utc(text: str | None) -> datetime:
    value = (text or "").strip().removeprefix("UTC=")
    return datetime.strptime(value if "." in value else value + ".0", TIME_FORMAT)


def read_vectors(path: Path, t0: datetime, t1: datetime, margin: float = 20.0) -> list[StateVector]:
    """The EOF's state vectors from ``margin`` s before t0 to ``margin`` s after t1 (naive UTC),
    plus one on each side so the window is bracketed. Streams the file (a POEORB holds ~9,000)."""
    lo, hi = t0 - timedelta(seconds=margin), t1 + timedelta(seconds=margin)
    before: StateVector | None = None
    found: list[StateVector] = []
    for _, element in ET.iterparse(path, events=("end",)):
        if element.tag != "OSV":
            continue
        vector = StateVector(
            _utc(element.findtext("UTC")),
            (_num(element, "X"), _num(element, "Y"), _num(element, "Z")),
            (_num(element, "VX"), _num(element, "VY"), _num(element, "VZ")),
        )
        element.clear()
        if vector.time < lo:
            before = vector
        elif vector.time <= hi:
            found.append(vector)
        else:
            found.append(vector)
            break
    return ([before] if before is not None else []) + found


def _num(element: ET.Element, tag: str) -> float:
    return float(element.findtext(tag) or "nan")


def _add(a: Vec, b: Vec, k: float = 1.0) -> Vec:
    return (a[0] + k * b[0], a[1] + k * b[1], a[2] + k * b[2])


def _dot(a: Vec, b: Vec) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _cross(a: Vec, b: Vec) -> Vec:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _unit(a: Vec) -> Vec:
    n = math.sqrt(_dot(a, a))
    return (a[0] / n, a[1] / n, a[2] / n)


def interpolate(vectors: list[StateVector], when: datetime) -> tuple[Vec, Vec] | None:
    """(position, velocity) at ``when`` by cubic Hermite between the two vectors around it; None
    outside the vectors (never extrapolated)."""
    for a, b in itertools.pairwise(vectors):
        if a.time <= when <= b.time:
            h = (b.time - a.time).total_seconds()
            if h <= 0:
                return a.position, a.velocity
            s = (when - a.time).total_seconds() / h
            h00, h10 = 2 * s**3 - 3 * s**2 + 1, s**3 - 2 * s**2 + s
            h01, h11 = -2 * s**3 + 3 * s**2, s**3 - s**2
            d00, d10, d01, d11 = 6 * s**2 - 6 * s, 3 * s**2 - 4 * s + 1, -6 * s**2 + 6 * s, 3 * s**2 - 2 * s
            pos = tuple(
                h00 * p0 + h10 * h * v0 + h01 * p1 + h11 * h * v1
                for p0, v0, p1, v1 in zip(a.position, a.velocity, b.position, b.velocity, strict=True)
            )
            vel = tuple(
                (d00 * p0 + d10 * h * v0 + d01 * p1 + d11 * h * v1) / h
                for p0, v0, p1, v1 in zip(a.position, a.velocity, b.position, b.velocity, strict=True)
            )
            return (pos[0], pos[1], pos[2]), (vel[0], vel[1], vel[2])
    return None


def ground_point(lat: float, lon: float) -> Vec:
    """ECEF of a point on the WGS84 ellipsoid (height 0) at geodetic (lat, lon) in degrees."""
    phi, lam = math.radians(lat), math.radians(lon)
    e2 = WGS84_F * (2 - WGS84_F)
    n = WGS84_A / math.sqrt(1 - e2 * math.sin(phi) ** 2)
    return (
        n * math.cos(phi) * math.cos(lam),
        n * math.cos(phi) * math.sin(lam),
        n * (1 - e2) * math.sin(phi),
    )


def zero_doppler(vectors: list[StateVector], point: Vec, guess: datetime) -> tuple[Vec, Vec] | None:
    """(position, velocity) when the satellite is closest to ``point``: Newton on
    f(t) = (S(t) − P)·V(t), whose slope is about |V|². None when that instant is outside the vectors."""
    when = guess
    for _ in range(8):
        state = interpolate(vectors, when)
        if state is None:
            return None
        pos, vel = state
        step = _dot(_add(pos, point, -1.0), vel) / _dot(vel, vel)
        when -= timedelta(seconds=step)
        if abs(step) < 1e-6:
            break
    return interpolate(vectors, when)


def perpendicular_baseline(
    reference: list[StateVector],
    secondary: list[StateVector],
    point: Vec,
    reference_mid: datetime,
    secondary_mid: datetime,
) -> float | None:
    """Perpendicular baseline (m) of ``secondary`` relative to ``reference`` at ``point``: both
    satellites at their zero-Doppler instants for the point, the difference projected on the
    reference's 'up-beam' unit vector velocity × (satellite − point) (asf_search's sign)."""
    ref = zero_doppler(reference, point, reference_mid)
    sec = zero_doppler(secondary, point, secondary_mid)
    if ref is None or sec is None:
        return None
    (ref_pos, ref_vel), (sec_pos, _) = ref, sec
    up = _unit(_cross(ref_vel, _unit(_add(ref_pos, point, -1.0))))
    return _dot(up, _add(sec_pos, ref_pos, -1.0))
