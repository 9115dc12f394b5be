"""The bytes the sandbox serves: small, valid, deterministic stand-ins for scenes and bursts.

A scene is a zip with the real SAFE layout (manifest, annotation and a tiny measurement TIFF per
swath and polarization, preview/map-overlay.kml: `safe_layout.py`), 10–60 KiB. A burst is a
one-strip complex-int16 TIFF, like the real burst extractor's output, only tiny. Files are built
on first use; their size and MD5 are kept, the bytes only in a small LRU cache.
"""

from __future__ import annotations

import hashlib
import random
import struct
import threading
from collections import OrderedDict
from dataclasses import dataclass

from insarproj.sandbox import safe_layout
from insarproj.sandbox.catalog import Burst, Granule, Scene

CACHED_FILES = 64


@dataclass(frozen=True)
class FileInfo:
    size: int
    md5: str
    etag: str  # S3-style multipart ETag ("<hex>-<parts>"): never the MD5, as on real S3


def corrupt(data: bytes) -> bytes:
    """Same length, different content: what a bad disk or proxy would hand over."""
    if not data:
        return data
    middle = len(data) // 2
    window = range(max(0, middle - 32), min(len(data), middle + 32))
    out = bytearray(data)
    for i in window:
        out[i] ^= 0xFF
    return bytes(out)


def _etag(md5: str, size: int) -> str:
    parts = 1 + size // 16384
    return f'"{hashlib.md5(f"sandbox-etag:{md5}".encode()).hexdigest()}-{parts}"'


class Payloads:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._info: dict[str, FileInfo] = {}
        self._bytes: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def info(self, g: Granule) -> FileInfo:
        with self._lock:
            known = self._info.get(g.name)
        return known if known is not None else self._build(g)[1]

    def data(self, g: Granule) -> bytes:
        with self._lock:
            cached = self._bytes.get(g.name)
            if cached is not None:
                self._bytes.move_to_end(g.name)
                return cached
        return self._build(g)[0]

    def _build(self, g: Granule) -> tuple[bytes, FileInfo]:
        data = scene_zip(g, self.seed) if isinstance(g, Scene) else burst_tiff(g, self.seed)
        md5 = hashlib.md5(data).hexdigest()
        info = FileInfo(len(data), md5, _etag(md5, len(data)))
        with self._lock:
            self._info[g.name] = info
            self._bytes[g.name] = data
            while len(self._bytes) > CACHED_FILES:
                self._bytes.popitem(last=False)
        return data, info


def scene_zip(scene: Granule, seed: int) -> bytes:
    assert isinstance(scene, Scene)
    c = scene.corners
    gcps = [(0.0, 0.0, *c["NEAR_START"]), (8.0, 0.0, *c["FAR_START"]), (0.0, 1.0, *c["NEAR_END"])]

    def tiff(width: int, height: int, pixels: bytes) -> bytes:
        return cint16_tiff(
            width, height, pixels, [(col, row * height, lon, lat) for col, row, lon, lat in gcps]
        )

    return safe_layout.scene_zip(scene, seed, tiff)


def cint16_tiff(
    width: int, height: int, pixels: bytes, gcps: list[tuple[float, float, float, float]]
) -> bytes:
    """A minimal little-endian GeoTIFF: one strip of complex int16 samples (GDAL's CInt16) with
    ground control points (pixel, line, lon, lat) in EPSG:4326, like the burst extractor's output."""
    assert len(pixels) == width * height * 4
    short, long_, double = 3, 4, 12
    tiepoints = [v for col, row, lon, lat in gcps for v in (col, row, 0.0, lon, lat, 0.0)]
    # GeoKeyDirectory: version 1.1.0, 3 keys: geographic model, pixel-is-area, EPSG:4326
    geokeys = [1, 1, 0, 3, 1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, 4326]
    entries: list[tuple[int, int, list[int] | list[float]]] = [
        (256, long_, [width]),  # ImageWidth
        (257, long_, [height]),  # ImageLength
        (258, short, [32]),  # BitsPerSample: 2 × int16
        (259, short, [1]),  # Compression: none
        (262, short, [1]),  # PhotometricInterpretation: BlackIsZero
        (273, long_, [0]),  # StripOffsets (set below)
        (277, short, [1]),  # SamplesPerPixel
        (278, long_, [height]),  # RowsPerStrip
        (279, long_, [len(pixels)]),  # StripByteCounts
        (284, short, [1]),  # PlanarConfiguration: chunky
        (339, short, [5]),  # SampleFormat: complex signed integer
        (33922, double, tiepoints),  # ModelTiepointTag: the GCPs
        (34735, short, geokeys),  # GeoKeyDirectoryTag
    ]
    fmt = {short: "H", long_: "I", double: "d"}
    ifd_end = 8 + 2 + 12 * len(entries) + 4
    extra = bytearray()  # values longer than 4 bytes live after the IFD
    packed_entries = []
    for tag, kind, values in entries:
        raw = struct.pack(f"<{len(values)}{fmt[kind]}", *values)
        if len(raw) <= 4:
            field = raw.ljust(4, b"\0")
        else:
            field = struct.pack("<I", ifd_end + len(extra))
            extra += raw + b"\0" * (len(raw) % 2)
        packed_entries.append((tag, kind, len(values), field))
    data_offset = ifd_end + len(extra)
    out = bytearray(b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", len(entries)))
    for tag, kind, count, field in packed_entries:
        if tag == 273:
            field = struct.pack("<I", data_offset)
        out += struct.pack("<HHI", tag, kind, count) + field
    out += struct.pack("<I", 0) + extra
    return bytes(out) + pixels


def burst_tiff(burst: Granule, seed: int) -> bytes:
    assert isinstance(burst, Burst)
    rng = random.Random(repr((seed, "burst", burst.name)))
    width, height = 96, 16
    # corners of the footprint: ring = near_end, near_start, mid_start, far_start, far_end, mid_end
    ring = burst.outline
    gcps = [
        (0.0, 0.0, *ring[1]),
        (float(width), 0.0, *ring[3]),
        (0.0, float(height), *ring[0]),
        (float(width), float(height), *ring[4]),
    ]
    return cint16_tiff(width, height, rng.randbytes(width * height * 4), gcps)


def burst_xml(burst: Burst) -> bytes:
    """The burst extractor's companion metadata document, reduced to what identifies the burst."""
    assert burst.parent is not None
    acq = burst.acquisition
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<burst>\n"
        f"  <granule>{burst.parent.name}</granule>\n"
        f"  <burstId>{burst.full_burst_id}</burstId>\n"
        f"  <absoluteBurstId>{burst.absolute_burst_id}</absoluteBurstId>\n"
        f"  <swath>{burst.swath}</swath>\n"
        f"  <polarization>{burst.polarization}</polarization>\n"
        f"  <burstIndex>{burst.index}</burstIndex>\n"
        f"  <azimuthTime>{acq.time(burst.azimuth_tau):%Y-%m-%dT%H:%M:%S.%f}</azimuthTime>\n"
        f"  <azimuthAnxTime>{burst.azimuth_tau:.9f}</azimuthAnxTime>\n"
        f"  <absoluteOrbit>{acq.orbit}</absoluteOrbit>\n"
        f"  <relativeOrbit>{burst.track.path}</relativeOrbit>\n"
        f"  <pass>{burst.track.direction}</pass>\n"
        "</burst>\n"
    ).encode()
