"""A data folder and state records as apply leaves them for an isce stack, made from the sandbox
catalog: verified scene zips (real SAFE layout), one covering orbit file per scene, the stack's DEM
in its ISCE form. The records have the shapes kinds/scenes.py, kinds/orbits_fetch.py and
kinds/dem.py write."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from shapely.geometry import box

from insarproj.sandbox.catalog import Catalog, Scene
from insarproj.state.records import Record

STACK = "A064"
BBOX = (35.5, 35.9, -117.9, -117.3)  # S N W E: the demo AOI
DEM_BOUNDS = [-118.5, 35.0, -116.5, 36.5]  # W S E N


@dataclass(frozen=True)
class PinnedLike:
    """The fields of a PinnedScene the isce modules read."""

    name: str
    start_time: str
    stop_time: str
    platform: str
    footprint_wkt: str
    pge_version: str | None = None
    polarization: str = "VV+VH"


@dataclass
class Project:
    data: Path
    records: dict[str, Record] = field(default_factory=dict)
    dates: dict[str, list[PinnedLike]] = field(default_factory=dict)

    @property
    def scenes(self) -> list[PinnedLike]:
        return [s for scenes in self.dates.values() for s in scenes]


def record(kind: str, attributes: dict[str, Any], status: str = "present") -> Record:
    return {"kind": kind, "status": status, "attributes": attributes, "updated_at": "2026-01-01T00:00:00Z"}


def stack_scenes(catalog: Catalog, dates: int) -> list[Scene]:
    """Track 64's slices touching the bbox on its first `dates` dates."""
    aoi = box(BBOX[2], BBOX[0], BBOX[3], BBOX[1])
    scenes = [
        s for s in catalog.scenes if s.track.path == 64 and not s.reprocessed and s.footprint.intersects(aoi)
    ]
    days = sorted({s.start.date() for s in scenes})[:dates]
    return [s for s in scenes if s.start.date() in days]


def add_scene(project: Project, catalog: Catalog, scene: Scene) -> PinnedLike:
    zip_rel = f"scenes/{scene.name}.zip"
    (project.data / zip_rel).parent.mkdir(parents=True, exist_ok=True)
    payload = catalog.payloads.data(scene)
    (project.data / zip_rel).write_bytes(payload)
    project.records[f"scene.{scene.name}"] = record("scene", {"path": zip_rel, "size": len(payload)})
    begin, end = scene.start - timedelta(hours=26), scene.start + timedelta(hours=2)
    validity = f"V{begin:%Y%m%dT%H%M%S}_{end:%Y%m%dT%H%M%S}"
    eof = f"{scene.platform.code}_OPER_AUX_POEORB_OPOD_20990101T000000_{validity}.EOF"
    text = "<Earth_Explorer_File/>\n"
    (project.data / "orbits").mkdir(exist_ok=True)
    (project.data / "orbits" / eof).write_text(text)
    project.records[f"orbit.{scene.name}"] = record(
        "orbit",
        {
            "path": f"orbits/{eof}",
            "file": eof,
            "type": "precise",
            "validity_start": f"{begin:%Y-%m-%dT%H:%M:%S}Z",
            "validity_stop": f"{end:%Y-%m-%dT%H:%M:%S}Z",
            "size": len(text),
        },
    )
    pinned = PinnedLike(
        scene.name,
        f"{scene.start:%Y-%m-%dT%H:%M:%S}Z",
        f"{scene.stop:%Y-%m-%dT%H:%M:%S}Z",
        scene.platform.code,
        scene.footprint.wkt,
        scene.pge_version,
    )
    project.dates.setdefault(f"{scene.start:%Y%m%d}", []).append(pinned)
    return pinned


def make_project(root: Path, catalog: Catalog, dates: int = 4) -> Project:
    project = Project(root / "data")
    dem = project.data / "dem" / STACK
    dem.mkdir(parents=True)
    (dem / f"{STACK}.dem.wgs84").write_bytes(b"\0" * 64)
    (dem / f"{STACK}.dem.wgs84.xml").write_text("<imageFile/>\n")
    project.records[f"dem.{STACK}"] = record(
        "dem",
        {
            "path": f"dem/{STACK}",
            "files": ["dem.tif", f"{STACK}.dem.wgs84", f"{STACK}.dem.wgs84.xml", f"{STACK}.dem.wgs84.vrt"],
            "bounds": DEM_BOUNDS,
        },
    )
    for scene in stack_scenes(catalog, dates):
        add_scene(project, catalog, scene)
    return project
