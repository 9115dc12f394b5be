"""The sandbox's scene catalog: Sentinel-1 IW SLCs and bursts over the demo AOI.

Everything is derived from the seed, so two sandboxes with the same seed serve the same granules
with the same bytes. Building the index only creates records (a few milliseconds); footprints,
state vectors and file bytes are computed when first asked for.

What the catalog holds (2020-10-01 … 2023-03-31, 12-day repeat):

* A064 ascending and D071 descending: S1A, VV+VH, three consecutive slices per pass, AOI fully
  covered. These are the real Ridgecrest tracks, and the orbit model agrees.
* A166 ascending: S1A, VV+VH, the AOI at the swath's near edge, and datatakes that end over the
  AOI, so the AOI coverage of a date varies and some dates fall below 50 %.
* D144 descending: S1B only (so nothing after 2021-12-23, S1B's real end), VV only, two slices,
  the AOI just beyond the far edge: a track that touches the AOI but never covers half of it.

Slice boundaries follow each datatake, which starts a few seconds earlier or later every date, so
the ASF frame numbers of a track drift by 1–2 between dates. A few acquisitions were
"reprocessed": a second granule with the same times, a later production date and another product
id. A few dates have no acquisition. Bursts: 3 swaths × 6 bursts around the AOI for each pass and
polarization; one date of A064 lacks a burst.

Names follow the real conventions (the recorded items in insarproj/data/sandbox/README.md): absolute
orbits are consistent with relative orbits and with the real ascending-node times of S1A orbit 58630
and S1B orbit 24970.
"""

from __future__ import annotations

import hashlib
import math
import random
from abc import ABC, abstractmethod
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

from insarproj.sandbox.orbit import ORBIT_PERIOD, OrbitModel

if TYPE_CHECKING:
    from shapely import STRtree
    from shapely.geometry.base import BaseGeometry

    from insarproj.sandbox.payloads import Payloads

DEMO_BBOX: tuple[float, float, float, float] = (-117.9, 35.5, -117.3, 35.9)  # W S E N, Ridgecrest
CATALOG_START = date(2020, 10, 1)
CATALOG_END = date(2023, 3, 31)

UTC = UTC
SLICE_STEP = 25.0  # s between consecutive slice starts of a datatake (real IW SLCs)
SLICE_LENGTH = 27.0  # s; slices overlap by about 2 s
# ESA burst-id definition (Sentinel-1 burst ID map): burst cycle and preamble
BURST_CYCLE = 2.758273
BURST_PREAMBLE = 2.299849
BURST_PHASE = {"IW1": 0.02, "IW2": 0.15, "IW3": 0.28}  # where each swath's burst sits in a cycle
BURST_VALID_DELAY = 1.145  # s from a burst's azimuth time to its first valid line (real burst item)
BURST_LENGTH = 3.122  # s of valid data per burst (real burst item)
# share of the full IW swath each sub-swath covers, near to far
SUBSWATH_SPAN = {"IW1": (0.0, 0.37), "IW2": (0.32, 0.68), "IW3": (0.63, 1.0)}
BURSTS_PER_PASS = 6  # along track, per sub-swath


@dataclass(frozen=True)
class Platform:
    code: str  # "S1A"
    relative_orbit_offset: int  # rel = ((abs - offset) % 175) + 1
    anchor_orbit: int  # a real absolute orbit ...
    anchor_anx: datetime  # ... and its real ascending-node time
    datatakes: tuple[tuple[int, int], ...]  # real (absolute orbit, mission datatake id) pairs
    first_day: date
    last_day: date | None
    nssdc: str

    @property
    def letter(self) -> str:
        return self.code[-1]

    @property
    def name(self) -> str:  # "Sentinel-1A", as in ASF_PLATFORM
        return f"Sentinel-1{self.letter}"

    def active(self, day: date) -> bool:
        return self.first_day <= day and (self.last_day is None or day <= self.last_day)

    def anx(self, orbit: int) -> datetime:
        return self.anchor_anx + timedelta(seconds=(orbit - self.anchor_orbit) * ORBIT_PERIOD)

    def relative_orbit(self, orbit: int) -> int:
        return (orbit - self.relative_orbit_offset) % 175 + 1

    def datatake(self, orbit: int) -> int:
        """Mission datatake id, interpolated between real ones (they rise ~8 per orbit)."""
        points = self.datatakes
        i = min(max(bisect_left([p[0] for p in points], orbit), 1), len(points) - 1)
        (o0, d0), (o1, d1) = points[i - 1], points[i]
        return round(d0 + (orbit - o0) * (d1 - d0) / (o1 - o0))


