"""What topsStack reads from each SAFE before it writes a run file (its `sentinelSLC` class).

Dates from the file name; the footprint quad from `preview/map-overlay.kml` inside the zip (or the
SAFE folder); per-swath starting ranges from the annotation; the orbit file from the orbit folder,
else a download through `fetchOrbit.py` (offline in the sandbox, so that fails as the real one does
without a network).
"""

from __future__ import annotations

import fnmatch
import glob
import math
import os
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from xml.etree import ElementTree

SPEED_OF_LIGHT = 299792458.0
ORBIT_MARGIN = timedelta(seconds=60)
NAME_TIME = "%Y%m%dT%H%M%S"


@dataclass
class SafeSLC:
    safe_file: str  # one path, or several separated by spaces (slices of one date)
    orbit: str = ""
    orbit_type: str = ""
    starting_ranges: list[float] = field(default_factory=list)
    snwe: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    frame_nogap: bool = True

    @property
    def _fields(self) -> list[str]:
        return os.path.basename(self.safe_file.split()[0]).split("_")

    @property
    def platform(self) -> str:
        return self._fields[0]

    @property
    def start(self) -> datetime:
        return datetime.strptime(self._fields[5], NAME_TIME)

    @property
    def stop(self) -> datetime:
        return datetime.strptime(self._fields[6], NAME_TIME)

    @property
    def date(self) -> str:
        return self.start.strftime("%Y%m%d")


def _kml_text(safe: str) -> str:
    if safe.endswith(".zip"):
        with zipfile.ZipFile(safe) as archive:
            inner = os.path.join(os.path.basename(safe).replace("zip", "SAFE"), "preview/map-overlay.kml")
            return archive.read(inner).decode("utf-8")
    with open(os.path.join(safe, "preview/map-overlay.kml"), encoding="utf-8") as handle:
        return handle.read()


def kml_quad(safe: str) -> list[tuple[float, float]]:
    """The footprint corners (lon, lat) as bottom-left, bottom-right, top-right, top-left."""
    text = _kml_text(safe)
    start, end = "<coordinates>", "</coordinates>"
    points = text[text.find(start) + len(start) : text.find(end)].split()
    pts = [(float(p.split(",")[0]), float(p.split(",")[1])) for p in points]
    by_lon = sorted(pts, key=lambda p: p[0])
    bottom_left, top_left = sorted(by_lon[:2], key=lambda p: p[1])
    right = by_lon[2:]
    # the right corner farther from the top-left one is the bottom-right
    bottom_right, top_right = sorted(right, key=lambda p: -math.dist(top_left, p))
    return [bottom_left, bottom_right, top_right, top_left]


def read_footprint(slc: SafeSLC) -> None:
    """SNWE over all slices of a date, and whether consecutive slices leave a latitude gap."""
    lats: list[float] = []
    lons: list[float] = []
    frame_min: list[float] = []
    frame_max: list[float] = []
    for safe in slc.safe_file.split():
        quad = kml_quad(safe)
        lons += [p[0] for p in quad]
        lats += [p[1] for p in quad]
        frame_min.append(quad[0][1])
        frame_max.append(quad[3][1])
    slc.snwe = (min(lats), max(lats), min(lons), max(lons))
    lows = sorted([*frame_min, max(frame_max)])
    highs = sorted([*frame_max, min(frame_min)])
    slc.frame_nogap = all(low - high <= 0 for low, high in zip(lows, highs, strict=True))


def read_starting_ranges(slc: SafeSLC) -> None:
    safe = sorted(slc.safe_file.split(), key=lambda x: x.split("_")[-5])[0]
    with zipfile.ZipFile(safe) as archive:
        names = sorted(n for n in archive.namelist() if ".SAFE/annotation/s1" in n)
        if len(names) == 6:  # dual polarization: both give the same ranges
            names = names[1:6:2]
        ranges = []
        for name in names[:3]:
            root = ElementTree.fromstring(archive.read(name))
            text = root.findtext("imageAnnotation/imageInformation/slantRangeTime")
            ranges.append(float(text or "nan") * SPEED_OF_LIGHT / 2.0)
    slc.starting_ranges = ranges


