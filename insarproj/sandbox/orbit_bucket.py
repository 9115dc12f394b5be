"""The orbit bucket: a stand-in of ASF's public `s1-orbits` S3 bucket (docs/sandbox.md).

    GET /s1-orbits/?prefix=AUX_POEORB&marker=…    ListObjects (v1): ListBucketResult XML, 1000 keys
                                                  a page, IsTruncated, no NextMarker (as the real
                                                  bucket answers without a delimiter)
    GET /s1-orbits/?list-type=2&start-after=…     ListObjectsV2: KeyCount, NextContinuationToken
    GET /s1-orbits/AUX_POEORB/<name>.EOF          the file (binary/octet-stream, as S3 serves it)

Files are made for every satellite of the catalog and every day it flew:

* one POEORB a day, valid 22:59:42 the day before to 00:59:42 the day after (26 h, as ESA's),
  created `precise_delay_days` (default 20) days after the day and listed once the bucket's clock
  has reached its creation; some days also have a reprocessed POEORB of the same window created
  months later (the newer one is the right choice);
* RESORBs, one per orbit, each valid two orbits plus 20 minutes, created 1–3 h after their end and
  kept for `RESORB_KEEP` days back from the clock.

The clock defaults to 30 days after the catalog's end (every catalog scene has its POEORB). Set it
earlier to get recent scenes with RESORB only, and move it on to make their POEORBs appear:

    POST /_sandbox/orbits/settings   {"clock": "2023-04-02T00:00:00", "precise_delay_days": 20,
                                      "max_keys": 1000}  (any of them; GET reads them)
    POST /_sandbox/orbits/advance    {"days": 20}

An EOF holds the real header layout (copied from the real sample shipped with insarproj's test
fixtures) and state vectors every 10 s over each catalog scene of that satellite inside its window,
from the catalog's orbit model. The sandbox imports nothing of the client.
"""

from __future__ import annotations

import bisect
import hashlib
import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from insarproj.sandbox.catalog import Catalog, Scene
from insarproj.sandbox.orbit import ORBIT_PERIOD
from insarproj.sandbox.routing import DATA, Request, Response, Router, bad_request

PREFIX = "/s1-orbits"
BUCKET = "s1-orbits"
RESORB_KEEP = timedelta(days=60)
REPROCESSED_SHARE = 0.1
S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
STAMP = "%Y%m%dT%H%M%S"
DESCRIPTIONS = {
    "AUX_POEORB": "Precise Orbit Ephemerides (POE) Orbit File",
    "AUX_RESORB": "Restituted Orbit File",
}


@dataclass(frozen=True)
class EofFile:
    mission: str
    type: str  # AUX_POEORB | AUX_RESORB
    created: datetime
    start: datetime
    stop: datetime

    @property
    def name(self) -> str:
        validity = f"V{self.start:{STAMP}}_{self.stop:{STAMP}}"
        return f"{self.mission}_OPER_{self.type}_OPOD_{self.created:{STAMP}}_{validity}.EOF"

    @property
    def key(self) -> str:
        return f"{self.type}/{self.name}"


