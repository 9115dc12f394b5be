"""ARIA GUNW products of the sandbox: names in the real pattern, frames partly covering the demo
AOI, several versions of some pairs, one pair with no product, and small real netCDF-4 files
(HDF5 written with h5py) holding the GUNW grid layout.

Track 64 (ascending) has two ARIA frames: 25501 covers the south 70 % of the demo AOI, 25502
the north 50 %. Dates every 12 days from 2021-01-06 (the sandbox's SLC dates of track 64).
Per date pair (i, i+1) and (i, i+2):
- (0, 1) exists in versions 2.0.5 and 3.0.1 in both frames; (1, 2) in 3.0.0 and 3.0.1 in 25501;
- (0, 2) exists only in frame 25502 (50 % of the AOI);
- (1, 3) has no product at all;
- (2, 3) in frame 25501 is in long-term storage (archived).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

FIRST_DATE = date(2021, 1, 6)  # the sandbox's track-64 SLC dates (catalog.py), as real GUNWs
DATES = 6
TRACK = 64
FRAMES: dict[int, tuple[float, float, float, float]] = {  # W S E N
    25501: (-118.3, 35.2, -116.9, 35.78),
    25502: (-118.3, 35.70, -116.9, 36.3),
}
CENTER_TIME = {25501: "014512", 25502: "014537"}
# Each date's orbit position across track (m), and each frame's small offset: a pair's
# PERPENDICULAR_BASELINE is the later date's minus the earlier's, plus its frame's offset.
DATE_BPERP = (0.0, 42.0, -35.0, 118.0, 10.0, -70.0)
FRAME_BPERP = {25501: 0.0, 25502: 1.5}
GRID = 8  # pixels per side of each small grid


@dataclass(frozen=True)
class GunwProduct:
    frame: int
    reference: date  # the later date
    secondary: date
    version: tuple[int, int, int]
    archived: bool = False

    @property
    def name(self) -> str:
        w, s, e, n = FRAMES[self.frame]
        lon, lat = round(-(w + e) / 2), round((s + n) / 2)
        digest = hashlib.md5(
            f"{self.frame}{self.reference}{self.secondary}{self.version}".encode()
        ).hexdigest()[:4]
        ver = "_".join(map(str, self.version))
        return (
            f"S1-GUNW-A-R-{TRACK:03d}-tops-{self.reference:%Y%m%d}_{self.secondary:%Y%m%d}-"
            f"{CENTER_TIME[self.frame]}-{lon:05d}W_{lat:05d}N-PP-{digest}-v{ver}"
        )

    @property
    def file_name(self) -> str:
        return f"{self.name}.nc"

    @property
    def bperp(self) -> float:
        later, earlier = ((d - FIRST_DATE).days // 12 for d in (self.reference, self.secondary))
        return DATE_BPERP[later] - DATE_BPERP[earlier] + FRAME_BPERP[self.frame]

    @property
    def start(self) -> datetime:
        hh, mm, ss = (int(CENTER_TIME[self.frame][i : i + 2]) for i in (0, 2, 4))
        return datetime(self.reference.year, self.reference.month, self.reference.day, hh, mm, ss, tzinfo=UTC)


def _day(index: int) -> date:
    return FIRST_DATE + timedelta(days=12 * index)


def gunw_products() -> list[GunwProduct]:
    result: list[GunwProduct] = []
    for i in range(DATES - 1):
        for step in (1, 2):
            j = i + step
            if j >= DATES or (i, j) == (1, 3):
                continue
            frames = (25502,) if (i, j) == (0, 2) else (25501, 25502)
            for frame in frames:
                versions = [(3, 0, 1)]
                if (i, j) == (0, 1):
                    versions = [(2, 0, 5), (3, 0, 1)]
                elif (i, j) == (1, 2) and frame == 25501:
                    versions = [(3, 0, 0), (3, 0, 1)]
                archived = (i, j) == (2, 3) and frame == 25501
                result += [GunwProduct(frame, _day(j), _day(i), v, archived) for v in versions]
    return result


@lru_cache(maxsize=256)
def netcdf_bytes(name: str) -> bytes:
    """A small netCDF-4 (HDF5) file in the GUNW layout, deterministic per name."""
    import h5py
    import numpy as np

    rng = np.random.default_rng(int(hashlib.md5(name.encode()).hexdigest()[:8], 16))
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as handle:
        handle.attrs["Conventions"] = "CF-1.6"
        handle.attrs["title"] = "ARIA standard product UNW GUNW (sandbox)"
        handle.attrs["version"] = "1c"
        data = handle.create_group("science/grids/data")
        lat = data.create_dataset("latitude", data=np.linspace(36.0, 35.4, GRID), track_times=False)
        lon = data.create_dataset("longitude", data=np.linspace(-118.0, -117.2, GRID), track_times=False)
        lat.make_scale("latitude")
        lon.make_scale("longitude")
        grids = {
            "unwrappedPhase": rng.normal(0, 3, (GRID, GRID)).astype("float32"),
            "coherence": rng.uniform(0, 1, (GRID, GRID)).astype("float32"),
            "connectedComponents": rng.integers(0, 3, (GRID, GRID)).astype("int16"),
            "amplitude": rng.uniform(0, 5000, (GRID, GRID)).astype("float32"),
        }
        for key, values in grids.items():
            grid = data.create_dataset(key, data=values, track_times=False)
            grid.dims[0].attach_scale(lat)
            grid.dims[1].attach_scale(lon)
        handle.create_group("science/grids/imagingGeometry")
        handle.create_group("science/grids/corrections")
    return buffer.getvalue()
