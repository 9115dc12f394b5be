"""Burst groups of one pair merged into one raster per layer before the MintPy hand-off (docs/mintpy.md).

With INSAR_ISCE_BURST / INSAR_ISCE_MULTI_BURST a track's bursts over the AOI are split into groups
one job can take (a run of one subswath each, docs/addresses.md), so one pair of dates has one
product per group. MintPy needs one interferogram per pair on one grid, so the hand-off is made
per track and each pair's group products are merged onto the union of their extents.

Each group is unwrapped on its own: their unwrapped phases differ by a constant (each its own
reference). It is measured as the median difference where the groups overlap and removed, so the
merged phase is continuous. Groups of a pair that do not overlap give no such measure and are
refused, as is a pair that some groups lack (its merged rasters would cover other ground than the
other pairs'). Connected-component labels are renumbered per group (0 stays "unreliable"), so two
groups' components never share a label. Where groups overlap, the first in burst-id order wins.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from insarproj.errors import InsarprojError
from insarproj.mintpy.grid import TargetGrid, read_grid, read_onto, union_grid
from insarproj.mintpy.layers import ProductLayers

if TYPE_CHECKING:
    from insarproj.mintpy.handoff import HandoffRequest

BURST_JOB_TYPES = ("INSAR_ISCE_BURST", "INSAR_ISCE_MULTI_BURST")
PHASE = "unw_phase"
LABELS = "conncomp"
_SWATH_TOKEN = re.compile(r"(\d{6})s(\d)n(\d{2})")


def handoff_stack(stack: str, job_type: str) -> str:
    """The hand-off a stack's products go to: the track for burst job types
    (``A064_135527_IW2_4b`` → ``A064``), the stack itself otherwise."""
    return stack.split("_", 1)[0] if job_type in BURST_JOB_TYPES else stack


def _group_and_pair(address: str) -> tuple[str, str]:
    _kind, group, pair = address.split(".")
    return group, pair


def products_by_pair(products: Sequence[ProductLayers]) -> dict[str, list[ProductLayers]]:
    """Each pair's products in group order; refused when a pair lacks a group others have."""
    by_pair: dict[str, list[ProductLayers]] = {}
    for product in sorted(products, key=lambda p: _group_and_pair(p.address)[0]):
        by_pair.setdefault(_group_and_pair(product.address)[1], []).append(product)
    groups = sorted({_group_and_pair(p.address)[0] for p in products})
    lacking = {
        pair: [g for g in groups if g not in {_group_and_pair(p.address)[0] for p in items}]
        for pair, items in sorted(by_pair.items())
    }
    lacking = {pair: missing for pair, missing in lacking.items() if missing}
    if lacking:
        listed = "; ".join(
            f"{pair} lacks {', '.join(missing)}" for pair, missing in list(lacking.items())[:5]
        )
        raise InsarprojError(
            f"the burst groups {', '.join(groups)} cannot be merged into one interferogram per pair, "
            f"because not every pair has a product of every group ({listed}): merged pairs would cover "
            "different ground. Leave those pairs out ([pairs] exclude_pairs) or narrow the AOI to one "
            "group's bursts"
        )
    return by_pair


def merged_name(names: Sequence[str]) -> str:
    """The first product's name with the swath tokens of every group (``135527s2n04``: first burst,
    subswath, count) combined as HyP3 names a multi-swath product, and a new 4-hex suffix (it is
    not an ASF product)."""
    spans: dict[str, tuple[int, int]] = {}
    for name in names:
        for first, swath, count in _SWATH_TOKEN.findall(name):
            if int(count):
                start, total = spans.get(swath, (int(first), 0))
                spans[swath] = (min(start, int(first)), total + int(count))

    def token(match: re.Match[str]) -> str:
        swath = match.group(2)
        if swath not in spans:
            return match.group(0)
        return f"{spans[swath][0]:06d}s{swath}n{spans[swath][1]:02d}"

    combined = _SWATH_TOKEN.sub(token, names[0])
    digest = hashlib.sha256("|".join(sorted(names)).encode()).hexdigest()[:4].upper()
    return re.sub(r"_[0-9A-F]{4}$", f"_{digest}", combined)


