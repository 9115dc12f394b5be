"""A step's commands, what proves each done, and its progress (plan, apply and show share them).

A run-file line becomes a `CommandSpec` keyed by its config's name (`SentinelWrapper.py -c
<work>/configs/config_igram_unw_<pair>` → `config_igram_unw_<pair>`), else by its position.
Expected outputs follow what topsStack's functions write (docs/isce.md "Resources"): the merged
interferograms of a pair (`merged/interferograms/<pair>/fine.int`, `filt_fine.int`,
`filt_fine.cor`, `filt_fine.unw`), the burst interferograms, unpacked and coregistered dates.
"""

from __future__ import annotations

import hashlib
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from insarproj.fsutil import resolve_inside

_OUTPUTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("config_merge_igram_", ("merged/interferograms/{x}/fine.int",)),
    (
        "config_igram_filt_coh_",
        ("merged/interferograms/{x}/filt_fine.int", "merged/interferograms/{x}/filt_fine.cor"),
    ),
    ("config_igram_unw_", ("merged/interferograms/{x}/filt_fine.unw",)),
    ("config_generate_igram_", ("interferograms/{x}",)),
    ("config_secondary_", ("secondarys/{x}",)),
    ("config_fullBurst_resample_", ("coreg_secondarys/{x}",)),
    ("config_reference", ("reference",)),
)
_SAFE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,200}$")


def run_file_commands(run_file: Path) -> list[str]:
    """The commands of a run file (no blank lines, no `wait`, no trailing `&`)."""
    lines = []
    for raw in run_file.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line == "wait":
            continue
        lines.append(line.removesuffix("&").rstrip())
    return lines


def command_key(line: str, index: int) -> str:
    try:
        words = shlex.split(line)
    except ValueError:
        words = []
    if "-c" in words[:-1]:
        name = Path(words[words.index("-c") + 1]).name
        if _SAFE_KEY.match(name):
            return name
    return f"cmd{index:04d}-{hashlib.sha256(line.encode()).hexdigest()[:8]}"


def expected_outputs(key: str, work: Path) -> tuple[Path, ...]:
    for prefix, patterns in _OUTPUTS:
        if key == prefix or (prefix.endswith("_") and key.startswith(prefix)):
            rest = key[len(prefix) :]
            return tuple(work / p.format(x=rest) for p in patterns)
    return ()


def command_specs(run_file: Path, work: Path) -> list[Any]:
    from insarproj.isce.local_runner import CommandSpec

    specs = []
    seen: set[str] = set()
    for index, line in enumerate(run_file_commands(run_file), start=1):
        key = command_key(line, index)
        if key in seen:
            key = f"{key}.{index}"
        seen.add(key)
        specs.append(CommandSpec(key=key, command=line, outputs=expected_outputs(key, work)))
    return specs


def step_paths(project: Any, stack_record: Any) -> tuple[Path, Path]:
    """The generation's work folder and the folder of its command logs."""
    work = resolve_inside(project.data_dir, stack_record["attributes"]["work"], what="an isce_stack record")
    return work, work.parent / "logs" / str(stack_record["attributes"]["fingerprint"])[:12]


@dataclass
class StepProgress:
    total: int
    done: int
    failed: dict[str, int]  # key → failures so far, for commands whose last run failed
    running: int

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done == self.total

    def exhausted(self, max_attempts: int) -> bool:
        return any(f >= max_attempts for f in self.failed.values())

    def describe(self, max_attempts: int) -> str:
        text = f"{self.done}/{self.total} commands done"
        if self.failed:
            attempt = max(self.failed.values())
            text += f", {len(self.failed)} failed (attempt {attempt} of {max_attempts})"
        if self.running:
            text += f", {self.running} recorded as running"
        return text


def record_file_of(log_dir: Path, run_file: str) -> Path:
    """The step's fsync'd command records (one JSON line per record, in the generation's log folder)."""
    return log_dir / f"{run_file}.records.jsonl"


def command_records(run_file: str, generation: str, record: Any, log_dir: Path) -> dict[str, Any]:
    """Each command's last record in this generation: the step's state record, overlaid by the
    record file written as commands ran (newer: it holds what an interrupted apply recorded)."""
    from insarproj.isce.records import RecordFile, latest_by_key

    commands: dict[str, Any] = {}
    if record is not None and record["attributes"].get("generation") == generation:
        commands = dict(record["attributes"].get("commands", {}))
    for key, last in latest_by_key(RecordFile(record_file_of(log_dir, run_file)).read()).items():
        commands[key] = last.to_json()
    return commands


def progress_of(spec: Any, record: Any, stack_record: Any, project: Any) -> StepProgress:
    """How far the step is in its generation, from its records and the outputs on disk."""
    from insarproj.isce.failures import missing_outputs
    from insarproj.isce.keep import outputs_to_check, pruned_folders

    work, log_dir = step_paths(project, stack_record)
    pruned = pruned_folders(work, spec["generation"])  # removed by `apply --prune` once done
    run_file = work / "run_files" / spec["run_file"]
    specs = command_specs(run_file, work) if run_file.is_file() else []
    commands = command_records(spec["run_file"], spec["generation"], record, log_dir)
    done = running = 0
    failed: dict[str, int] = {}
    for command in specs:
        last = commands.get(command.key) or {}
        status = last.get("status")
        if status == "done" and not missing_outputs(outputs_to_check(command.outputs, work, pruned)):
            done += 1
        elif status == "failed":
            failed[command.key] = int(last.get("failures", 1))
        elif status == "running":
            running += 1
    return StepProgress(total=len(specs), done=done, failed=failed, running=running)
