"""The batch script of one array of a step, and the task table it reads.

Task ``i`` runs the commands of the table's lines tagged ``i``, each in a subshell after the
configured ``env_setup`` lines, and writes for each: ``<key>.start`` before (the array's job id
and task), its log ``<key>.log``, and ``<key>.rc`` after (the exit status, written then renamed,
so a reader sees all of it or nothing). Every task also writes ``part<N>.job``, the array's job id,
so an array that finished and left the queue while insarproj was dead is still known
(docs/slurm.md "The batch script").
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ArrayScript", "job_file", "script_path", "slurm_output", "write_array"]


@dataclass(frozen=True)
class ArrayScript:
    """What goes into one array's script besides its commands."""

    job_name: str
    sbatch_options: tuple[str, ...]  # "--time=04:00:00", ...
    sbatch_lines: tuple[str, ...]  # verbatim `#SBATCH ...` lines
    env_setup: tuple[str, ...]
    work: Path
    path_prepend: tuple[Path, ...] = ()
    throttle: int | None = None


def script_path(folder: Path, part: int) -> Path:
    return folder / f"part{part}.sbatch"


def slurm_output(script: Path) -> str:
    """SLURM's own output file of each task, beside the script (given to sbatch as an argument,
    not an #SBATCH line, so that a folder with spaces is one word)."""
    return str(script.parent / "slurm-%A_%a.out")


def job_file(folder: Path, part: int) -> Path:
    return folder / f"part{part}.job"


def write_array(
    folder: Path, part: int, tasks: Sequence[Sequence[tuple[str, str]]], how: ArrayScript
) -> Path:
    """Write the task table and batch script of array ``part`` (tasks: per task, its (key, command)
    pairs) into ``folder``; the script's path. Both are fsync'd before sbatch may read them."""
    folder.mkdir(parents=True, exist_ok=True)
    table = folder / f"part{part}.tsv"
    lines = [f"{index}\t{key}\t{command}\n" for index, pairs in enumerate(tasks) for key, command in pairs]
    _write_durably(table, "".join(lines))
    script = script_path(folder, part)
    _write_durably(script, _render(folder, part, len(tasks), table, how))
    script.chmod(0o755)
    return script


def _render(folder: Path, part: int, count: int, table: Path, how: ArrayScript) -> str:
    q = shlex.quote
    array = f"0-{count - 1}" + (f"%{how.throttle}" if how.throttle else "")
    head = [
        "#!/bin/bash",
        f"#SBATCH --job-name={how.job_name}",
        f"#SBATCH --array={array}",
        "#SBATCH --kill-on-invalid-dep=yes",
        *(f"#SBATCH {option}" for option in how.sbatch_options),
        *how.sbatch_lines,
        "# Written by insarproj (docs/slurm.md): one task per line group of the table below.",
    ]
    setup = "".join(f"{line}\n" for line in how.env_setup)
    path = ":".join(q(str(p)) for p in how.path_prepend)
    body = f"""here={q(str(folder))}
job="$SLURM_ARRAY_JOB_ID"
tmp="$here/part{part}.job.$SLURM_ARRAY_TASK_ID"
printf '%s\\n' "$job" > "$tmp" && mv -f "$tmp" {q(str(job_file(folder, part)))}
export OMP_NUM_THREADS="${{SLURM_CPUS_PER_TASK:-1}}"
{f'export PATH={path}:"$PATH"' if path else ""}
cd {q(str(how.work))} || exit 1
status=0
while IFS=$'\\t' read -r task key command; do
  [ "$task" = "$SLURM_ARRAY_TASK_ID" ] || continue
  printf '%s %s\\n' "$job" "$SLURM_ARRAY_TASK_ID" > "$here/$key.start"
  (
{setup}eval "$command"
  ) > "$here/$key.log" 2>&1 < /dev/null
  rc=$?
  printf '%s %s\\n' "$rc" "$job" > "$here/$key.rc.tmp" && mv -f "$here/$key.rc.tmp" "$here/$key.rc"
  [ "$rc" -eq 0 ] || status=$rc
done < {q(str(table))}
exit "$status"
"""
    return "\n".join(head) + "\n" + body


def _write_durably(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