def merge_layer(
    layer: str, sources: Sequence[Path], labels: Sequence[str], grid: TargetGrid
) -> tuple[Any, dict[str, Any]]:
    """One layer of one pair's groups on ``grid``: the array and the first source's profile."""
    mosaic, covered, profile = read_onto(sources[0], grid)
    # Phase offsets are fractional and relabelled components may outgrow the source's type.
    mosaic = mosaic.astype({PHASE: "float64", LABELS: "int64"}.get(layer, profile["dtype"]))
    for i, (source, label) in enumerate(zip(sources[1:], labels[1:], strict=True), start=1):
        values, valid, _ = read_onto(source, grid)
        values = values.astype(mosaic.dtype)
        if layer == PHASE:
            overlap = covered & valid
            if not overlap.any():
                raise InsarprojError(
                    f"the burst group {label} does not overlap {', '.join(labels[:i])}, so their unwrapped "
                    "phases (each unwrapped on its own) cannot be put on one reference for MintPy: "
                    "narrow the AOI to bursts that overlap"
                )
            values = values + float(np.median(mosaic[overlap] - values[overlap]))
        elif layer == LABELS:
            values = np.where(values > 0, values + int(mosaic.max()), 0)
        fill = valid & ~covered
        mosaic[fill] = values[fill]
        covered |= valid
    if profile["nodata"] is not None:
        mosaic[~covered] = profile["nodata"]
    if layer == LABELS and int(mosaic.max()) > np.iinfo(profile["dtype"]).max:
        profile = {**profile, "dtype": "int32"}
    return mosaic.astype(profile["dtype"]), profile


def write_raster(path: Path, array: Any, grid: TargetGrid, profile: dict[str, Any]) -> None:
    import rasterio

    with rasterio.open(
        path, "w", driver="GTiff", width=grid.width, height=grid.height, count=1, dtype=profile["dtype"],
        crs=grid.crs, transform=grid.transform, nodata=profile["nodata"],
    ) as dst:  # fmt: skip
        dst.write(array, 1)


def merge_pair(data_dir: Path, into: str, products: Sequence[ProductLayers]) -> ProductLayers:
    """Write the pair's merged product into ``data_dir/into/<name>/``; its layers."""
    name = merged_name([p.name for p in products])
    folder = f"{into}/{name}"
    out = data_dir / folder
    out.mkdir(parents=True)
    shutil.copyfile(data_dir / products[0].folder / f"{products[0].name}.txt", out / f"{name}.txt")
    grid = union_grid([read_grid(data_dir / p.folder / p.layers[PHASE], p.address) for p in products])
    labels = [_group_and_pair(p.address)[0] for p in products]
    layers = {}
    for layer in sorted(set.intersection(*(set(p.layers) for p in products))):
        sources = [data_dir / p.folder / p.layers[layer] for p in products]
        array, profile = merge_layer(layer, sources, labels, grid)
        write_raster(out / f"{name}_{layer}.tif", array, grid, profile)
        layers[layer] = f"{name}_{layer}.tif"
    return ProductLayers(" + ".join(p.address for p in products), name, folder, layers)


@dataclass(frozen=True)
class Merged:
    request: HandoffRequest
    merged: dict[str, list[str]]  # merged product name → the group products it was made from

    def facts(self, facts: dict[str, Any]) -> dict[str, Any]:
        return {**facts, "merged_burst_groups": self.merged} if self.merged else facts


@contextmanager
def burst_groups_merged(data_dir: Path, request: HandoffRequest) -> Iterator[Merged]:
    """The request with one product per pair: several burst groups' products of a pair merged into
    a hidden folder beside the hand-off, removed when the hand-off is written (or fails)."""
    if (
        request.job_type not in BURST_JOB_TYPES
        or len({_group_and_pair(p.address)[0] for p in request.products}) < 2
    ):
        yield Merged(request, {})
        return
    by_pair = products_by_pair(request.products)
    into = f"mintpy/.{request.stack}-merge-{uuid.uuid4().hex[:8]}"
    try:
        products = [merge_pair(data_dir, into, items) for _pair, items in sorted(by_pair.items())]
        merged = {p.name: p.address.split(" + ") for p in products}
        yield Merged(replace(request, products=products), merged)
    finally:
        shutil.rmtree(data_dir / into, ignore_errors=True)
