"""GUNW product names: track, dates, frame-independent parts and version (docs/aria.md).

In a GUNW name the *reference is the later date* and comes first (``..-tops-<ref>_<sec>-..``);
the phase sign is therefore the opposite of HyP3's INSAR_GAMMA products. insarproj addresses
keep the earlier date first, like every pair, and the record keeps ARIA's own order.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

GUNW_NAME = re.compile(
    r"^S1-GUNW-(?P<dir>[AD])-(?P<look>[RL])-(?P<track>\d{3})-tops-(?P<ref>\d{8})_(?P<sec>\d{8})"
    r"-(?P<time>\d{6})-(?P<c1>\d{5}[NSEW])_(?P<c2>\d{5}[NSEW])-(?P<orb>[A-Z]{2})-(?P<hash>[0-9a-f]{4})"
    r"-v(?P<ver>\d+_\d+_\d+)$"
)


class GunwNameError(ValueError):
    """A name that is not a Sentinel-1 GUNW product name."""


@dataclass(frozen=True)
class GunwName:
    name: str
    direction: str  # "ASCENDING" | "DESCENDING"
    track: int
    reference: dt.date  # the later date (ARIA's reference)
    secondary: dt.date  # the earlier date
    version: tuple[int, int, int]

    @property
    def stack_id(self) -> str:
        """``A064`` / ``D071``: the project's stack id of this product's track."""
        return f"{self.direction[0]}{self.track:03d}"

    @property
    def pair_key(self) -> str:
        """``yyyymmdd_yyyymmdd``, earlier date first (the address convention of every pair)."""
        return f"{self.secondary:%Y%m%d}_{self.reference:%Y%m%d}"

    @property
    def version_text(self) -> str:
        return ".".join(str(part) for part in self.version)


def parse_gunw_name(name: str) -> GunwName:
    """Parse ``S1-GUNW-A-R-035-tops-20240816_20230717-020815-00124W_00037N-PP-cf9c-v3_0_1``.

    Raises:
        GunwNameError: the name does not follow the GUNW pattern, or its dates are impossible
            or not in ARIA's order (reference later than secondary).
    """
    match = GUNW_NAME.match(name.removesuffix(".nc"))
    if match is None:
        raise GunwNameError(f"{name!r} is not an ARIA Sentinel-1 GUNW product name")
    try:
        reference = dt.datetime.strptime(match["ref"], "%Y%m%d").date()
        secondary = dt.datetime.strptime(match["sec"], "%Y%m%d").date()
    except ValueError:
        raise GunwNameError(f"{name!r} has an impossible date") from None
    if not secondary < reference:
        raise GunwNameError(f"{name!r}: its secondary date is not earlier than its reference date")
    major, minor, patch = (int(part) for part in match["ver"].split("_"))
    return GunwName(
        name=name.removesuffix(".nc"),
        direction="ASCENDING" if match["dir"] == "A" else "DESCENDING",
        track=int(match["track"]),
        reference=reference,
        secondary=secondary,
        version=(major, minor, patch),
    )
