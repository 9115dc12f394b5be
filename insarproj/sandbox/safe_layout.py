"""The SAFE layout of a sandbox scene zip: what ISCE2's topsStack opens, as small files.

A real Sentinel-1 IW SLC zip holds `<scene>.SAFE/` with `manifest.safe`, one annotation XML and one
measurement TIFF per swath and polarization, and `preview/map-overlay.kml`. topsStack's
`stackSentinel.py` reads the KML's `<coordinates>` for every zip (the footprint it checks against
`--bbox`) and the annotation's `slantRangeTime`, `radarFrequency` and `pass` (ionosphere pairing);
ISCE's reader opens the manifest and the annotation. Here each is a small, valid document with this
scene's values (footprint from the catalog's corners, the same the CMR item advertises); the
measurements are tiny complex-int16 TIFFs, not SAR data. See docs/sandbox.md.
"""

from __future__ import annotations

import hashlib
import io
import random
import zipfile
from collections.abc import Callable
from datetime import datetime
from functools import cache
from importlib import resources
from string import Template

from insarproj.sandbox.catalog import Scene

POL_TAG = "s1sarl1:transmitterReceiverPolarisation"
SWATHS = ("iw1", "iw2", "iw3")
# Near-range two-way slant range time per swath (s), close to real IW values; topsStack turns it
# into the starting range that groups dates for ionosphere pairs. Constant per swath here.
SLANT_RANGE_TIME = {"iw1": 5.3326e-03, "iw2": 5.9726e-03, "iw3": 6.4854e-03}
RADAR_FREQUENCY = "5.405000454334350e+09"  # Hz, C band, as in every S1 annotation
CORNER_ORDER = ("NEAR_END", "FAR_END", "FAR_START", "NEAR_START")  # the manifest footprint's order

ZipEntry = Callable[[str, tuple[int, ...], int], zipfile.ZipInfo]


@cache
def _manifest_template() -> Template:
    text = resources.files("insarproj.data").joinpath("sandbox", "manifest.safe.template").read_text("utf-8")
    return Template(text)


def _zip_entry(name: str, when: tuple[int, ...], compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when[:6])  # type: ignore[arg-type]
    info.compress_type = compress
    info.create_system = 3
    info.external_attr = 0o644 << 16
    return info


def file_stem(scene: Scene, swath: str, pol: str) -> str:
    """`s1a-iw1-slc-vv-20210102t032031-20210102t032058-024970-02f8c3-004`: the real per-file name
    (in a dual-pol SAFE the VH files are numbered 001-003 and the VV files 004-006)."""
    acq = scene.acquisition
    number = SWATHS.index(swath) + 1 + (3 if pol == "vv" and scene.polarization == "VV+VH" else 0)
    stamp = f"{scene.start:%Y%m%dt%H%M%S}-{scene.stop:%Y%m%dt%H%M%S}"
    low = scene.platform.code.lower()
    return f"{low}-{swath}-slc-{pol}-{stamp}-{acq.orbit:06d}-{acq.datatake:06x}-{number:03d}"


def map_overlay_kml(scene: Scene) -> str:
    """preview/map-overlay.kml as ESA writes it: a gx:LatLonQuad of lon,lat corners."""
    quad = " ".join(f"{scene.corners[c][0]:.6f},{scene.corners[c][1]:.6f}" for c in CORNER_ORDER)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2">\n'
        "  <Document>\n    <Folder>\n      <name>Sentinel-1 Map Overlay</name>\n"
        "      <GroundOverlay>\n        <name>Sentinel-1 Image Overlay</name>\n"
        "        <Icon>\n          <href>quick-look.png</href>\n        </Icon>\n"
        f"        <gx:LatLonQuad>\n          <coordinates>{quad}</coordinates>\n"
        "        </gx:LatLonQuad>\n      </GroundOverlay>\n    </Folder>\n  </Document>\n</kml>\n"
    )


def annotation_xml(scene: Scene, swath: str, pol: str) -> str:
    """The parts of a product annotation that topsStack and ISCE's reader look up first."""
    acq = scene.acquisition
    iso = "%Y-%m-%dT%H:%M:%S.%f"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<product>\n  <adsHeader>\n'
        f"    <missionId>{scene.platform.code}</missionId>\n    <productType>SLC</productType>\n"
        f"    <polarisation>{pol.upper()}</polarisation>\n    <mode>IW</mode>\n"
        f"    <swath>{swath.upper()}</swath>\n    <startTime>{scene.start:{iso}}</startTime>\n"
        f"    <stopTime>{scene.stop:{iso}}</stopTime>\n"
        f"    <absoluteOrbitNumber>{acq.orbit}</absoluteOrbitNumber>\n"
        f"    <missionDataTakeId>{acq.datatake}</missionDataTakeId>\n  </adsHeader>\n"
        "  <generalAnnotation>\n    <productInformation>\n"
        f"      <pass>{scene.track.direction.capitalize()}</pass>\n"
        f"      <radarFrequency>{RADAR_FREQUENCY}</radarFrequency>\n"
        "    </productInformation>\n  </generalAnnotation>\n"
        "  <imageAnnotation>\n    <imageInformation>\n"
        f"      <productFirstLineUtcTime>{scene.start:{iso}}</productFirstLineUtcTime>\n"
        f"      <productLastLineUtcTime>{scene.stop:{iso}}</productLastLineUtcTime>\n"
        f"      <ascendingNodeTime>{acq.anx:{iso}}</ascendingNodeTime>\n"
        f"      <sliceNumber>{scene.slice_number}</sliceNumber>\n"
        f"      <slantRangeTime>{SLANT_RANGE_TIME[swath]:.15e}</slantRangeTime>\n"
        "    </imageInformation>\n  </imageAnnotation>\n</product>\n"
    )


