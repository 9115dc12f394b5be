"""Checks of a downloaded orbit file before it is recorded (docs/orbits.md).

A file is accepted only when it is a well-formed Earth Explorer orbit file whose header names the
file itself, the scene's mission and the expected type, whose validity window covers the scene
with sentineleof's margins, and whose state vectors (read with sentineleof's own parser) reach
over the scene.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path

from insarproj.errors import VerificationError
from insarproj.orbits.select import PREFIX_OF_TYPE, OrbitFile, covers

HEADER = "Earth_Explorer_Header/Fixed_Header"


def _utc(text: str | None, what: str, path: Path) -> datetime:
    try:
        return datetime.strptime((text or "").strip().removeprefix("UTC="), "%Y-%m-%dT%H:%M:%S")
    except ValueError as exc:
        raise VerificationError(f"{path.name}: {what} is not a UTC time ({text!r})") from exc


def verify_eof(path: Path, expected: OrbitFile, t0: datetime, t1: datetime) -> None:
    """Raise VerificationError unless ``path`` is the orbit file ``expected`` and serves t0..t1."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise VerificationError(f"{path.name} is not a well-formed EOF file ({exc})") from exc
    if root.tag != "Earth_Explorer_File" or root.find(HEADER) is None:
        raise VerificationError(f"{path.name} is not an Earth Explorer orbit file (root {root.tag!r})")
    header = root.find(HEADER)
    assert header is not None
    problems = []
    name = (header.findtext("File_Name") or "").strip()
    if name != expected.name.removesuffix(".EOF"):
        problems.append(f"its header names {name!r}")
    mission = (header.findtext("Mission") or "").strip()
    if mission != f"Sentinel-1{expected.mission[-1]}":
        problems.append(f"it is for {mission or 'no mission'}, not {expected.mission}")
    if (header.findtext("File_Type") or "").strip() != PREFIX_OF_TYPE[expected.type]:
        problems.append(f"its type is {header.findtext('File_Type')!r}")
    start = _utc(header.findtext("Validity_Period/Validity_Start"), "Validity_Start", path)
    stop = _utc(header.findtext("Validity_Period/Validity_Stop"), "Validity_Stop", path)
    if not covers(OrbitFile(expected.key, expected.name, mission, expected.type, start, stop, start), t0, t1):
        problems.append(f"its validity {start:%Y-%m-%dT%H:%M:%S} … {stop:%Y-%m-%dT%H:%M:%S} misses the scene")
    if not problems and not _vectors_span(path, t0, t1):
        problems.append("its state vectors do not reach over the scene")
    if problems:
        raise VerificationError(
            f"the orbit file {expected.name} fails its checks: " + "; ".join(problems),
            hint="it was not recorded; apply again later, or report the file to the bucket's maintainers",
        )


def _vectors_span(path: Path, t0: datetime, t1: datetime) -> bool:
    """sentineleof's OSV parser finds state vectors at or before the scene's start and at or after
    its stop (vectors come every 10 s; the search reaches 30 s beyond the scene)."""
    from datetime import UTC

    from eof.parsing import parse_orbit

    margin = timedelta(seconds=30)
    try:
        vectors = parse_orbit(
            str(path),
            min_time=(t0 - margin).replace(tzinfo=UTC),
            max_time=(t1 + margin).replace(tzinfo=UTC),
            extra_osvs=0,  # its neighbours past the ends can wrap round the list
        )
    except (ValueError, AttributeError, IndexError, TypeError, ET.ParseError):
        return False
    if len(vectors) < 2:
        return False
    return _near(t0, vectors[0][0]) <= t0 and _near(t0, vectors[-1][0]) >= t1


def _near(t: datetime, seconds_of_day: float) -> datetime:
    """The time ``seconds_of_day`` after a midnight, on the day that puts it closest to ``t``."""
    value = datetime(t.year, t.month, t.day) + timedelta(seconds=seconds_of_day)
    if value - t > timedelta(hours=12):
        value -= timedelta(days=1)
    elif t - value > timedelta(hours=12):
        value += timedelta(days=1)
    return value
