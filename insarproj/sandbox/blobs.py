"""`GET /_sandbox/blob/<bytes>/<name>`: deterministic files of any size, with Range.

For benchmarks (download throughput against `curl` on the same server): one shared buffer per
size, so serving N files costs memory once. Under /_sandbox/, so never faulted or logged.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime

from insarproj.sandbox.downloads import serve_bytes
from insarproj.sandbox.routing import HTTPError, Request, Response, Router

MAX_BLOB = 1 << 30
_blobs: dict[int, bytes] = {}
_lock = threading.Lock()


def blob(size: int) -> bytes:
    with _lock:
        data = _blobs.get(size)
        if data is None:
            seed = hashlib.sha256(str(size).encode()).digest()
            data = (seed * (size // len(seed) + 1))[:size]
            _blobs[size] = data
        return data


def register(router: Router) -> None:
    def serve(req: Request) -> Response:
        size = int(req.params["size"])
        if size > MAX_BLOB:
            raise HTTPError(Response.problem(400, f"blobs are at most {MAX_BLOB} bytes"))
        data = blob(size)
        etag = '"' + hashlib.md5(data).hexdigest() + '"'
        return serve_bytes(
            req,
            data,
            content_type="application/octet-stream",
            etag=etag,
            modified=datetime(2021, 1, 1, tzinfo=UTC),
        )

    router.add("GET", r"/_sandbox/blob/(?P<size>\d+)/(?P<name>[^/]+)", serve)
