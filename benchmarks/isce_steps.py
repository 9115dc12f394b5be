"""Overhead per command of insarproj's local ISCE executor, beside `xargs -P N` on the same commands.

2,000 trivial commands (each writes one small output file) in 8 steps of 250, run step after step
with at most N at a time: once through ``insarproj.isce.local_runner.LocalRunner`` (own process
group and log per command, a durable fsync'd record before and after each, the done check of
exit code + log scan + outputs) and once through ``xargs -d '\\n' -P N -n 1 sh -c`` (no records,
no checks), alternately (A B A B …) in the same run. Prints one Markdown table.

The plan time of a converged ISCE stack is measured once the isce kinds exist (it prints n/a).

    python benchmarks/isce_steps.py [--commands 2000] [--steps 8] [--procs N] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench import machine, table

from insarproj.isce.local_runner import CommandSpec, LocalRunner
from insarproj.isce.records import RecordFile


def step_commands(root: Path, commands: int, steps: int) -> list[list[CommandSpec]]:
    per_step = commands // steps
    out = root / "out"
    return [
        [
            CommandSpec(f"c{index:05d}", f"echo {index} > {out}/{index:05d}", (out / f"{index:05d}",))
            for index in range(step * per_step, (step + 1) * per_step)
        ]
        for step in range(steps)
    ]


def fresh(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)
    (root / "out").mkdir(parents=True)


def run_insarproj(root: Path, steps: list[list[CommandSpec]], procs: int) -> float:
    fresh(root)
    records = RecordFile(root / "records.jsonl")
    runner = LocalRunner(log_dir=root / "logs", on_record=records.append, num_proc=procs)
    start = time.monotonic()
    for number, specs in enumerate(steps, start=1):
        outcome = runner.run_step(f"{number:02d}_step", specs)
        assert len(outcome.ran) == len(specs)
    return time.monotonic() - start


def run_xargs(root: Path, steps: list[list[CommandSpec]], procs: int) -> float:
    fresh(root)
    files = []
    for number, specs in enumerate(steps, start=1):
        file = root / f"run_{number:02d}"
        file.write_text("".join(spec.command + "\n" for spec in specs))
        files.append(file)
    start = time.monotonic()
    for file in files:
        with file.open("rb") as lines:
            subprocess.run(
                ["xargs", "-d", "\n", "-P", str(procs), "-n", "1", "sh", "-c"], stdin=lines, check=True
            )
    return time.monotonic() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--procs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="isce-bench-") as tmp:
        root = Path(tmp)
        steps = step_commands(root / "work", args.commands, args.steps)
        total = sum(len(s) for s in steps)
        ours, theirs = [], []
        for _ in range(args.runs):
            ours.append(run_insarproj(root / "work", steps, args.procs))
            theirs.append(run_xargs(root / "work", steps, args.procs))
    per_ours = statistics.median(ours) / total * 1000
    per_theirs = statistics.median(theirs) / total * 1000
    rows = [
        [
            "insarproj LocalRunner",
            f"{statistics.median(ours):.2f} s ({min(ours):.2f}–{max(ours):.2f})",
            f"{per_ours:.2f} ms",
        ],
        [
            f"xargs -P {args.procs}",
            f"{statistics.median(theirs):.2f} s ({min(theirs):.2f}–{max(theirs):.2f})",
            f"{per_theirs:.2f} ms",
        ],
        ["overhead of insarproj", "", f"{per_ours - per_theirs:+.2f} ms per command"],
    ]
    table(
        f"{total} commands in {args.steps} steps, {args.procs} at a time, median of {args.runs} "
        f"({machine()})",
        ["runner", "wall", "per command"],
        rows,
    )
    print("\nplan of a converged ISCE stack: not measured by this script yet (an e2e test plans one)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