def _covering_orbit(slc: SafeSLC, candidates: list[str], margin: timedelta) -> str | None:
    for path in candidates:
        fields = os.path.basename(path).split("_")
        begin = datetime.strptime(fields[6].replace("V", ""), NAME_TIME) + margin
        end = datetime.strptime(fields[7].replace(".EOF", ""), NAME_TIME) - margin
        if slc.start >= begin and slc.stop < end:
            return path
    return None


def find_orbit(slc: SafeSLC, orbit_dir: str, work_dir: str) -> None:
    """The first covering `.EOF` of the orbit folder; else the work folder's orbits/<date>/, else
    `fetchOrbit.py` (offline here), and the real code's IndexError when it fetched nothing."""
    candidates = glob.glob(os.path.join(orbit_dir, slc.platform + "*.EOF")) or glob.glob(
        os.path.join(orbit_dir, f"*/{slc.platform}*.EOF")
    )
    found = _covering_orbit(slc, candidates, ORBIT_MARGIN)
    if found is not None:
        slc.orbit, slc.orbit_type = os.path.join(orbit_dir, os.path.basename(found)), "precise"
        return
    print("*****************************************")
    print(slc.date)
    print("orbit was not found in the " + orbit_dir)
    print("downloading precise or restituted orbits ...")
    restituted_dir = os.path.join(work_dir, "orbits/" + slc.date)
    existing = glob.glob(os.path.join(restituted_dir, "*.EOF"))
    if existing:
        if _covering_orbit(slc, existing[:1], timedelta(0)):
            print("restituted or precise orbit already exists.")
            slc.orbit, slc.orbit_type = existing[0], "restituted"
        return
    os.makedirs(restituted_dir, exist_ok=True)
    command = "fetchOrbit.py -i " + slc.safe_file + " -o " + restituted_dir
    print(command)
    os.system(command)
    slc.orbit = glob.glob(os.path.join(restituted_dir, "*.EOF"))[0]
    slc.orbit_type = "restituted"


def _ipf_version(archive: zipfile.ZipFile) -> str:
    manifest = next(n for n in archive.namelist() if n.endswith(".SAFE/manifest.safe"))
    text = archive.read(manifest).decode("utf-8", "replace")
    marker = 'name="Sentinel-1 IPF" version="'
    start = text.find(marker)
    return text[start + len(marker) : text.find('"', start + len(marker))] if start >= 0 else ""


def unpack_failure(dirname: str, swaths: str, pol: str) -> str | None:
    """The failure line ISCE's Sentinel1 reader ends with for these SAFE zips, or None: a file that is
    not a zip, a swath or polarization without its annotation or measurement, slices of one date
    from different IPF versions."""
    versions = set()
    for safe in dirname.split():
        if not safe.endswith(".zip"):
            continue
        try:
            with zipfile.ZipFile(safe) as archive:
                names = archive.namelist()
                versions.add(_ipf_version(archive))
        except (zipfile.BadZipFile, StopIteration, OSError):
            return "zipfile.BadZipFile: File is not a zip file"
        for swath in swaths.split():
            for folder, ending, what in (
                ("annotation", "xml", "annotation xml"),
                ("measurement", "tiff", "tiff"),
            ):
                pattern = os.path.join("*SAFE", folder, f"s1?-iw{swath}") + f"-slc-{pol}*.{ending}"
                if not fnmatch.filter(names, pattern):
                    return f"Exception: No {what} file found in zip file: {safe}"
    if len(versions) > 1:
        mixed = "+".join(sorted(versions))
        return f"Exception: Trying to combine SLC products from different IPF versions {mixed}"
    return None
