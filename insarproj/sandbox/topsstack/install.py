"""Writing the stand-in topsStack into a folder: one executable per command the real
`contrib/stack/topsStack` folder provides and its run files call.

The folder is what insarproj's `topsstack_dir` points at (or what goes on PATH); each file is a
three-line Python script that runs this package with the interpreter that installed it. Nothing is
put on PATH by installing insarproj: a user with a real ISCE2 must never find these instead.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

COMMANDS = (
    "stackSentinel.py",
    "SentinelWrapper.py",
    "subsetReference.py",
    "invertMisreg.py",
    "extractCommonValidRegion.py",
    "computeIon.py",
    "mergeSwathIon.py",
    "invertIon.py",
    "fetchOrbit.py",
)
MARKER = "insarproj sandbox stand-in of ISCE2 topsStack"


def install(folder: str | os.PathLike[str], faults: str | None = None) -> Path:
    """Write the commands into `folder` (created if needed); `faults` sets its faults.txt."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    for name in COMMANDS:
        script = target / name
        script.write_text(
            f"#!{sys.executable}\n# {MARKER}\n"
            "from insarproj.sandbox.topsstack.commands import main\nmain(__file__)\n",
            encoding="utf-8",
        )
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    if faults is not None:
        (target / "faults.txt").write_text(faults, encoding="utf-8")
    return target
