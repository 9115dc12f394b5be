"""The MintPy hand-off of an ISCE2 topsStack stack: `insarproj.cfg` pointing MintPy at the topsStack
work folder of the stack's current generation (docs/mintpy.md "Processor isce").

Nothing is copied: MintPy's ISCE reader (which needs ISCE2) reads the merged interferograms, the
geometry in radar coordinates, the reference metadata and the baselines where topsStack left them.
The paths are MintPy's own topsStack defaults (its `AUTO_PATH_ISCE_TOPS`, written relative to a
`mintpy/` folder inside the work folder), made relative to the hand-off folder instead, and every
file they name is checked before the cfg is written.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from insarproj.errors import InsarprojError
from insarproj.mintpy.cfg import CFG_NAME, write_cfg
from insarproj.mintpy.handoff import MINTPY_DIR, publish

__all__ = ["TOPS_PATHS", "IsceHandoffRequest", "isce_load_keys", "make_isce_handoff"]

# MintPy's topsStack defaults (mintpy/defaults/auto_path.py, AUTO_PATH_ISCE_TOPS), relative to the
# topsStack work folder; tests/mintpy/test_isce_handoff.py compares them with MintPy's text.
TOPS_PATHS: dict[str, str] = {
    "metaFile": "reference/IW*.xml",
    "baselineDir": "baselines",
    "unwFile": "merged/interferograms/*/filt*.unw",
    "corFile": "merged/interferograms/*/filt*.cor",
    "connCompFile": "merged/interferograms/*/filt*.unw.conncomp",
    "ionUnwFile": "ion/*/ion_cal/filt.ion",
    "ionCorFile": "ion/*/ion_cal/raw_no_projection.cor",
    "demFile": "merged/geom_reference/hgt.rdr",
    "lookupYFile": "merged/geom_reference/lat.rdr",
    "lookupXFile": "merged/geom_reference/lon.rdr",
    "incAngleFile": "merged/geom_reference/los.rdr",
    "azAngleFile": "merged/geom_reference/los.rdr",
    "shadowMaskFile": "merged/geom_reference/shadowMask.rdr",
    "waterMaskFile": "merged/geom_reference/waterMask.rdr",
}
# What MintPy cannot load a topsStack stack without; the others are written only when present.
REQUIRED = (
    "metaFile", "baselineDir", "unwFile", "corFile", "demFile", "lookupYFile", "lookupXFile",
    "incAngleFile", "azAngleFile",
)  # fmt: skip
# Keys of MintPy's defaults that topsStack has no file for.
NONE_KEYS = (
    "intFile", "magFile", "ionConnCompFile", "azOffFile", "rgOffFile", "azOffStdFile", "rgOffStdFile",
    "offSnrFile", "bperpFile",
)  # fmt: skip


@dataclass(frozen=True)
class IsceHandoffRequest:
    stack: str
    work: Path  # the topsStack work folder of the current generation
    pairs: Sequence[str]  # the generation's pairs, "YYYYMMDD_YYYYMMDD"
    reference_point: list[float] | None
    options: Mapping[str, Any]
    serial: int
    fingerprint: str


def isce_load_keys(work: Path, handoff: Path, pairs: Sequence[str]) -> dict[str, str]:
    """Every mintpy.load.* key for the stack in ``work``, paths relative to ``handoff``; refuses
    (naming the file) when a required one is missing or merged/interferograms/ holds other pairs."""
    _check_pairs(work, pairs)
    keys = {
        "mintpy.load.processor": "isce",
        "mintpy.load.autoPath": "no",
        "mintpy.load.updateMode": "no",
        "mintpy.load.compression": "auto",
    }
    missing = []
    for key, path in TOPS_PATHS.items():
        found = (work / path).is_dir() if key == "baselineDir" else bool(glob.glob(str(work / path)))
        if not found and key in REQUIRED:
            missing.append(f"{path} ({key})")
        keys[f"mintpy.load.{key}"] = _relative(work / path, handoff) if found else "None"
    if missing:
        raise InsarprojError(
            f"MintPy cannot load stack {work.parent.name}: the topsStack work folder {work} lacks "
            + "; ".join(missing),
            hint="run `insarproj apply` until every isce_step of the stack is done",
        )
    keys.update({f"mintpy.load.{key}": "None" for key in NONE_KEYS})
    return dict(sorted(keys.items()))


def _check_pairs(work: Path, pairs: Sequence[str]) -> None:
    folder = work / "merged" / "interferograms"
    present = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    extra, missing = sorted(set(present) - set(pairs)), sorted(set(pairs) - set(present))
    if extra or missing:
        parts = ([f"pairs not in the network: {', '.join(extra)}"] if extra else []) + (
            [f"pairs missing: {', '.join(missing)}"] if missing else []
        )
        raise InsarprojError(
            f"{folder} does not hold exactly the stack's pairs ({'; '.join(parts)}); MintPy would load "
            "them all by its glob",
            hint="regenerate the stack (`insarproj apply --replace isce_stack.<stack>`)",
        )


def _relative(path: Path, start: Path) -> str:
    return os.path.relpath(path, start)


def make_isce_handoff(data_dir: Path, request: IsceHandoffRequest) -> dict[str, Any]:
    """Write data/mintpy/<stack>/insarproj.cfg for the stack; the facts to record."""
    final = data_dir / MINTPY_DIR / request.stack
    keys = isce_load_keys(request.work, final, request.pairs)
    moved = publish(data_dir, request.stack, lambda staging: write_cfg(staging, request, keys))
    return {
        "path": f"{MINTPY_DIR}/{request.stack}",
        "cfg": CFG_NAME,
        "processor": "isce",
        "pairs": len(request.pairs),
        "previous_moved_to": moved,
    }