PLATFORMS: dict[str, Platform] = {
    "S1A": Platform(
        "S1A",
        73,
        58630,
        datetime(2025, 4, 6, 2, 6, 13, 325994, tzinfo=UTC),
        ((10060, 0x00ED05), (33541, 0x03E2FB), (58630, 0x07421F)),
        date(2014, 4, 3),
        None,
        "2014-016A",
    ),
    "S1B": Platform(
        "S1B",
        27,
        24970,
        datetime(2021, 1, 2, 3, 2, 58, 934857, tzinfo=UTC),
        ((24970, 0x02F8C3), (25320, 0x0303F3)),
        date(2016, 4, 25),
        date(2021, 12, 23),
        "2016-025A",
    ),
}


@dataclass(frozen=True)
class TrackDesign:
    path: int
    direction: str  # "ASCENDING" | "DESCENDING"
    swath_position: float  # where the AOI centre lies across the swath: 0 near edge, 1 far edge
    slices: int  # consecutive slices per pass
    polarization: str  # "VV+VH" or "VV"
    platforms: tuple[str, ...]
    ends_in_aoi: bool = False  # datatakes stop somewhere over the AOI

    @property
    def stack_id(self) -> str:
        return f"{self.direction[0]}{self.path:03d}"


TRACKS: tuple[TrackDesign, ...] = (
    TrackDesign(64, "ASCENDING", 0.45, 3, "VV+VH", ("S1A",)),
    TrackDesign(71, "DESCENDING", 0.55, 3, "VV+VH", ("S1A",)),
    TrackDesign(166, "ASCENDING", 0.065, 2, "VV+VH", ("S1A",), ends_in_aoi=True),
    TrackDesign(144, "DESCENDING", 1.07, 2, "VV", ("S1B",)),
)


class SwathGrid:
    """Ground points of one track's swath, sampled every second near the AOI and linear between:
    thousands of footprints then cost microseconds each instead of trigonometry each."""

    def __init__(self, model: OrbitModel, node: float, tau_lo: float, tau_hi: float) -> None:
        self.model, self.node = model, node
        self.tau_lo, self.count = math.floor(tau_lo), math.ceil(tau_hi - tau_lo) + 2
        self._columns: dict[float, list[tuple[float, float]]] = {}

    def ground_range(self, fraction: float) -> float:
        return self.model.near_range + fraction * (self.model.far_range - self.model.near_range)

    def point(self, tau: float, fraction: float) -> tuple[float, float]:
        """(lon, lat) of the swath point at `fraction` of the swath width, `tau` s after the node."""
        x = tau - self.tau_lo
        i = math.floor(x)
        if not 0 <= i < self.count - 1:
            lat, lon = self.model.ground_point(self.node, tau, self.ground_range(fraction))
            return lon, lat
        column = self._columns.get(fraction)
        if column is None:
            rng = self.ground_range(fraction)
            column = [self.model.ground_point(self.node, self.tau_lo + k, rng) for k in range(self.count)]
            self._columns[fraction] = column
        w = x - i
        (lat0, lon0), (lat1, lon1) = column[i], column[i + 1]
        return lon0 + w * (lon1 - lon0), lat0 + w * (lat1 - lat0)


