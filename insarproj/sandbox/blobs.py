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
_blobs: dict[int, tuple[bytes, str]] = {}  # size -> (bytes, ETag)
_lock = threading.Lock()


def blob(size: int) -> bytes:
    return _blob_and_etag(size)[0]


def _blob_and_etag(size: int) -> tuple[bytes, str]:
    """The ETag is hashed once per size, not per request: hashing 128 MiB on every GET cost the
    server as much CPU as curl spends receiving the file, and slowed every client measured."""
    with _lock:
        entry = _blobs.get(size)
        if entry is None:
            seed = hashlib.sha256(str(size).encode()).digest()
            data = (seed * (size // len(seed) + 1))[:size]
            entry = (data, '"' + hashlib.md5(data).hexdigest() + '"')
            _blobs[size] = entry
        return entry


def register(router: Router) -> None:
    def serve(req: Request) -> Response:
        size = int(req.params["size"])
        if size > MAX_BLOB:
            raise HTTPError(Response.problem(400, f"blobs are at most {MAX_BLOB} bytes"))
        data, etag = _blob_and_etag(size)
        return serve_bytes(
            req,
            data,
            content_type="application/octet-stream",
            etag=etag,
            modified=datetime(2021, 1, 1, tzinfo=UTC),
        )

    router.add("GET", r"/_sandbox/blob/(?P<size>\d+)/(?P<name>[^/]+)", serve)
