"""The GUNW catalogue search: a read-only CMR granule search of the ARIA_S1_GUNW collection
(docs/aria.md), paged with CMR-Search-After until CMR-Hits items have arrived.

CMR's temporal extent of a GUNW granule is its reference (LATER) date only, so the search asks
for reference dates in [start, end] and the secondary date is checked here. Items that are not
well-formed GUNW granules are skipped with a note, never guessed at.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from insarproj.aria.names import GunwNameError, parse_gunw_name
from insarproj.endpoints import redact_url
from insarproj.errors import NetworkError, ProviderError

SHORT_NAME = "ARIA_S1_GUNW"
PAGE_SIZE = 2000  # CMR's maximum
_HINT = "check that the CMR endpoint (INSARPROJ_CMR_URL or [endpoints] cmr) is reachable and run again"


@dataclass(frozen=True)
class AriaSearchRequest:
    bbox: tuple[float, float, float, float]  # W S E N of the AOI (CMR's bounding_box)
    start: dt.date
    end: dt.date
    flight_direction: str | None = None
    tracks: tuple[int, ...] = ()
    frames: tuple[int, ...] = ()

    def form(self) -> list[tuple[str, str]]:
        """The CMR form fields (CMR's own names; attribute filters as CMR documents them)."""
        w, s, e, n = self.bbox
        fields = [
            ("short_name", SHORT_NAME),
            ("bounding_box", f"{w},{s},{e},{n}"),
            ("temporal", f"{self.start.isoformat()}T00:00:00Z,{self.end.isoformat()}T23:59:59Z"),
            ("page_size", str(PAGE_SIZE)),
            ("sort_key[]", "start_date"),
        ]
        if self.flight_direction:
            fields.append(("attribute[]", f"string,ASCENDING_DESCENDING,{self.flight_direction.lower()}"))
        if len(self.tracks) == 1:  # several values: filtered below (CMR would need an OR option)
            fields.append(("attribute[]", f"int,PATH_NUMBER,{self.tracks[0]}"))
        return fields


@dataclass(frozen=True)
class FoundProduct:
    """One catalogue item, before the choice of versions."""

    name: str
    url: str
    size: int | None
    md5: str | None
    frame: int
    stack: str
    reference: dt.date
    secondary: dt.date
    version: tuple[int, int, int]
    footprint: str  # WKT
    bperp: float | None = None  # PERPENDICULAR_BASELINE (m), when the catalogue carries it


def search_gunw(
    request: AriaSearchRequest, *, cmr_url: str, session: Any
) -> tuple[list[FoundProduct], list[str]]:
    """All GUNW products matching the request, and notes about items skipped.

    Raises:
        NetworkError: CMR unreachable or failing with 5xx.
        ProviderError: CMR refused the search or answered something else than UMM-JSON, or the
            paging ended before CMR-Hits items arrived (a short list never passes for a full one).
    """
    found: list[FoundProduct] = []
    notes: list[str] = []
    for item in _items(request, cmr_url=cmr_url, session=session):
        product, why = product_from_umm(item)
        if product is None:
            notes.append(why)
            continue
        if product.secondary < request.start or product.reference > request.end:
            continue
        if request.tracks and int(product.stack[1:]) not in request.tracks:
            continue
        if request.frames and product.frame not in request.frames:
            continue
        if request.flight_direction and product.stack[0] != request.flight_direction[0]:
            continue
        found.append(product)
    return found, notes


def _items(request: AriaSearchRequest, *, cmr_url: str, session: Any) -> Iterator[dict[str, Any]]:
    url = cmr_url.rstrip("/") + "/search/granules.umm_json"
    headers: dict[str, str] = {}
    received = 0
    while True:
        body = _post(session, url, request.form(), headers)
        hits, items, after = body
        yield from items
        received += len(items)
        if received >= hits:
            return
        if not items or after is None:
            raise ProviderError(
                f"The CMR search at {redact_url(cmr_url)} stopped after {received} of {hits} GUNW products",
                service="cmr",
                hint="run the search again later",
            )
        headers = {"CMR-Search-After": after}


def _post(
    session: Any, url: str, form: list[tuple[str, str]], headers: dict[str, str]
) -> tuple[int, list[dict[str, Any]], str | None]:
    import requests

    where = redact_url(url)
    try:
        response = session.post(url, data=form, headers=headers, timeout=(10, 120))
    except requests.RequestException as exc:
        raise NetworkError(
            f"The CMR search at {where} could not be reached: {exc}", service="cmr", hint=_HINT
        ) from exc
    if response.status_code >= 500:
        raise NetworkError(
            f"The CMR search at {where} failed with HTTP {response.status_code}", service="cmr", hint=_HINT
        )
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code != 200 or not isinstance(data, dict) or not isinstance(data.get("items"), list):
        errors = data.get("errors") if isinstance(data, dict) else None
        raise ProviderError(
            f"The CMR search at {where} answered HTTP {response.status_code}"
            + (f": {'; '.join(map(str, errors))}" if errors else " with something that is not CMR UMM-JSON"),
            service="cmr",
            hint="check the [search] settings and the CMR endpoint",
        )
    hits = _int(response.headers.get("CMR-Hits"), data.get("hits"))
    return hits, data["items"], response.headers.get("CMR-Search-After")


def _int(*values: Any) -> int:
    for value in values:
        try:
            return int(value)
        except (TypeError, ValueError):
            continue
    return 0


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def product_from_umm(item: dict[str, Any]) -> tuple[FoundProduct | None, str]:
    """The product of one UMM-G item (the real ARIA_S1_GUNW shape), or None and why not."""
    umm = item.get("umm") if isinstance(item, dict) else None
    if not isinstance(umm, dict):
        return None, "a CMR item without UMM metadata was skipped"
    name = str(umm.get("GranuleUR", ""))
    try:
        parsed = parse_gunw_name(name)
    except GunwNameError as exc:
        return None, f"skipped: {exc}"
    attributes = {
        a.get("Name"): (a.get("Values") or [None])[0]
        for a in umm.get("AdditionalAttributes", [])
        if isinstance(a, dict)
    }
    frame = attributes.get("FRAME_NUMBER")
    url = _data_url(umm, name)
    footprint = _footprint(umm)
    if frame is None or not str(frame).isdigit() or url is None or footprint is None:
        return (
            None,
            f"skipped {name}: its catalogue entry lacks a frame number, a .nc download link or a footprint",
        )
    size, md5 = _netcdf_file(umm)
    return (
        FoundProduct(
            name=parsed.name,
            url=url,
            size=size,
            md5=md5,
            frame=int(frame),
            stack=parsed.stack_id,
            reference=parsed.reference,
            secondary=parsed.secondary,
            version=parsed.version,
            footprint=footprint,
            bperp=_float(attributes.get("PERPENDICULAR_BASELINE")),
        ),
        "",
    )


def _data_url(umm: dict[str, Any], name: str) -> str | None:
    for related in umm.get("RelatedUrls", []):
        if not isinstance(related, dict):
            continue
        url = str(related.get("URL", ""))
        if related.get("Type") in ("GET DATA", "USE SERVICE API") and url.endswith(".nc"):
            return url
    return None


def _netcdf_file(umm: dict[str, Any]) -> tuple[int | None, str | None]:
    """Size and MD5 of the .nc from DataGranule.ArchiveAndDistributionInformation (Format netCDF-4)."""
    entries = (umm.get("DataGranule") or {}).get("ArchiveAndDistributionInformation") or []
    for entry in entries:
        if isinstance(entry, dict) and (
            entry.get("Format") == "netCDF-4" or str(entry.get("Name", "")).endswith(".nc")
        ):
            checksum = entry.get("Checksum") or {}
            md5 = checksum.get("Value") if str(checksum.get("Algorithm", "")).upper() == "MD5" else None
            size = entry.get("SizeInBytes")
            return (int(size) if isinstance(size, int | float) else None), (str(md5).lower() if md5 else None)
    return None, None


def _footprint(umm: dict[str, Any]) -> str | None:
    try:
        polygons = umm["SpatialExtent"]["HorizontalSpatialDomain"]["Geometry"]["GPolygons"]
        points = polygons[0]["Boundary"]["Points"]
        ring = [(float(p["Longitude"]), float(p["Latitude"])) for p in points]
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    if len(ring) < 4:
        return None
    return "POLYGON ((" + ", ".join(f"{x} {y}" for x, y in ring) + "))"