@dataclass(frozen=True)
class Track:
    """A track design placed on the orbit model over the AOI."""

    design: TrackDesign
    node: float  # longitude of the ascending node, degrees
    tau_aoi: float  # s after the node when the swath crosses the AOI centre
    grid: SwathGrid

    @property
    def path(self) -> int:
        return self.design.path

    @property
    def direction(self) -> str:
        return self.design.direction


@dataclass(eq=False)
class Acquisition:
    """One pass of one platform over one track."""

    track: Track
    platform: Platform
    orbit: int  # absolute
    anx: datetime
    tube: tuple[float, float]  # (cross-track, radial) m: where the orbit lies in its tube this pass
    datatake: int

    def time(self, tau: float) -> datetime:
        return self.anx + timedelta(seconds=tau)

    def state_vectors(self, tau_center: float) -> dict[str, str]:
        """SV_POSITION/VELOCITY_PRE/POST around `tau_center`, on the 10-second UTC grid."""
        model, node = self.track.grid.model, self.track.node
        center = self.time(tau_center)
        pre = datetime.fromtimestamp(math.floor(center.timestamp() / 10) * 10, tz=UTC)
        out = {}
        for label, when in (("PRE", pre), ("POST", pre + timedelta(seconds=10))):
            tau = (when - self.anx).total_seconds()
            stamp = when.strftime("%Y-%m-%dT%H:%M:%S.%f")
            pos = model.position(node, tau, self.tube)
            vel = model.velocity(node, tau)
            out[f"SV_POSITION_{label}"] = ",".join(f"{v:.6f}" for v in pos) + f",{stamp}"
            out[f"SV_VELOCITY_{label}"] = ",".join(f"{v:.6f}" for v in vel) + f",{stamp}"
        return out


def _hex4(*parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=2).hexdigest().upper()


def _concept_number(name: str) -> int:
    return (
        1_000_000_000 + int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest()) % 2_000_000_000
    )


@dataclass(eq=False)
class Granule(ABC):
    """What the CMR search and the download routes need from any catalog entry."""

    kind: ClassVar[str]
    name: str
    acquisition: Acquisition
    tau_start: float  # s after the node (first valid line)
    tau_stop: float

    @property
    @abstractmethod
    def granule_ur(self) -> str: ...

    @property
    @abstractmethod
    def short_name(self) -> str: ...

    @property
    def track(self) -> Track:
        return self.acquisition.track

    @property
    def platform(self) -> Platform:
        return self.acquisition.platform

    @cached_property
    def start(self) -> datetime:
        return self.acquisition.time(self.tau_start)

    @cached_property
    def stop(self) -> datetime:
        return self.acquisition.time(self.tau_stop)

    @property
    def concept_id(self) -> str:
        return f"G{_concept_number(self.granule_ur)}-ASF"

    @property
    @abstractmethod
    def scene(self) -> Scene:
        """The SLC this granule is (or was cut from)."""

    @property
    @abstractmethod
    def outline(self) -> list[tuple[float, float]]:
        """Closed (lon, lat) ring, counter-clockwise, in the order real ASF footprints use."""

    @cached_property
    def footprint(self) -> BaseGeometry:
        from shapely.geometry import Polygon

        return Polygon(self.outline)

    @cached_property
    def center(self) -> tuple[float, float]:
        """(lon, lat) mean of the footprint's corners, like CENTER_LON/CENTER_LAT."""
        ring = self.outline[:-1]
        return sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)

    def attribute(self, name: str) -> str | None:
        """A searchable AdditionalAttribute value without rendering the whole item."""
        return self.search_attributes.get(name)

    @property
    @abstractmethod
    def search_attributes(self) -> dict[str, str]:
        """The AdditionalAttributes a search may filter on that need no file bytes."""