def _data_object(object_id: str, rep_id: str, href: str, data: bytes) -> str:
    return (
        f'    <dataObject ID="{object_id}" repID="{rep_id}">\n'
        f'      <byteStream mimeType="{"application/octet-stream" if href.endswith("tiff") else "text/xml"}"'
        f' size="{len(data)}">\n'
        f'        <fileLocation locatorType="URL" href="./{href}"/>\n'
        f'        <checksum checksumName="MD5">{hashlib.md5(data).hexdigest()}</checksum>\n'
        "      </byteStream>\n    </dataObject>\n"
    )


def safe_files(scene: Scene, seed: int, tiff: Callable[[int, int, bytes], bytes]) -> dict[str, bytes]:
    """Every file of the SAFE folder except the manifest, by path inside `<scene>.SAFE/`."""
    rng = random.Random(repr((seed, "measurement", scene.name)))
    pols = ["vv", "vh"] if scene.polarization == "VV+VH" else ["vv"]
    files: dict[str, bytes] = {}
    for pol in pols:
        for swath in SWATHS:
            stem = file_stem(scene, swath, pol)
            files[f"annotation/{stem}.xml"] = annotation_xml(scene, swath, pol).encode()
            width, height = 8, 16 + rng.randrange(144)  # sizes differ between scenes
            files[f"measurement/{stem}.tiff"] = tiff(width, height, rng.randbytes(width * height * 4))
    files["preview/map-overlay.kml"] = map_overlay_kml(scene).encode()
    return files


def _data_objects(files: dict[str, bytes]) -> str:
    blocks = []
    for href, data in files.items():
        stem = href.rsplit("/", 1)[-1].rsplit(".", 1)[0].replace("-", "")
        if href.startswith("annotation/"):
            blocks.append(_data_object(f"product{stem}", "s1Level1ProductSchema", href, data))
        elif href.startswith("measurement/"):
            blocks.append(_data_object(stem, "s1Level1MeasurementSchema", href, data))
        else:
            blocks.append(_data_object("mapoverlay", "s1Level1MapOverlaySchema", href, data))
    return "".join(blocks)


def manifest(scene: Scene, files: dict[str, bytes]) -> str:
    acq = scene.acquisition
    corners = scene.corners
    pols = ["VV", "VH"] if scene.polarization == "VV+VH" else ["VV"]
    production = scene.processing_date or scene.start
    iso = "%Y-%m-%dT%H:%M:%S.%f"
    return _manifest_template().substitute(
        processing_start=f"{production:{iso}}",
        processing_stop=f"{production:{iso}}",
        platform_code=scene.platform.code,
        pge_version=scene.pge_version,
        nssdc=scene.platform.nssdc,
        platform_letter=scene.platform.letter,
        absolute_orbit=acq.orbit,
        relative_orbit=scene.track.path,
        flight_direction=scene.track.direction,
        ascending_node_time=f"{acq.anx:{iso}}",
        datatake=acq.datatake,
        polarisations="".join(f"{' ' * 12}<{POL_TAG}>{p}</{POL_TAG}>\n" for p in pols),
        segment_start=f"{acq.time(scene.segment_start):{iso}}",
        slice_number=scene.slice_number,
        total_slices=scene.total_slices,
        start_time=f"{scene.start:{iso}}",
        stop_time=f"{scene.stop:{iso}}",
        start_time_anx=f"{scene.tau_start * 1000:.6e}",
        stop_time_anx=f"{scene.tau_stop * 1000:.6e}",
        footprint=" ".join(f"{corners[c][1]:.6f},{corners[c][0]:.6f}" for c in CORNER_ORDER),
        data_objects=_data_objects(files),
    )


def scene_zip(scene: Scene, seed: int, tiff: Callable[[int, int, bytes], bytes]) -> bytes:
    """The zip bytes: `<scene>.SAFE/` with manifest, annotation, measurement and preview files."""
    files = safe_files(scene, seed, tiff)
    production: datetime = scene.processing_date or scene.start
    when = production.timetuple()
    safe = f"{scene.name}.SAFE"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            _zip_entry(f"{safe}/manifest.safe", when, zipfile.ZIP_DEFLATED), manifest(scene, files)
        )
        for href, data in files.items():
            method = zipfile.ZIP_STORED if href.endswith(".tiff") else zipfile.ZIP_DEFLATED
            archive.writestr(_zip_entry(f"{safe}/{href}", when, method), data)
    return buffer.getvalue()
