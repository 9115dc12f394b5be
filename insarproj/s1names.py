"""Sentinel-1 granule names: the one place their patterns are written.

Two families exist: ESA's SAFE product names (``S1A_IW_SLC__1SDV_<start>_<stop>_<orbit>_<datatake>_<id>``)
and ASF's burst granule names (``S1_<burst id>_IW<n>_<start>_<pol>_<id>-BURST``). The names carry what
checks before submission need (platform, times, polarization, orbit, burst), so they are parsed here
rather than looked up. HyP3's own product names are not granule names; they live in
``insarproj.hyp3.products``.

A ground-layer module: it imports nothing of insarproj.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

__all__ = [
    "BURST_NAME",
    "IW_SLC_NAME",
    "SAFE_NAME",
    "BurstName",
    "SlcName",
    "is_granule_name",
    "parse_burst_name",
    "parse_iw_slc_name",
]

# Any Sentinel-1 product by ESA SAFE naming (people may exclude any of them from a project).
SAFE_NAME = re.compile(
    r"^S1[ABCD]_(IW|EW|SM|WV|S[1-6])_(SLC|GRD|RAW|OCN)[_FHM]_[012][SA](SH|SV|DH|DV|HH|VV|HV|VH)_"
    r"\d{8}T\d{6}_\d{8}T\d{6}_\d{6}_[0-9A-F]{6}_[0-9A-F]{4}$"
)
# The IW SLC scenes InSAR is made from; "1S" + single/dual + the co-polarization channel.
IW_SLC_NAME = re.compile(
    r"^S1(?P<platform>[ABCD])_IW_SLC__1S(?P<pols>[SD])(?P<copol>[VH])_(?P<start>\d{8}T\d{6})_"
    r"(?P<stop>\d{8}T\d{6})_(?P<orbit>\d{6})_(?P<datatake>[0-9A-F]{6})_(?P<unique>[0-9A-F]{4})$"
)
# ASF burst granules: ESA burst id, IW subswath, burst start time, one polarization channel, the
# short id of the parent SLC.
BURST_NAME = re.compile(
    r"^S1_(?P<burst_id>\d{6})_(?P<subswath>IW[123])_(?P<time>\d{8}T\d{6})"
    r"_(?P<polarization>VV|VH|HH|HV)_(?P<scene>[0-9A-F]{4})-BURST$"
)


def _time(text: str) -> dt.datetime | None:
    # The patterns only say "eight digits T six digits"; a real calendar time is checked here.
    # Built from the digits rather than with strptime (ten times slower): plan parses every
    # granule of every pair.
    try:
        return dt.datetime(
            int(text[0:4]),
            int(text[4:6]),
            int(text[6:8]),
            int(text[9:11]),
            int(text[11:13]),
            int(text[13:15]),
        )
    except ValueError:
        return None


@dataclass(frozen=True)
class SlcName:
    """The parts of an IW SLC name such as ``S1A_IW_SLC__1SDV_20200110T172104_..._030916_0392AA_1234``."""

    name: str
    platform: str  # A, B, C or D
    start: dt.datetime  # UTC, naive as in the name
    polarization: str  # the co-polarization channel, "VV" or "HH"
    absolute_orbit: int


@dataclass(frozen=True)
class BurstName:
    """The parts of an ASF burst granule name such as ``S1_136231_IW2_20200604T022312_VV_7C85-BURST``."""

    name: str
    burst_id: int
    subswath: str  # IW1, IW2 or IW3
    time: dt.datetime  # UTC, naive as in the name
    polarization: str

    @property
    def full_id(self) -> str:
        """``<burst id>_IW<n>``: the same burst at every date of a track."""
        return f"{self.burst_id:06d}_{self.subswath}"


def parse_iw_slc_name(name: str) -> SlcName | None:
    """The parts of an IW SLC name, or None when ``name`` is not one."""
    match = IW_SLC_NAME.match(name)
    start = _time(match["start"]) if match else None
    if match is None or start is None:
        return None
    return SlcName(name, match["platform"], start, match["copol"] * 2, int(match["orbit"]))


def parse_burst_name(name: str) -> BurstName | None:
    """The parts of a burst granule name, or None when ``name`` is not one."""
    match = BURST_NAME.match(name)
    time = _time(match["time"]) if match else None
    if match is None or time is None:
        return None
    return BurstName(name, int(match["burst_id"]), match["subswath"], time, match["polarization"])


def is_granule_name(name: str) -> bool:
    """True for a Sentinel-1 SAFE product name or an ASF burst granule name (no .zip, no -SLC)."""
    return bool(SAFE_NAME.match(name) or BURST_NAME.match(name))
