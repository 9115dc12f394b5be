"""How much disk a topsStack stack needs, and whether the data folder's file system has it.

An estimate from public facts about Sentinel-1 IW SLC bursts and the sample formats topsStack
writes, per date, per pair and once per stack, by workflow and looks (docs/isce.md "Disk"). It is
an upper bound for planning, not a measurement: a stack that does not fit is refused before
anything runs, so a run never dies of a full disk in step 9 of 11.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from insarproj.errors import ExitCode, InsufficientSpaceError

__all__ = [
    "BURST_LINES",
    "BURST_SAMPLES",
    "DiskEstimate",
    "IsceDiskShortfall",
    "estimate_stack",
    "free_bytes",
    "tree_bytes",
]

# One Sentinel-1 IW burst: about 1,500 azimuth lines of about 21,000-25,500 range samples (IW1 is
# the narrowest, IW2 the widest), covering about 20 km along track: 0.18 degrees of latitude.
BURST_LINES = 1_500
BURST_SAMPLES = 23_000
BURST_LATITUDE = 0.18
# Bytes per full-resolution pixel of what topsStack writes (ISCE's own formats): SLCs are
# complex64 (8), the geometry is lat, lon, hgt as float64 (24) plus los and incLocal as 2-band
# float32 (16) and a byte shadow mask (1); geo2rdr's range and azimuth offsets are float32 (8).
SLC = 8
GEOMETRY = 41
OFFSETS = 8
# Per multilooked pixel of a merged pair: fine.int (8, only when not merged virtually),
# filt_fine.int (8) and filt_fine.cor (4); unwrapping adds filt_fine.unw (2-band float32, 8) and
# the connected components (1).
MERGED_FILTERED = 12
MERGED_UNWRAPPED = 9
MARGIN = 0.10  # logs, XML sidecars, the NESD overlap files, multilooked geometry


class IsceDiskShortfall(InsufficientSpaceError):
    """The stack would not fit: work cannot converge until space is freed (exit 4)."""

    exit_code = ExitCode.FAILED


@dataclass(frozen=True)
class DiskEstimate:
    """Bytes a stack's work folder reaches, split by work folder (docs/isce.md "Disk")."""

    bursts_per_date: int
    dates: int
    pairs: int
    folders: Mapping[str, int]

    @property
    def total(self) -> int:
        return int(sum(self.folders.values()) * (1 + MARGIN))

    def kept(self, keep: Iterable[str]) -> int:
        """What stays after `apply --prune` with ``keep``."""
        wanted = set(keep)
        return int(sum(v for k, v in self.folders.items() if k in wanted) * (1 + MARGIN))


def bursts_per_swath(south: float, north: float) -> int:
    """Bursts of one swath a date needs to cover the latitudes ``south``..``north`` (one extra: the
    AOI rarely starts on a burst boundary)."""
    return max(1, math.ceil(max(0.0, north - south) / BURST_LATITUDE) + 1)


def estimate_stack(
    options: Mapping[str, Any], bbox_wsen: Iterable[float], dates: int, pairs: int
) -> DiskEstimate:
    """The estimate for a stack with these [processor.isce] ``options`` (as dumped to JSON)."""
    _, south, _, north = (float(v) for v in bbox_wsen)
    bursts = bursts_per_swath(south, north) * len(options.get("swaths") or (1, 2, 3))
    pixels = bursts * BURST_LINES * BURST_SAMPLES
    workflow = str(options.get("workflow", "interferogram"))
    virtual = options.get("virtual_merge")
    if virtual is None:
        virtual = workflow in ("interferogram", "correlation")
    looks = max(1, int(options.get("azimuth_looks", 3)) * int(options.get("range_looks", 9)))
    secondaries = max(0, dates - 1)
    folders = {
        "reference": pixels * SLC,
        "geom_reference": pixels * GEOMETRY,
        "secondarys": secondaries * pixels * SLC,
        "coreg_secondarys": secondaries * pixels * (SLC + OFFSETS),
        "merged": 0 if virtual else dates * pixels * SLC,
    }
    if workflow in ("interferogram", "correlation"):
        per_pair = MERGED_FILTERED + (MERGED_UNWRAPPED if workflow == "interferogram" else 0)
        folders["interferograms"] = pairs * pixels * SLC
        folders["merged"] += pairs * (pixels // looks) * (per_pair + (0 if virtual else SLC))
    return DiskEstimate(bursts_per_date=bursts, dates=dates, pairs=pairs, folders=folders)


def free_bytes(folder: Path) -> tuple[int, Path]:
    """Free bytes of the file system holding ``folder`` (or its nearest existing ancestor)."""
    probe = Path(folder)
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free, probe


def tree_bytes(path: Path) -> int:
    """Bytes of the files under ``path`` (links not followed: the stack's inputs are links)."""
    total = 0
    stack = [path]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
            except OSError:
                continue
    return total
