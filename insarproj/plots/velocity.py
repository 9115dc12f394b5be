"""A preview of MintPy's velocity map of each stack (data/mintpy/<stack>/velocity.h5).

MintPy writes HDF5; h5py comes with MintPy's own environment but not necessarily with this one, so
it is imported only here and its absence skips the picture with a note, never fails `show`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from insarproj.plots.canvas import AOI_STYLE, new_figure, outline, panel_grid, save

VELOCITY_FILE = "velocity.h5"


@dataclass(frozen=True)
class VelocityMap:
    stack: str
    values: Any  # m/yr, NaN where MintPy masked the pixel
    extent: tuple[float, float, float, float]  # left, right, bottom, top in the map's CRS
    crs: str | None  # "EPSG:32611", or None for MintPy's degrees
    reference: tuple[float, float] | None  # (x, y) of the reference point in the map's CRS


def velocity_files(data_dir: Path) -> list[tuple[str, Path]]:
    """(stack, file) of every stack folder of data/mintpy/ holding MintPy's velocity.h5."""
    root = data_dir / "mintpy"
    if not root.is_dir():
        return []
    return [
        (folder.name, folder / VELOCITY_FILE)
        for folder in sorted(root.iterdir())
        if not folder.name.startswith(".") and (folder / VELOCITY_FILE).is_file()
    ]


def _text(attrs: Any, key: str) -> str | None:
    value = attrs.get(key)
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


def read_velocity(stack: str, path: Path) -> VelocityMap:
    import h5py

    with h5py.File(path, "r") as h5:
        values = np.asarray(h5["velocity"][()], dtype="float64")
        attrs = dict(h5.attrs)
    length, width = values.shape
    x0, y0 = float(_text(attrs, "X_FIRST") or 0), float(_text(attrs, "Y_FIRST") or 0)
    dx, dy = float(_text(attrs, "X_STEP") or 1), float(_text(attrs, "Y_STEP") or -1)
    epsg = _text(attrs, "EPSG")
    degrees = (_text(attrs, "X_UNIT") or "").lower().startswith("deg")
    crs = None if degrees or not epsg else f"EPSG:{epsg}"
    reference = None
    if _text(attrs, "REF_X") is not None and _text(attrs, "REF_Y") is not None:
        col, row = float(_text(attrs, "REF_X") or 0), float(_text(attrs, "REF_Y") or 0)
        reference = (x0 + (col + 0.5) * dx, y0 + (row + 0.5) * dy)
    extent = (x0, x0 + width * dx, y0 + length * dy, y0)
    return VelocityMap(stack, values, extent, crs, reference)


def draw_velocity(maps: Sequence[VelocityMap], aoi_wkt: str, path: Path) -> Path:
    fig = new_figure(5.6 * min(2, len(maps)), 4.9 * ((len(maps) + 1) // 2) + 0.5)
    fig.suptitle("MintPy line-of-sight velocity (positive: toward the sensor)", fontsize="large")
    for ax, item in zip(panel_grid(fig, len(maps), columns=2), maps, strict=True):
        mm = np.ma.masked_invalid(item.values * 1000.0)
        limit = float(np.percentile(np.abs(mm.compressed()), 98)) if mm.count() else 1.0
        image = ax.imshow(mm, extent=item.extent, cmap="RdBu", vmin=-max(limit, 1e-3), vmax=max(limit, 1e-3),
                          interpolation="nearest")  # fmt: skip
        fig.colorbar(image, ax=ax, shrink=0.85, label="velocity (mm/yr)")
        ax.set_facecolor("#d9d9d9")  # masked by MintPy: grey, not white
        ax.set_xlim(item.extent[0], item.extent[1])
        ax.set_ylim(item.extent[2], item.extent[3])
        inside = _draw_aoi(ax, _aoi_in(aoi_wkt, item.crs), item.extent)
        if item.reference is not None:
            ax.plot(*item.reference, marker="s", color="black", markerfacecolor="white", linestyle="",
                    label="reference point", zorder=6)  # fmt: skip
        unit = "m" if item.crs else "°"
        ax.set_xlabel(f"easting ({unit}, {item.crs})" if item.crs else "longitude (°E)")
        ax.set_ylabel(f"northing ({unit})" if item.crs else "latitude (°N)")
        ax.ticklabel_format(useOffset=False, style="plain")
        ax.tick_params(axis="x", labelrotation=30)
        low, high = (float(mm.min()), float(mm.max())) if mm.count() else (0.0, 0.0)
        where = "; all inside the AOI" if inside else ""
        ax.set_title(
            f"{item.stack}: {low:+.1f} … {high:+.1f} mm/yr{where}\n(grey: masked)", fontsize="medium"
        )
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="best", fontsize="small", framealpha=0.8)
    return save(fig, path)


def _draw_aoi(ax: Any, aoi: Any, extent: tuple[float, float, float, float]) -> bool:
    """Outline the AOI where it crosses the map; True when the whole map lies inside it (the
    outline is then out of view and the title says so instead)."""
    from shapely.geometry import box

    view = box(min(extent[:2]), min(extent[2:]), max(extent[:2]), max(extent[2:]))
    if aoi.contains(view):
        return True
    outline(ax, aoi, label="AOI", **AOI_STYLE)
    return False


def _aoi_in(aoi_wkt: str, crs: str | None) -> Any:
    from shapely import wkt
    from shapely.geometry import mapping, shape

    aoi = wkt.loads(aoi_wkt)
    if crs is None:
        return aoi
    from rasterio.warp import transform_geom

    return shape(transform_geom("EPSG:4326", crs, mapping(aoi)))
