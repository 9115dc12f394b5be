"""A `responses` callback that serves bytes like a real file server (Range, 206, 416) with
scripted faults, and small builders for zip/TIFF payloads."""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile
from dataclasses import dataclass, field
from typing import Any

import requests

TOKEN = "tok-SECRET-0123456789abcdef"
DATA_URL = "https://datapool.asf.alaska.edu/SLC/SA/S1A_TEST.zip"

_RANGE = re.compile(r"bytes=(\d+)-$")


class _BreakingRaw(io.RawIOBase):
    """A body that delivers ``limit`` bytes and then fails like a reset connection."""

    def __init__(self, data: bytes, limit: int) -> None:
        self._data = data
        self._limit = limit
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._pos >= self._limit:
            raise ConnectionResetError(104, "Connection reset by peer (test fault)")
        n = min(len(buffer), self._limit - self._pos)
        buffer[:n] = self._data[self._pos : self._pos + n]
        self._pos += n
        return n


@dataclass
class FileServer:
    """Callback for ``responses.add_callback``. ``faults`` are consumed one per request:
    ``("drop", n)`` sends n body bytes then resets, ``("status", code, headers, body)`` answers
    that instead of the file, ``"ignore-range"`` answers 200 with the whole file."""

    data: bytes
    content_type: str = "application/zip"
    honour_range: bool = True
    faults: list[Any] = field(default_factory=list)
    requests: list[requests.PreparedRequest] = field(default_factory=list)
    body_bytes_sent: int = 0

    @property
    def ranges(self) -> list[str | None]:
        return [r.headers.get("Range") for r in self.requests]

    def __call__(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], Any]:
        self.requests.append(request)
        fault = self.faults.pop(0) if self.faults else None
        if isinstance(fault, tuple) and fault[0] == "status":
            status = fault[1]
            headers = dict(fault[2]) if len(fault) > 2 else {}
            body = fault[3] if len(fault) > 3 else b""
            headers.setdefault("Content-Length", str(len(body)))
            return status, headers, body

        total = len(self.data)
        status, start = 200, 0
        headers = {"Content-Type": self.content_type, "Accept-Ranges": "bytes"}
        wanted = request.headers.get("Range")
        if wanted and self.honour_range and fault != "ignore-range":
            match = _RANGE.match(wanted)
            assert match, f"unexpected Range header {wanted!r}"
            start = int(match.group(1))
            if start >= total:
                return 416, {"Content-Range": f"bytes */{total}", "Content-Length": "0"}, b""
            status = 206
            headers["Content-Range"] = f"bytes {start}-{total - 1}/{total}"
        body = self.data[start:]
        headers["Content-Length"] = str(len(body))
        if isinstance(fault, tuple) and fault[0] == "drop":
            self.body_bytes_sent += fault[1]
            return status, headers, io.BufferedReader(_BreakingRaw(body, fault[1]), buffer_size=1)
        self.body_bytes_sent += len(body)
        return status, headers, body


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def make_zip(size_hint: int = 20_000, *, seed: int = 7) -> bytes:
    """A valid zip whose member is incompressible (so the archive is about ``size_hint`` bytes)."""
    import random

    payload = random.Random(seed).randbytes(size_hint)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("S1A_TEST.SAFE/manifest.safe", b"<manifest/>")
        archive.writestr("S1A_TEST.SAFE/measurement/data.bin", payload)
    return buffer.getvalue()


def make_tiff(rows: int = 4, cols: int = 5) -> bytes:
    """A minimal valid little-endian uint8 TIFF (one strip), readable by GDAL."""
    pixels = bytes(range(rows * cols))
    entries = [
        (256, 3, 1, cols),  # ImageWidth
        (257, 3, 1, rows),  # ImageLength
        (258, 3, 1, 8),  # BitsPerSample
        (259, 3, 1, 1),  # Compression: none
        (262, 3, 1, 1),  # Photometric: min-is-black
        (273, 4, 1, 0),  # StripOffsets (patched below)
        (277, 3, 1, 1),  # SamplesPerPixel
        (278, 3, 1, rows),  # RowsPerStrip
        (279, 4, 1, len(pixels)),  # StripByteCounts
    ]
    ifd_offset = 8
    ifd_size = 2 + 12 * len(entries) + 4
    data_offset = ifd_offset + ifd_size
    out = bytearray(b"II*\x00" + struct.pack("<I", ifd_offset))
    out += struct.pack("<H", len(entries))
    for tag, typ, count, value in entries:
        if tag == 273:
            value = data_offset
        if typ == 3:
            out += struct.pack("<HHIHH", tag, typ, count, value, 0)
        else:
            out += struct.pack("<HHII", tag, typ, count, value)
    out += struct.pack("<I", 0)
    out += pixels
    return bytes(out)


LOGIN_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Earthdata Login</title></head>"
    b"<body><form action='/login'>Username</form></body></html>\n"
)


class Sleeps(list[float]):
    """Injected in place of time.sleep: records the waits instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
