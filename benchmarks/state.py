"""Cost of recording actions in state, folds included, at 100 and 10,000 resources.

Compares insarproj's journal (append one fsync'd line per action; fold it into state.json once it
has grown past the threshold of docs/project-folder.md) with the naive design (rewrite the whole
state file atomically after every action), in the same process on the same disk. Per size:
the cost of one action between folds; how many actions fill the journal to its fold; the fold;
the amortised cost per action over that whole cycle, fold included; an apply that records 10
actions (open the writer, record, close); a plan's read of state.json (lazy) through its seal and
in full, without it (CPU time; docs/project-folder.md, "Sealed state"); and the naive rewrite.
Prints one Markdown table; exits non-zero if the journal never folded or the state was not sealed.

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

from insarproj.fsutil import atomic_write_bytes
from insarproj.state import StateStore, op_put
from insarproj.state.seal import SEAL_NAME, local_dir, read_key, read_seal, seal_of


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


def apply_of(store: StateStore, first: int, actions: int) -> tuple[float, float, int]:
    """An apply that records `actions` actions: open the writer, record each, close it.
    (seconds in all, seconds of recording and closing only, folds it made)."""
    t0 = time.perf_counter()
    with store.open_writer() as writer:
        t_open = time.perf_counter()
        for i in range(actions):
            writer.record([record(first + i)])
    t_end = time.perf_counter()
    return t_end - t0, t_end - t_open, writer.folds


def load_of(store: StateStore) -> float:
    """What every reader pays first (plan, show): state.json read and the journal replayed."""
    t0 = time.perf_counter()
    store.load()
    return time.perf_counter() - t0


def read_of(store: StateStore, runs: int = 7) -> tuple[float, float]:
    """A plan's read of state.json (`load(lazy=True)`): median CPU seconds through its seal, and
    in full (the seal set aside, as for a file another machine wrote)."""
    key, seal = read_key(store.dir), local_dir(store.dir) / SEAL_NAME
    if key is None or read_seal(store.dir) != seal_of(key, store.path.read_bytes()):
        sys.exit("state.json is not sealed: the benchmark would not measure a sealed read")

    def cpu() -> float:
        t0 = time.process_time()
        store.load(lazy=True)
        return time.process_time() - t0

    sealed = statistics.median(cpu() for _ in range(runs))
    aside = seal.with_name(SEAL_NAME + ".aside")
    seal.rename(aside)
    try:
        full = statistics.median(cpu() for _ in range(runs))
    finally:
        aside.rename(seal)
    return sealed, full


def naive(folder: Path, resources: int, actions: int) -> float:
    store = seeded_store(folder, resources)
    state = store.load()
    t0 = time.perf_counter()
    for i in range(actions):
        state.apply_ops([record(resources + i)])
        atomic_write_bytes(store.path, state.to_bytes())
    return (time.perf_counter() - t0) / actions


def bench(resources: int, args: argparse.Namespace) -> tuple[list[str], list[list[str]]]:
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        store = seeded_store(Path(tmp) / "journal", resources)
        state_bytes = store.path.stat().st_size
        actions, cycle, typical, fold = fold_cycle(store, resources, args.max_actions)
        applies = [apply_of(store, resources + actions + 10 * i, 10) for i in range(5)]
        apply10 = statistics.median(seconds for seconds, _recording, _folds in applies)
        recording = statistics.median(r for _seconds, r, _folds in applies)
        load = statistics.median(load_of(store) for _ in range(5))
        read_sealed, read_full = read_of(store)
        per_naive = naive(Path(tmp) / "naive", resources, args.naive_actions)
    amortised = cycle / actions
    folds = sum(f for _seconds, _recording, f in applies)
    targets = []
    if state_bytes >= 1024 * 1024:  # below that a fold at the end of an apply is by design (ms)
        # An apply plans first (reading the state once, as a no-op plan does), then records: it
        # stays within 1.3x a no-op plan when recording and closing cost at most 0.3x the read.
        verdict = "met" if folds == 0 and recording <= 0.3 * load else "NOT met"
        targets.append(
            [
                f"apply recording 10 actions, {resources:,} resources",
                f"{recording * 1e3:.0f} ms to record and close, {folds} folds",
                f"no fold; ≤ 0.3× reading the state ({load * 1e3:.0f} ms), i.e. apply ≤ 1.3× a no-op plan",
                verdict,
            ]
        )
    targets.append(
        [
            f"state.json per record, {resources:,} resources",
            f"{state_bytes / max(resources, 1):.0f} B",
            "≤ 500 B",
            "met" if state_bytes / max(resources, 1) <= 500 else "NOT met",
        ]
    )
    return [
        f"{resources:,}",
        f"{state_bytes / 1e6:.2f} MB ({state_bytes / max(resources, 1):.0f} B/record)",
        f"{typical * 1e3:.2f} ms",
        f"{actions:,}",
        f"{fold * 1e3:.0f} ms",
        f"{amortised * 1e3:.2f} ms",
        f"{apply10 * 1e3:.0f} ms",
        f"{read_sealed * 1e3:.1f} ms / {read_full * 1e3:.1f} ms",
        f"{per_naive * 1e3:.1f} ms ({per_naive / amortised:.0f}× the amortised journal)",
    ], targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,10000", help="resources, comma-separated")
    parser.add_argument("--naive-actions", type=int, default=50)
    parser.add_argument("--max-actions", type=int, default=200_000)
    args = parser.parse_args()
    results = [bench(int(n), args) for n in args.sizes.split(",")]
    header = ["resources", "state.json", "journal, per action (median)", "actions to a fold", "fold"]
    header += ["per action, folds included", "apply of 10 actions", "plan's read: sealed / in full (CPU)"]
    header += ["naive rewrite, per action"]
    table(f"Recording actions in state ({machine()}):", header, [row for row, _t in results])
    table("Targets:", ["figure", "measured", "target", ""], [t for _r, ts in results for t in ts])


if __name__ == "__main__":
    main()
