"""CDSE's download host stand-in: `GET /odata/v1/Products(<Id>)/$value` with a Bearer token.

It lives on another hostname than the catalogue (`localhost`, the sandbox's login host), so a
client that follows the catalogue's redirect with requests' defaults loses its Authorization
header and gets the 401 real clients see. Per user at most `max_concurrent` bodies stream at
once; one more answers 429 (counted, as is the most seen at once). `Range` gives 206 unless
`ranges` is off (then 200 with the whole body, as a server that ignores ranges). The body
trickles out with `chunk_delay`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from insarproj.sandbox.auth import Auth
from insarproj.sandbox.cdse import CdseService
from insarproj.sandbox.cdse_auth import user_of
from insarproj.sandbox.downloads import RangeNotSatisfiable, byte_range
from insarproj.sandbox.payloads import corrupt
from insarproj.sandbox.routing import LOGIN, Request, Response, Router

# The download host is another hostname than the catalogue's (localhost, where the Earthdata
# stand-in also lives): requests drops Authorization on the catalogue's redirect to it.
DOWNLOAD = LOGIN
PIECE = 16 << 10


def download_path(product_id: str) -> str:
    return f"/odata/v1/Products({product_id})/$value"


class _Slot:
    """One running download of one user: released once, when its body ends or is dropped."""

    def __init__(self, service: CdseService, user: str, active: dict[str, int]) -> None:
        self._service, self._user, self._active = service, user, active
        self._released = False
        self._guard = threading.Lock()

    def release(self) -> None:
        with self._guard:
            if self._released:
                return
            self._released = True
        with self._service.lock:
            self._active[self._user] -= 1
            self._service.counters.active = sum(self._active.values())

    def __del__(self) -> None:
        self.release()


def _body(data: bytes, slot: _Slot, delay: float) -> Iterator[bytes]:
    try:
        for i in range(0, len(data), PIECE):
            if delay:
                time.sleep(delay)
            yield data[i : i + PIECE]
    finally:
        slot.release()


def _acquire(service: CdseService, user: str, active: dict[str, int]) -> _Slot | None:
    with service.lock:
        if active.get(user, 0) >= service.settings.max_concurrent:
            service.counters.throttled += 1
            return None
        active[user] = active.get(user, 0) + 1
        service.counters.active = sum(active.values())
        service.counters.max_active = max(service.counters.max_active, active[user])
        service.counters.downloads += 1
    return _Slot(service, user, active)


def _filename(entity: dict[str, object]) -> str:
    """A scene's zip, or an orbit file under its own name (as the real host names an EOF)."""
    name = str(entity["Name"])
    return name if "_eof" in entity else f"{name.removesuffix('.SAFE')}.zip"


def register(router: Router, auth: Auth, service: CdseService) -> None:
    active: dict[str, int] = {}

    def value(req: Request) -> Response:
        user = None if req.fault("auth") else user_of(auth, req)
        if user is None:
            return Response.json(
                {
                    "detail": "Expired signature!"
                    if req.header("authorization")
                    else "Could not validate credentials"
                },
                401,
            )
        entity = service.by_id(req.params["id"])
        if entity is None:
            return Response.json({"detail": "Not found"}, 404)
        data = service.payload(entity)
        if req.fault("badmd5"):
            data = corrupt(data)
        headers = [
            ("Content-Type", "application/zip"),
            ("Content-Disposition", f'attachment; filename="{_filename(entity)}"'),
        ]
        if service.settings.ranges:
            headers.append(("Accept-Ranges", "bytes"))
            try:
                wanted = byte_range(req.header("range"), len(data))
            except RangeNotSatisfiable:
                return Response(416, b"", [*headers, ("Content-Range", f"bytes */{len(data)}")])
            if wanted is not None:
                headers.append(("Content-Range", f"bytes {wanted[0]}-{wanted[1]}/{len(data)}"))
                data = data[wanted[0] : wanted[1] + 1]
        if req.method == "HEAD":  # the server sends the headers only
            return Response(206 if "Content-Range" in dict(headers) else 200, data, headers)
        slot = _acquire(service, user, active)
        if slot is None:
            return Response.json({"detail": "Too many concurrent downloads"}, 429).header("Retry-After", "1")
        status = 206 if "Content-Range" in dict(headers) else 200
        return Response(status, _body(data, slot, service.settings.chunk_delay), headers, length=len(data))

    router.add("GET", r"/odata/v1/Products\((?P<id>[0-9a-f-]{36})\)/\$value", value, host=DOWNLOAD)
