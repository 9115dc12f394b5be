"""Finding ISCE2's topsStack: ``stackSentinel.py`` in ``topsstack_dir`` or on PATH, and its version.

ISCE2 installs from conda-forge only (``isce2``), which puts topsStack under
``<env>/share/isce2/topsStack``; docs/isce.md "Finding ISCE2".
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["INSTALL_HINT", "TopsStack", "check_found", "find_topsstack"]

PROGRAM = "stackSentinel.py"
INSTALL_HINT = (
    "install ISCE2 from conda-forge (`conda install -c conda-forge isce2`) and set "
    "[processor.isce] topsstack_dir to the folder holding stackSentinel.py "
    "(<env>/share/isce2/topsStack), or put that folder on PATH"
)
_VERSION_PROBE = "import isce; print(isce.__version__)"
# The second line of every script of the sandbox's stand-in topsStack (docs/sandbox.md); matched as
# text because this package must not import the sandbox.
STAND_IN_MARKER = "insarproj sandbox stand-in of ISCE2 topsStack"


@dataclass(frozen=True)
class TopsStack:
    """Where stackSentinel.py is (None: not found), its ISCE2 version when known, and why not found."""

    program: Path | None
    version: str | None = None
    problem: str | None = None
    stand_in: bool = False  # the sandbox's stand-in, not ISCE2

    @property
    def found(self) -> bool:
        return self.program is not None

    @property
    def folder(self) -> Path | None:
        return None if self.program is None else self.program.parent

    def summary(self) -> str:
        if self.program is None:
            return f"ISCE2 topsStack not found ({self.problem}): {INSTALL_HINT}"
        if self.stand_in:
            return f"the sandbox's stand-in topsStack at {self.program} (not ISCE2: for tests and the demo)"
        version = f"version {self.version}" if self.version else "version unknown"
        return f"real topsStack at {self.program} (ISCE2 {version})"


def find_topsstack(
    topsstack_dir: str | None,
    *,
    base: Path | None = None,
    path: str | None = None,
    probe_timeout: float = 30.0,
) -> TopsStack:
    """Find stackSentinel.py: in ``topsstack_dir`` (relative to ``base``, the project folder) when set,
    with no fallback; else on ``path`` (default: PATH)."""
    search_path = os.environ.get("PATH", "") if path is None else path
    if topsstack_dir is not None:
        folder = (base or Path.cwd()) / Path(topsstack_dir).expanduser()
        program = folder / PROGRAM
        if not program.is_file():
            return TopsStack(None, problem=f"topsstack_dir {folder} has no {PROGRAM}")
    else:
        where = shutil.which(PROGRAM, path=search_path)
        if where is None:
            return TopsStack(None, problem=f"{PROGRAM} is not on PATH and topsstack_dir is not set")
        program = Path(where)
    program = program.resolve()
    if _is_stand_in(program):
        return TopsStack(program, stand_in=True)
    return TopsStack(program, _version(program, search_path, probe_timeout))


def _is_stand_in(program: Path) -> bool:
    try:
        with program.open("rb") as handle:
            head = handle.read(1024).decode("utf-8", errors="replace")
    except OSError:
        return False
    return STAND_IN_MARKER in head


def _version(program: Path, search_path: str, timeout: float) -> str | None:
    """The ISCE2 version: from the conda package record of the environment, else by importing isce
    with the Python that runs stackSentinel.py."""
    return _conda_version(program) or _python_version(program, search_path, timeout)


def _conda_version(program: Path) -> str | None:
    # <env>/share/isce2/topsStack/stackSentinel.py -> <env>/conda-meta/isce2-<version>-<build>.json
    for parent in program.parents:
        meta = parent / "conda-meta"
        if meta.is_dir():
            for record in sorted(meta.glob("isce2-*.json")):
                try:
                    version = json.loads(record.read_text()).get("version")
                except (OSError, ValueError):
                    continue
                if isinstance(version, str):
                    return version
            return None
    return None


def _python_version(program: Path, search_path: str, timeout: float) -> str | None:
    python = _interpreter(program, search_path)
    if python is None:
        return None
    try:
        done = subprocess.run(
            [python, "-c", _VERSION_PROBE],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "PATH": search_path},
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines or not re.fullmatch(r"[0-9][0-9A-Za-z.+_-]*", lines[-1].strip()):
        return None
    return lines[-1].strip()


def _interpreter(program: Path, search_path: str) -> str | None:
    """The Python named by the script's shebang (``/usr/bin/env python3`` is looked up on the PATH)."""
    try:
        with program.open("rb") as handle:
            first = handle.readline(512).decode("utf-8", errors="replace").strip()
    except OSError:
        return None
    if not first.startswith("#!"):
        return shutil.which("python3", path=search_path)
    words = first[2:].split()
    if not words:
        return None
    if Path(words[0]).name == "env" and len(words) > 1:
        return shutil.which(words[-1], path=search_path)
    return words[0]


def check_found(config: Any, found: TopsStack) -> tuple[list[str], str]:
    """Whether ``found`` accepts every stackSentinel.py option ``config`` makes insarproj pass:
    problems (one sentence each) and how it was checked (docs/isce.md "Version-dependent options")."""
    from insarproj.isce.options_check import check_options

    if found.program is None:
        return [], "not checked: topsStack was not found"
    if found.stand_in:
        return [], "the stand-in accepts the options of ISCE2 2.6.5 (isce2 @ b7702cfb), as listed in its data"
    return check_options(config, found.program, found.version)
