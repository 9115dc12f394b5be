"""Building a small topsStack input folder from the sandbox catalog, and running the stand-in.

`make_inputs` writes real-layout scene zips of track A064 (every slice of each date, so the bbox
selection has work to do), one covering orbit file per scene (real EOF names) and a DEM with its
`.xml`. `stack_sentinel` runs the stand-in in this process from a given directory; `run_all` runs
every line of every run file through the stand-in's command runner, in order.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from insarproj.sandbox.catalog import Catalog, Scene
from insarproj.sandbox.topsstack.commands import run_command
from insarproj.sandbox.topsstack.stacksentinel import run

BBOX = "35.5 35.9 -117.9 -117.3"  # S N W E: the demo AOI


@dataclass
class Inputs:
    root: Path
    slc: Path
    orbits: Path
    aux: Path
    dem: Path
    work: Path
    dates: list[str]

    def argv(self, *extra: str) -> list[str]:
        return [
            "-s",
            str(self.slc),
            "-o",
            str(self.orbits),
            "-a",
            str(self.aux),
            "-d",
            str(self.dem),
            "-w",
            str(self.work),
            "-b",
            BBOX,
            *extra,
        ]


def track_scenes(catalog: Catalog, dates: int, skip: int = 0) -> list[Scene]:
    scenes = [s for s in catalog.scenes if s.track.path == 64 and not s.reprocessed]
    days = sorted({s.start.date() for s in scenes})[skip : skip + dates]
    return [s for s in scenes if s.start.date() in days]


def add_scenes(inputs: Inputs, catalog: Catalog, scenes: list[Scene]) -> None:
    for scene in scenes:
        (inputs.slc / f"{scene.name}.zip").write_bytes(catalog.payloads.data(scene))
        begin = (scene.start - timedelta(hours=26)).strftime("%Y%m%dT%H%M%S")
        end = (scene.start + timedelta(hours=2)).strftime("%Y%m%dT%H%M%S")
        name = f"{scene.platform.code}_OPER_AUX_POEORB_OPOD_20990101T000000_V{begin}_{end}.EOF"
        (inputs.orbits / name).write_text("<Earth_Explorer_File/>\n")
    inputs.dates = sorted({*inputs.dates, *(f"{s.start:%Y%m%d}" for s in scenes)})


def make_inputs(root: Path, catalog: Catalog, dates: int = 4) -> Inputs:
    inputs = Inputs(
        root,
        root / "SLC",
        root / "orbits",
        root / "aux",
        root / "dem" / "demLat.dem.wgs84",
        root / "work",
        [],
    )
    for folder in (inputs.slc, inputs.orbits, inputs.aux, inputs.dem.parent, inputs.work):
        folder.mkdir(parents=True, exist_ok=True)
    inputs.dem.write_bytes(b"\0" * 64)
    Path(str(inputs.dem) + ".xml").write_text("<imageFile/>\n")
    add_scenes(inputs, catalog, track_scenes(catalog, dates))
    return inputs


def stack_sentinel(cwd: Path, argv: list[str]) -> tuple[int, str]:
    """Run the stand-in stackSentinel.py in `cwd`; (exit status, stdout). Exceptions propagate."""
    out = io.StringIO()
    before = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out):
            run(argv)
        return 0, out.getvalue()
    except SystemExit as stop:
        return int(stop.code or 0), out.getvalue()
    finally:
        os.chdir(before)


def commands_of(run_file: Path) -> list[list[str]]:
    lines = [line.strip() for line in run_file.read_text().splitlines()]
    return [shlex.split(line.removesuffix("&")) for line in lines if line and line != "wait"]


def run_all(work: Path, home: Path) -> list[str]:
    """Run every run file's commands in order; the failing lines (none when all went well)."""
    failed = []
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for run_file in sorted((work / "run_files").iterdir()):
            for argv in commands_of(run_file):
                if run_command(str(home), argv[0], argv[1:]) != 0:
                    failed.append(" ".join(argv))
    return failed
