"""`insarproj demo`: the whole job against an in-process sandbox, no account, no network.

Starts a sandbox on 127.0.0.1, writes a small real-shaped project pointed at it (through this
process's environment only: nothing about the sandbox is written into project.toml), shows the
plan, applies it to convergence with progress, and says what happened and where to look.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from insarproj import layout
from insarproj.errors import UsageError

if TYPE_CHECKING:
    from insarproj.engine.executor import EventSink

DEMO_HEADER = """\
#:schema ./.insarproj/project.schema.json
# insarproj demo project: Ridgecrest, California, against the local sandbox.
# The sandbox stands in for NASA CMR, Earthdata login, ASF downloads and ASF HyP3 on 127.0.0.1;
# its address reaches insarproj through INSARPROJ_*_URL environment variables, never this file.
# [project] name: every HyP3 job of the project carries it. [aoi] bbox: W S E N, degrees.
# min_coverage 0.5: a date must cover half the AOI. [pairs]: each date pairs with the next 2 dates
# within 36 days. [processor.hyp3]: include_dem and include_look_vectors are what MintPy needs.

"""

ISCE_HEADER = """\
#:schema ./.insarproj/project.schema.json
# insarproj demo project: Ridgecrest, California, processed with ISCE2 topsStack -- here the
# sandbox's STAND-IN topsStack (topsstack_dir below): it writes the real run files and small
# placeholder outputs, not real interferograms. For a real ISCE2 install (conda-forge isce2), set
# topsstack_dir to <env>/share/isce2/topsStack. The sandbox stands in for NASA CMR, Earthdata
# login, ASF downloads, the orbit bucket and the DEM tiles; its address reaches insarproj through
# INSARPROJ_*_URL environment variables, never this file. One track (relative orbit 64) keeps it quick.

"""
ISCE_STAND_IN_DIR = "topsstack-stand-in"  # inside the demo folder, relative to project.toml
ISCE_SETTINGS = {"topsstack_dir": ISCE_STAND_IN_DIR, "num_proc": 2}
ISCE_RELATIVE_ORBIT = 64

HYP3_SETTINGS = {
    "job_type": "INSAR_GAMMA",
    "looks": "20x4",
    "include_dem": True,
    "include_look_vectors": True,
    "max_attempts": 2,
}


def demo_project_toml(
    *, name: str, bbox: tuple[float, float, float, float], start: str, end: str, processor: str
) -> str:
    """The demo's project.toml, written from scratch (tomli-w quotes and formats every value)."""
    import tomli_w

    processor_table: dict[str, Any] = {"kind": processor}
    if processor == "hyp3":
        processor_table["hyp3"] = HYP3_SETTINGS
    if processor == "isce":
        processor_table["isce"] = ISCE_SETTINGS
    document: dict[str, Any] = {
        "project": {"name": name},
        "aoi": {"bbox": list(bbox)},
        "search": {
            "start": dt.date.fromisoformat(start),
            "end": dt.date.fromisoformat(end),
            "product": "SLC",
            "beam_mode": "IW",
            "polarization": ["VV+VH"],
            "min_coverage": 0.5,
        },
        "pairs": {"method": "sbas", "neighbors": 2, "max_temporal_baseline": 36},
        "processor": processor_table,
        "download": {"concurrency": 4},
    }
    if processor == "isce":
        document["search"]["relative_orbits"] = [ISCE_RELATIVE_ORBIT]
        return ISCE_HEADER + tomli_w.dumps(document)
    return DEMO_HEADER + tomli_w.dumps(document)


@dataclass
class DemoResult:
    root: Path
    converged: bool
    rounds: int
    seconds: float
    summary: dict[str, Any]


def run_demo(
    directory: Path,
    *,
    processor: str = "hyp3",
    start: str = "2021-01-01",
    end: str = "2021-03-15",
    hyp3_speed: float = 3.0,
    timeout: float = 110.0,
    echo: Callable[[str], None] = print,
    show_plan: Callable[[Any], None] | None = None,
    on_event: EventSink | None = None,
    progress: Any = None,
) -> DemoResult:
    from insarproj.sandbox.catalog import DEMO_BBOX
    from insarproj.sandbox.server import Sandbox
    from insarproj.scaffold import create_project

    root = Path(directory)
    if (root / layout.PROJECT_FILE).exists() or (root / layout.STATE_DIR).exists():
        raise UsageError(
            f"{root} already holds a project; pass another folder to `insarproj demo DIR` or remove it"
        )
    began = time.monotonic()
    sandbox = Sandbox(hyp3_speed=hyp3_speed).start()
    try:
        with _environment(sandbox.env()):
            echo(
                f"Sandbox listening on {sandbox.url} (stand-ins of CMR, Earthdata login, ASF downloads, "
                "HyP3, the orbit bucket and DEM tiles)."
            )
            text = demo_project_toml(
                name=f"insarproj-demo-{os.getpid()}",
                bbox=DEMO_BBOX,
                start=start,
                end=end,
                processor=processor,
            )
            create_project(root, text)
            echo(f"Wrote the demo project {root / 'project.toml'}.")
            if processor == "isce":
                _install_stand_in(root, echo)
            echo("")
            converged, rounds, summary = _apply_until_converged(
                root, timeout=timeout, echo=echo, show_plan=show_plan, on_event=on_event, progress=progress
            )
            return DemoResult(root, converged, rounds, time.monotonic() - began, summary)
    finally:
        sandbox.stop()


def _install_stand_in(root: Path, echo: Callable[[str], None]) -> None:
    from insarproj.sandbox.topsstack.install import install

    home = install(root / ISCE_STAND_IN_DIR)
    echo(
        f"Installed the sandbox's stand-in topsStack in {home} (not ISCE2: it writes the real run files "
        "and small placeholder outputs; set topsstack_dir to a real ISCE2 install for real processing)."
    )


def _apply_until_converged(
    root: Path,
    *,
    timeout: float,
    echo: Callable[[str], None],
    show_plan: Callable[[Any], None] | None,
    on_event: EventSink | None,
    progress: Any,
) -> tuple[bool, int, dict[str, Any]]:
    """Apply the demo project, waiting for its HyP3 jobs; whether a fresh plan then has nothing left."""
    from insarproj.show import state_summary
    from insarproj.ui.render import count_phrases
    from insarproj.workspace import ApplyOptions, Workspace

    ws = Workspace(root)
    rounds = 1

    def on_round(number: int, plan: Any) -> None:
        nonlocal rounds
        rounds = number
        summary = plan.summary
        todo = "; ".join(count_phrases(summary)) or "nothing to do now"
        echo(f"Round {number}: {todo}; {summary.waiting} remote jobs still running.")

    result = ws.apply(
        apply_options=ApplyOptions(wait=True, poll_interval=1.0, timeout=timeout, command="insarproj demo"),
        on_plan=show_plan,
        on_event=on_event,
        on_round=on_round,
        progress=progress,
    )
    final = Workspace(root).plan()
    converged = result.report.ok and not (final.has_changes or final.has_waiting or final.has_failed)
    return converged, rounds, state_summary(ws, ws.load_state())


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """``values`` in os.environ for the block, the previous environment back afterwards."""
    saved = {key: os.environ.get(key) for key in values}
    try:
        os.environ.update(values)
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