@dataclass(eq=False)
class Scene(Granule):
    kind: ClassVar[str] = "SLC"
    slice_number: int = 0
    total_slices: int = 0
    segment_start: float = 0.0  # tau of the datatake's first line
    uid: str = ""
    pge_version: str = ""
    production: datetime | None = None  # ProductionDateTime (= start for original granules)
    processing_date: datetime | None = None  # PROCESSING_DATE attribute
    reprocessed: bool = False

    @property
    def granule_ur(self) -> str:
        return f"{self.name}-SLC"

    @property
    def scene(self) -> Scene:
        return self

    @property
    def short_name(self) -> str:
        return f"SENTINEL-1{self.platform.letter}_SLC"

    @property
    def file_name(self) -> str:
        return f"{self.name}.zip"

    @property
    def polarization(self) -> str:
        return self.track.design.polarization

    @property
    def tau_center(self) -> float:
        return (self.tau_start + self.tau_stop) / 2

    @property
    def frame(self) -> int:
        # ASF frames count ~1200 per orbit from the node; the -6 makes the real Fairbanks granule
        # (centre 1065.6 s after its node) land on its real FRAME_NUMBER 210.
        return round(self.tau_center * 1200 / ORBIT_PERIOD) - 6

    @property
    def esa_frame(self) -> int:
        return round(self.tau_center * 7200 / ORBIT_PERIOD)

    @property
    def group_id(self) -> str:
        acq = self.acquisition
        code = "DV" if self.polarization == "VV+VH" else "SV"
        first = round(self.segment_start * 1200 / ORBIT_PERIOD) - 6
        return (
            f"{acq.platform.code}_IW{code}_{first:04d}_{first + 7:04d}_{acq.orbit:06d}_{self.track.path:03d}"
        )

    @cached_property
    def corners(self) -> dict[str, tuple[float, float]]:
        grid = self.track.grid
        return {
            "NEAR_START": grid.point(self.tau_start, 0.0),
            "FAR_START": grid.point(self.tau_start, 1.0),
            "NEAR_END": grid.point(self.tau_stop, 0.0),
            "FAR_END": grid.point(self.tau_stop, 1.0),
        }

    @property
    def outline(self) -> list[tuple[float, float]]:
        c = self.corners
        return [c["NEAR_END"], c["NEAR_START"], c["FAR_START"], c["FAR_END"], c["NEAR_END"]]

    @cached_property
    def search_attributes(self) -> dict[str, str]:
        return {
            "ASCENDING_DESCENDING": self.track.direction,
            "ASF_PLATFORM": self.platform.name,
            "BEAM_MODE": "IW",
            "BEAM_MODE_TYPE": "IW",
            "CENTER_ESA_FRAME": str(self.esa_frame),
            "CENTER_FRAME_ID": str(self.frame + 3),
            "FRAME_NUMBER": str(self.frame),
            "GRANULE_TYPE": f"SENTINEL_1{self.platform.letter}_FRAME",
            "GROUP_ID": self.group_id,
            "LOOK_DIRECTION": "R",
            "PATH_NUMBER": str(self.track.path),
            "POLARIZATION": self.polarization,
            "PROCESSING_LEVEL": "L1",
            "PROCESSING_TYPE": "SLC",
        }


