"""Copernicus Data Space Ecosystem (CDSE) stand-in: the OData catalogue (docs/sandbox.md, "CDSE").

The catalogue holds the same SLC scenes as the CMR stand-in, under CDSE's names and ids: `Name` is
`<scene>.SAFE`, `Id` a UUID, attributes as the real `$expand=Attributes` shape
(`productType` `IW_SLC__1S`, `orbitDirection`, `relativeOrbitNumber`, `polarisationChannels`
`VV&VH`, ...). CDSE serves its own zips of the scenes (other bytes than ASF's: a zip comment
differs), so its `Checksum` MD5 is not ASF's. Some old products carry `ContentLength: 0` and
`Checksum: []`, as real 2016 products do; some footprints are a GeoJSON `MultiPolygon`.

Routes (data host, under the `/cdse` prefix of INSARPROJ_CDSE_URL):

    GET /cdse/odata/v1/Products          $filter, $orderby, $top (<= 1000), $skip (<= 10 000: 422
                                         above), $count, $expand=Attributes; @odata.nextLink
    GET /cdse/odata/v1/Products(<Id>)    the bare entity
    GET /cdse/odata/v1/Products(<Id>)/$value   301 to the download host (cdse_download.py)

The token service and the download host are in cdse_auth.py and cdse_download.py; the settings
and counters tests read are on :class:`CdseService` (`Sandbox.cdse`), also at
`GET|POST /_sandbox/cdse`.
"""

from __future__ import annotations

import hashlib
import struct
import threading
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from insarproj.sandbox.catalog import Catalog, Scene
from insarproj.sandbox.cdse_odata import FilterError, checksums, parse_filter
from insarproj.sandbox.routing import DATA, Origins, Request, Response, Router

PREFIX = "/cdse"
ODATA = f"{PREFIX}/odata/v1"
_NAMESPACE = uuid.UUID("6f0c2a8e-4f4b-4b1e-9a51-0c5e0d1c0de5")
_COMMENT = b"Copernicus Data Space Ecosystem (insarproj sandbox stand-in)"


@dataclass
class CdseSettings:
    """What tests may change (`Sandbox.cdse.configure(...)` or `POST /_sandbox/cdse`)."""

    token_lifetime: int = 600  # s, the expires_in the token service advertises (real: 600)
    token_valid: float | None = None  # s a token really works; None = token_lifetime (tests shorten it)
    refresh_lifetime: int = 3600  # s a refresh token works (real: 60 min)
    max_concurrent: int = 4  # downloads per user at once; more answer 429 (real quota: 4)
    chunk_delay: float = 0.0  # s between 16 KiB pieces of a download body (makes downloads overlap)
    ranges: bool = True  # whether the download host honours Range
    max_skip: int = 10_000  # real limit since 2024-11-12
    max_top: int = 1000
    totp_required: bool = False  # the account has two-factor authentication


@dataclass
class CdseCounters:
    password_grants: int = 0
    refresh_grants: int = 0
    active: int = 0
    max_active: int = 0  # the most downloads of one user seen at once
    throttled: int = 0  # 429s answered for the concurrency limit
    downloads: int = 0  # download bodies started


@dataclass
class CdseService:
    catalog: Catalog
    settings: CdseSettings = field(default_factory=CdseSettings)
    counters: CdseCounters = field(default_factory=CdseCounters)
    lock: threading.Lock = field(default_factory=threading.Lock)
    orbit_files: Any = None  # the orbit bucket's files, also served as products (cdse_orbits.py)
    _entities: list[dict[str, Any]] | None = None

    def configure(self, **changes: Any) -> dict[str, Any]:
        for key, value in changes.items():
            if not hasattr(self.settings, key):
                raise ValueError(f"unknown CDSE setting {key!r}")
            setattr(self.settings, key, value)
        return asdict(self.settings)

    def report(self) -> dict[str, Any]:
        with self.lock:
            return {"settings": asdict(self.settings), "counters": asdict(self.counters)}

    def entities(self) -> list[dict[str, Any]]:
        """Every product, in ContentDate/Start then Id order (built once)."""
        if self._entities is None:
            built = [product_entity(s, self) for s in self.catalog.scenes]
            self._entities = sorted(built, key=lambda e: (e["_start"], e["Id"]))
        from insarproj.sandbox.cdse_orbits import orbit_entities

        return self._entities + orbit_entities(self.orbit_files)

    def by_id(self, product_id: str) -> dict[str, Any] | None:
        for entity in self.entities():
            if entity["Id"] == product_id:
                return entity
        return None

    def scene_of(self, entity: dict[str, Any]) -> Scene:
        scene = self.catalog.scene(entity["Name"].removesuffix(".SAFE"))
        assert scene is not None
        return scene

    def payload(self, entity: dict[str, Any]) -> bytes:
        """What the download host serves for a product: an orbit file's EOF, or a scene's zip."""
        if "_eof" in entity:
            from insarproj.sandbox.cdse_orbits import eof_of

            return eof_of(entity)
        return self.zip_bytes(self.scene_of(entity))

    def zip_bytes(self, scene: Scene) -> bytes:
        """CDSE's zip of the scene: ASF's bytes with another zip comment (a valid, different file)."""
        data = self.catalog.payloads.data(scene)
        if data[-22:-18] != b"PK\x05\x06":  # no end-of-central-directory record where expected
            return data + _COMMENT
        return data[:-2] + struct.pack("<H", len(_COMMENT)) + _COMMENT


