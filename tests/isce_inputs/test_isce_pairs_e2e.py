"""End to end against the sandbox's stand-in topsStack: inputs built from state records, the
stack checked, stackSentinel.py run with the -c insarproj chose, the pair steps edited, every run
file's commands run: the merged interferograms are exactly the [pairs] network."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import shlex
import subprocess
from pathlib import Path

from isce_records import BBOX, STACK, make_project

from insarproj.config.isce import IsceConfig
from insarproj.isce.checks import check_stack, covering_dates
from insarproj.isce.command import StackInputs, stacksentinel_args
from insarproj.isce.inputs import InputFolders, build_inputs
from insarproj.isce.network_map import plan_connections
from insarproj.isce.pair_configs import edit_pair_steps
from insarproj.sandbox.catalog import Catalog
from insarproj.sandbox.topsstack.commands import run_command
from insarproj.sandbox.topsstack.install import install

AOI = (BBOX[2], BBOX[0], BBOX[3], BBOX[1])  # W S E N


def stack_sentinel(home: Path, inputs: InputFolders, work: Path, *extra: str) -> None:
    argv = [str(home / "stackSentinel.py"), "-s", str(inputs.slc_dir), "-o", str(inputs.orbit_dir)]
    argv += ["-a", str(inputs.aux_dir), "-d", str(inputs.dem), "-w", str(work)]
    argv += ["-b", " ".join(str(v) for v in BBOX), "--num_proc", "1", *extra]
    done = subprocess.run(argv, cwd=work.parent, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def stack_sentinel_of_config(
    home: Path, folders: InputFolders, work: Path, dates: list[str], config: dict[str, object], c: int
) -> None:
    """stackSentinel.py with the exact command insarproj builds from [processor.isce]."""
    days = tuple(dt.date.fromisoformat(f"{d[:4]}-{d[4:6]}-{d[6:]}") for d in dates)
    stack = StackInputs(
        work, folders.slc_dir, folders.orbit_dir, folders.aux_dir, folders.dem, days, AOI, num_connections=c
    )
    argv = stacksentinel_args(IsceConfig.model_validate(config), stack, str(home / "stackSentinel.py"))
    done = subprocess.run(argv, cwd=work.parent, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def run_every_step(home: Path, work: Path) -> list[str]:
    """Each run file's lines in order through the stand-in's runner; the lines that failed."""
    failed = []
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for run_file in sorted((work / "run_files").iterdir()):
            for line in run_file.read_text().splitlines():
                argv = shlex.split(line)
                if run_command(str(home), argv[0], argv[1:]) != 0:
                    failed.append(line)
    return failed


def test_the_interferograms_made_are_exactly_the_network(tmp_path: Path, catalog: Catalog) -> None:
    project = make_project(tmp_path, catalog, dates=4)
    inputs = build_inputs(tmp_path / "isce" / STACK, project.data, STACK, project.scenes, project.records)
    assert check_stack(STACK, project.dates, project.records, project.data, BBOX) == []
    d = covering_dates(project.dates, project.records, project.data, BBOX)
    assert d == sorted(project.dates)
    # A network -c cannot express: no (d0, d1) nor (d2, d3), a pair over the reference date, a long one.
    network = [(d[0], d[2]), (d[1], d[2]), (d[1], d[3]), (d[0], d[3])]
    plan = plan_connections(STACK, d, d[1], network, coregistration="geometry")
    assert plan.num_connections == 1
    home = install(tmp_path / "topsstack")
    work = tmp_path / "isce" / STACK / "work"
    config = {"coregistration": "geometry", "reference_date": d[1]}
    stack_sentinel_of_config(home, inputs, work, d, config, plan.num_connections)

    edit = edit_pair_steps(work, "interferogram", plan)
    assert sorted(edit.added["run_11_unwrap"]) == sorted([(d[0], d[2]), (d[1], d[3]), (d[0], d[3])])
    assert edit.removed["run_11_unwrap"] == [(d[0], d[1]), (d[2], d[3])]
    before = {p.name: p.read_text() for p in [*(work / "run_files").iterdir(), *(work / "configs").iterdir()]}
    edit_pair_steps(work, "interferogram", plan)  # again: nothing changes
    after = {p.name: p.read_text() for p in [*(work / "run_files").iterdir(), *(work / "configs").iterdir()]}
    assert after == before

    assert run_every_step(home, work) == []
    merged = work / "merged" / "interferograms"
    assert sorted(p.name for p in merged.iterdir()) == sorted(f"{a}_{b}" for a, b in network)
    for a, b in network:
        assert (merged / f"{a}_{b}" / "filt_fine.unw").stat().st_size > 0
    assert not [p for p in (work / "configs").iterdir() if f"{d[0]}_{d[1]}" in p.name]


def test_a_pair_modelled_on_another_gets_its_own_paths(tmp_path: Path, catalog: Catalog) -> None:
    project = make_project(tmp_path, catalog, dates=4)
    inputs = build_inputs(tmp_path / "isce" / STACK, project.data, STACK, project.scenes, project.records)
    d = sorted(project.dates)
    plan = plan_connections(STACK, d, d[1], [(d[1], d[2]), (d[0], d[3])], coregistration="NESD")
    home = install(tmp_path / "topsstack")
    work = tmp_path / "isce" / STACK / "work"
    stack_sentinel(home, inputs, work, "-c", str(plan.num_connections), "-m", d[1])
    edit_pair_steps(work, "interferogram", plan)
    config = (work / "configs" / f"config_generate_igram_{d[0]}_{d[3]}").read_text()
    assert f"reference : {work}/coreg_secondarys/{d[0]}\n" in config
    assert f"secondary : {work}/coreg_secondarys/{d[3]}\n" in config
    assert f"interferogram : {work}/interferograms/{d[0]}_{d[3]}\n" in config
    filt = (work / "configs" / f"config_igram_filt_coh_{d[0]}_{d[3]}").read_text()
    assert f"slc1 : {work}/merged/SLC/{d[0]}/{d[0]}.slc.full\n" in filt
    unwrap = (work / "run_files" / "run_16_unwrap").read_text().splitlines()
    assert unwrap == [
        f"SentinelWrapper.py -c {work}/configs/config_igram_unw_{d[0]}_{d[3]}",
        f"SentinelWrapper.py -c {work}/configs/config_igram_unw_{d[1]}_{d[2]}",
    ]


def test_an_update_makes_the_new_pairs_of_the_network_also_to_older_dates(
    tmp_path: Path, catalog: Catalog
) -> None:
    project = make_project(tmp_path, catalog, dates=4)
    d = sorted(project.dates)
    newest = project.dates.pop(d[3])
    folder = tmp_path / "isce" / STACK
    inputs = build_inputs(folder, project.data, STACK, project.scenes, project.records)
    home = install(tmp_path / "topsstack")
    work = folder / "work"
    first = plan_connections(STACK, d[:3], d[0], [(d[0], d[1]), (d[1], d[2])], coregistration="geometry")
    stack_sentinel(home, inputs, work, "-C", "geometry", "-c", "1", "-m", d[0])
    edit_pair_steps(work, "interferogram", first)
    assert run_every_step(home, work) == []

    project.dates[d[3]] = newest  # a new date arrives: topsStack's update mode (coreg_secondarys/ exists)
    inputs = build_inputs(folder, project.data, STACK, project.scenes, project.records)
    (work / "run_files").rename(folder / "run_files.generation-1")
    (work / "configs").rename(folder / "configs.generation-1")
    stack_sentinel(home, inputs, work, "-C", "geometry", "-c", "1", "-m", d[0])
    # geometry: the latest coregistered date (-c 1) is re-processed with the new one
    plan = plan_connections(
        STACK, d, d[0], [(d[1], d[3]), (d[2], d[3])], coregistration="geometry", paired_dates=d[2:]
    )
    assert plan.add == (((d[1], d[3]), (d[2], d[3])),)
    edit_pair_steps(work, "interferogram", plan)
    assert run_every_step(home, work) == []
    merged = work / "merged" / "interferograms"
    assert sorted(p.name for p in merged.iterdir()) == [
        f"{d[0]}_{d[1]}",
        f"{d[1]}_{d[2]}",
        f"{d[1]}_{d[3]}",
        f"{d[2]}_{d[3]}",
    ]
