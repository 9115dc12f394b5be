"""Is the stack processable? Each failure names the scene or date and why; the latitude rule is
stackSentinel's, checked on the same KML (the stand-in drops the same dates)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
from pathlib import Path

import pytest
from isce_records import BBOX, STACK, Project, make_project

from insarproj.isce.checks import check_stack, covering_dates, date_problems, slice_span
from insarproj.isce.inputs import build_inputs
from insarproj.sandbox.catalog import Catalog
from insarproj.sandbox.topsstack.install import install
from insarproj.scenes.model import PinnedScene


@pytest.fixture
def project(tmp_path: Path, catalog: Catalog) -> Project:
    return make_project(tmp_path, catalog, dates=4)


def problems(project: Project, bbox: tuple[float, float, float, float] = BBOX) -> list[str]:
    return [str(p) for p in check_stack(STACK, project.dates, project.records, project.data, bbox)]


def test_a_complete_stack_is_processable(project: Project) -> None:
    assert problems(project) == []


def test_a_missing_file_and_an_orbit_that_does_not_cover_name_their_scene(project: Project) -> None:
    first, second = project.scenes[0].name, project.scenes[1].name
    (project.data / "scenes" / f"{first}.zip").unlink()
    project.records[f"orbit.{second}"]["attributes"]["validity_stop"] = project.scenes[1].start_time
    found = problems(project)
    assert found[0].startswith(f"{first}: scene.{first}: ") and "missing" in found[0]
    assert found[1] == (
        f"{second}: its orbit file {project.records[f'orbit.{second}']['attributes']['file']} does not cover "
        f"{project.scenes[1].start_time}..{project.scenes[1].stop_time} with 60 s to spare; topsStack would "
        "download another"
    )
    assert len(found) == 2


def test_an_orbit_of_another_satellite_is_named(project: Project) -> None:
    name = project.scenes[0].name
    attrs = project.records[f"orbit.{name}"]["attributes"]
    attrs["file"] = "S1B" + attrs["file"][3:]
    assert problems(project) == [f"{name}: its orbit file {attrs['file']} is not of satellite S1A"]


def test_a_dem_short_of_the_bbox_is_named(project: Project) -> None:
    project.records[f"dem.{STACK}"]["attributes"]["bounds"] = [-118.0, 35.6, -117.0, 36.0]
    assert problems(project) == [
        f"dem.{STACK}: the DEM covers W S E N -118.0 35.6 -117.0 36.0, "
        "not the whole bbox S N W E 35.5 35.9 -117.9 -117.3"
    ]


def test_dates_not_spanning_the_latitudes_and_gaps_between_slices() -> None:
    bbox = (35.5, 35.9, -117.9, -117.3)
    assert date_problems("20201002", [(35.0, 36.0)], bbox) == []
    short = date_problems("20201014", [(35.6, 37.0)], bbox)
    assert [str(p) for p in short] == [
        "20201014: its scenes span latitudes 35.600..37.000, not the bbox's 35.5..35.9; stackSentinel would "
        "drop the date silently"
    ]
    gap = date_problems("20201026", [(36.0, 37.0), (34.0, 35.7)], bbox)
    assert [str(p) for p in gap] == ["20201026: its slices leave a gap between latitudes 35.700 and 36.000"]


def test_the_dates_kept_are_those_the_stand_in_keeps(tmp_path: Path, project: Project) -> None:
    """A bbox reaching past one date's slices: insarproj's rule and stackSentinel's agree."""
    # a north edge between the dates' north ends keeps some dates and drops others
    norths = sorted(
        max(slice_span(s, project.records, project.data)[1] for s in scenes)
        for scenes in project.dates.values()
    )
    bbox = (35.5, (norths[0] + norths[-1]) / 2, -117.9, -117.3)
    kept = covering_dates(project.dates, project.records, project.data, bbox)
    assert 0 < len(kept) < len(project.dates)
    assert any("stackSentinel would drop the date silently" in p for p in problems(project, bbox))

    inputs = build_inputs(tmp_path / "isce" / STACK, project.data, STACK, project.scenes, project.records)
    home = install(tmp_path / "topsstack")
    argv = [str(home / "stackSentinel.py"), "-s", str(inputs.slc_dir), "-o", str(inputs.orbit_dir)]
    argv += ["-a", str(inputs.aux_dir), "-d", str(inputs.dem), "-w", str(tmp_path / "work"), "-W", "slc"]
    argv += ["-b", " ".join(str(v) for v in bbox), "-m", kept[0]]
    done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, check=False, env=os.environ)
    assert done.returncode == 0, done.stdout[-2000:]
    unpacked = (tmp_path / "work" / "run_files" / "run_02_unpack_secondary_slc").read_text()
    assert sorted([kept[0], *(d for d in project.dates if f"config_secondary_{d}" in unpacked)]) == kept


def test_slices_of_mixed_ipf_versions_and_a_missing_polarization_are_named(project: Project) -> None:
    date = next(d for d, scenes in project.dates.items() if len(scenes) > 1)
    first, second = project.dates[date]
    project.dates[date] = [dataclasses.replace(first, pge_version="002.91"), second]
    assert problems(project) == [
        f"{date}: its slices come from IPF versions 002.91 and {second.pge_version}, which ISCE refuses to "
        "combine; exclude one of them ([search] exclude_scenes)"
    ]
    project.dates[date] = [first, dataclasses.replace(second, polarization="HH+HV")]
    assert problems(project) == [f"{second.name}: it has polarization HH+HV, not VV"]
    assert [str(p) for p in check_stack(STACK, project.dates, project.records, project.data, BBOX, "hh")] == [
        f"{s.name}: it has polarization VV+VH, not HH"
        for d in sorted(project.dates)
        for s in project.dates[d]
        if s is not project.dates[date][1]
    ]


def test_the_pins_own_scenes_are_what_the_checks_read(project: Project) -> None:
    """The checks take insarproj.scenes.model.PinnedScene as they are pinned."""
    pinned = {
        date: [
            PinnedScene(
                **{k: v for k, v in dataclasses.asdict(s).items() if k != "platform"},
                platform=s.platform,
                file_id=f"{s.name}-SLC",
                url="https://example.invalid/x.zip",
                bytes=1,
                flight_direction="ASCENDING",
                relative_orbit=64,
                beam_mode="IW",
            )
            for s in scenes
        ]
        for date, scenes in project.dates.items()
    }
    assert check_stack(STACK, pinned, project.records, project.data, BBOX) == []
    first = next(iter(pinned.values()))[0]
    (project.data / "scenes" / f"{first.name}.zip").unlink()
    assert [p.subject for p in check_stack(STACK, pinned, project.records, project.data, BBOX)] == [
        first.name
    ]
