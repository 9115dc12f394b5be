"""A stack's topsStack inputs from state records: links never copies, exactly the selected orbits,
the DEM's ISCE form, refusals naming what is missing, and idempotent rebuilding."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from isce_records import STACK, Project, make_project

from insarproj.isce.inputs import InputError, build_inputs
from insarproj.sandbox.catalog import Catalog


@pytest.fixture
def project(tmp_path: Path, catalog: Catalog) -> Project:
    return make_project(tmp_path, catalog, dates=3)


def build(project: Project, scenes: list | None = None):  # type: ignore[no-untyped-def]
    folder = project.data.parent / "isce" / STACK
    chosen = project.scenes if scenes is None else scenes
    return build_inputs(folder, project.data, STACK, chosen, project.records)


def test_links_to_the_verified_files_only_and_the_dem_with_its_xml(project: Project) -> None:
    # a superseded orbit beside the selected ones must not reach topsStack
    (project.data / "orbits" / "S1A_OPER_AUX_RESORB_OPOD_X_V20201001T000000_20201001T030000.EOF").write_text(
        "x"
    )
    inputs = build(project)
    zips = sorted(inputs.slc_dir.iterdir())
    assert [z.name for z in zips] == sorted(f"{s.name}.zip" for s in project.scenes)
    assert all(z.is_symlink() and z.resolve() == project.data / "scenes" / z.name for z in zips)
    orbits = {p.name for p in inputs.orbit_dir.iterdir()}
    assert orbits == {
        Path(r["attributes"]["path"]).name for a, r in project.records.items() if a.startswith("orbit.")
    }
    assert inputs.dem == project.data / "dem" / STACK / f"{STACK}.dem.wgs84"
    assert inputs.aux_dir.is_dir() and inputs.warnings == ()


def test_rebuilding_removes_links_of_scenes_that_left_and_repoints_moved_ones(project: Project) -> None:
    build(project)
    kept = project.scenes[1:]
    first = kept[0].name
    moved = project.data / "scenes" / "moved" / f"{first}.zip"
    moved.parent.mkdir()
    (project.data / "scenes" / f"{first}.zip").rename(moved)
    project.records[f"scene.{first}"]["attributes"]["path"] = f"scenes/moved/{first}.zip"
    inputs = build(project, kept)
    assert sorted(z.name for z in inputs.slc_dir.iterdir()) == sorted(f"{s.name}.zip" for s in kept)
    assert (inputs.slc_dir / f"{first}.zip").resolve() == moved


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        ("unverified", r"scene\.S1\w+ is not verified \(status downloading\)"),
        ("no orbit", r"orbit\.S1\w+ is not verified \(no record\)"),
        ("missing file", r"scene\.S1\w+: .* is missing or not the verified size"),
        ("no isce dem", r"dem\.A064 has no ISCE form"),
        ("no dem xml", r"dem\.A064: .*A064\.dem\.wgs84\.xml is missing"),
    ],
)
def test_what_is_not_verified_is_refused_by_name(project: Project, breakage: str, message: str) -> None:
    name = project.scenes[0].name
    if breakage == "unverified":
        project.records[f"scene.{name}"]["status"] = "downloading"
    elif breakage == "no orbit":
        del project.records[f"orbit.{name}"]
    elif breakage == "missing file":
        (project.data / "scenes" / f"{name}.zip").unlink()
    elif breakage == "no isce dem":
        project.records[f"dem.{STACK}"]["attributes"]["files"] = ["dem.tif"]
    else:
        (project.data / "dem" / STACK / f"{STACK}.dem.wgs84.xml").unlink()
    with pytest.raises(InputError, match=message):
        build(project)


def test_a_file_that_is_not_a_link_is_never_deleted(project: Project) -> None:
    inputs = build(project)
    own = inputs.slc_dir / "notes.txt"
    own.write_text("mine")
    with pytest.raises(InputError, match="is not a link insarproj made"):
        build(project)
    assert own.read_text() == "mine"


def test_scenes_of_ipf_002_36_are_named_in_a_warning(project: Project) -> None:
    scenes = [dataclasses.replace(project.scenes[0], pge_version="002.36"), *project.scenes[1:]]
    inputs = build(project, scenes)
    assert len(inputs.warnings) == 1
    assert scenes[0].name in inputs.warnings[0] and "AUX_CAL" in inputs.warnings[0]
    assert scenes[1].name not in inputs.warnings[0]