class OrbitFiles:
    """Every orbit file of the catalog's satellites, listed as the bucket's clock allows."""

    def __init__(self, catalog: Catalog, seed: int = 0) -> None:
        self.catalog = catalog
        self.seed = seed
        self.precise_delay_days = 20.0
        self.max_keys = 1000
        self.clock = datetime.combine(catalog.end, datetime.min.time()) + timedelta(days=30)
        self._mutex = threading.Lock()
        self._scenes: dict[str, list[Scene]] = {}
        for scene in sorted(catalog.scenes, key=lambda s: s.start):
            self._scenes.setdefault(scene.platform.code, []).append(scene)
        self._starts = {m: [s.start.replace(tzinfo=None) for s in v] for m, v in self._scenes.items()}

    # -- settings --------------------------------------------------------------------------
    def configure(self, changes: dict[str, Any]) -> dict[str, Any]:
        with self._mutex:
            if "clock" in changes:
                self.clock = datetime.fromisoformat(str(changes["clock"]).replace("Z", "")).replace(
                    tzinfo=None
                )
            if "precise_delay_days" in changes:
                self.precise_delay_days = float(changes["precise_delay_days"])
            if "max_keys" in changes:
                self.max_keys = max(1, int(changes["max_keys"]))
            if "advance_days" in changes:
                self.clock += timedelta(days=float(changes["advance_days"]))
            return self.settings()

    def settings(self) -> dict[str, Any]:
        return {
            "clock": self.clock.isoformat(),
            "precise_delay_days": self.precise_delay_days,
            "max_keys": self.max_keys,
        }

    # -- the files -------------------------------------------------------------------------
    def keys(self, prefix: str) -> list[str]:
        """Every listed key starting with ``prefix``, in S3's (byte) order."""
        with self._mutex:
            clock, delay = self.clock, self.precise_delay_days
        return [k for k in _all_keys(self, clock, delay) if k.startswith(prefix)]

    def file(self, key: str) -> EofFile | None:
        with self._mutex:
            clock, delay = self.clock, self.precise_delay_days
        return _by_key(self, clock, delay).get(key)

    def generate(self, clock: datetime, delay: float) -> Iterator[EofFile]:
        for mission, scenes in self._scenes.items():
            first = scenes[0].start.replace(tzinfo=None).date() - timedelta(days=1)
            last = scenes[-1].start.replace(tzinfo=None).date() + timedelta(days=1)
            yield from self._precise(mission, first, last, clock, delay)
            yield from self._restituted(mission, first, last, clock)

    def _precise(
        self, mission: str, first: Any, last: Any, clock: datetime, delay: float
    ) -> Iterator[EofFile]:
        day = first
        while day <= last:
            rng = random.Random(repr((self.seed, "poeorb", mission, day.isoformat())))
            midnight = datetime.combine(day, datetime.min.time())
            start, stop = midnight - timedelta(seconds=3618), midnight + timedelta(days=1, seconds=3582)
            created = midnight + timedelta(days=delay, seconds=rng.randint(3 * 3600, 15 * 3600))
            versions = [created]
            if rng.random() < REPROCESSED_SHARE:
                versions.append(
                    created + timedelta(days=rng.randint(200, 600), seconds=rng.randint(0, 86399))
                )
            for made in versions:
                if made <= clock:
                    yield EofFile(mission, "AUX_POEORB", made, start, stop)
            day += timedelta(days=1)

    def _restituted(self, mission: str, first: Any, last: Any, clock: datetime) -> Iterator[EofFile]:
        begin = max(datetime.combine(first, datetime.min.time()), clock - RESORB_KEEP)
        end = datetime.combine(last, datetime.min.time()) + timedelta(days=1)
        period = timedelta(seconds=ORBIT_PERIOD)
        epoch = datetime(2014, 4, 3)
        k = int((begin - epoch) / period) - 2
        while epoch + k * period < end:
            start = (epoch + k * period).replace(microsecond=0)
            stop = start + 2 * period + timedelta(minutes=20)
            rng = random.Random(repr((self.seed, "resorb", mission, k)))
            created = stop.replace(microsecond=0) + timedelta(seconds=rng.randint(3600, 3 * 3600))
            if created <= clock and stop.replace(microsecond=0) >= clock - RESORB_KEEP:
                yield EofFile(mission, "AUX_RESORB", created, start, stop.replace(microsecond=0))
            k += 1

    def scenes_within(self, file: EofFile) -> list[Scene]:
        scenes, starts = self._scenes.get(file.mission, []), self._starts.get(file.mission, [])
        lo, hi = bisect.bisect_left(starts, file.start), bisect.bisect_right(starts, file.stop)
        return [s for s in scenes[lo:hi] if s.stop.replace(tzinfo=None) <= file.stop]


@lru_cache(maxsize=8)
def _all_keys(files: OrbitFiles, clock: datetime, delay: float) -> list[str]:
    return sorted(_by_key(files, clock, delay))


@lru_cache(maxsize=8)
def _by_key(files: OrbitFiles, clock: datetime, delay: float) -> dict[str, EofFile]:
    return {f.key: f for f in files.generate(clock, delay)}


