"""A stack's topsStack inputs, built from the state records of resources that already exist
(docs/isce-network.md, "Inputs"): never from globs, never copies.

* `SLC/`: one symbolic link per scene of the stack to its verified zip (`scene.<granule>`);
* `orbits/`: exactly the selected `.EOF` of each scene (`orbit.<granule>`), linked: topsStack takes
  the first `.EOF` of its orbit folder that covers a scene, and downloads one itself when none does,
  so the shared `data/orbits/` (with superseded files) is never handed over;
* the DEM's `.wgs84` with its ISCE `.xml` beside it (`dem.<stack>`): topsStack's first step loads
  `<dem>.xml`;
* `aux/`: AUX_CAL files are needed only for scenes of IPF 002.36, which a warning names.

Building again updates links whose target changed and removes links of scenes that left the stack;
a file that is not a link is never touched (the build refuses instead).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from insarproj.errors import InsarprojError
from insarproj.fsutil import resolve_inside
from insarproj.state.records import Record

AUX_CAL_IPF = "002.36"  # the one IPF version whose SLCs topsStack calibrates with AUX_CAL


class InputError(InsarprojError):
    """A stack's inputs cannot be built from what the state records."""


class SceneLike(Protocol):
    """What the inputs and checks read of a pinned scene (insarproj.scenes.model.PinnedScene)."""

    @property
    def name(self) -> str: ...
    @property
    def start_time(self) -> str: ...
    @property
    def stop_time(self) -> str: ...
    @property
    def footprint_wkt(self) -> str: ...
    @property
    def pge_version(self) -> str | None: ...
    @property
    def polarization(self) -> str: ...


@dataclass(frozen=True)
class InputFolders:
    """Where stackSentinel.py's -s, -o, -a and -d point for one stack."""

    slc_dir: Path
    orbit_dir: Path
    aux_dir: Path
    dem: Path  # the `.wgs84` file; `<dem>.xml` is beside it
    warnings: tuple[str, ...] = ()


def build_inputs(
    folder: Path,
    data_dir: Path,
    stack: str,
    scenes: Sequence[SceneLike],
    records: Mapping[str, Record],
) -> InputFolders:
    """Link the stack's scenes and orbits under `folder`, find its DEM; raise InputError naming
    the first scene, orbit or DEM that is not verified on disk."""
    slc = {}
    orbits = {}
    for scene in scenes:
        zip_path = verified_file(records, f"scene.{scene.name}", data_dir)
        slc[zip_path.name] = zip_path
        eof = verified_file(records, f"orbit.{scene.name}", data_dir)
        orbits[eof.name] = eof
    inputs = InputFolders(
        slc_dir=folder / "SLC",
        orbit_dir=folder / "orbits",
        aux_dir=folder / "aux",
        dem=isce_dem(records, stack, data_dir),
        warnings=tuple(aux_cal_warnings(scenes, folder / "aux")),
    )
    sync_links(inputs.slc_dir, slc)
    sync_links(inputs.orbit_dir, orbits)
    inputs.aux_dir.mkdir(parents=True, exist_ok=True)
    return inputs


def verified_file(records: Mapping[str, Record], address: str, data_dir: Path) -> Path:
    """The file a `present` record names, checked on disk (and its recorded size); else InputError."""
    record = records.get(address)
    if record is None or record["status"] != "present":
        status = "no record" if record is None else f"status {record['status']}"
        raise InputError(f"{address} is not verified ({status}); run `insarproj apply` to fetch it first")
    relpath = record["attributes"].get("path")
    if not relpath:
        raise InputError(f"{address}: its record names no file; run `insarproj apply` to fetch it again")
    path = resolve_inside(data_dir, relpath, what=f"the file of {address}")
    size = record["attributes"].get("size")
    if not path.is_file() or (size is not None and path.stat().st_size != size):
        raise InputError(
            f"{address}: {path} is missing or not the verified size; run `insarproj apply` to fetch it again"
        )
    return path


def isce_dem(records: Mapping[str, Record], stack: str, data_dir: Path) -> Path:
    """The `.wgs84` DEM of `dem.<stack>` with its `.xml`; InputError when the ISCE form is missing."""
    address = f"dem.{stack}"
    record = records.get(address)
    if record is None or record["status"] != "present":
        raise InputError(f"{address} is not made yet; run `insarproj apply --target {address}` first")
    attrs = record["attributes"]
    folder = resolve_inside(data_dir, attrs.get("path", ""), what=f"the folder of {address}")
    names = [str(n) for n in attrs.get("files", []) if str(n).endswith(".wgs84")]
    if not names:
        raise InputError(
            f"{address} has no ISCE form (.wgs84 with .xml): it was made for another processor; "
            "run `insarproj apply --target dem` with processor isce to remake it"
        )
    dem = folder / names[0]
    for path in (dem, Path(f"{dem}.xml")):
        if not path.is_file() or path.stat().st_size == 0:
            raise InputError(
                f"{address}: {path} is missing or empty; run `insarproj apply --target {address}`"
            )
    return dem


def aux_cal_warnings(scenes: Iterable[SceneLike], aux_dir: Path) -> list[str]:
    """A warning naming the scenes of IPF 002.36 (as the pin records it), which need AUX_CAL."""
    names = sorted(s.name for s in scenes if (s.pge_version or "").strip() == AUX_CAL_IPF)
    if not names:
        return []
    return [
        f"{len(names)} scene(s) were processed with IPF {AUX_CAL_IPF} ({', '.join(names)}): topsStack "
        f"needs the matching S1*_AUX_CAL_*.SAFE in {aux_dir} (from ESA's SAR-MPC site) to calibrate them"
    ]


def sync_links(folder: Path, wanted: Mapping[str, Path]) -> None:
    """Make `folder` hold exactly one symbolic link per name of `wanted`, to its target."""
    folder.mkdir(parents=True, exist_ok=True)
    for entry in sorted(folder.iterdir()):
        if not entry.is_symlink():
            raise InputError(
                f"{entry} is not a link insarproj made; move it out of {folder} "
                "(insarproj keeps only links there)"
            )
        if entry.name not in wanted or os.readlink(entry) != str(wanted[entry.name]):
            entry.unlink()
    for name, target in sorted(wanted.items()):
        link = folder / name
        if not link.is_symlink():
            link.symlink_to(target)
