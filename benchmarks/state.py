"""Cost of recording one action and of folding, at 100 and 10,000 resources.

Compares insarproj's journal (append one fsync'd line per action, fold when the journal has
grown as large as the state) with the naive design (rewrite the whole state file atomically
after every action), in the same process on the same disk.

    python benchmarks/state.py [--actions N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

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


def bench(resources: int, actions: int) -> None:
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        store = seeded_store(Path(tmp) / "journal", resources)
        state_bytes = store.path.stat().st_size
        writer = store.open_writer()
        t0 = time.perf_counter()
        for i in range(actions):
            writer.record([record(resources + i)])
        journal_total = time.perf_counter() - t0
        folds = writer.folds
        t0 = time.perf_counter()
        writer.fold()
        fold_time = time.perf_counter() - t0
        writer.close()

        naive_store = seeded_store(Path(tmp) / "naive", resources)
        state = naive_store.load()
        t0 = time.perf_counter()
        for i in range(actions):
            state.apply_ops([record(resources + i)])
            atomic_write_text(naive_store.path, canonical_json(state.to_file_dict()))
        naive_total = time.perf_counter() - t0
    print(
        f"{resources:>6} resources (state {state_bytes / 1e6:6.2f} MB), {actions} actions: "
        f"journal {journal_total / actions * 1e3:7.3f} ms/action ({folds} folds), "
        f"fold {fold_time * 1e3:7.1f} ms, naive rewrite {naive_total / actions * 1e3:8.3f} ms/action "
        f"→ {naive_total / journal_total:5.1f}× slower"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=200)
    args = parser.parse_args()
    for resources in (100, 10_000):
        bench(resources, args.actions)


if __name__ == "__main__":
    main()