@lru_cache(maxsize=4096)
def eof_bytes(files: OrbitFiles, file: EofFile) -> bytes:
    """The EOF's content: the real header layout, state vectors over the catalog's scenes."""
    vectors = "".join(_vectors(files.scenes_within(file)))
    count = vectors.count("<OSV>")
    header = (
        '<?xml version="1.0" ?>\n<Earth_Explorer_File>\n  <Earth_Explorer_Header>\n    <Fixed_Header>\n'
        f"      <File_Name>{file.name.removesuffix('.EOF')}</File_Name>\n"
        f"      <File_Description>{DESCRIPTIONS[file.type]}</File_Description>\n      <Notes></Notes>\n"
        f"      <Mission>Sentinel-1{file.mission[-1]}</Mission>\n      <File_Class>OPER</File_Class>\n"
        f"      <File_Type>{file.type}</File_Type>\n      <Validity_Period>\n"
        f"        <Validity_Start>UTC={file.start:%Y-%m-%dT%H:%M:%S}</Validity_Start>\n"
        f"        <Validity_Stop>UTC={file.stop:%Y-%m-%dT%H:%M:%S}</Validity_Stop>\n"
        "      </Validity_Period>\n"
        "      <File_Version>0001</File_Version>\n      <Source>\n        <System>OPOD</System>\n"
        "        <Creator>OPOD</Creator>\n        <Creator_Version>1.5.3</Creator_Version>\n"
        f"        <Creation_Date>UTC={file.created:%Y-%m-%dT%H:%M:%S}</Creation_Date>\n"
        "      </Source>\n"
        "    </Fixed_Header>\n    <Variable_Header>\n      <Ref_Frame>EARTH_FIXED</Ref_Frame>\n"
        "      <Time_Reference>UTC</Time_Reference>\n    </Variable_Header>\n  </Earth_Explorer_Header>\n"
    )
    osvs = f'  <List_of_OSVs count="{count}">\n{vectors}  </List_of_OSVs>\n'
    body = f'<Data_Block type="xml">\n{osvs}</Data_Block>\n'
    return (header + body + "</Earth_Explorer_File>\n").encode()


def _vectors(scenes: list[Scene]) -> Iterator[str]:
    """OSVs every 10 s from a minute before to a minute after each scene (merged, in time order)."""
    seen: dict[datetime, Scene] = {}
    for scene in scenes:
        t = scene.start.replace(tzinfo=None, microsecond=0) - timedelta(seconds=60)
        t -= timedelta(seconds=t.second % 10)
        while t <= scene.stop.replace(tzinfo=None) + timedelta(seconds=60):
            seen.setdefault(t, scene)
            t += timedelta(seconds=10)
    for when in sorted(seen):
        acq = seen[when].acquisition
        tau = (when - acq.anx.replace(tzinfo=None)).total_seconds()
        model, node = acq.track.grid.model, acq.track.node
        pos, vel = model.position(node, tau, acq.tube), model.velocity(node, tau)
        orbit = acq.orbit + (1 if tau >= ORBIT_PERIOD else 0)
        yield (
            f"    <OSV>\n      <TAI>TAI={when + timedelta(seconds=37):%Y-%m-%dT%H:%M:%S}.000000</TAI>\n"
            f"      <UTC>UTC={when:%Y-%m-%dT%H:%M:%S}.000000</UTC>\n"
            f"      <UT1>UT1={when:%Y-%m-%dT%H:%M:%S}.000000</UT1>\n"
            f"      <Absolute_Orbit>+{orbit}</Absolute_Orbit>\n"
            + "".join(
                f'      <{n} unit="m">{v:.6f}</{n}>\n' for n, v in zip(("X", "Y", "Z"), pos, strict=True)
            )
            + "".join(
                f'      <{n} unit="m/s">{v:.6f}</{n}>\n' for n, v in zip(("VX", "VY", "VZ"), vel, strict=True)
            )
            + "      <Quality>NOMINAL</Quality>\n    </OSV>\n"
        )


