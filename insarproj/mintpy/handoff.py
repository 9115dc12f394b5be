"""Writing a stack's hand-off folder: checked layers, one clipped grid, insarproj.cfg.

The folder is built under a hidden name beside its place and renamed into place only when
complete; an older hand-off moves to `superseded/mintpy/<stack>/` (docs/mintpy.md). Product
folders are only read.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from insarproj.errors import InsarprojError
from insarproj.fsutil import fsync_dir
from insarproj.mintpy.cfg import CFG_NAME, PRODUCTS_SUBDIR, load_keys, write_cfg
from insarproj.mintpy.grid import Bounds, TargetGrid, clip_to, common_grid, read_grid
from insarproj.mintpy.layers import (
    CLIPPED,
    GEOMETRY_LAYERS,
    ProductLayers,
    geometry_source,
    interferogram_layers,
    layers_of,
)
from insarproj.mintpy.merge import burst_groups_merged

MINTPY_DIR = "mintpy"
SUPERSEDED_MINTPY_DIR = "superseded/mintpy"


@dataclass(frozen=True)
class HandoffRequest:
    stack: str
    job_type: str
    products: Sequence[ProductLayers]  # the stack's current products, in pair order
    aoi_lonlat: Bounds | None  # clip = "aoi": the AOI's bounds
    reference_point: list[float] | None
    options: Mapping[str, Any]
    serial: int
    fingerprint: str


def find_layers(data_dir: Path, address: str, folder: str) -> ProductLayers:
    path = data_dir / folder
    if not path.is_dir():
        raise InsarprojError(f"{address}: its folder {folder}/ is missing; run `insarproj apply` to fetch it")
    name = Path(folder).name
    return ProductLayers(address, name, folder, layers_of(name, os.listdir(path)))


def check_layers(job_type: str, products: Sequence[ProductLayers]) -> ProductLayers:
    """Refuse a stack that lacks a layer MintPy needs; the product the geometry comes from."""
    wanted = interferogram_layers(job_type)
    lacking = [f"{p.address} ({', '.join(p.missing(wanted))})" for p in products if p.missing(wanted)]
    if lacking:
        raise InsarprojError(
            f"MintPy needs {', '.join(wanted)} from every interferogram, and these products lack some: "
            + "; ".join(lacking)
        )
    source = geometry_source(products)
    if source is None:
        raise InsarprojError(
            f"MintPy needs {', '.join(GEOMETRY_LAYERS)} from at least one product of the stack, and no "
            "product holds them all: set include_dem = true and include_look_vectors = true in "
            "[processor.hyp3] (every job is then replaced, each at full cost)"
        )
    return source


def make_handoff(data_dir: Path, request: HandoffRequest) -> dict[str, Any]:
    """Build data/mintpy/<stack>/; the facts to record. Burst groups of a pair are merged first."""
    with burst_groups_merged(data_dir, request) as merged:
        return merged.facts(_make_handoff(data_dir, merged.request))


def _make_handoff(data_dir: Path, request: HandoffRequest) -> dict[str, Any]:
    geometry = check_layers(request.job_type, request.products)
    grids = [read_grid(data_dir / p.folder / p.layers["unw_phase"], p.address) for p in request.products]
    grid = common_grid(grids, request.aoi_lonlat)
    files: list[str] = []

    def write(staging: Path) -> None:
        files.extend(_write_rasters(data_dir, staging, request, geometry, grid))
        write_cfg(staging, request, load_keys(geometry.name, burst=request.job_type != "INSAR_GAMMA"))

    moved = publish(data_dir, request.stack, write)
    return {
        "path": f"{MINTPY_DIR}/{request.stack}",
        "cfg": CFG_NAME,
        "files": len(files) + 1,
        "crs": grid.crs,
        "bounds": [round(v, 3) for v in grid.bounds],
        "shape": [grid.height, grid.width],
        "reprojected": sorted({g.label for g in grids if g.crs != grid.crs}),
        "geometry_from": geometry.address,
        "previous_moved_to": moved,
    }


def publish(data_dir: Path, stack: str, write: Callable[[Path], None]) -> str | None:
    """Build data/mintpy/<stack>/ with ``write`` in a hidden folder beside it, then rename it into
    place (an existing one moves aside first); where the old one went."""
    final = data_dir / MINTPY_DIR / stack
    staging = final.parent / f".{stack}-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    try:
        write(staging)
        moved = _set_aside(data_dir, final, stack)
        os.replace(staging, final)
        fsync_dir(final.parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return moved


def _write_rasters(
    data_dir: Path, staging: Path, request: HandoffRequest, geometry: ProductLayers, grid: TargetGrid
) -> list[str]:
    written = []
    for product in request.products:
        out = staging / PRODUCTS_SUBDIR / product.name
        out.mkdir(parents=True)
        source = data_dir / product.folder
        # prep_hyp3 reads <product>.txt beside each raster (the pair's dates, baseline, heading).
        shutil.copyfile(source / f"{product.name}.txt", out / f"{product.name}.txt")
        layers = list(interferogram_layers(request.job_type))
        if product is geometry:
            layers += GEOMETRY_LAYERS
        for layer in layers:
            name = f"{product.name}_{layer}{CLIPPED}"
            clip_to(source / product.layers[layer], out / name, grid)
            written.append(f"{PRODUCTS_SUBDIR}/{product.name}/{name}")
    return written


def _set_aside(data_dir: Path, final: Path, stack: str) -> str | None:
    """Move an existing hand-off to superseded/mintpy/<stack>/<UTC time>/; where it went."""
    if not final.exists():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    rel = f"{SUPERSEDED_MINTPY_DIR}/{stack}/{stamp}"
    target = data_dir / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(final, target)
    return rel
