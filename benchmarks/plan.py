"""`insarproj plan` of a converged HyP3 project at real scale, timed as a whole process.

Builds a synthetic but fully consistent project of N scenes (N / 500 stacks × 500 dates six days
apart, 2015–2023: its size does not depend on today's date; every pair recorded, every HyP3 job
SUCCEEDED, every product on disk with its manifest, as apply leaves them), starts the sandbox in
its own process and points every INSARPROJ_*_URL at it, then runs the real CLI,
`insarproj -C DIR plan --detailed-exitcode`, as a subprocess, in turn with a floor on the same file:
`python -c "import json; json.load(open(state))"`. The project's state is sealed, as insarproj
leaves a state it wrote (docs/project-folder.md, "Sealed state"); the same plan is then timed with
the seal set aside, as a fresh clone or another machine plans it until an apply seals it there.
Then times an apply that records APPLY_ACTIONS actions: before each run the same number of pair
records is forgotten through insarproj's own state writer (under the project lock), `insarproj -C
DIR apply --yes` writes them back (internal records: no service is involved, the sandbox must still
log 0 requests), and a no-op plan runs in turn with it, exiting 0 (converged again). Also times
`insarproj --help` (start-up) in turn with `python -c pass`. Prints one Markdown table per
measurement.

Exits non-zero unless the project has the stated size (scenes, pairs, records) and a sealed state,
every plan run exits 0 (converged: nothing to do), every apply exits 0 and the sandbox logged 0
requests.

    python benchmarks/plan.py [--scenes 2000 --scenes 20000] [--runs 5] [--keep DIR]

`--keep DIR` (with one --scenes) leaves the converged project in DIR, a normal project folder
(project.toml, .insarproj/, data/products/...): time `insarproj -C DIR plan` by hand.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench import (
    Runs,
    SandboxProcess,
    compile_bytecode,
    insarproj_command,
    machine,
    paired,
    ratio_text,
    run_once,
    table,
)

from insarproj.engine.context import PlanOptions
from insarproj.engine.model import Op
from insarproj.kinds.search import PIN_NAME, search_fingerprint
from insarproj.lock import ProjectLock
from insarproj.scenes.model import PinnedScene, ScenePin, Stack, StackDate
from insarproj.state import StateStore, op_input, op_put
from insarproj.state.seal import SEAL_NAME, local_dir
from insarproj.state.store import op_delete
from insarproj.workspace import Workspace

DATES_PER_STACK = 500
FIRST_DATE = date(2015, 1, 1)
SPACING_DAYS = 6  # 500 dates: 2015-01-01 .. 2023-03-13, all older than any hold
NEIGHBORS = 3
APPLY_ACTIONS = 10  # what one apply records in the "apply" row (a target of README, Performance)

TOML = """\
[project]
name = "bench"
[aoi]
bbox = [-117.9, 35.5, -117.3, 35.9]
[search]
start = 2015-01-01
end = 2023-12-31
[pairs]
method = "sbas"
neighbors = 3
max_temporal_baseline = 48
[processor]
kind = "hyp3"
[processor.hyp3]
job_type = "INSAR_GAMMA"
include_dem = true
include_look_vectors = true
hold_recent_days = 0
"""


def expected_pairs(stacks: int, dates: int) -> int:
    """SBAS, 3 neighbours, all within 48 days: each date pairs with the next three."""
    return stacks * (NEIGHBORS * dates - NEIGHBORS * (NEIGHBORS + 1) // 2)


def scene_name(stack: int, day: date) -> str:
    start, stop = f"{day:%Y%m%d}T0142{stack:02d}", f"{day:%Y%m%d}T0143{stack:02d}"
    return f"S1A_IW_SLC__1SDV_{start}_{stop}_{stack:06d}_{stack:06X}_{stack:04X}"


def synthetic_pin(stacks: int, dates: int) -> ScenePin:
    scenes, stack_models = {}, []
    for s in range(stacks):
        direction = "ASCENDING" if s % 2 == 0 else "DESCENDING"
        stack_dates = []
        for d in range(dates):
            day = FIRST_DATE + timedelta(days=SPACING_DAYS * d)
            name = scene_name(s, day)
            scenes[name] = PinnedScene(
                name=name,
                file_id=name + "-SLC",
                url=f"https://datapool.asf.alaska.edu/SLC/SA/{name}.zip",
                bytes=4_500_000_000,
                md5="0" * 32,
                footprint_wkt="POLYGON((-118 35,-117 35,-117 36,-118 36,-118 35))",
                flight_direction=direction,
                relative_orbit=64 + s,
                frame=100,
                start_time=f"{day}T01:42:00Z",
                stop_time=f"{day}T01:43:00Z",
                platform="Sentinel-1A",
                polarization="VV+VH",
                beam_mode="IW",
                bperp=float((d * 37) % 300 - 150),
            )
            stack_dates.append(
                StackDate(
                    date=day, scenes=[name], representative=name, coverage=1.0, bperp=scenes[name].bperp
                )
            )
        stack_models.append(
            Stack(
                id=f"{direction[0]}{64 + s:03d}",
                flight_direction=direction,
                relative_orbit=64 + s,
                dates=stack_dates,
            )
        )
    return ScenePin(
        fingerprint="bench",
        searched_at="2024-01-01T00:00:00Z",
        cmr_host="bench",
        found=len(scenes),
        scenes=scenes,
        stacks=stack_models,
    )


def converge(root: Path, pin: ScenePin) -> int:
    """Record what a successful apply would have recorded, without the services."""
    ws = Workspace(root)
    store = StateStore(root / ".insarproj")
    with store.open_writer() as writer:
        writer.record(
            [
                op_input(
                    PIN_NAME,
                    {"fingerprint": search_fingerprint(ws.project), "summary": "bench", "pin": pin.to_dict()},
                )
            ]
        )
    plan = Workspace(root).plan(PlanOptions(offline=True))
    ops = []
    for action in plan.actions:
        if action.kind == "pair":
            ops.append(op_put(action.address, "pair", "planned", action.payload["spec"], at=stamp(len(ops))))
        elif action.kind == "hyp3_job" and action.op is Op.CREATE:
            spec = action.payload
            key = action.address.split(".", 1)[1]
            stack, pair_key = key.split(".", 1)
            folder = f"products/{stack}/{pair_key}"
            manifest = write_product(root / "data" / folder, pair_key)
            ops.append(
                op_put(
                    action.address,
                    "hyp3_job",
                    "succeeded",
                    {
                        "pair": spec["pair"],
                        "identity": spec["identity"],
                        "request": spec["request"],
                        "job_id": key,
                        "attempts": [{"job_id": key, "identity": spec["identity"]}],
                        "expiration_time": "2099-01-01T00:00:00+00:00",
                        "files": [{"filename": f"{pair_key}.zip", "url": "https://example/x.zip", "size": 1}],
                    },
                    at=stamp(len(ops)),
                )
            )
            attributes = {"path": folder, "product": pair_key, "job_id": key, **manifest}
            ops.append(op_put("product." + key, "product", "present", attributes, at=stamp(len(ops))))
    with store.open_writer() as writer:
        for start in range(0, len(ops), 2000):
            writer.record(ops[start : start + 2000])
    return len(ops)


def stamp(index: int) -> str:
    """The `updated_at` of the index-th record: each its own second, as in a project recorded over
    years (records written within one second would share it through `common`, a smaller file than
    a real project's)."""
    moment = datetime(2023, 4, 1, tzinfo=UTC) + timedelta(seconds=index)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def write_product(folder: Path, name: str) -> dict:
    """A one-layer product folder with its manifest, as apply leaves it (docs/project-folder.md):
    the record's manifest summary, kept layers (all) and what the plan's quick check stats."""
    from insarproj.hyp3.products import MANIFEST_NAME, ProductManifest, quick_check, sha256_of

    folder.mkdir(parents=True, exist_ok=True)
    layer = folder / f"{name}_unw_phase.tif"
    layer.write_bytes(b"x")
    manifest = ProductManifest({layer.name: (1, sha256_of(layer))})
    (folder / MANIFEST_NAME).write_bytes(manifest.to_bytes())
    return {
        "manifest": manifest.summary(),
        "keep_layers": None,
        **(quick_check(folder, name, manifest, None) or {}),
    }


def build(root: Path, scenes: int) -> dict[str, int]:
    """Write the converged project into root (empty or absent); its size, checked."""
    if scenes % DATES_PER_STACK:
        sys.exit(f"--scenes must be a multiple of {DATES_PER_STACK}")
    stacks = scenes // DATES_PER_STACK
    root.mkdir(parents=True, exist_ok=True)
    if any(root.iterdir()):
        sys.exit(f"{root} is not empty")
    (root / "project.toml").write_text(TOML)
    StateStore(root / ".insarproj").create()
    pin = synthetic_pin(stacks, DATES_PER_STACK)
    converge(root, pin)
    # Folded, as after an apply whose journal passed the threshold: every record in state.json, so
    # its size per record is the format's (docs/project-folder.md), not part state, part journal.
    with StateStore(root / ".insarproj").open_writer() as writer:
        writer.fold()
    kinds = Counter(r["kind"] for r in StateStore(root / ".insarproj").load().resources.values())
    size = {"scenes": len(pin.scenes), "pairs": kinds["pair"], "jobs": kinds["hyp3_job"]}
    size["products"] = kinds["product"]
    pairs = expected_pairs(stacks, DATES_PER_STACK)
    want = {"scenes": scenes, "pairs": pairs, "jobs": pairs, "products": pairs}
    if size != want:
        sys.exit(f"the project has the wrong size: {size}, expected {want}")
    size["records"] = sum(kinds.values())
    return size


def measure(
    root: Path, size: dict[str, int], runs: int
) -> tuple[list[str], list[str], Runs, list[str], float]:
    """Time plan and its json.load floor in turn, then apply beside plan, with the sandbox as its
    own process."""
    state = root / ".insarproj" / "state.json"
    plan_argv = [*insarproj_command(), "-C", str(root), "plan", "--detailed-exitcode"]
    floor_argv = [sys.executable, "-c", f"import json; json.load(open({str(state)!r}))"]
    with SandboxProcess() as box:
        env = {**os.environ, **box.env}
        box.clear_log()
        plan, floor = Runs("plan"), Runs("json.load")
        ratios = paired(plan, plan_argv, floor, floor_argv, runs, env)
        unsealed, failures = unsealed_runs(root, plan_argv, runs, env)
        applied, apply_failures, apply_ratio = apply_row(root, runs, env)
        failures += apply_failures
        time.sleep(0.2)  # the sandbox logs a request once it has answered it
        requests = len(box.request_log())
    if any(plan.codes):
        failures.append(f"plan exit codes {plan.codes} (0 = converged, nothing to do)")
    if requests:
        failures.append(f"plan made {requests} requests to the sandbox")
    row = [
        f"{size['scenes']:,}",
        f"{size['pairs']:,}",
        f"{size['records']:,}",
        f"{state.stat().st_size / 1e6:.1f} MB ({state.stat().st_size / size['records']:.0f} B/record)",
        plan.spread(),
        plan.cpu_spread(),
        plan.peak(),
        f"{unsealed.spread()}, {unsealed.peak()}",
        str(requests),
        floor.spread(),
        ratio_text(ratios),
    ]
    return row, failures, plan, [f"{size['scenes']:,}", *applied], apply_ratio


def unsealed_runs(root: Path, argv: list[str], runs: int, env: dict[str, str]) -> tuple[Runs, list[str]]:
    """The same no-op plan with the state's seal set aside (docs/project-folder.md, "Sealed
    state"): how a fresh clone, or another machine, plans until an apply seals the state there."""
    seal = local_dir(root / ".insarproj") / SEAL_NAME
    if not seal.exists():
        return Runs("unsealed"), ["state.json is not sealed: the plan row did not read it as a user's own"]
    kept = seal.read_bytes()
    seal.unlink()
    unsealed = Runs("unsealed")
    try:
        for _ in range(runs):
            unsealed.add(run_once(argv, env))
    finally:
        seal.write_bytes(kept)
    failures = [f"unsealed plan exit codes {unsealed.codes}"] if any(unsealed.codes) else []
    return unsealed, failures


def forget_pairs(root: Path, count: int) -> None:
    """Remove ``count`` pair records with insarproj's own state writer, under the project lock, as
    an apply would: the next apply has exactly ``count`` records to write back, and nothing else."""
    store = StateStore(root / ".insarproj")
    addresses = [a for a in store.load(lazy=True).resources if a.startswith("pair.")][:count]
    with ProjectLock(root / ".insarproj", command="benchmark"), store.open_writer() as writer:
        writer.record([op_delete(address) for address in addresses])


def apply_row(root: Path, runs: int, env: dict[str, str]) -> tuple[list[str], list[str], float]:
    """An apply recording APPLY_ACTIONS actions, in turn with a no-op plan (which must find the
    project converged again); the median of apply ÷ plan, paired by round."""
    apply_argv = [*insarproj_command(), "-C", str(root), "apply", "--yes"]
    plan_argv = [*insarproj_command(), "-C", str(root), "plan", "--detailed-exitcode"]
    applies, plans, ratios = Runs("apply"), Runs("plan"), []
    for index in range(runs + 1):  # the first round warms up and is not counted
        forget_pairs(root, APPLY_ACTIONS)
        timed = [run_once(apply_argv, env), run_once(plan_argv, env)]
        if index == 0:
            continue
        for record, measured in zip((applies, plans), timed, strict=True):
            record.add(measured)
        ratios.append(applies.wall[-1] / plans.wall[-1])
    failures = [f"apply exit codes {applies.codes}"] if any(applies.codes) else []
    if any(plans.codes):
        failures.append(f"plan after apply exit codes {plans.codes} (0 = converged again)")
    row = [applies.spread(), applies.cpu_spread(), applies.peak(), plans.spread(), ratio_text(ratios)]
    return row, failures, statistics.median(ratios)


def startup_row(runs: int) -> tuple[list[str], Runs]:
    help_runs, bare = Runs("--help"), Runs("pass")
    env = dict(os.environ)
    ratios = paired(
        help_runs, [*insarproj_command(), "--help"], bare, [sys.executable, "-c", "pass"], runs, env
    )
    row = [help_runs.spread(), help_runs.cpu_spread(), help_runs.peak(), bare.spread(), ratio_text(ratios)]
    return row, help_runs


def targets(
    plans: dict[int, Runs], help_runs: Runs, per_record: dict[int, float], apply_ratios: dict[int, float]
) -> list[list[str]]:
    """The targets of README's Performance section, each beside what was measured."""
    rows = []

    def check(figure: str, measured: float, unit: str, limit: float) -> None:
        verdict = "met" if measured <= limit else "NOT met"
        rows.append([figure, f"{measured:.2f} {unit}", f"≤ {limit:g} {unit}", verdict])

    if 2000 in plans:
        check("no-op plan, 2,000 scenes", plans[2000].median, "s", 0.5)
    if 20000 in plans:
        check("no-op plan, 20,000 scenes", plans[20000].median, "s", 4)
        check("peak RSS, 20,000 scenes", statistics.median(plans[20000].peak_mib), "MiB", 350)
    if 2000 in plans and 20000 in plans:
        check("growth 2,000 → 20,000", plans[20000].median / plans[2000].median, "×", 10)
    check("`insarproj --help`", help_runs.median, "s", 0.1)
    for scenes, ratio in sorted(apply_ratios.items()):
        check(f"apply recording {APPLY_ACTIONS} actions ÷ no-op plan, {scenes:,} scenes", ratio, "×", 1.3)
    for scenes, size in sorted(per_record.items()):
        check(f"state.json per resource record, {scenes:,} scenes", size, "B", 500)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, action="append", help="default: 2000 and 20000")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command (median quoted)")
    parser.add_argument("--keep", type=Path, help="build the project here and leave it (one --scenes)")
    args = parser.parse_args()
    sizes = args.scenes or [2000, 20000]
    if args.keep and len(sizes) != 1:
        parser.error("--keep takes exactly one --scenes")
    rows, failures, plans, per_record = [], [], {}, {}
    apply_rows, apply_ratios = [], {}
    print(compile_bytecode(), file=sys.stderr)
    for scenes in sizes:
        with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
            root = args.keep.resolve() if args.keep else Path(tmp) / "project"
            t0 = time.monotonic()
            size = build(root, scenes)
            print(f"built {scenes:,} scenes in {time.monotonic() - t0:.0f} s: {size}", file=sys.stderr)
            row, failed, plans[scenes], apply_rows_one, apply_ratios[scenes] = measure(root, size, args.runs)
            apply_rows.append(apply_rows_one)
            per_record[scenes] = (root / ".insarproj" / "state.json").stat().st_size / size["records"]
            rows.append(row)
            failures += [f"{scenes:,} scenes: {f}" for f in failed]
    header = ["scenes", "pairs", "records", "state.json", "no-op `plan`, median (min–max)"]
    header += ["CPU s (user + sys)", "peak RSS", "the same, state not sealed here (a fresh clone)"]
    header += ["requests", "`json.load(state)` process", "plan / json.load"]
    table(f"Converged HyP3 project, whole `insarproj plan` process ({machine()}):", header, rows)
    apply_header = ["scenes", f"`apply --yes` recording {APPLY_ACTIONS} actions", "CPU s (user + sys)"]
    apply_header += ["peak RSS", "no-op `plan` in turn", "apply / plan (paired)"]
    table(
        "Apply on the same project (the actions: forgotten pair records, written back):",
        apply_header,
        apply_rows,
    )
    start_row, help_runs = startup_row(args.runs)
    start_header = ["`insarproj --help`", "CPU s (user + sys)", "peak RSS", "`python -c pass`", "ratio"]
    table("Start-up:", start_header, [start_row])
    table(
        "Targets (medians):",
        ["figure", "measured", "target", ""],
        targets(plans, help_runs, per_record, apply_ratios),
    )
    if args.keep:
        print(f"\nthe project is in {args.keep}: time `insarproj -C {args.keep} plan` by hand")
    for failure in failures:
        print("FAILED: " + failure, file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
