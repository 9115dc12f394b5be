"""Routes of the ARIA GUNW stand-in (see aria.py): the CMR search of ARIA_S1_GUNW, downloads
with the 202 long-term-storage answer, and the storage status."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from insarproj.sandbox.aria import SHORT_NAME, AriaArchive, umm_item
from insarproj.sandbox.aria_catalog import FRAMES, TRACK, GunwProduct, netcdf_bytes
from insarproj.sandbox.auth import Auth, authorize_url, login_page
from insarproj.sandbox.downloads import serve_bytes
from insarproj.sandbox.faults import register_fault_kind
from insarproj.sandbox.payloads import corrupt
from insarproj.sandbox.routing import HTTPError, Origins, Request, Response, Router

register_fault_kind(
    "unapproved",
    ("/door/download/*",),
    "the Earthdata application of GUNW downloads is not approved: its approval page (HTML, 200)",
)

UMM_JSON = "application/vnd.nasa.cmr.umm_results+json;version=1.6.5; charset=utf-8"


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _matches(product: GunwProduct, form: list[tuple[str, str]]) -> bool:
    """The CMR filters a GUNW search uses: bounding_box, temporal (the reference date) and the
    PATH_NUMBER / ASCENDING_DESCENDING / FRAME_NUMBER attributes."""
    for key, value in form:
        key = key.removesuffix("[]")
        if key == "bounding_box":
            w, s, e, n = (float(x) for x in value.split(","))
            fw, fs, fe, fn = FRAMES[product.frame]
            if fw > e or fe < w or fs > n or fn < s:
                return False
        elif key == "temporal":
            first, _, last = value.partition(",")
            stamp = product.start.strftime("%Y-%m-%dT%H:%M:%SZ")
            if (first and stamp < first.strip()) or (last and stamp > last.strip()):
                return False
        elif key == "attribute":
            _, name, wanted = [*value.split(","), "", ""][:3]
            actual = {
                "PATH_NUMBER": str(TRACK),
                "ASCENDING_DESCENDING": "ascending",
                "FRAME_NUMBER": str(product.frame),
            }
            if name in actual and actual[name].lower() != wanted.lower():
                return False
    return True


def gunw_search(archive: AriaArchive, origins: Origins) -> Callable[[Request], Response | None]:
    """The CMR search's answer for ARIA_S1_GUNW (None for other collections: the catalog answers)."""

    def search(req: Request) -> Response | None:
        form = req.form()
        names = {v for k, v in form if k.removesuffix("[]") in ("short_name", "shortName")}
        if SHORT_NAME not in names:
            return None
        page_size = int(next((v for k, v in form if k == "page_size"), "10"))
        results = sorted(
            (p for p in archive.products.values() if p.name not in archive.unlisted and _matches(p, form)),
            key=lambda p: (p.start, p.name),
        )
        offset = 0
        after = req.header("cmr-search-after")
        if after:
            last = json.loads(after)[-1]
            offset = next(i + 1 for i, p in enumerate(results) if p.name == last)
        page = results[offset : offset + page_size]
        items = [umm_item(p, origins.data) for p in page]
        response = Response.json({"hits": len(results), "took": 1, "items": items}, content_type=UMM_JSON)
        response.header("CMR-Hits", str(len(results)))
        if page and offset + len(page) < len(results):
            response.header("CMR-Search-After", json.dumps([page[-1].start.isoformat(), page[-1].name]))
        return response

    return search


def register(router: Router, auth: Auth, origins: Origins) -> AriaArchive:
    archive = AriaArchive(origins)

    def product_of(req: Request) -> GunwProduct:
        product = archive.products.get(req.params["name"])
        if product is None:
            raise HTTPError(Response.json({"error": f"{req.params['name']}.nc not found"}, 404))
        return product

    def download(req: Request) -> Response:
        if req.fault("auth") or auth.user(req) is None:
            return Response.redirect(authorize_url(origins, req.path), 307)
        if req.fault("unapproved"):
            return login_page(200, "Authorize GRFN Door (PROD) to use your Earthdata profile.", req)
        product = product_of(req)
        status, _ = archive.status(product.name)
        if status == "archived":
            archive.request_retrieval(product.name)
            status = "retrieving"
        if status != "available":
            url = f"{origins.data}/door/status/{product.file_name}"
            return Response.json({"status": status, "status_url": url}, 202).header("Location", url)
        data = netcdf_bytes(product.name)
        if req.fault("badmd5"):
            data = corrupt(data)
        return serve_bytes(
            req, data, content_type="application/x-netcdf", etag=f'"{product.name}"', modified=product.start
        )

    def status(req: Request) -> Response:
        product = product_of(req)
        state, expires = archive.status(product.name)
        body: dict[str, Any] = {"status": state}
        if expires is not None:
            body["expiration_date"] = _iso(expires)
        return Response.json(body)

    router.add("GET", r"/door/download/(?P<name>S1-GUNW-[A-Za-z0-9_-]+)\.nc", download)
    router.add("GET", r"/door/status/(?P<name>S1-GUNW-[A-Za-z0-9_-]+)\.nc", status)
    return archive