def product_id(scene: Scene) -> str:
    return str(uuid.uuid5(_NAMESPACE, scene.name))


def is_old_product(scene: Scene) -> bool:
    """About one product in eight carries no size and no checksum, as some real old ones do."""
    return int(hashlib.sha256(scene.name.encode()).hexdigest()[:2], 16) % 8 == 0


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _wkt_ring(ring: list[tuple[float, float]]) -> str:
    return ", ".join(f"{lon:.6f} {lat:.6f}" for lon, lat in ring)


def product_entity(scene: Scene, service: CdseService) -> dict[str, Any]:
    """The catalogue's JSON of one product (private keys, starting with `_`, are not served)."""
    old = is_old_product(scene)
    ring = [(round(lon, 6), round(lat, 6)) for lon, lat in scene.outline]
    multi = int(hashlib.sha256(scene.name.encode()).hexdigest()[2:4], 16) % 5 == 0
    geo: dict[str, Any] = (
        {"type": "MultiPolygon", "coordinates": [[[list(p) for p in ring]]]}
        if multi
        else {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}
    )
    published = scene.start + timedelta(hours=3)
    folder = "SLC" if old else "IW_SLC__1S"
    return {
        "@odata.mediaContentType": "application/octet-stream",
        "Id": product_id(scene),
        "Name": f"{scene.name}.SAFE",
        "ContentType": "application/octet-stream",
        "ContentLength": None,  # filled in when served (complete_sizes): building every zip is slow
        "OriginDate": _iso(published),
        "PublicationDate": _iso(published + timedelta(minutes=20)),
        "ModificationDate": _iso(published + timedelta(minutes=20)),
        "Online": True,
        "EvictionDate": "9999-12-31T23:59:59.999999Z",
        "S3Path": f"/eodata/Sentinel-1/SAR/{folder}/{scene.start:%Y/%m/%d}/{scene.name}.SAFE",
        "Checksum": None,
        "ContentDate": {"Start": _iso(scene.start), "End": _iso(scene.stop)},
        "Footprint": f"geography'SRID=4326;POLYGON (({_wkt_ring(ring)}))'",
        "GeoFootprint": geo,
        "collection": "SENTINEL-1",
        "_start": scene.start,
        "_scene": scene,
        "_attributes": _attributes(scene),
        "_geometry": scene.footprint,
    }


