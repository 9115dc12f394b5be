"""Running MintPy in a hand-off folder: where smallbaselineApp.py is, its command line, a clean
load, and the outputs to record (docs/mintpy.md "Running MintPy").

MintPy is an external program (it needs GDAL's Python bindings, which are not on PyPI, and
Debian's GDAL needs numpy<2), so it may live in its own environment: insarproj only needs the
path of its smallbaselineApp.py.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "INSTALL_HINT",
    "OUTPUTS",
    "MintpyProgram",
    "clear_outputs",
    "find_mintpy",
    "output_facts",
    "outputs_changed",
    "run_command",
]

PROGRAM = "smallbaselineApp.py"
# What a run through `velocity` (or later) leaves in the hand-off folder and insarproj records.
OUTPUTS = ("timeseries.h5", "velocity.h5")
INSTALL_HINT = (
    'install MintPy in its own environment (README, "Running MintPy": apt-get install python3-gdal; '
    "/usr/bin/python3 -m venv --system-site-packages /opt/mintpy-venv; "
    "/opt/mintpy-venv/bin/pip install 'numpy<2' mintpy) and set [mintpy] command = "
    '"/opt/mintpy-venv/bin/smallbaselineApp.py", or put smallbaselineApp.py on PATH'
)
# MintPy's own files in a hand-off folder (besides the cfg and hyp3/ insarproj wrote): removed
# before a run so it loads from scratch (docs/mintpy.md "A clean load").
_MINTPY_FOLDERS = ("inputs", "pic", "geo")
_MINTPY_SUFFIXES = (".h5", ".txt", ".kmz", ".he5")
# MintPy's own copy of its default template, merged with insarproj.cfg on every run: removed too,
# so no value of an earlier run survives in it.
_MINTPY_FILES = ("smallbaselineApp.cfg",)
_HASH_BLOCK = 1 << 20


@dataclass(frozen=True)
class MintpyProgram:
    """smallbaselineApp.py as configured: found (an absolute path) or why not."""

    command: str
    program: Path | None
    problem: str | None = None

    @property
    def found(self) -> bool:
        return self.program is not None

    def summary(self) -> str:
        if self.program is None:
            return f"MintPy not found ({self.problem}): {INSTALL_HINT}"
        return f"MintPy's smallbaselineApp.py at {self.program}"


def find_mintpy(command: str, *, base: Path) -> MintpyProgram:
    """``command`` as a path (relative to ``base``, the project folder) when it names a folder
    part, else as a name on PATH."""
    if os.sep in command or command.startswith("~"):
        path = Path(command).expanduser()
        path = path if path.is_absolute() else base / path
        if not path.is_file():
            return MintpyProgram(command, None, f"[mintpy] command {command} does not exist")
        if not os.access(path, os.X_OK):
            return MintpyProgram(command, None, f"[mintpy] command {command} is not executable")
        return MintpyProgram(command, path.absolute())
    found = shutil.which(command)
    if found is None:
        return MintpyProgram(command, None, f"{command} is not on PATH")
    return MintpyProgram(command, Path(found).absolute())


def run_command(program: Path, cfg: str, run_through: str) -> str:
    """The shell line run in the hand-off folder: the cfg there, MintPy's steps up to ``run_through``."""
    return shlex.join([str(program), cfg, "--end", run_through])


def clear_outputs(folder: Path) -> list[str]:
    """Remove MintPy's files from an earlier (unfinished or stale) run in ``folder``; their names.

    MintPy's update mode skips reloading when the new pair list is a subset of the old one, and
    its steps skip work whose outputs look newer than their inputs: a clean folder is the only
    load that cannot reuse a stale ifgramStack.h5. insarproj's own files (the cfg, hyp3/) stay.
    """
    removed = []
    for entry in sorted(folder.iterdir()):
        if entry.is_dir() and not entry.is_symlink() and entry.name in _MINTPY_FOLDERS:
            shutil.rmtree(entry)
        elif entry.is_file() and (entry.name.endswith(_MINTPY_SUFFIXES) or entry.name in _MINTPY_FILES):
            entry.unlink()
        else:
            continue
        removed.append(entry.name)
    return removed


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def output_facts(folder: Path) -> dict[str, dict[str, Any]]:
    """Each output's size and sha256 (read once, after MintPy ended)."""
    return {
        name: {"size": (folder / name).stat().st_size, "sha256": _sha256(folder / name)} for name in OUTPUTS
    }


def outputs_changed(folder: Path, recorded: dict[str, dict[str, Any]]) -> list[str]:
    """The recorded outputs now missing or of another size (plan's cheap check; no hashing)."""
    changed = []
    for name in OUTPUTS:
        facts = recorded.get(name) or {}
        path = folder / name
        if not path.is_file():
            changed.append(f"{name} missing")
        elif path.stat().st_size != facts.get("size"):
            changed.append(f"{name} changed size")
    return changed
