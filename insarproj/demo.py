"""`insarproj demo`: the whole job against an in-process sandbox, no account, no network.

Starts a sandbox on 127.0.0.1, writes a small real-shaped project pointed at it (through this
process's environment only: nothing about the sandbox is written into project.toml), shows the
plan, applies it to convergence with progress, and says what happened and where to look.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from insarproj import layout
from insarproj.errors import UsageError

DEMO_TOML = """\
#:schema ./.insarproj/project.schema.json
# insarproj demo project: Ridgecrest, California, against the local sandbox.
# The sandbox stands in for NASA CMR, Earthdata login, ASF downloads and ASF HyP3 on 127.0.0.1;
# its address reaches insarproj through INSARPROJ_*_URL environment variables, never this file.

[project]
name = "{name}"                       # every HyP3 job of the project carries this name

[aoi]
bbox = [{w}, {s}, {e}, {n}]  # W S E N, degrees

[search]
start = {start}
end = {end}
product = "SLC"
beam_mode = "IW"
polarization = ["VV+VH"]
min_coverage = 0.5                    # a date must cover half the AOI

[pairs]
method = "sbas"
neighbors = 2                         # each date pairs with the next 2 dates...
max_temporal_baseline = 36            # ...within 36 days

[processor]
kind = "{kind}"
{processor}
[download]
concurrency = 4
"""

HYP3_TABLE = """
[processor.hyp3]
job_type = "INSAR_GAMMA"
looks = "20x4"
include_dem = true                    # what MintPy needs
include_look_vectors = true
max_attempts = 2
"""


@dataclass
class DemoResult:
    root: Path
    converged: bool
    rounds: int
    seconds: float
    summary: dict


def run_demo(
    directory: Path,
    *,
    processor: str = "hyp3",
    start: str = "2021-01-01",
    end: str = "2021-03-15",
    hyp3_speed: float = 3.0,
    timeout: float = 110.0,
    echo: Callable[[str], None] = print,
    show_plan: Callable[[object], None] | None = None,
    on_event: Callable | None = None,
    progress: object = None,
) -> DemoResult:
    from insarproj.sandbox.catalog import DEMO_BBOX
    from insarproj.sandbox.server import Sandbox
    from insarproj.scaffold import create_project
    from insarproj.show import state_summary
    from insarproj.workspace import ApplyOptions, Workspace

    root = Path(directory)
    if (root / layout.PROJECT_FILE).exists() or (root / layout.STATE_DIR).exists():
        raise UsageError(
            f"{root} already holds a project; pass another folder to `insarproj demo DIR` or remove it"
        )
    began = time.monotonic()
    sandbox = Sandbox(hyp3_speed=hyp3_speed).start()
    saved_env = {key: os.environ.get(key) for key in sandbox.env()}
    try:
        os.environ.update(sandbox.env())
        echo(f"Sandbox listening on {sandbox.url} (CMR, Earthdata login, ASF downloads, HyP3 stand-ins).")
        w, s, e, n = DEMO_BBOX
        text = DEMO_TOML.format(
            name=f"insarproj-demo-{os.getpid()}",
            w=w,
            s=s,
            e=e,
            n=n,
            start=start,
            end=end,
            kind=processor,
            processor=HYP3_TABLE if processor == "hyp3" else "",
        )
        create_project(root, text)
        echo(f"Wrote the demo project {root / 'project.toml'}.\n")

        ws = Workspace(root)
        rounds = {"n": 1}

        def on_round(number: int, plan: Any) -> None:
            rounds["n"] = number
            summary = plan.summary
            echo(f"Round {number}: {summary.pending} to do now, {summary.waiting} HyP3 jobs still running.")

        result = ws.apply(
            apply_options=ApplyOptions(
                wait=True, poll_interval=1.0, timeout=timeout, command="insarproj demo"
            ),
            on_plan=show_plan,
            on_event=on_event,
            on_round=on_round,
            progress=progress,
        )
        final = Workspace(root).plan()
        converged = result.report.ok and not (final.has_changes or final.has_waiting or final.has_failed)
        summary = state_summary(ws, ws.load_state())
        return DemoResult(root, converged, rounds["n"], time.monotonic() - began, summary)
    finally:
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        sandbox.stop()
