"""Scene and burst downloads behind ASF's redirect-through-login chain.

`GET http://127.0.0.1:PORT/SLC/SA/<scene>.zip` (the URL the CMR items advertise):

1. no credentials → 307 to the login host's `/oauth/authorize?…&state=<this path>`;
2. the login host checks credentials → 302 to `http://127.0.0.1:PORT/login?code=…&state=…`;
3. `/login` sets the `asf-urs` cookie → 302 back to this path;
4. with the cookie, or with an EDL Bearer token sent straight here → 307 to a presigned storage URL
   `http://127.1:PORT/_storage/<scene>.zip?X-Amz-…`, which serves the bytes like S3: Content-Length,
   `Accept-Ranges: bytes`, a multipart ETag, Range requests (206/416), HEAD, and
   400 "Only one auth mechanism allowed" when an Authorization header reaches it.

Bursts (`/BURST/<slc>/<swath>/<pol>/<index>.tiff|.xml`) need the same login but are served directly,
as ASF's burst extractor does, possibly after some 202 "being extracted" answers.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from urllib.parse import urlencode

from insarproj.sandbox.auth import Auth, authorize_url
from insarproj.sandbox.catalog import Catalog, Scene
from insarproj.sandbox.payloads import FileInfo, burst_xml, corrupt
from insarproj.sandbox.routing import DATA, HTTPError, Origins, Request, Response, Router

PRESIGN_EXPIRES = 3600  # s, like ASF's presigned links
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def s3_error(status: int, code: str, message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message>"
        f"<RequestId>{secrets.token_hex(8).upper()}</RequestId></Error>"
    )
    return Response.xml(body, status)


class RangeNotSatisfiable(Exception):
    pass


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single `Range: bytes=…` request, or None to serve the whole body
    (no header, several ranges, or a malformed one: S3 ignores those).

    Raises RangeNotSatisfiable when the range starts beyond the end (S3's 416)."""
    match = _RANGE.fullmatch(header.strip()) if header else None
    if match is None or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # the last N bytes
        if int(last) == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(0, size - int(last)), size - 1
    if last != "" and int(last) < int(first):
        return None
    if int(first) >= size:
        raise RangeNotSatisfiable
    return int(first), size - 1 if last == "" else min(int(last), size - 1)


def serve_bytes(req: Request, data: bytes, *, content_type: str, etag: str, modified: datetime) -> Response:
    """200 with the whole body, or 206/416 for a Range request."""
    size = len(data)
    headers = [
        ("Content-Type", content_type),
        ("Accept-Ranges", "bytes"),
        ("ETag", etag),
        ("Last-Modified", format_datetime(modified.astimezone(UTC), usegmt=True)),
    ]
    try:
        wanted = byte_range(req.header("range"), size)
    except RangeNotSatisfiable:
        return Response(416, b"", [*headers, ("Content-Range", f"bytes */{size}")])
    if wanted is None:
        return Response(200, data, headers)
    first, last = wanted
    return Response(
        206, data[first : last + 1], [*headers, ("Content-Range", f"bytes {first}-{last}/{size}")]
    )


