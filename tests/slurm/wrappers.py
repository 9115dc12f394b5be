"""SLURM commands wrapped on PATH: each call is logged (to count them), and sbatch can kill -9
its caller (insarproj) just before, during (then submits a few seconds later) or just after
submitting, at a chosen call."""

from __future__ import annotations

import shutil
from pathlib import Path

COMMANDS = ("sbatch", "squeue", "scancel", "scontrol", "sacct")

_WRAPPER = """#!/bin/bash
log={log}
echo "$(basename "$0") $*" >> "$log"
real={real}
if [ "$(basename "$0")" = sbatch ] && [ -n "$INSARPROJ_TEST_KILL" ]; then
  n=$(grep -c '^sbatch ' "$log")
  when=${{INSARPROJ_TEST_KILL%%:*}}; at=${{INSARPROJ_TEST_KILL##*:}}
  if [ "$n" = "$at" ] && [ "$when" = before ]; then kill -9 $PPID; exit 1; fi
  # "during": insarproj dies while this sbatch is still on its way to the controller.
  if [ "$n" = "$at" ] && [ "$when" = during ]; then
    kill -9 $PPID; sleep "${{INSARPROJ_TEST_SBATCH_DELAY:-3}}"
  fi
  if [ "$n" = "$at" ] && [ "$when" = after ]; then
    out=$("$real" "$@"); rc=$?; echo "submitted $out" >> "$log"; kill -9 $PPID; echo "$out"; exit $rc
  fi
fi
if [ "$(basename "$0")" = sbatch ]; then
  out=$("$real" "$@"); rc=$?; echo "submitted $out" >> "$log"; echo "$out"; exit $rc
fi
exec "$real" "$@"
"""


def wrap(folder: Path) -> tuple[Path, Path]:
    """A bin folder of logging wrappers (put it first on PATH) and the log they append to."""
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "calls.log"
    log.touch()
    for name in COMMANDS:
        real = shutil.which(name)
        assert real is not None, name
        script = folder / name
        script.write_text(_WRAPPER.format(log=log, real=real))
        script.chmod(0o755)
    return folder, log


def calls(log: Path) -> list[str]:
    return [line.split()[0] for line in log.read_text().splitlines() if not line.startswith("submitted ")]


def submitted(log: Path) -> list[str]:
    """The job ids sbatch answered, in order."""
    return [line.split()[1] for line in log.read_text().splitlines() if line.startswith("submitted ")]
