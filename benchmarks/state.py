"""Cost of recording actions in state, folds included, at 100 and 10,000 resources.

Compares insarproj's journal (append one fsync'd line per action; fold it into state.json once it
has grown past the threshold of docs/project-folder.md) with the naive design (rewrite the whole
state file atomically after every action), in the same process on the same disk. Per size:
the cost of one action between folds; how many actions fill the journal to its fold; the fold;
the amortised cost per action over that whole cycle, fold included; an apply that records 10
actions (open the writer, record, close); and the naive rewrite. Prints one Markdown table; exits
non-zero if the journal never folded.

    python benchmarks/state.py [--sizes 100,10000] [--naive-actions 50] [--max-actions 200000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench import machine, table

from insarproj.fsutil import atomic_write_text, canonical_json
from insarproj.state import StateStore, op_put


def record(i: int) -> dict:
    return op_put(
        f"scene.S1A_IW_SLC__1SDV_2021{i:010d}",
        "scene",
        "present",
        {
            "path": f"scenes/A064/S1A_{i}.zip",
            "size": 4_500_000_000 + i,
            "md5": f"{i:032x}",
            "url": "https://x/y.zip",
        },
    )


def seeded_store(folder: Path, resources: int) -> StateStore:
    store = StateStore(folder)
    store.create()
    with store.open_writer() as writer:
        for start in range(0, resources, 1000):
            writer.record([record(i) for i in range(start, min(resources, start + 1000))])
    return store


def fold_cycle(store: StateStore, first: int, max_actions: int) -> tuple[int, float, float, float]:
    """Record one action at a time until the journal folds by itself.

    (actions in the cycle, seconds for the whole cycle, median seconds of an action that did not
    fold, seconds of the fold itself: the action that folded minus that median).
    """
    laps = []
    with store.open_writer() as writer:
        folds = writer.folds
        t_cycle = time.perf_counter()
        while writer.folds == folds:
            if len(laps) >= max_actions:
                sys.exit(f"no fold in {max_actions:,} actions: the benchmark would not include one")
            t0 = time.perf_counter()
            writer.record([record(first + len(laps))])
            laps.append(time.perf_counter() - t0)
        cycle = time.perf_counter() - t_cycle
    typical = statistics.median(laps)
    return len(laps), cycle, typical, laps[-1] - typical  # the last action folded


def apply_of(store: StateStore, first: int, actions: int) -> float:
    """An apply that records `actions` actions: open the writer, record each, close it."""
    t0 = time.perf_counter()
    with store.open_writer() as writer:
        for i in range(actions):
            writer.record([record(first + i)])
    return time.perf_counter() - t0


def naive(folder: Path, resources: int, actions: int) -> float:
    store = seeded_store(folder, resources)
    state = store.load()
    t0 = time.perf_counter()
    for i in range(actions):
        state.apply_ops([record(resources + i)])
        atomic_write_text(store.path, canonical_json(state.to_file_dict()))
    return (time.perf_counter() - t0) / actions


def bench(resources: int, args: argparse.Namespace) -> list[str]:
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        store = seeded_store(Path(tmp) / "journal", resources)
        state_bytes = store.path.stat().st_size
        actions, cycle, typical, fold = fold_cycle(store, resources, args.max_actions)
        apply10 = statistics.median(apply_of(store, resources + actions + 10 * i, 10) for i in range(5))
        per_naive = naive(Path(tmp) / "naive", resources, args.naive_actions)
    amortised = cycle / actions
    return [
        f"{resources:,}",
        f"{state_bytes / 1e6:.2f} MB ({state_bytes / max(resources, 1):.0f} B/record)",
        f"{typical * 1e3:.2f} ms",
        f"{actions:,}",
        f"{fold * 1e3:.0f} ms",
        f"{amortised * 1e3:.2f} ms",
        f"{apply10 * 1e3:.0f} ms",
        f"{per_naive * 1e3:.1f} ms ({per_naive / amortised:.0f}× the amortised journal)",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,10000", help="resources, comma-separated")
    parser.add_argument("--naive-actions", type=int, default=50)
    parser.add_argument("--max-actions", type=int, default=200_000)
    args = parser.parse_args()
    rows = [bench(int(n), args) for n in args.sizes.split(",")]
    header = ["resources", "state.json", "journal, per action (median)", "actions to a fold", "fold"]
    header += ["per action, folds included", "apply of 10 actions", "naive rewrite, per action"]
    table(f"Recording actions in state ({machine()}):", header, rows)


if __name__ == "__main__":
    main()
