"""Plan time of a converged HyP3 project at real scale: 2,000 scenes and 6,000 pairs.

Builds a synthetic but fully consistent project (a pinned search of 4 stacks × 500 dates, every
pair recorded, every HyP3 job SUCCEEDED, every product on disk), then times `plan` — which must
find nothing to do and make no request — beside two floors measured in the same run: loading
state.json with `json.load`, and building the pair networks alone.

    python benchmarks/plan.py [--dates 500] [--stacks 4]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from insarproj.engine.context import PlanOptions
from insarproj.engine.model import Op
from insarproj.kinds.search import PIN_NAME, search_fingerprint
from insarproj.scenes.model import PinnedScene, ScenePin, Stack, StackDate
from insarproj.state import StateStore, op_input, op_put
from insarproj.workspace import Workspace

TOML = """\
[project]
name = "bench"
[aoi]
bbox = [-117.9, 35.5, -117.3, 35.9]
[search]
start = 2015-01-01
end = 2032-12-31
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
"""


def scene_name(stack: int, day: date) -> str:
    start, stop = f"{day:%Y%m%d}T0142{stack:02d}", f"{day:%Y%m%d}T0143{stack:02d}"
    return f"S1A_IW_SLC__1SDV_{start}_{stop}_{stack:06d}_{stack:06X}_{stack:04X}"


def synthetic_pin(stacks: int, dates: int) -> ScenePin:
    scenes, stack_models = {}, []
    for s in range(stacks):
        direction = "ASCENDING" if s % 2 == 0 else "DESCENDING"
        stack_dates = []
        for d in range(dates):
            day = date(2015, 1, 1) + timedelta(days=12 * d)
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
        searched_at="2032-01-01T00:00:00Z",
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
            ops.append(op_put(action.address, "pair", "planned", action.payload["spec"]))
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
                )
            )
            attributes = {"path": folder, "product": pair_key, "job_id": key, "manifest": manifest}
            ops.append(op_put("product." + key, "product", "present", attributes))
    with store.open_writer() as writer:
        for start in range(0, len(ops), 2000):
            writer.record(ops[start : start + 2000])
    return len(ops)


def write_product(folder: Path, name: str) -> dict:
    """A one-layer product folder with its manifest, as apply leaves it (docs/project-folder.md)."""
    from insarproj.hyp3.products import MANIFEST_NAME, ProductManifest, sha256_of

    folder.mkdir(parents=True, exist_ok=True)
    layer = folder / f"{name}_unw_phase.tif"
    layer.write_bytes(b"x")
    manifest = ProductManifest({layer.name: (1, sha256_of(layer))})
    (folder / MANIFEST_NAME).write_bytes(manifest.to_bytes())
    return manifest.summary()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dates", type=int, default=500)
    parser.add_argument("--stacks", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        root = Path(tmp)
        (root / "project.toml").write_text(TOML)
        StateStore(root / ".insarproj").create()
        pin = synthetic_pin(args.stacks, args.dates)
        records = converge(root, pin)
        state_path = root / ".insarproj" / "state.json"

        t0 = time.perf_counter()
        with open(state_path) as handle:
            json.load(handle)
        floor_json = time.perf_counter() - t0

        from insarproj.pairs import NetworkDate, NetworkSettings, build_network

        t0 = time.perf_counter()
        for stack in pin.stacks:
            build_network(
                stack.id,
                [NetworkDate(d.date, d.bperp, tuple(d.scenes), frozenset({"VV", "VH"})) for d in stack.dates],
                NetworkSettings(neighbors=3, max_temporal_baseline=48),
            )
        floor_network = time.perf_counter() - t0

        t0 = time.perf_counter()
        plan = Workspace(root).plan()  # online mode: must still make no request (nothing is open)
        elapsed = time.perf_counter() - t0
        assert not plan.actions, f"expected a converged project, got {plan.summary}"
        state_mb = state_path.stat().st_size / 1e6
    print(f"converged project: {len(pin.scenes)} scenes, {records} records, state.json {state_mb:.1f} MB")
    print(f"  insarproj plan (no changes, no request): {elapsed:6.2f} s")
    print(f"  floor: json.load(state.json):            {floor_json:6.2f} s")
    print(f"  floor: pair networks alone:              {floor_network:6.2f} s")


if __name__ == "__main__":
    main()
