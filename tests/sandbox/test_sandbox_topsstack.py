"""The stand-in stackSentinel.py: run-file sets per workflow and mode (the table in
docs/sandbox.md, from the real stackSentinel.py), refusals, date selection, pairs, line format."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from shapely.geometry import Polygon, box
from topsstack_helpers import Inputs, add_scenes, make_inputs, run_all, stack_sentinel, track_scenes

from insarproj.sandbox.catalog import Catalog
from insarproj.sandbox.topsstack import install
from insarproj.sandbox.topsstack.faults import read_log
from insarproj.sandbox.topsstack.safe import kml_quad

PREFIX_NESD = [
    "unpack_topo_reference",
    "unpack_secondary_slc",
    "average_baseline",
    "extract_burst_overlaps",
    "overlap_geo2rdr",
    "overlap_resample",
    "pairs_misreg",
    "timeseries_misreg",
    "fullBurst_geo2rdr",
    "fullBurst_resample",
    "extract_stack_valid_region",
]
PREFIX_GEOMETRY = [
    "unpack_topo_reference",
    "unpack_secondary_slc",
    "average_baseline",
    "fullBurst_geo2rdr",
    "fullBurst_resample",
    "extract_stack_valid_region",
]
IFG = ["merge_reference_secondary_slc", "generate_burst_igram", "merge_burst_igram", "filter_coherence"]
ION = [
    "subband_and_resamp",
    "generateIgram_ion",
    "mergeBurstsIon",
    "unwrap_ion",
    "look_ion",
    "computeIon",
    "filtIon",
    "invertIon",
]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog(seed=0)


@pytest.fixture
def inputs(tmp_path: Path, catalog: Catalog) -> Inputs:
    return make_inputs(tmp_path, catalog, dates=4)


def run_files(work: Path) -> list[str]:
    names = sorted(p.name for p in (work / "run_files").iterdir())
    assert [int(n[4:6]) for n in names] == list(range(1, len(names) + 1))
    return [n[7:] for n in names]


@pytest.mark.parametrize(
    ("workflow", "coregistration", "expected"),
    [
        ("interferogram", "NESD", [*PREFIX_NESD, *IFG, "unwrap"]),
        ("interferogram", "geometry", [*PREFIX_GEOMETRY, *IFG, "unwrap"]),
        ("correlation", "NESD", [*PREFIX_NESD, *IFG]),
        ("offset", "geometry", [*PREFIX_GEOMETRY, "merge_reference_secondary_slc", "dense_offsets"]),
        ("slc", "NESD", [*PREFIX_NESD, "merge_reference_secondary_slc", "grid_baseline"]),
    ],
)
def test_run_files_of_a_new_stack_per_workflow(
    inputs: Inputs, workflow: str, coregistration: str, expected: list[str]
) -> None:
    status, _ = stack_sentinel(inputs.root, inputs.argv("-W", workflow, "-C", coregistration))
    assert status == 0
    assert run_files(inputs.work) == expected
    assert len(expected) == {"interferogram": {"NESD": 16, "geometry": 11}}.get(workflow, {}).get(
        coregistration, len(expected)
    )


def test_lines_name_real_configs_and_num_proc_writes_background_blocks(inputs: Inputs) -> None:
    status, _ = stack_sentinel(
        inputs.root, inputs.argv("--num_proc", "2", "-t", "source ~/isce.env;", "-c", "2")
    )
    assert status == 0
    configs = inputs.work / "configs"
    unpack = (inputs.work / "run_files" / "run_02_unpack_secondary_slc").read_text().splitlines()
    secondaries = [d for d in inputs.dates if d != inputs.dates[0]]
    assert unpack == [
        f"source ~/isce.env;SentinelWrapper.py -c {configs}/config_secondary_{secondaries[0]} &",
        f"source ~/isce.env;SentinelWrapper.py -c {configs}/config_secondary_{secondaries[1]} &",
        "wait",
        "",
        f"source ~/isce.env;SentinelWrapper.py -c {configs}/config_secondary_{secondaries[2]} &",
    ]  # no wait after the last, shorter block: as the real Stack.py writes it
    reference = (inputs.work / "run_files" / "run_01_unpack_topo_reference").read_text()
    assert (
        reference == f"source ~/isce.env;SentinelWrapper.py -c {configs}/config_reference\n"
    )  # never in background
    overlaps = (inputs.work / "run_files" / "run_04_extract_burst_overlaps").read_text()
    work = inputs.work
    assert overlaps == f"source ~/isce.env;subsetReference.py -m {work}/reference -g {work}/geom_reference\n"
    merge = (inputs.work / "run_files" / "run_12_merge_reference_secondary_slc").read_text().splitlines()
    assert "wait" not in merge and len(merge) == 1 + 6 + 3  # reference, six geometry files, secondaries
    config = (configs / "config_igram_unw_{}_{}".format(*inputs.dates[:2])).read_text()
    assert "[Function-1]\nunwrap : \n" in config and "method : snaphu\n" in config


def test_pairs_are_the_nearest_neighbours_and_the_reference_defaults_to_the_first_date(
    inputs: Inputs,
) -> None:
    status, out = stack_sentinel(inputs.root, inputs.argv("-c", "2"))
    assert status == 0 and "The first date is considered as reference date." in out
    d = inputs.dates
    unwrap = (inputs.work / "run_files" / "run_16_unwrap").read_text()
    pairs = [line.rsplit("config_igram_unw_", 1)[1] for line in unwrap.splitlines()]
    assert pairs == [f"{d[0]}_{d[1]}", f"{d[0]}_{d[2]}", f"{d[1]}_{d[2]}", f"{d[1]}_{d[3]}", f"{d[2]}_{d[3]}"]
    assert (inputs.work / "configs" / "config_reference").read_text().count(".zip") >= 1
    safe_list = (inputs.root / "SAFE_files.txt").read_text().split()  # in the current directory
    assert not (inputs.work / "SAFE_files.txt").exists()
    assert safe_list and all(Path(p).name in {z.name for z in inputs.slc.iterdir()} for p in safe_list)
    assert len(safe_list) < len(list(inputs.slc.iterdir()))  # slices away from the bbox are not used


def test_all_connections_and_a_text_file_of_safes(inputs: Inputs) -> None:
    listing = inputs.root / "list.txt"
    listing.write_text("".join(f"{p}\n" for p in sorted(inputs.slc.iterdir())))
    argv = inputs.argv("-c", "all", "-C", "geometry", "-m", inputs.dates[1])
    argv[1] = str(listing)
    status, out = stack_sentinel(inputs.root, argv)
    assert status == 0 and "reading SAFE files from: " + str(listing) in out
    unwrap = (inputs.work / "run_files" / "run_11_unwrap").read_text().splitlines()
    assert len(unwrap) == 6  # 4 dates, every pair
    assert "config_reference" in (inputs.work / "run_files" / "run_01_unpack_topo_reference").read_text()
    assert inputs.dates[1] in (inputs.work / "configs" / "config_reference").read_text()


def test_stop_date_is_compared_at_midnight_so_the_last_day_is_dropped(inputs: Inputs) -> None:
    last = inputs.dates[-1]
    status, _ = stack_sentinel(inputs.root, inputs.argv("--stop_date", f"{last[:4]}-{last[4:6]}-{last[6:]}"))
    assert status == 0
    secondaries = (inputs.work / "run_files" / "run_02_unpack_secondary_slc").read_text()
    assert inputs.dates[-2] in secondaries and last not in secondaries


def test_refusals_as_the_real_program(inputs: Inputs, tmp_path: Path) -> None:
    (inputs.work / "run_files").mkdir()
    status, out = stack_sentinel(inputs.root, inputs.argv())
    assert status == 1 and "run_files folder exists." in out and "Please remove or rename this folder" in out
    (inputs.work / "run_files").rmdir()
    with pytest.raises(ValueError, match="empty sequence"):  # no date in range: the real code fails on max()
        stack_sentinel(inputs.root, inputs.argv("--start_date", "2020-01-01", "--stop_date", "2020-01-02"))
    empty = tmp_path / "none"
    empty.mkdir()
    with pytest.raises(Exception, match="No SAFE file found"):
        stack_sentinel(inputs.root, [*inputs.argv()[:1], str(empty), *inputs.argv()[2:]])
    one = tmp_path / "one"
    one.mkdir()
    first = sorted(inputs.slc.iterdir())[0]
    (one / first.name).write_bytes(first.read_bytes())
    with pytest.raises(Exception, match="At least two SAFE file is required"):
        stack_sentinel(inputs.root, [*inputs.argv()[:1], str(one), *inputs.argv()[2:]])
    with pytest.raises(ValueError, match="not in list"):  # a -m date that is not in the stack
        stack_sentinel(inputs.root, inputs.argv("-m", "20190101"))


def test_no_acquisition_in_the_bbox(inputs: Inputs) -> None:
    argv = inputs.argv()
    argv[argv.index("-b") + 1] = "35.5 35.9 -117.9 -117.3".replace("35.5", "30.0")  # south of every scene
    status, out = stack_sentinel(inputs.root, argv)
    assert status == 1 and "No acquisition fulfills the temporal range and bbox requirement." in out


def test_include_dates_keep_dates_that_miss_the_bbox_latitudes(inputs: Inputs) -> None:
    # A missing slice: of the two slices of one date that meet the bbox, the northern one is gone, so
    # that date's scenes no longer span the bbox's latitudes; stackSentinel silently drops it ...
    gappy = inputs.dates[2]
    aoi = box(-117.9, 35.5, -117.3, 35.9)
    meeting = [z for z in inputs.slc.glob(f"*_{gappy}T*.zip") if Polygon(kml_quad(str(z))).intersects(aoi)]
    assert len(meeting) == 2
    max(meeting, key=lambda z: max(lat for _, lat in kml_quad(str(z)))).unlink()
    status, out = stack_sentinel(inputs.root, inputs.argv("-W", "slc", "-C", "geometry"))
    dropped = (inputs.work / "run_files" / "run_02_unpack_secondary_slc").read_text()
    assert status == 0 and gappy not in dropped and inputs.dates[3] in dropped
    # ... and -i does not select dates: it keeps a date that fails that latitude check
    argv = inputs.argv("-W", "slc", "-C", "geometry", "-i", gappy)
    argv[argv.index("-w") + 1] = str(inputs.root / "kept")
    status, out = stack_sentinel(inputs.root, argv)
    kept = (inputs.root / "kept" / "run_files" / "run_02_unpack_secondary_slc").read_text()
    assert status == 0 and gappy in kept and "dates forced included" in out


def _update_argv(inputs: Inputs, *extra: str) -> list[str]:
    return inputs.argv("-C", "geometry", "-c", "2", "-m", inputs.dates[0], *extra)


def test_update_mode_adds_new_dates_and_reprocesses_the_latest(
    inputs: Inputs, catalog: Catalog, tmp_path: Path
) -> None:
    assert stack_sentinel(inputs.root, _update_argv(inputs))[0] == 0
    assert run_all(inputs.work, tmp_path) == []
    old = list(inputs.dates)
    status, out = stack_sentinel(inputs.root, _update_argv(inputs))
    assert status == 1 and "run_files folder exists." in out
    (inputs.work / "run_files").rename(inputs.work / "run_files.1")
    status, out = stack_sentinel(inputs.root, _update_argv(inputs))
    assert status == 1 and "No new acquisition found to update the stack." in out
    add_scenes(inputs, catalog, track_scenes(catalog, 2, skip=4))
    status, out = stack_sentinel(inputs.root, _update_argv(inputs))
    assert status == 0 and "Updating an existing stack" in out
    new = inputs.dates[4:]
    assert run_files(inputs.work) == [
        "unpack_secondary_slc",
        "average_baseline",
        "fullBurst_geo2rdr",
        "fullBurst_resample",
        "extract_stack_valid_region",
        *IFG,
        "unwrap",
    ]
    unpacked = (inputs.work / "run_files" / "run_01_unpack_secondary_slc").read_text()
    assert [d for d in inputs.dates if d in unpacked] == [*old[-2:], *new]  # latest num_connections + new
    unwrap = (inputs.work / "run_files" / "run_10_unwrap").read_text()
    pairs = [line.rsplit("config_igram_unw_", 1)[1] for line in unwrap.splitlines()]
    d = [*old[-2:], *new]
    assert pairs == [f"{d[0]}_{d[1]}", f"{d[0]}_{d[2]}", f"{d[1]}_{d[2]}", f"{d[1]}_{d[3]}", f"{d[2]}_{d[3]}"]
    assert run_all(inputs.work, tmp_path) == []
    for a, b in [tuple(p.split("_")) for p in pairs]:
        assert (inputs.work / "merged" / "interferograms" / f"{a}_{b}" / "filt_fine.unw").stat().st_size > 0


def test_update_mode_needs_the_original_safes_of_the_dates_it_reprocesses(
    inputs: Inputs, catalog: Catalog
) -> None:
    for date in inputs.dates[1:]:
        (inputs.work / "coreg_secondarys" / date).mkdir(parents=True)
    add_scenes(inputs, catalog, track_scenes(catalog, 1, skip=4))
    for zip_file in inputs.slc.glob(f"*_{inputs.dates[-2]}T*.zip"):
        zip_file.unlink()
    with pytest.raises(Exception, match="The original SAFE files for latest 2 coregistered SLCs is needed"):
        stack_sentinel(inputs.root, _update_argv(inputs))


def test_ionosphere_steps_follow_when_the_parameter_file_exists(inputs: Inputs) -> None:
    params = inputs.root / "ion_param.txt"
    status, out = stack_sentinel(inputs.root, inputs.argv("--param_ion", str(params)))
    assert status == 0 and "Ion parameter file is missing" in out and run_files(inputs.work)[-1] == "unwrap"
    params.write_text(
        "do ionosphere correction : True\nconsider burst properties in ionosphere computation : True\n"
    )
    for coregistration, work in (("NESD", "w-nesd"), ("geometry", "w-geometry")):
        argv = inputs.argv("--param_ion", str(params), "-C", coregistration, "-w", str(inputs.root / work))
        if coregistration == "geometry":
            with pytest.raises(Exception, match="must be NESD when 'consider burst properties"):
                stack_sentinel(inputs.root, argv)
            continue
        assert stack_sentinel(inputs.root, argv)[0] == 0
        names = run_files(inputs.root / work)
        burst = ["filtIonShift", "invertIonShift", "burstRampIon", "mergeBurstRampIon"]
        assert names == [*PREFIX_NESD, *IFG, "unwrap", *ION, *burst]
        assert run_all(inputs.root / work, install(inputs.root / "topsStack")) == []
        d = inputs.dates
        assert (inputs.root / work / "ion" / f"{d[0]}_{d[1]}" / "ion_cal" / "filt.ion").stat().st_size > 0
        assert sorted(p.name for p in (inputs.root / work / "ion_dates").iterdir()) == [f"{x}.ion" for x in d]
    assert (inputs.root / "pairs_diff_starting_ranges.txt").exists()


def test_a_scene_without_a_covering_orbit_makes_stacksentinel_fetch_one_which_fails_offline(
    inputs: Inputs,
) -> None:
    excluded = inputs.dates[1]
    for orbit in inputs.orbits.iterdir():  # the orbit files of one date are gone
        if orbit.name.split("_")[7].startswith(excluded):  # its validity ends on that day
            orbit.unlink()
    with pytest.raises(IndexError):  # fetchOrbit.py got nothing: the real code's orbitFile[0]
        stack_sentinel(inputs.root, inputs.argv("-x", excluded))  # excluded dates are looked up too
    assert (inputs.work / "orbits" / excluded).is_dir()


def test_the_installed_stacksentinel_exits_as_the_real_one(inputs: Inputs, tmp_path: Path) -> None:
    home = install(tmp_path / "topsStack")
    command = [str(home / "stackSentinel.py"), *inputs.argv("-C", "geometry")]
    first = subprocess.run(command, cwd=inputs.root, capture_output=True, text=True)
    assert first.returncode == 0 and (inputs.work / "run_files" / "run_11_unwrap").exists()
    again = subprocess.run(command, cwd=inputs.root, capture_output=True, text=True)
    assert again.returncode == 1 and "run_files folder exists." in again.stdout
    statuses = [e["status"] for e in read_log(str(home)) if e["event"] == "end"]
    assert statuses == [0, 1]
