"""Where the plan phase of a no-op `insarproj plan` spends its CPU, kind by kind.

The plan phase is `build_plan` after the state is loaded (engine/planner.py): each kind's
`desired` and `assess`, the planner's own loop (it asks the lazy state for each record, which
builds it: state/lazy.py) and the pinned inputs. Each run is a fresh Python process (nothing
warm), timed with CPU time (`time.process_time`), so a loaded machine skews it less than wall
time; the table gives medians. With `--baseline CHECKOUT` the same project is planned by that
checkout's code in turn with this one's (same interpreter, `PYTHONPATH` first), and the table
compares the two.

    python benchmarks/plan_phases.py DIR [--runs 7] [--baseline /path/to/other/checkout]

DIR is a converged project (e.g. one `benchmarks/plan.py --keep DIR` left); the plan must have
nothing to do, or the run stops.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench import compile_bytecode, machine, table

# Runs in the child: wraps build_plan, the pinned inputs and every kind's methods with CPU timers.
CHILD = r"""
import json, sys, time
from collections import defaultdict
from pathlib import Path
import insarproj.engine.planner as planner
import insarproj.workspace as workspace

spent = defaultdict(float)

def timed(label, function, drain=False):
    def wrapper(*args, **kwargs):
        start = time.process_time()
        try:
            result = function(*args, **kwargs)
            return list(result) if drain else result  # a generator's work is done when drained
        finally:
            spent[label] += time.process_time() - start
    return wrapper

planner._resolve_inputs = timed("pinned inputs", planner._resolve_inputs)
workspace.build_plan = timed("plan phase", planner.build_plan)
ws = workspace.Workspace(Path(sys.argv[1]))
for kind in ws.components.kinds:
    kind.desired = timed(f"{kind.kind} desired", kind.desired, drain=True)
    for name in ("assess", "orphan", "notes", "finish"):
        setattr(kind, name, timed(f"{kind.kind} {name}", getattr(kind, name)))
plan, _ctx = ws._plan()
if plan.actions:
    sys.exit(f"the plan of {sys.argv[1]} has {len(plan.actions)} actions: not converged")
named = sum(v for k, v in spent.items() if k != "plan phase")
spent["planner loop and records built"] = spent["plan phase"] - named
print(json.dumps(spent))
"""


def run(checkout: Path, project: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run(
        # -P: the working folder is not put first on sys.path (it would win over PYTHONPATH).
        [sys.executable, "-P", "-c", CHILD, str(project)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{checkout}: {done.stderr.strip()}")
    spent: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return spent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--baseline", type=Path, help="another checkout of insarproj, planned in turn")
    args = parser.parse_args()
    here = Path(__file__).resolve().parents[1]
    checkouts = {"this": here} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    print(compile_bytecode())
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in checkouts}
    for _ in range(args.runs):
        for name, checkout in checkouts.items():
            samples[name].append(run(checkout, args.project))

    def median(name: str, label: str) -> float:
        return statistics.median(s.get(label, 0.0) for s in samples[name])

    found = {k for runs in samples.values() for s in runs for k in s}
    # The plan phase first, then its parts by CPU, those under a millisecond left out.
    labels = sorted(
        (k for k in found if max(median(name, k) for name in checkouts) >= 0.001),
        key=lambda k: (k != "plan phase", -median("this", k)),
    )

    header = ["CPU seconds (median)", *checkouts]
    rows = [[label, *(f"{median(name, label):.3f}" for name in checkouts)] for label in labels]
    if args.baseline:
        cut = 1 - median("this", "plan phase") / median("baseline", "plan phase")
        rows.append(["plan phase cut against the baseline", f"{cut:.1%}", ""])
    table(f"`insarproj plan` of {args.project}: {args.runs} fresh processes each; {machine()}", header, rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
