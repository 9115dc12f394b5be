"""Which product layers MintPy needs (docs/mintpy.md), and finding them in a product folder.

Interferogram layers come from every product; the geometry (DEM, look vectors, water mask) from
one product of the stack: MintPy reads one geometry file per kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GAMMA = "INSAR_GAMMA"
# Burst products (INSAR_ISCE_BURST / MULTI_BURST) add connected components, which GAMMA lacks.
INTERFEROGRAM_LAYERS: dict[bool, tuple[str, ...]] = {
    False: ("unw_phase", "corr"),
    True: ("unw_phase", "corr", "conncomp"),
}
GEOMETRY_LAYERS: tuple[str, ...] = ("dem", "lv_theta", "lv_phi", "water_mask")
CLIPPED = "_clipped.tif"  # the suffix the hand-off writes (the ASF recipes' choice)


@dataclass(frozen=True)
class ProductLayers:
    """One product's folder (relative to the data folder) and the layers found in it."""

    address: str
    name: str
    folder: str
    layers: dict[str, str]  # layer → file name in the folder

    def missing(self, wanted: Iterable[str]) -> list[str]:
        return [layer for layer in wanted if layer not in self.layers]


def interferogram_layers(job_type: str) -> tuple[str, ...]:
    return INTERFEROGRAM_LAYERS[job_type != GAMMA]


def layers_of(name: str, files: Iterable[str]) -> dict[str, str]:
    """The MintPy layers among a product's file names (``{name}_{layer}.tif``)."""
    wanted = (*INTERFEROGRAM_LAYERS[True], *GEOMETRY_LAYERS)
    present = set(files)
    return {layer: f"{name}_{layer}.tif" for layer in wanted if f"{name}_{layer}.tif" in present}


def geometry_source(products: Sequence[ProductLayers]) -> ProductLayers | None:
    """The first product (in pair order) holding every geometry layer, or None."""
    return next((p for p in products if not p.missing(GEOMETRY_LAYERS)), None)
