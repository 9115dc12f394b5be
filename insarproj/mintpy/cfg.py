"""`insarproj.cfg`, a hand-off's custom template for MintPy: every `mintpy.load.*` key (docs/mintpy.md).

Paths are relative to the hand-off folder, where MintPy runs (`smallbaselineApp.py
insarproj.cfg` from data/mintpy/<stack>/). Keys that do not apply to geocoded HyP3
products are written as `None` (what MintPy's own ISCE defaults use), so every load key is explicit.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from insarproj.fsutil import atomic_write_text
from insarproj.mintpy.layers import CLIPPED

# Not smallbaselineApp.cfg: MintPy owns that name in its work folder (it copies its default template
# there and merges the custom template into it), so a hand-off cfg of that name would be rewritten.
CFG_NAME = "insarproj.cfg"
PRODUCTS_SUBDIR = "hyp3"  # data/mintpy/<stack>/hyp3/<product>/<product>_<layer>_clipped.tif

# Every mintpy.load.* key of MintPy's smallbaselineApp.cfg defaults; values for HyP3 products.
LOAD_KEYS_FIXED: dict[str, str] = {
    "mintpy.load.processor": "hyp3",
    "mintpy.load.autoPath": "no",
    "mintpy.load.updateMode": "no",  # a replaced product must reload the whole stack (docs/mintpy.md)
    "mintpy.load.compression": "auto",
    "mintpy.load.metaFile": "None",
    "mintpy.load.baselineDir": "None",
    "mintpy.load.intFile": "None",
    "mintpy.load.magFile": "None",
    "mintpy.load.ionUnwFile": "None",
    "mintpy.load.ionCorFile": "None",
    "mintpy.load.ionConnCompFile": "None",
    "mintpy.load.azOffFile": "None",
    "mintpy.load.rgOffFile": "None",
    "mintpy.load.azOffStdFile": "None",
    "mintpy.load.rgOffStdFile": "None",
    "mintpy.load.offSnrFile": "None",
    "mintpy.load.lookupYFile": "None",  # geocoded products need no lookup table
    "mintpy.load.lookupXFile": "None",
    "mintpy.load.shadowMaskFile": "None",
    "mintpy.load.bperpFile": "None",
}


def _glob(layer: str) -> str:
    return f"./{PRODUCTS_SUBDIR}/*/*_{layer}{CLIPPED}"


def load_keys(geometry_product: str, burst: bool) -> dict[str, str]:
    """Every mintpy.load.* key: interferograms by glob, geometry from one product by name."""

    def geometry(layer: str) -> str:
        return f"./{PRODUCTS_SUBDIR}/{geometry_product}/{geometry_product}_{layer}{CLIPPED}"

    keys = dict(LOAD_KEYS_FIXED)
    keys.update(
        {
            "mintpy.load.unwFile": _glob("unw_phase"),
            "mintpy.load.corFile": _glob("corr"),
            "mintpy.load.connCompFile": _glob("conncomp") if burst else "None",
            "mintpy.load.demFile": geometry("dem"),
            "mintpy.load.incAngleFile": geometry("lv_theta"),
            "mintpy.load.azAngleFile": geometry("lv_phi"),
            "mintpy.load.waterMaskFile": geometry("water_mask"),
        }
    )
    return dict(sorted(keys.items()))


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def render_cfg(
    *,
    stack: str,
    serial: int,
    fingerprint: str,
    load: Mapping[str, str],
    reference_point: list[float] | None,
    options: Mapping[str, Any],
) -> str:
    """The file's text: a header naming the state it was made from, then key = value lines."""
    lines = [
        f"## MintPy hand-off of stack {stack}, written by insarproj (docs/mintpy.md).",
        f"## Made from state serial {serial}; hand-off fingerprint {fingerprint}.",
        "## Run MintPy from this folder: smallbaselineApp.py insarproj.cfg",
        "## insarproj rewrites this file when the stack's products change: edit [mintpy] in project.toml.",
        "",
    ]
    lines += [f"{key} = {value}" for key, value in load.items()]
    if reference_point is not None:
        lines += ["", f"mintpy.reference.lalo = {reference_point[0]},{reference_point[1]}"]
    if options:
        lines += ["", "## [mintpy] options of project.toml, verbatim"]
        lines += [f"{key} = {_value(value)}" for key, value in sorted(options.items())]
    return "\n".join(lines) + "\n"


class CfgRequest(Protocol):
    """What a hand-off request (HyP3 or ISCE) gives the cfg besides its load keys."""

    @property
    def stack(self) -> str: ...
    @property
    def serial(self) -> int: ...
    @property
    def fingerprint(self) -> str: ...
    @property
    def reference_point(self) -> list[float] | None: ...
    @property
    def options(self) -> Mapping[str, Any]: ...


def write_cfg(staging: Path, request: CfgRequest, load: Mapping[str, str]) -> None:
    """Write ``staging/insarproj.cfg`` for ``request`` with these load keys (both hand-offs)."""
    text = render_cfg(
        stack=request.stack,
        serial=request.serial,
        fingerprint=request.fingerprint,
        load=load,
        reference_point=request.reference_point,
        options=request.options,
    )
    atomic_write_text(staging / CFG_NAME, text)