@dataclass(eq=False)
class Burst(Granule):
    kind: ClassVar[str] = "BURST"
    parent: Scene | None = None
    swath: str = "IW1"
    polarization: str = "VV"
    burst_id: int = 0  # relative (ESA burst-id map)
    absolute_burst_id: int = 0
    index: int = 0  # position of the burst in its parent SLC's sub-swath
    azimuth_tau: float = 0.0  # AZIMUTH_ANX_TIME

    @property
    def granule_ur(self) -> str:
        return self.name

    @property
    def scene(self) -> Scene:
        assert self.parent is not None, f"burst {self.name} has no parent SLC"
        return self.parent

    @property
    def short_name(self) -> str:
        return "SENTINEL-1_BURSTS"

    @property
    def full_burst_id(self) -> str:
        return f"{self.track.path:03d}_{self.burst_id:06d}_{self.swath}"

    @property
    def url_path(self) -> str:
        assert self.parent is not None
        return f"/BURST/{self.parent.name}/{self.swath}/{self.polarization}/{self.index}"

    @property
    def file_name(self) -> str:
        return f"{self.name}.tiff"

    @property
    def outline(self) -> list[tuple[float, float]]:
        grid = self.track.grid
        near, far = SUBSWATH_SPAN[self.swath]
        mid = (near + far) / 2
        t0, t1 = self.tau_start, self.tau_stop
        return [
            grid.point(t1, near),
            grid.point(t0, near),
            grid.point(t0, mid),
            grid.point(t0, far),
            grid.point(t1, far),
            grid.point(t1, mid),
            grid.point(t1, near),
        ]

    @cached_property
    def search_attributes(self) -> dict[str, str]:
        assert self.parent is not None
        return {
            "ASCENDING_DESCENDING": self.track.direction,
            "BEAM_MODE": "IW",
            "BURST_ID_ABSOLUTE": str(self.absolute_burst_id),
            "BURST_ID_FULL": self.full_burst_id,
            "BURST_ID_RELATIVE": str(self.burst_id),
            "BURST_INDEX": str(self.index),
            "GROUP_ID": self.parent.group_id,
            "PATH_NUMBER": str(self.track.path),
            "POLARIZATION": self.polarization,
            "PROCESSING_LEVEL": "L1",
            "PROCESSING_TYPE": "BURST",
            "SUBSWATH_NAME": self.swath,
        }


def relative_burst_id(path: int, tau: float) -> int:
    """ESA's relative burst id of a burst sensed `tau` s after the ascending node on `path`."""
    return 1 + math.floor((tau + (path - 1) * ORBIT_PERIOD - BURST_PREAMBLE) / BURST_CYCLE)


def _pge_version(day: date) -> str:
    """The Sentinel-1 IPF version that was current on `day` (approximately)."""
    for until, version in (
        (date(2021, 3, 31), "003.31"),
        (date(2022, 3, 23), "003.40"),
        (date(2022, 11, 9), "003.52"),
    ):
        if day <= until:
            return version
    return "003.61"


def reference_orbit_model() -> OrbitModel:
    """The orbit model calibrated on the real Fairbanks granule shipped as package data."""
    from insarproj.sandbox.umm import reference_item

    umm = reference_item("SLC")["umm"]
    attrs = {a["Name"]: a["Values"][0] for a in umm["AdditionalAttributes"]}

    def when(text: str) -> datetime:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=UTC)

    *xyz, stamp = attrs["SV_POSITION_PRE"].split(",")
    return OrbitModel.from_reference(
        anx=when(attrs["ASC_NODE_TIME"]),
        sv_time=when(stamp),
        sv_position=(float(xyz[0]), float(xyz[1]), float(xyz[2])),
        near_start=(float(attrs["NEAR_START_LAT"]), float(attrs["NEAR_START_LON"])),
        far_start=(float(attrs["FAR_START_LAT"]), float(attrs["FAR_START_LON"])),
        start=when(umm["TemporalExtent"]["RangeDateTime"]["BeginningDateTime"]),
    )


