"""Which orbit file serves a scene: sentineleof's naming and selection rule, reused.

sentineleof (`eof.products.SentinelOrbit`, `eof._select_orbit.last_valid_orbit`) parses the file
names and picks, among the files whose validity window covers the scene with its margins, the one
created last (reprocessed POEORBs replace older ones). Its margins are the strict ones it uses for
s1-reader/ISCE compatibility: one orbit plus 60 s before the scene's start, 60 s after its stop,
so the interpolation has state vectors on both sides. The satellite is part of the match: files
are only ever compared with files of the scene's own mission. sentineleof's own listing
(`ASFClient`) is not used: it lists the whole bucket and keeps caches outside the project
(docs/orbits.md says how insarproj lists instead).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

OrbitType = Literal["precise", "restituted"]
PREFIX_OF_TYPE: dict[OrbitType, str] = {"precise": "AUX_POEORB", "restituted": "AUX_RESORB"}
LABEL_OF_TYPE: dict[OrbitType, str] = {"precise": "POEORB", "restituted": "RESORB"}
# Precise orbits are published about 20 days after the acquisition (ESA's POD service).
PRECISE_DELAY = timedelta(days=20)
# No orbit file of either type is longer than this (POEORB: 26 h); bounds the candidates searched.
LONGEST_VALIDITY = timedelta(days=2)


def _eof_margins() -> tuple[timedelta, timedelta]:
    from eof._select_orbit import DEFAULT_MARGIN, T_ORBIT

    return timedelta(seconds=T_ORBIT) + DEFAULT_MARGIN, DEFAULT_MARGIN


def mission_of(platform: str) -> str:
    """'Sentinel-1A' (CMR's platform) or 'S1A' → 'S1A'."""
    text = platform.strip().upper()
    if text.startswith("SENTINEL-1") and len(text) == 11:
        return "S1" + text[-1]
    if len(text) == 3 and text.startswith("S1"):
        return text
    raise ValueError(f"not a Sentinel-1 platform: {platform!r}")


def naive_utc(text: str) -> datetime:
    """'2021-01-02T01:50:30Z' → a naive UTC datetime (sentineleof compares naive times)."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


@dataclass(frozen=True)
class OrbitFile:
    """One listed orbit file: its bucket key, what its name says, and the listing's size and ETag."""

    key: str
    name: str  # the file name, S1A_OPER_AUX_POEORB_OPOD_<created>_V<start>_<stop>.EOF
    mission: str
    type: OrbitType
    start: datetime
    stop: datetime
    created: datetime
    size: int | None = None
    etag: str | None = None
    product_id: str | None = None  # CDSE's product Id ([orbits] source = "cdse"), None for the bucket

    @property
    def label(self) -> str:
        return LABEL_OF_TYPE[self.type]

    @property
    def md5(self) -> str | None:
        """S3's ETag is the MD5 of a file uploaded in one part (32 hex digits, no '-N' suffix)."""
        tag = (self.etag or "").strip('"').lower()
        return tag if len(tag) == 32 and all(c in "0123456789abcdef" for c in tag) else None

    def to_json(self) -> list[Any]:
        return [self.key, self.size, self.etag] + ([self.product_id] if self.product_id else [])


def parse_key(
    key: str, size: int | None = None, etag: str | None = None, product_id: str | None = None
) -> OrbitFile | None:
    """An OrbitFile for a listed key, or None for a key that is no orbit file of a known type."""
    from eof.products import SentinelOrbit

    name = key.rsplit("/", 1)[-1]
    if not name.endswith(".EOF") or "/" in name or "\\" in name:
        return None
    try:
        parsed = SentinelOrbit(name)
        kind = parsed.orbit_type
    except ValueError:
        return None
    if kind not in PREFIX_OF_TYPE or not name.startswith(parsed.mission + "_OPER_"):
        return None
    return OrbitFile(
        key=key,
        name=name,
        mission=parsed.mission,
        type=kind,
        start=parsed.start_time,
        stop=parsed.stop_time,
        created=parsed.created_time,
        size=size,
        etag=etag,
        product_id=product_id,
    )


class OrbitIndex:
    """Listed files of one mission and type, sorted by validity start, for fast selection."""

    def __init__(self, files: Iterable[OrbitFile]) -> None:
        self.files = sorted(files, key=lambda f: (f.start, f.created, f.name))
        self._starts = [f.start for f in self.files]

    def __len__(self) -> int:
        return len(self.files)

    def select(self, t0: datetime, t1: datetime) -> OrbitFile | None:
        """sentineleof's choice for a scene from t0 to t1 (naive UTC), or None when none covers it."""
        from eof._select_orbit import ValidityError, last_valid_orbit
        from eof.products import SentinelOrbit

        before, after = _eof_margins()
        lo = bisect.bisect_left(self._starts, t0 - before - LONGEST_VALIDITY)
        hi = bisect.bisect_right(self._starts, t0 - before)
        nearby = {f.name: f for f in self.files[lo:hi]}
        if not nearby:
            return None
        try:
            chosen = last_valid_orbit(
                t0, t1, [SentinelOrbit(n) for n in nearby], margin0=before, margin1=after
            )
        except ValidityError:
            return None
        return nearby[chosen]


def covers(file: OrbitFile, t0: datetime, t1: datetime) -> bool:
    """The file's validity window covers the scene with sentineleof's margins."""
    before, after = _eof_margins()
    return file.start <= t0 - before and file.stop >= t1 + after


def precise_expected(start: datetime) -> date:
    """When a precise orbit for a scene acquired at ``start`` is expected to be listed."""
    return (start + PRECISE_DELAY).date()


def created_lower_bound(t0: datetime) -> datetime:
    """No orbit file covering a scene that starts at ``t0`` was created before this: orbit files
    describe the past, so each is made after its validity stop, which lies after the scene. A
    reprocessed file is created later still, so listing from here on never misses one."""
    return t0 - timedelta(days=1)