def _attributes(scene: Scene) -> list[dict[str, Any]]:
    acq = scene.acquisition
    pols = scene.polarization.replace("+", "&")
    values: list[tuple[str, str, Any]] = [
        ("String", "origin", "ESA"),
        ("Integer", "datatakeID", acq.datatake),
        ("String", "timeliness", "Fast-24h"),
        ("Integer", "cycleNumber", 1 + (acq.orbit - 73) // 175),
        ("Integer", "orbitNumber", acq.orbit),
        ("Integer", "sliceNumber", scene.slice_number),
        ("Integer", "totalSlices", scene.total_slices),
        ("String", "productClass", "S"),
        ("String", "processorName", "Sentinel-1 IPF"),
        ("String", "orbitDirection", scene.track.direction),
        ("String", "operationalMode", "IW"),
        ("String", "processingLevel", "LEVEL1"),
        ("String", "swathIdentifier", "IW"),
        ("String", "processorVersion", scene.pge_version),
        ("String", "platformShortName", "SENTINEL-1"),
        ("String", "instrumentShortName", "SAR"),
        ("Integer", "relativeOrbitNumber", scene.track.path),
        ("String", "polarisationChannels", pols),
        ("String", "platformSerialIdentifier", scene.platform.letter),
        ("String", "productType", "IW_SLC__1S"),
        ("String", "productComposition", "Slice"),
        ("DateTimeOffset", "processingDate", _iso(scene.processing_date or scene.start)),
        ("DateTimeOffset", "beginningDateTime", _iso(scene.start)),
        ("DateTimeOffset", "endingDateTime", _iso(scene.stop)),
    ]
    return [
        {"@odata.type": f"#OData.CSC.{kind}Attribute", "Name": name, "Value": value, "ValueType": kind}
        for kind, name, value in values
    ]


def complete_sizes(entity: dict[str, Any], service: CdseService) -> dict[str, Any]:
    """Size and checksums of a product's zip, computed the first time the product is served."""
    if "_eof" in entity:
        from insarproj.sandbox.cdse_orbits import complete_orbit

        return complete_orbit(entity)
    if entity.get("Checksum") is None and "_scene" in entity:
        scene: Scene = entity["_scene"]
        if is_old_product(scene):
            entity["ContentLength"], entity["Checksum"] = 0, []
        else:
            data = service.zip_bytes(scene)
            when = entity["OriginDate"]
            entity["ContentLength"] = len(data)
            entity["Checksum"] = checksums(data, when)
    return entity


def public(entity: dict[str, Any], *, expand: bool) -> dict[str, Any]:
    out = {k: v for k, v in entity.items() if not k.startswith("_") and k != "collection"}
    if expand and entity["_attributes"]:
        out["Attributes"] = entity["_attributes"]
    return out


def _unprocessable(name: str, limit: int, raw: str) -> Response:
    # The real service's pydantic-style body for $skip/$top out of range (ReleaseNotes.qmd).
    detail = {
        "type": "less_than_equal",
        "loc": ["query", name],
        "msg": f"Input should be less than or equal to {limit}",
        "input": raw,
        "ctx": {"le": limit},
    }
    return Response.json({"detail": [detail]}, 422)


def _int_arg(req: Request, name: str, default: int) -> int | Response:
    raw = req.arg(name)
    if raw is None:
        return default
    if not raw.strip().isdigit():
        return Response.json({"detail": f"Invalid value for {name}: {raw!r}"}, 400)
    return int(raw)


def _paging(req: Request, service: CdseService) -> tuple[int, int] | Response:
    top = _int_arg(req, "$top", 20)
    skip = _int_arg(req, "$skip", 0)
    if isinstance(top, Response):
        return top
    if isinstance(skip, Response):
        return skip
    if top > service.settings.max_top:
        return _unprocessable("$top", service.settings.max_top, str(top))
    if skip > service.settings.max_skip:
        return _unprocessable("$skip", service.settings.max_skip, str(skip))
    return top, skip


def _matching(req: Request, entities: list[dict[str, Any]]) -> list[dict[str, Any]] | Response:
    text = req.arg("$filter")
    found = entities
    if text:
        try:
            parsed = parse_filter(text)
        except FilterError as exc:
            return Response.json({"detail": f"Invalid filter: {exc}"}, 400)
        found = [e for e in found if parsed.matches(e)]
        if parsed.area is not None:
            found = [e for e in found if e["_geometry"].intersects(parsed.area)]
    order = (req.arg("$orderby") or "").strip()
    if order.endswith(" desc"):
        found = list(reversed(found))
    return found


def serve_list(
    req: Request, service: CdseService, entities: list[dict[str, Any]], origins: Origins, kind: str
) -> Response:
    """One page of `Products` or `Bursts`: filtered, ordered, counted, with its next link."""
    paging = _paging(req, service)
    if isinstance(paging, Response):
        return paging
    top, skip = paging
    found = _matching(req, entities)
    if isinstance(found, Response):
        return found
    expand = "Attributes" in (req.arg("$expand") or "")
    body: dict[str, Any] = {
        "@odata.context": f"$metadata#{kind}(Attributes())" if expand else f"$metadata#{kind}",
        "value": [public(complete_sizes(e, service), expand=expand) for e in found[skip : skip + top]],
    }
    if (req.arg("$count") or "").lower() == "true":
        body["@odata.count"] = len(found)
    following = skip + top
    # No next link once its $skip would pass the limit: the client must split its query.
    if following < len(found) and following <= service.settings.max_skip:
        query = {k: v[0] for k, v in req.query.items()}
        query["$skip"] = str(following)
        body["@odata.nextLink"] = f"{origins.data}{ODATA}/{kind}?{urlencode(query)}"
    return Response.json(body)


def register(router: Router, service: CdseService, origins: Origins) -> None:
    def products(req: Request) -> Response:
        return serve_list(req, service, service.entities(), origins, "Products")

    def product(req: Request) -> Response:
        entity = service.by_id(req.params["id"])
        if entity is None:
            return Response.json({"detail": "Not found"}, 404)
        served = public(complete_sizes(entity, service), expand=False)
        return Response.json({"@odata.context": "$metadata#Products/$entity", **served})

    def value(req: Request) -> Response:
        # The catalogue host hands downloads to the download host, as the real one does.
        from insarproj.sandbox.cdse_download import DOWNLOAD, download_path

        if service.by_id(req.params["id"]) is None:
            return Response.json({"detail": "Not found"}, 404)
        # 301, as observed from the real catalogue (eu-cdse/documentation#353)
        return Response.redirect(f"{origins.url(DOWNLOAD)}{download_path(req.params['id'])}", 301)

    router.add("GET", rf"{ODATA}/Products", products, host=DATA)
    router.add("GET", rf"{ODATA}/Products\((?P<id>[0-9a-f-]{{36}})\)", product, host=DATA)
    router.add("GET", rf"{ODATA}/Products\((?P<id>[0-9a-f-]{{36}})\)/\$value", value, host=DATA)
