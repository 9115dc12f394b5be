"""`keep`: which topsStack work folders survive `apply --prune` once a stack has finished
(docs/isce.md "keep").

Pruning writes a marker into the work folder first (the generation and the folders it removes),
then deletes them: a crash half way leaves the marker, and the next `apply --prune` finishes the
job. The marker also tells the step progress that outputs inside a pruned folder were made and
removed on purpose, so a pruned stack stays converged instead of running its steps again.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

from insarproj.config.isce import KEEPABLE_FOLDERS
from insarproj.fsutil import atomic_write_text

__all__ = ["PRUNE_MARKER", "outputs_to_check", "prunable", "pruned_folders", "remove_folders"]

PRUNE_MARKER = ".insarproj-pruned.json"


def prunable(work: Path, keep: Iterable[str]) -> list[str]:
    """The topsStack work folders present in ``work`` that ``keep`` does not name."""
    kept = set(keep)
    return [name for name in KEEPABLE_FOLDERS if name not in kept and (work / name).is_dir()]


def pruned_folders(work: Path, generation: str) -> frozenset[str]:
    """The folders a prune of this generation removed (empty for another generation's marker)."""
    try:
        marker = json.loads((work / PRUNE_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return frozenset()
    if not isinstance(marker, dict) or marker.get("generation") != generation:
        return frozenset()
    folders = marker.get("folders")
    if not isinstance(folders, list):
        return frozenset()
    return frozenset(str(f) for f in folders if f in KEEPABLE_FOLDERS)


def outputs_to_check(outputs: Sequence[Path], work: Path, pruned: frozenset[str]) -> tuple[Path, ...]:
    """``outputs`` less those inside a pruned folder (removed on purpose after the step was done)."""
    if not pruned:
        return tuple(outputs)
    kept = []
    for path in outputs:
        try:
            top = path.relative_to(work).parts[0]
        except (ValueError, IndexError):
            top = ""
        if top not in pruned:
            kept.append(path)
    return tuple(kept)


def remove_folders(work: Path, generation: str, folders: Sequence[str]) -> None:
    """Record ``folders`` as pruned for ``generation`` (merged with an earlier prune of it), then
    delete them. Only names of topsStack work folders are accepted: nothing else is ever removed."""
    unknown = [f for f in folders if f not in KEEPABLE_FOLDERS]
    if unknown:
        raise ValueError(f"not topsStack work folders: {', '.join(unknown)}")
    names = sorted(pruned_folders(work, generation) | set(folders))
    atomic_write_text(work / PRUNE_MARKER, json.dumps({"generation": generation, "folders": names}) + "\n")
    for name in folders:
        shutil.rmtree(work / name, ignore_errors=True)
