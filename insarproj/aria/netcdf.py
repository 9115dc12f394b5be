"""The GUNW layout check: a downloaded file must open as netCDF-4 (HDF5) and hold the grids a
time series needs, before it is recorded (docs/aria.md).

h5py reads netCDF-4 files directly (they are HDF5 files), which spares the netCDF4/GDAL stack.
"""

from __future__ import annotations

from pathlib import Path

from insarproj.errors import VerificationError

DATA_GROUP = "science/grids/data"
REQUIRED_GRIDS = ("unwrappedPhase", "coherence", "connectedComponents")


def check_gunw_layout(path: Path, *, label: str = "") -> None:
    """Raise VerificationError unless ``path`` is a netCDF-4 GUNW file with the required grids."""
    import h5py

    name = label or path.name
    try:
        with h5py.File(path, "r") as handle:
            group = handle.get(DATA_GROUP)
            missing = [
                grid
                for grid in REQUIRED_GRIDS
                if group is None or not isinstance(group.get(grid), h5py.Dataset) or group[grid].ndim != 2
            ]
    except (OSError, ValueError) as exc:
        raise VerificationError(
            f"{name}: {path} does not open as a netCDF-4 file ({exc})",
            hint="the file is corrupted or is not a GUNW product; it is downloaded again",
        ) from None
    if missing:
        raise VerificationError(
            f"{name}: {path} lacks the GUNW grids {', '.join(f'/{DATA_GROUP}/{g}' for g in missing)}",
            hint="the file is not a complete GUNW product; it is downloaded again",
        )
