"""CDSE's burst catalogue and on-demand burst extraction, stand-in (docs/sandbox.md, "CDSE").

    GET  /cdse/odata/v1/Bursts                 flat filters (`BurstId eq 136231`, `SwathIdentifier
                                               eq 'IW1'`, `RelativeOrbitNumber eq 64`, ...), dates,
                                               Intersects, $top/$skip/$count/$orderby as Products
    POST /cdse/odata/v1/Bursts(<Id>)/$value    301 to the download host, which answers the POST with
                                               a zip of the extracted burst (a small SAFE)

A burst item has the real flat fields (`BurstId`, `AbsoluteBurstId`, `SwathIdentifier`,
`ParentProductName`, `AzimuthTime`, ...) of the sandbox catalog's bursts; `AzimuthTime` is the time
ASF's burst names carry, so the two archives name the same burst alike.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from typing import Any

from insarproj.sandbox.auth import Auth
from insarproj.sandbox.catalog import Burst
from insarproj.sandbox.cdse import ODATA, CdseService, _iso, _wkt_ring, product_id, serve_list
from insarproj.sandbox.cdse_auth import user_of
from insarproj.sandbox.payloads import burst_xml
from insarproj.sandbox.routing import DATA, LOGIN, Origins, Request, Response, Router

_NAMESPACE = uuid.UUID("0b5e1c1e-6c63-4d0e-8f7a-3c0c0d1c0de5")
LINES_PER_BURST = 1508


def burst_id(burst: Burst) -> str:
    return str(uuid.uuid5(_NAMESPACE, burst.name))


def burst_entity(burst: Burst) -> dict[str, Any]:
    parent = burst.scene
    acq = burst.acquisition
    azimuth = acq.time(burst.azimuth_tau)
    ring = [(round(lon, 6), round(lat, 6)) for lon, lat in burst.outline]
    letter = parent.platform.letter
    return {
        "@odata.mediaContentType": "application/octet-stream",
        "Id": burst_id(burst),
        "Name": f"S1{letter}-SLC-{azimuth:%Y%m%dT%H%M%S}-{burst.burst_id}-{burst.swath}-{burst.polarization}"
        f"-{acq.orbit:06d}",
        "ContentType": "application/octet-stream",
        "S3Path": f"/eodata/Sentinel-1/SAR/IW_SLC__1S/{parent.start:%Y/%m/%d}/{parent.name}.SAFE/measurement/"
        f"s1{letter.lower()}-{burst.swath.lower()}-slc-{burst.polarization.lower()}.tiff",
        "ContentDate": {"Start": _iso(burst.start), "End": _iso(burst.stop)},
        "Footprint": f"geography'SRID=4326;POLYGON (({_wkt_ring(ring)}))'",
        "GeoFootprint": {"type": "Polygon", "coordinates": [[list(p) for p in ring]]},
        "ParentProductId": product_id(parent),
        "ParentProductName": f"{parent.name}.SAFE",
        "ParentProductType": "IW_SLC__1S",
        "ByteOffset": 109035 + burst.index * LINES_PER_BURST * 21000 * 4,
        "BurstId": burst.burst_id,
        "AbsoluteBurstId": burst.absolute_burst_id,
        "AzimuthTime": _iso(azimuth),
        "AzimuthAnxTime": round(burst.azimuth_tau, 6),
        "SwathIdentifier": burst.swath,
        "RelativeOrbitNumber": burst.track.path,
        "OrbitDirection": burst.track.direction,
        "PlatformSerialIdentifier": letter,
        "PolarisationChannels": burst.polarization,
        "OperationalMode": "IW",
        "DatatakeID": acq.datatake,
        "Lines": LINES_PER_BURST * 10,
        "LinesPerBurst": LINES_PER_BURST,
        "SamplesPerBurst": 21000,
        "BeginningDateTime": _iso(burst.start),
        "EndingDateTime": _iso(burst.stop),
        "_start": burst.start,
        "_attributes": [],
        "_geometry": burst.footprint,
        "_burst": burst,
    }


def burst_zip(burst: Burst, data: bytes) -> bytes:
    """The extracted burst as a small SAFE: its measurement TIFF and annotation."""
    safe = f"{burst.name.removesuffix('-BURST')}.SAFE"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in (
            (f"{safe}/measurement/{burst.name}.tiff", data),
            (f"{safe}/annotation/{burst.name}.xml", burst_xml(burst)),
        ):
            info = zipfile.ZipInfo(path, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return out.getvalue()


def register(router: Router, auth: Auth, service: CdseService, origins: Origins) -> None:
    entities: list[dict[str, Any]] = []
    by_id: dict[str, dict[str, Any]] = {}

    def all_bursts() -> list[dict[str, Any]]:
        if not entities:  # built once; two threads building it at once build the same list
            built = [burst_entity(b) for b in service.catalog.bursts]
            built.sort(key=lambda e: (e["_start"], e["Id"]))
            by_id.update((e["Id"], e) for e in built)
            entities[:] = built
        return entities

    def bursts(req: Request) -> Response:
        return serve_list(req, service, all_bursts(), origins, "Bursts")

    def value(req: Request) -> Response:
        all_bursts()
        if req.params["id"] not in by_id:
            return Response.json({"detail": "Not found"}, 404)
        # A 301 like the products' (a client must POST again to the new location, as phidown does)
        return Response.redirect(f"{origins.url(LOGIN)}/odata/v1/Bursts({req.params['id']})/$value", 301)

    def extract(req: Request) -> Response:
        if user_of(auth, req) is None:
            return Response.json({"detail": "Could not validate credentials"}, 401)
        all_bursts()
        entity = by_id.get(req.params["id"])
        if entity is None:
            return Response.json({"detail": "Not found"}, 404)
        burst: Burst = entity["_burst"]
        body = burst_zip(burst, service.catalog.payloads.data(burst))
        response = Response(200, body, [("Content-Type", "application/zip")])
        return response.header("Content-Disposition", f'attachment; filename="{burst.name}.zip"')

    router.add("GET", rf"{ODATA}/Bursts", bursts, host=DATA)
    router.add("POST", rf"{ODATA}/Bursts\((?P<id>[0-9a-f-]{{36}})\)/\$value", value, host=DATA)
    router.add("POST", r"/odata/v1/Bursts\((?P<id>[0-9a-f-]{36})\)/\$value", extract, host=LOGIN)
