"""Overhead per command of insarproj's local ISCE executor, beside `xargs -P N` on the same commands.

2,000 trivial commands (each writes one small output file) in 8 steps of 250, run step after step
with at most N at a time: once through ``insarproj.isce.local_runner.LocalRunner`` (own process
group and log per command, a durable fsync'd record before and after each, the done check of
exit code + log scan + outputs) and once through ``xargs -d '\\n' -P N -n 1 sh -c`` (no records,
no checks), alternately (A B A B …) in the same run. Prints one Markdown table.

Then the plan time of a converged ISCE stack, as a user sees it: the whole CLI process
`insarproj -C DIR plan` (Python start-up and imports included) on a one-track project of `--dates`
dates that the stand-in topsStack processed against an in-process sandbox (one apply first, not
timed; every plan must say "nothing to do", or the script fails).

    python benchmarks/isce_steps.py [--commands 2000] [--steps 8] [--procs N] [--runs 3] [--dates 12]
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


def converged_stack(root: Path, dates: int, env: dict[str, str]) -> Path:
    """A one-track ISCE project of ``dates`` 12-day dates, applied to convergence (not timed)."""
    import datetime as dt

    from insarproj.demo import demo_project_toml
    from insarproj.sandbox.catalog import DEMO_BBOX
    from insarproj.sandbox.topsstack.install import install
    from insarproj.scaffold import create_project

    project = root / "project"
    end = dt.date(2021, 1, 1) + dt.timedelta(days=12 * dates)
    text = demo_project_toml(
        name="bench-isce", bbox=DEMO_BBOX, start="2021-01-01", end=end.isoformat(), processor="isce"
    )
    create_project(project, text)
    install(project / "topsstack-stand-in")
    cli = [sys.executable, "-m", "insarproj", "-q", "-C", str(project)]
    subprocess.run([*cli, "apply", "--yes"], env=env, check=True, capture_output=True)
    return project


def time_plans(project: Path, runs: int, env: dict[str, str]) -> list[float]:
    cli = [sys.executable, "-m", "insarproj", "-C", str(project), "plan", "--detailed-exitcode"]
    times = []
    for _ in range(runs):
        start = time.monotonic()
        done = subprocess.run(cli, env=env, capture_output=True, text=True, check=False)
        times.append(time.monotonic() - start)
        if done.returncode != 0:
            raise SystemExit(
                f"the stack did not converge (exit {done.returncode}):\n{done.stdout}{done.stderr}"
            )
    return times


def plan_time(dates: int, runs: int) -> tuple[int, int, list[float]]:
    """(dates, steps, seconds per `insarproj plan`) of a converged stand-in stack."""
    from insarproj.sandbox.server import Sandbox
    from insarproj.state import StateStore

    sandbox = Sandbox(seed=0).start()
    try:
        with tempfile.TemporaryDirectory(prefix="isce-plan-bench-") as tmp:
            env = {**os.environ, **sandbox.env(), "HOME": tmp, "INSARPROJ_PLUGINS": ""}
            project = converged_stack(Path(tmp), dates, env)
            state = StateStore(project / ".insarproj").load()
            kinds = [r["kind"] for r in state.resources.values()]
            times = time_plans(project, runs, env)
            return kinds.count("scene"), kinds.count("isce_step"), times
    finally:
        sandbox.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--procs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--dates", type=int, default=12, help="dates of the converged stack whose plan is timed"
    )
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
    scenes, step_count, times = plan_time(args.dates, args.runs)
    print()
    table(
        f"`insarproj -C DIR plan` of a converged stand-in stack, whole CLI process, median of {args.runs}",
        ["scenes", "ISCE steps", "wall"],
        [
            [
                str(scenes),
                str(step_count),
                f"{statistics.median(times):.2f} s ({min(times):.2f}–{max(times):.2f})",
            ]
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
