"""Write every picture `show --plots DIR` makes, and say what was skipped and why."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from insarproj.errors import InsarprojError, UsageError


@dataclass
class PlotReport:
    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def write_plots(ws: Any, state: Any, out_dir: Path) -> PlotReport:
    """footprints.png/.geojson, network.png, coverage.png and velocity.png into ``out_dir``."""
    from insarproj.fsutil import atomic_write_json
    from insarproj.plots.canvas import new_figure
    from insarproj.plots.coverage import draw_coverage
    from insarproj.plots.facts import stack_facts
    from insarproj.plots.footprints import draw_footprints, footprints_collection

    stacks = stack_facts(ws, state)
    if not stacks:
        raise UsageError(
            "no scene search is pinned yet, so there is nothing to draw", hint="run `insarproj apply` first"
        )
    new_figure(1, 1)  # fails early, with the install hint, when matplotlib is missing
    _make_dir(out_dir)
    report = PlotReport()
    aoi_wkt = ws.project.aoi.wkt
    report.written.append(draw_footprints(stacks, aoi_wkt, out_dir / "footprints.png"))
    geojson = out_dir / "footprints.geojson"
    atomic_write_json(geojson, footprints_collection(ws, state, stacks))
    report.written.append(geojson)
    _network(ws.project.config.processor.kind, stacks, out_dir, report)
    report.written.append(draw_coverage(stacks, out_dir / "coverage.png"))
    _velocity(ws.project.data_dir, aoi_wkt, out_dir, report)
    return report


def _network(processor: str, stacks: list[Any], out_dir: Path, report: PlotReport) -> None:
    from insarproj.kinds.show import waiting_note
    from insarproj.plots.network import draw_network

    if processor == "download":
        report.notes.append("network.png skipped: processor download makes no pairs (scenes, orbits, DEM)")
        return
    if not any(s.pairs for s in stacks):
        report.notes.append("network.png skipped: the network as configured has no pairs")
        return
    report.written.append(draw_network([s for s in stacks if s.pairs], out_dir / "network.png"))
    note = waiting_note({s.id: {d.isoformat(): w for d, w in s.waiting.items()} for s in stacks})
    if note:
        report.notes.append(note)


def _velocity(data_dir: Path, aoi_wkt: str, out_dir: Path, report: PlotReport) -> None:
    from insarproj.plots.velocity import draw_velocity, read_velocity, velocity_files

    found = velocity_files(data_dir)
    if not found:
        report.notes.append(
            "velocity.png skipped: no data/mintpy/<stack>/velocity.h5 yet (MintPy has not run)"
        )
        return
    if importlib.util.find_spec("h5py") is None:
        report.notes.append(
            f"velocity.png skipped: reading MintPy's velocity.h5 ({len(found)} found) needs h5py "
            "(pip install h5py, or pip install 'insarproj[plot]')"
        )
        return
    maps = []
    for stack, path in found:
        try:
            maps.append(read_velocity(stack, path))
        except (OSError, KeyError, ValueError) as exc:
            report.notes.append(f"{stack}: {path.name} left out of velocity.png, it cannot be read ({exc})")
    if maps:
        report.written.append(draw_velocity(maps, aoi_wkt, out_dir / "velocity.png"))


def _make_dir(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--plots {out_dir}: this is a file, not a folder", hint="give a folder name")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InsarprojError(f"--plots {out_dir}: cannot create the folder ({exc.strerror})") from None