# -- HTTP ------------------------------------------------------------------------------------
def _contents(files: OrbitFiles, key: str) -> str:
    file = files.file(key)
    assert file is not None
    body = eof_bytes(files, file)
    modified = file.created + timedelta(minutes=40)
    return (
        f"<Contents><Key>{escape(key)}</Key><LastModified>{modified:%Y-%m-%dT%H:%M:%S}.000Z</LastModified>"
        f"<ETag>&quot;{hashlib.md5(body, usedforsecurity=False).hexdigest()}&quot;</ETag>"
        f"<Size>{len(body)}</Size><StorageClass>INTELLIGENT_TIERING</StorageClass></Contents>"
    )


def list_objects(files: OrbitFiles, req: Request) -> Response:
    prefix = req.arg("prefix", "") or ""
    v2 = req.arg("list-type") == "2"
    after = (
        (req.arg("continuation-token") or req.arg("start-after") or "") if v2 else (req.arg("marker") or "")
    )
    try:
        limit = min(int(req.arg("max-keys", str(files.max_keys)) or files.max_keys), files.max_keys)
    except ValueError as exc:
        raise bad_request("max-keys must be an integer") from exc
    keys = files.keys(prefix)
    start = bisect.bisect_right(keys, after)
    page = keys[start : start + limit]
    truncated = start + limit < len(keys)
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="{S3_NS}">']
    parts.append(f"<Name>{BUCKET}</Name><Prefix>{escape(prefix)}</Prefix>")
    if v2:
        parts.append(f"<KeyCount>{len(page)}</KeyCount>")
        if req.arg("start-after"):
            parts.append(f"<StartAfter>{escape(req.arg('start-after') or '')}</StartAfter>")
    else:
        parts.append(f"<Marker>{escape(after)}</Marker>" if after else "<Marker />")
    parts.append(f"<MaxKeys>{limit}</MaxKeys><IsTruncated>{'true' if truncated else 'false'}</IsTruncated>")
    parts.extend(_contents(files, k) for k in page)
    if v2 and truncated and page:
        parts.append(f"<NextContinuationToken>{escape(page[-1])}</NextContinuationToken>")
    parts.append("</ListBucketResult>")
    return Response.xml("".join(parts))


def get_object(files: OrbitFiles, req: Request) -> Response:
    key = f"{req.params['type']}/{req.params['name']}"
    file = files.file(key)
    if file is None:
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
            f"<Message>The specified key does not exist.</Message><Key>{escape(key)}</Key></Error>"
        )
        return Response.xml(body, 404)
    data = eof_bytes(files, file)
    etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
    return Response(200, data, [("Content-Type", "binary/octet-stream"), ("ETag", f'"{etag}"')])


def register(router: Router, catalog: Catalog, seed: int = 0) -> OrbitFiles:
    files = OrbitFiles(catalog, seed)

    def settings(req: Request) -> Response:
        if req.method == "POST":
            changes = req.json()
            if not isinstance(changes, dict):
                raise bad_request('POST a JSON object, e.g. {"clock": "2023-04-02T00:00:00"}')
            try:
                return Response.json(files.configure(changes))
            except (TypeError, ValueError) as exc:
                raise bad_request(f"bad orbit bucket setting: {exc}") from exc
        return Response.json(files.settings())

    def advance(req: Request) -> Response:
        body = req.json()
        days = body.get("days") if isinstance(body, dict) else body
        if not isinstance(days, int | float):
            raise bad_request('POST {"days": n}')
        return Response.json(files.configure({"advance_days": days}))

    router.add("GET", PREFIX + r"/?", lambda req: list_objects(files, req), host=DATA)
    router.add(
        "GET",
        PREFIX + r"/(?P<type>AUX_POEORB|AUX_RESORB)/(?P<name>[A-Za-z0-9_]+\.EOF)",
        lambda req: get_object(files, req),
        host=DATA,
    )
    router.add("GET", r"/_sandbox/orbits/settings", settings)
    router.add("POST", r"/_sandbox/orbits/settings", settings)
    router.add("POST", r"/_sandbox/orbits/advance", advance)
    return files


__all__ = ["EofFile", "OrbitFiles", "eof_bytes", "register"]
