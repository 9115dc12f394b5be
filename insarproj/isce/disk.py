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
    "ionosphere_pairs",
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
# The ionosphere (topsStack's ionosphereStack with --param_ion; docs/isce.md "Disk"):
# subband_and_resamp writes a lower and an upper range sub-band SLC (complex64, full resolution)
# beside each date's coregistered bursts (the reference's in reference/); generateIgram_ion a lower
# and an upper burst interferogram (complex64) per ionosphere pair in ion/<pair>/.
ION_SUBBAND_SLCS = 16
ION_BURST_IGRAMS = 16
# Per ionosphere pair, at the first-stage looks of ion_param.txt (10 azimuth × 40 range): per
# sub-band the merged fine.int (8), fine.unw (2-band float32, 8) and conncomp (1), and fine.cor (4).
ION_FIRST_LOOKS = 10 * 40
ION_MERGED = 2 * (8 + 8 + 1) + 4
# invertIon: one float32 per date at the stack's looks in ion_dates/; with consider_burst_properties
# also ion_azshift_dates/, ion_burst_ramp_dates/ and ion_burst_ramp_merged_dates/.
ION_DATE = 4
ION_BURST_FOLDERS = ("ion_azshift_dates", "ion_burst_ramp_dates", "ion_burst_ramp_merged_dates")
# Dense offsets (the offset workflow; denseOffsets.py's defaults --kw 64 --kh 64): one grid point
# per 64 × 64 samples, each an azimuth and a range offset (2 float32), an SNR (float32) and a
# 3-band float32 covariance: 24 bytes, in merged/dense_offsets/<pair>/.
DENSE_SKIP = 64 * 64
DENSE_POINT = 24


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
        """What stays after `apply --prune` with ``keep`` (a folder `keep` cannot name is never
        pruned; `merged/dense_offsets` goes with `merged`)."""
        from insarproj.config.isce import KEEPABLE_FOLDERS

        wanted = set(keep)
        stays = (k.split("/")[0] for k in self.folders)
        return int(
            sum(
                v
                for top, v in zip(stays, self.folders.values(), strict=True)
                if top in wanted or top not in KEEPABLE_FOLDERS
            )
            * (1 + MARGIN)
        )


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
    if workflow == "offset":
        folders["merged/dense_offsets"] = pairs * math.ceil(pixels / DENSE_SKIP) * DENSE_POINT
    ionosphere = options.get("ionosphere")
    if isinstance(ionosphere, Mapping):
        _add_ionosphere(folders, ionosphere, pixels, pixels // looks, dates)
    return DiskEstimate(bursts_per_date=bursts, dates=dates, pairs=pairs, folders=folders)


def ionosphere_pairs(dates: int, connections: int) -> int:
    """stackSentinel's ionosphere pairs: each date with the next ``connections`` dates (its
    selectNeighborPairsIonosphere; an upper bound, since pairs across a starting-range change may go)."""
    return sum(min(connections, dates - 1 - i) for i in range(max(0, dates - 1)))


def _add_ionosphere(
    folders: dict[str, int], ion: Mapping[str, Any], pixels: int, looked: int, dates: int
) -> None:
    pairs = ionosphere_pairs(dates, int(ion.get("num_connections") or 3))
    folders["reference"] += pixels * ION_SUBBAND_SLCS
    folders["coreg_secondarys"] += max(0, dates - 1) * pixels * ION_SUBBAND_SLCS
    folders["ion"] = pairs * (pixels * ION_BURST_IGRAMS + (pixels // ION_FIRST_LOOKS) * ION_MERGED)
    folders["ion_dates"] = dates * looked * ION_DATE
    if ion.get("consider_burst_properties"):
        for name in ION_BURST_FOLDERS:
            folders[name] = dates * looked * ION_DATE


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