def register(router: Router, catalog: Catalog, auth: Auth, origins: Origins) -> None:
    def storage_query(name: str, issued: str, expires: int) -> str:
        return f"/_storage/{name}\n{issued}\n{expires}"

    def presigned(name: str) -> str:
        issued = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        query = urlencode(
            [
                ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
                ("X-Amz-Credential", f"ASIASANDBOX/{issued[:8]}/us-west-2/s3/aws4_request"),
                ("X-Amz-Date", issued),
                ("X-Amz-Expires", str(PRESIGN_EXPIRES)),
                ("X-Amz-SignedHeaders", "host"),
                ("X-Amz-Signature", auth.sign(storage_query(name, issued, PRESIGN_EXPIRES))),
            ]
        )
        return f"{origins.storage}/_storage/{name}?{query}"

    def require_login(req: Request) -> str:
        """The authenticated user, or an HTTPError redirecting to the login host."""
        refused = req.fault("auth") or req.fault("auth-html")
        user = None if refused else auth.user(req)
        if user is None:
            raise HTTPError(Response.redirect(authorize_url(origins, req.path), 307))
        return user

    def not_found(req: Request) -> HTTPError:
        return HTTPError(
            Response.html(f"<html><body><h1>404 Not Found</h1><p>{escape(req.path)}</p></body></html>", 404)
        )

    def slc(req: Request) -> Response:
        require_login(req)
        scene = catalog.scene(req.params["name"])
        if scene is None or scene.platform.letter != req.params["letter"]:
            raise not_found(req)
        return Response.redirect(presigned(scene.file_name), 307)

    def burst(req: Request) -> Response:
        require_login(req)
        found = catalog.burst_at(
            req.params["slc"], req.params["swath"], req.params["pol"], int(req.params["index"])
        )
        if found is None:
            raise not_found(req)
        modified = found.scene.processing_date or found.scene.start
        if req.params["ext"] == "xml":
            text = burst_xml(found)
            etag = f'"{hashlib.md5(text).hexdigest()}"'
            return serve_bytes(req, text, content_type="application/xml", etag=etag, modified=modified)
        if req.fault("burst202"):
            return Response.text("The burst is being extracted; try again in a few seconds.", 202).header(
                "Retry-After", "1"
            )
        data = catalog.payloads.data(found)
        info = catalog.payloads.info(found)
        if req.fault("badmd5"):
            data = corrupt(data)
        return serve_bytes(req, data, content_type="image/tiff", etag=f'"{info.md5}"', modified=modified)

    def storage(req: Request) -> Response:
        if req.header("authorization"):
            if req.method == "HEAD":
                return Response(403)  # S3 answers a HEAD without a body
            return s3_error(
                400,
                "InvalidArgument",
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query "
                "string parameter or the Authorization header should be specified",
            )
        name = req.params["name"]
        issued, expires, signature = (
            req.arg(k) or "" for k in ("X-Amz-Date", "X-Amz-Expires", "X-Amz-Signature")
        )
        if not (issued and expires.isdigit() and signature):
            return s3_error(
                403,
                "AccessDenied",
                "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters",
            )
        if not hmac.compare_digest(signature, auth.sign(storage_query(name, issued, int(expires)))):
            return s3_error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        try:
            issued_at = datetime.strptime(issued, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
        except ValueError:
            return s3_error(403, "AccessDenied", "X-Amz-Date must be in the ISO8601 Long Format")
        if time.time() > issued_at + int(expires):
            return s3_error(403, "AccessDenied", "Request has expired")
        scene = catalog.scene(name.removesuffix(".zip")) if name.endswith(".zip") else None
        if scene is None:
            return s3_error(404, "NoSuchKey", "The specified key does not exist.")
        return serve_scene(req, scene, catalog.payloads.info(scene))

    def serve_scene(req: Request, scene: Scene, info: FileInfo) -> Response:
        data = catalog.payloads.data(scene)
        if req.fault("badmd5"):
            data = corrupt(data)
        response = serve_bytes(
            req,
            data,
            content_type="application/zip",
            etag=info.etag,
            modified=scene.processing_date or scene.start,
        )
        return response.header("x-amz-request-id", secrets.token_hex(8).upper())

    router.add("GET", r"/SLC/S(?P<letter>[ABCD])/(?P<name>[^/]+)\.zip", slc, host=DATA)
    router.add(
        "GET",
        r"/BURST/(?P<slc>[^/]+)/(?P<swath>IW[123])/(?P<pol>VV|VH|HH|HV)/(?P<index>\d{1,3})\.(?P<ext>tiff|xml)",
        burst,
        host=DATA,
    )
    # any host: the presigned URLs name the storage host, but the path alone identifies the object
    router.add("GET", r"/_storage/(?P<name>[^/]+)", storage)
