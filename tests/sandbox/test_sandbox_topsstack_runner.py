"""The stand-in's commands: each step's outputs at the real paths, the installed scripts, faults
and the invocation log; and the SAFE layout of the sandbox's scene zips that topsStack reads."""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from topsstack_helpers import Inputs, commands_of, make_inputs, run_all, stack_sentinel

from insarproj.sandbox.catalog import Catalog
from insarproj.sandbox.safe_layout import CORNER_ORDER
from insarproj.sandbox.topsstack import COMMANDS, install
from insarproj.sandbox.topsstack.faults import read_log


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog(seed=0)


@pytest.fixture
def inputs(tmp_path: Path, catalog: Catalog) -> Inputs:
    return make_inputs(tmp_path, catalog, dates=3)


def _nonempty(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0


def test_a_whole_run_leaves_what_a_completion_check_by_outputs_looks_for(
    inputs: Inputs, tmp_path: Path
) -> None:
    assert stack_sentinel(inputs.root, inputs.argv("-c", "2"))[0] == 0
    home = install(tmp_path / "topsStack")
    assert run_all(inputs.work, home) == []
    work, d = inputs.work, inputs.dates
    for pair in (f"{d[0]}_{d[1]}", f"{d[0]}_{d[2]}", f"{d[1]}_{d[2]}"):
        merged = work / "merged" / "interferograms" / pair
        for name in (
            "filt_fine.unw",
            "filt_fine.unw.conncomp",
            "filt_fine.unw.xml",
            "filt_fine.cor",
            "fine.int",
        ):
            assert _nonempty(merged / name), merged / name
    for name in ("hgt", "lat", "lon", "los", "shadowMask", "incLocal"):
        assert _nonempty(work / "merged" / "geom_reference" / f"{name}.rdr")
    assert sorted(p.name for p in (work / "reference").glob("IW*.xml")) == ["IW1.xml", "IW2.xml", "IW3.xml"]
    baseline = work / "baselines" / f"{d[0]}_{d[1]}" / f"{d[0]}_{d[1]}.txt"
    assert re.search(r"^Bperp \(average\): -?\d+\.\d+$", baseline.read_text(), re.M)
    for date in d[1:]:
        assert _nonempty(work / "coreg_secondarys" / date / "IW2" / "burst_01.slc")
        assert _nonempty(work / "merged" / "SLC" / date / f"{date}.slc.full.vrt")  # virtual merge
        assert _nonempty(work / "misreg" / "azimuth" / "dates" / f"{date}.txt")
    ends = [e for e in read_log(str(home)) if e["event"] == "end"]
    lines = sum(len(commands_of(f)) for f in (work / "run_files").iterdir())
    assert len(ends) == lines and {e["status"] for e in ends} == {0}


def test_a_command_whose_input_is_missing_fails_as_isce_does(inputs: Inputs, tmp_path: Path) -> None:
    assert stack_sentinel(inputs.root, inputs.argv("-C", "geometry"))[0] == 0
    home = install(tmp_path / "topsStack")
    run_file = inputs.work / "run_files" / "run_04_fullBurst_geo2rdr"  # secondaries were never unpacked
    result = subprocess.run(
        ["bash", "-c", run_file.read_text().splitlines()[0]],
        env={**os.environ, "PATH": f"{home}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
    )
    secondary = inputs.work / "secondarys" / inputs.dates[1] / "IW1.xml"
    assert result.returncode == 1
    assert f"FileNotFoundError: [Errno 2] No such file or directory: '{secondary}'" in result.stderr


def _run(home: Path, line: str, faults: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{home}:{os.environ['PATH']}"}
    if faults is not None:
        env["INSARPROJ_TOPSSTACK_FAULTS"] = faults
    return subprocess.run(["bash", "-c", line], env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def unpacked(inputs: Inputs, tmp_path: Path) -> tuple[Inputs, Path, str]:
    """A new stack with the stand-in installed; the line that unpacks the reference."""
    assert stack_sentinel(inputs.root, inputs.argv("-C", "geometry", "-t", "true;"))[0] == 0
    home = install(tmp_path / "topsStack")
    line = (inputs.work / "run_files" / "run_01_unpack_topo_reference").read_text().strip()
    assert line == f"true;SentinelWrapper.py -c {inputs.work}/configs/config_reference"
    return inputs, home, line


def test_installed_scripts_run_through_the_shell_with_the_text_cmd_prefix(
    unpacked: tuple[Inputs, Path, str],
) -> None:
    inputs, home, line = unpacked
    assert sorted(p.name for p in home.iterdir() if p.name.endswith(".py")) == sorted(COMMANDS)
    result = _run(home, line)
    assert result.returncode == 0, result.stderr
    assert _nonempty(inputs.work / "reference" / "IW1.xml")
    assert _nonempty(inputs.work / "geom_reference" / "IW3" / "los_01.rdr")
    assert [e["event"] for e in read_log(str(home))] == ["start", "end"]


def test_fault_fail_exits_1_with_a_known_failure_line_and_no_output(
    unpacked: tuple[Inputs, Path, str],
) -> None:
    inputs, home, line = unpacked
    result = _run(home, line, "fail@config_reference")
    assert result.returncode == 1 and "Traceback (most recent call last):" in result.stderr
    assert "FileNotFoundError: [Errno 2] No such file or directory" in result.stderr
    assert not (inputs.work / "reference").exists()
    assert _run(home, line, "fail@config_secondary_*").returncode == 0  # the glob picks the target


def test_fault_counts_let_a_retry_succeed(unpacked: tuple[Inputs, Path, str]) -> None:
    _, home, line = unpacked
    (home / "faults.txt").write_text("fail:2@config_reference")  # the settings file, no environment
    assert [_run(home, line).returncode for _ in range(3)] == [1, 1, 0]
    outcomes = [e.get("outcome") for e in read_log(str(home)) if e["event"] == "end"]
    assert outcomes == ["failed", "failed", "ok"]


def test_fault_empty_exits_0_and_writes_nothing(unpacked: tuple[Inputs, Path, str]) -> None:
    inputs, home, line = unpacked
    result = _run(home, line, "empty")
    assert result.returncode == 0 and not (inputs.work / "reference").exists()


def test_fault_slow_delays_the_command_and_the_log_shows_it_running(
    unpacked: tuple[Inputs, Path, str],
) -> None:
    inputs, home, line = unpacked
    env = {**os.environ, "PATH": f"{home}:{os.environ['PATH']}", "INSARPROJ_TOPSSTACK_FAULTS": "slow:30"}
    process = subprocess.Popen(["bash", "-c", line], env=env, start_new_session=True)
    try:
        for _ in range(200):  # until the command has logged its start
            if read_log(str(home)):
                break
            time.sleep(0.05)
        assert [e["event"] for e in read_log(str(home))] == ["start"] and process.poll() is None
        assert not (inputs.work / "reference").exists()
    finally:
        os.killpg(process.pid, 9)
        process.wait()


def test_fault_crash_kills_the_command_mid_step(unpacked: tuple[Inputs, Path, str]) -> None:
    inputs, home, line = unpacked
    result = _run(home, line, "crash")
    assert result.returncode in (-9, 128 + 9)  # killed by SIGKILL (bash may exec the last command)
    made = [p for p in (inputs.work / "reference").rglob("*") if p.is_file()]
    made += [p for p in (inputs.work / "geom_reference").rglob("*") if p.is_file()]
    assert 0 < len(made) < 3 * 4 + 3 * 6 * 3  # some outputs, not all
    assert [e["event"] for e in read_log(str(home))] == ["start", "crash"]


def test_an_unknown_fault_kind_is_refused(unpacked: tuple[Inputs, Path, str]) -> None:
    _, home, line = unpacked
    result = _run(home, line, "explode")
    assert result.returncode != 0 and "unknown topsStack fault kind 'explode'" in result.stderr


def test_scene_zips_hold_the_safe_layout_topsstack_reads(catalog: Catalog) -> None:
    for scene in (catalog.scenes[3], next(s for s in catalog.scenes if s.polarization == "VV")):
        data = catalog.payloads.data(scene)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            safe = f"{scene.name}.SAFE/"
            kml = archive.read(safe + "preview/map-overlay.kml").decode()
            manifest = archive.read(safe + "manifest.safe").decode()
            pols = ["vh", "vv"] if scene.polarization == "VV+VH" else ["vv"]
            annotations = sorted(n for n in names if n.startswith(safe + "annotation/s1"))
            assert [n.split("/")[-1].split("-")[1:4:2] for n in annotations] == [
                [swath, pol] for swath in ("iw1", "iw2", "iw3") for pol in pols
            ]
            assert len([n for n in names if n.startswith(safe + "measurement/")]) == 3 * len(pols)
            for name in names:
                if name.endswith("manifest.safe"):
                    continue
                body = archive.read(name)
                href = "./" + name.removeprefix(safe)
                block = manifest[
                    manifest.index(f'href="{href}"') - 200 : manifest.index(f'href="{href}"') + 200
                ]
                assert f'size="{len(body)}"' in block and hashlib.md5(body).hexdigest() in block
        quad = re.search(r"<coordinates>(.*)</coordinates>", kml).group(1).split()  # type: ignore[union-attr]
        assert quad == [f"{scene.corners[c][0]:.6f},{scene.corners[c][1]:.6f}" for c in CORNER_ORDER]
        info = catalog.payloads.info(scene)
        assert (info.size, info.md5) == (len(data), hashlib.md5(data).hexdigest()) and info.size < 64 * 1024


def test_unpacking_fails_as_isces_reader_on_a_corrupt_zip_or_a_missing_polarization(
    inputs: Inputs, tmp_path: Path
) -> None:
    home = install(tmp_path / "topsStack")
    assert stack_sentinel(inputs.root, inputs.argv("-C", "geometry", "-p", "vh"))[0] == 0
    line = (inputs.work / "run_files" / "run_01_unpack_topo_reference").read_text().strip()
    config = (inputs.work / "configs" / "config_reference").read_text()
    safe = config.split("dirname : ")[1].split()[0]
    assert _run(home, line).returncode == 0  # the dual-pol scenes have VH
    for path in (inputs.work / "reference").rglob("*"):
        if path.is_file():
            path.unlink()
    Path(safe).write_bytes(Path(safe).read_bytes()[:2000])  # a truncated download
    result = _run(home, line)
    assert result.returncode == 1 and "zipfile.BadZipFile: File is not a zip file" in result.stderr
    Path(safe).unlink()
    other = sorted(p for p in inputs.slc.iterdir() if p.name != Path(safe).name)[0]
    (inputs.work / "configs" / "config_reference").write_text(
        config.replace("pol : vh", "pol : hh").replace(safe, str(other))
    )
    result = _run(home, line)
    assert result.returncode == 1
    assert f"Exception: No annotation xml file found in zip file: {other}" in result.stderr
    assert not any(p.is_file() for p in (inputs.work / "reference").rglob("*"))
