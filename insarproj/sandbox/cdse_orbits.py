"""The orbit files of the CDSE stand-in: the orbit bucket's files (orbit_bucket.py) as catalogue
products (docs/sandbox.md, "CDSE").

The same EOFs, under CDSE's shape (the sentineleof cassettes record it): `Name` the file name,
`Id` a UUID, `ContentLength` and an MD5 `Checksum` of the bytes served, `ContentDate` the validity
window, `PublicationDate` 40 minutes after the file's creation (so a reprocessed file appears
later, as in the bucket), no footprint. What is listed follows the bucket's clock
(`/_sandbox/orbits/settings`), so RESORB → POEORB upgrades happen here too. The download host
serves the EOF itself (with the `application/zip` Content-Type the real one sends).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from insarproj.sandbox.cdse_odata import checksums
from insarproj.sandbox.orbit_bucket import EofFile, OrbitFiles, _by_key, eof_bytes

_NAMESPACE = uuid.UUID("1b7a51e4-4f8e-4f8c-8f43-6f2b6c1e0e0f")


def _iso(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def orbit_entity(files: OrbitFiles, file: EofFile) -> dict[str, Any]:
    """One orbit file as a catalogue product (private keys, starting with `_`, are not served)."""
    from shapely.geometry import GeometryCollection  # type: ignore[import-untyped]

    published = file.created + timedelta(minutes=40)
    return {
        "@odata.mediaContentType": "application/octet-stream",
        "Id": str(uuid.uuid5(_NAMESPACE, file.name)),
        "Name": file.name,
        "ContentType": "application/octet-stream",
        "ContentLength": None,  # filled in when served (complete_orbit)
        "OriginDate": _iso(file.created + timedelta(minutes=5)),
        "PublicationDate": _iso(published),
        "ModificationDate": _iso(published),
        "Online": True,
        "EvictionDate": "",
        "S3Path": f"/eodata/Sentinel-1/AUX/{file.type}/{file.start:%Y/%m/%d}/{file.name}",
        "Checksum": None,
        "ContentDate": {"Start": _iso(file.start), "End": _iso(file.stop)},
        "Footprint": None,
        "GeoFootprint": None,
        "collection": "SENTINEL-1",
        "_start": file.start.replace(tzinfo=UTC),
        "_published": published.replace(tzinfo=UTC),
        "_attributes": [],
        "_geometry": GeometryCollection(),
        "_eof": (files, file),
    }


@lru_cache(maxsize=4)
def _entities(files: OrbitFiles, clock: datetime, delay: float) -> list[dict[str, Any]]:
    built = [orbit_entity(files, f) for f in _by_key(files, clock, delay).values()]
    return sorted(built, key=lambda e: (e["_published"], e["Id"]))


def orbit_entities(files: OrbitFiles | None) -> list[dict[str, Any]]:
    """Every orbit file listed at the bucket's clock, in PublicationDate then Id order."""
    if files is None:
        return []
    settings = files.settings()
    clock = datetime.fromisoformat(settings["clock"])
    return _entities(files, clock, float(settings["precise_delay_days"]))


def eof_of(entity: dict[str, Any]) -> bytes:
    files, file = entity["_eof"]
    return eof_bytes(files, file)


def complete_orbit(entity: dict[str, Any]) -> dict[str, Any]:
    """Size and checksums of an orbit product, computed the first time it is served."""
    if entity.get("Checksum") is None:
        data = eof_of(entity)
        when = entity["ModificationDate"]
        entity["ContentLength"] = len(data)
        entity["Checksum"] = checksums(data, when)
    return entity