class Catalog:
    """All granules of the sandbox, with lookups by name and by footprint."""

    def __init__(
        self,
        seed: int = 0,
        *,
        start: date = CATALOG_START,
        end: date = CATALOG_END,
        tracks: tuple[TrackDesign, ...] = TRACKS,
        aoi: tuple[float, float, float, float] = DEMO_BBOX,
    ) -> None:
        from insarproj.sandbox.payloads import Payloads

        self.seed = seed
        self.start, self.end, self.aoi = start, end, aoi
        model = reference_orbit_model()
        self.tracks = [self._place(model, design) for design in tracks]
        self.scenes: list[Scene] = []
        self.bursts: list[Burst] = []
        for track in self.tracks:
            for number, acquisition in enumerate(self._acquisitions(track)):
                # one date of the first track lacks a burst, as real archives sometimes do
                self._add_pass(acquisition, drop_burst=track is self.tracks[0] and number == 4)
        self._by_name: dict[str, Granule] = {}
        for g in self.granules():
            self._by_name[g.name] = g
            self._by_name[g.granule_ur] = g
        self._bursts_by_url = {b.url_path: b for b in self.bursts}
        self._tree: tuple[STRtree, list[Granule]] | None = None
        self.payloads: Payloads = Payloads(seed)

    # -- lookups ---------------------------------------------------------------------------
    def granules(self) -> Iterator[Granule]:
        yield from self.scenes
        yield from self.bursts

    def get(self, name: str) -> Granule | None:
        """A scene by name or GranuleUR (`…-SLC`), or a burst by name."""
        return self._by_name.get(name)

    def scene(self, name: str) -> Scene | None:
        g = self._by_name.get(name)
        return g if isinstance(g, Scene) else None

    def burst_at(self, slc: str, swath: str, polarization: str, index: int) -> Burst | None:
        return self._bursts_by_url.get(f"/BURST/{slc}/{swath}/{polarization}/{index}")

    def intersecting(self, geometry: BaseGeometry) -> list[Granule]:
        """Granules whose footprint intersects `geometry` (an STR-tree, built on first use)."""
        from shapely import STRtree

        if self._tree is None:  # two threads may both build it: harmless, the result is the same
            everything = list(self.granules())
            self._tree = (STRtree([g.footprint for g in everything]), everything)
        tree, everything = self._tree
        hits = tree.query(geometry, predicate="intersects")
        return [everything[i] for i in sorted(hits)]

    # -- generation ------------------------------------------------------------------------
    def _rng(self, *parts: object) -> random.Random:
        return random.Random(repr((self.seed, *parts)))

    def _place(self, model: OrbitModel, design: TrackDesign) -> Track:
        west, south, east, north = self.aoi
        ground_range = model.near_range + design.swath_position * (model.far_range - model.near_range)
        node, tau = model.node_for(
            (south + north) / 2,
            (west + east) / 2,
            ascending=design.direction == "ASCENDING",
            ground_range=ground_range,
        )
        # the grid spans every slice and burst a pass can have (3 slices, ±8 s datatake drift)
        return Track(design, node, tau, SwathGrid(model, node, tau - 60, tau + 60))

    def _acquisitions(self, track: Track) -> Iterator[Acquisition]:
        for code in track.design.platforms:
            platform = PLATFORMS[code]
            # the platform's absolute orbits of this relative orbit are 175 apart (12 days)
            orbit = platform.anchor_orbit + (track.path - platform.relative_orbit(platform.anchor_orbit))
            first = datetime.combine(self.start, datetime.min.time(), UTC)
            orbit -= 175 * math.ceil((platform.anx(orbit) - first).total_seconds() / (12 * 86400))
            while True:
                anx = platform.anx(orbit)
                day = (anx + timedelta(seconds=track.tau_aoi)).date()
                if day > self.end:
                    break
                if day >= self.start and platform.active(day):
                    rng = self._rng("pass", code, orbit)
                    if rng.random() >= 0.03:  # now and then a planned acquisition is missing
                        radius, angle = 100 * math.sqrt(rng.random()), 2 * math.pi * rng.random()
                        tube = (radius * math.cos(angle), 0.4 * radius * math.sin(angle))
                        yield Acquisition(track, platform, orbit, anx, tube, platform.datatake(orbit))
                orbit += 175

    def _add_pass(self, acq: Acquisition, *, drop_burst: bool) -> None:
        track, design = acq.track, acq.track.design
        rng = self._rng("slices", acq.platform.code, acq.orbit)
        drift = rng.uniform(-8.0, 8.0)  # the datatake starts a little earlier or later each date
        first_slice = rng.randint(4, 14)
        ks = range(-(design.slices // 2), design.slices - design.slices // 2)
        base = track.tau_aoi - SLICE_LENGTH / 2 + drift
        segment_start = base + ks[0] * SLICE_STEP - rng.uniform(30, 200)
        pol_code = "DV" if design.polarization == "VV+VH" else "SV"
        originals: list[Scene] = []
        for n, k in enumerate(ks):
            t0 = base + k * SLICE_STEP
            t1 = t0 + SLICE_LENGTH
            if design.ends_in_aoi and k == ks[-1]:
                t1 = track.tau_aoi + rng.uniform(-1.0, 7.0)  # a short last slice
            versions = [False] + ([True] if rng.random() < 0.04 else [])
            for reprocessed in versions:
                start, stop = acq.time(t0), acq.time(t1)
                uid = _hex4(self.seed, acq.platform.code, acq.orbit, k, reprocessed)
                name = (
                    f"{acq.platform.code}_IW_SLC__1S{pol_code}_{start:%Y%m%dT%H%M%S}_{stop:%Y%m%dT%H%M%S}"
                    f"_{acq.orbit:06d}_{acq.datatake:06X}_{uid}"
                )
                if reprocessed:
                    production = datetime(2023, 5, 1, tzinfo=UTC) + timedelta(
                        days=rng.randint(0, 300), seconds=rng.randint(0, 86399)
                    )
                    pge = "003.80"
                    processing = production
                else:
                    production = start
                    pge = _pge_version(start.date())
                    processing = start + timedelta(hours=rng.uniform(2, 10))
                scene = Scene(
                    name,
                    acq,
                    t0,
                    t1,
                    slice_number=first_slice + n,
                    total_slices=first_slice + len(ks) + rng.randint(0, 6),
                    segment_start=segment_start,
                    uid=uid,
                    pge_version=pge,
                    production=production,
                    processing_date=processing,
                    reprocessed=reprocessed,
                )
                self.scenes.append(scene)
                if not reprocessed:
                    originals.append(scene)
        self._add_bursts(acq, originals, rng, drop_burst=drop_burst)

    def _add_bursts(
        self, acq: Acquisition, parents: list[Scene], rng: random.Random, *, drop_burst: bool
    ) -> None:
        track = acq.track
        cycles_before = (track.path - 1) * ORBIT_PERIOD
        center_id = relative_burst_id(track.path, track.tau_aoi)
        jitter = rng.uniform(0.0, 0.05)
        pols = track.design.polarization.split("+")
        missing = (center_id + 1, "IW2") if drop_burst else None
        datatake_end = max(s.tau_stop for s in parents)
        for burst_id in range(center_id - 2, center_id - 2 + BURSTS_PER_PASS):
            for swath, phase in BURST_PHASE.items():
                if (burst_id, swath) == missing:
                    continue
                tau = (burst_id - 1 + phase + jitter) * BURST_CYCLE + BURST_PREAMBLE - cycles_before
                t0 = tau + BURST_VALID_DELAY
                t1 = t0 + BURST_LENGTH
                # a burst belongs to the slice it starts in; none once the datatake has ended
                started = [s for s in parents if s.tau_start <= tau]
                if not started or t1 > datatake_end:
                    continue
                parent = started[-1]
                index = math.floor((tau - parent.tau_start) / BURST_CYCLE)
                absolute = 1 + math.floor(
                    (tau + (acq.orbit - 1) * ORBIT_PERIOD - BURST_PREAMBLE) / BURST_CYCLE
                )
                azimuth = acq.time(tau)
                for pol in pols:
                    name = f"S1_{burst_id:06d}_{swath}_{azimuth:%Y%m%dT%H%M%S}_{pol}_{parent.uid}-BURST"
                    self.bursts.append(
                        Burst(
                            name,
                            acq,
                            t0,
                            t1,
                            parent=parent,
                            swath=swath,
                            polarization=pol,
                            burst_id=burst_id,
                            absolute_burst_id=absolute,
                            index=index,
                            azimuth_tau=tau,
                        )
                    )


def aoi_coverage(granules: list[Granule], aoi: tuple[float, float, float, float] = DEMO_BBOX) -> float:
    """Share of the AOI (in degrees², like a planar client would compute it) the footprints cover."""
    from shapely.geometry import box
    from shapely.ops import unary_union

    area = box(*aoi)
    return float(unary_union([g.footprint for g in granules]).intersection(area).area / area.area)
