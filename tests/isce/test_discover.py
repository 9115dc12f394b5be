"""Finding ISCE2's stackSentinel.py and its version, and what `insarproj validate` says about it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import write_project

from insarproj.isce.discover import find_topsstack


def _conda_env(root: Path, version: str | None) -> Path:
    """A conda-like environment: <env>/share/isce2/topsStack/stackSentinel.py (+ conda-meta record)."""
    folder = root / "share" / "isce2" / "topsStack"
    folder.mkdir(parents=True)
    (folder / "stackSentinel.py").write_text("#!/usr/bin/env python3\nprint('stand-in')\n")
    (folder / "stackSentinel.py").chmod(0o755)
    (root / "conda-meta").mkdir()
    if version:
        record = {"name": "isce2", "version": version}
        (root / "conda-meta" / f"isce2-{version}-py311h0_0.json").write_text(json.dumps(record))
    return folder


def _fake_python(bin_dir: Path, output: str, code: int = 0) -> Path:
    bin_dir.mkdir(parents=True, exist_ok=True)
    python = bin_dir / "python3"
    python.write_text(f"#!/bin/sh\necho '{output}'\nexit {code}\n")
    python.chmod(0o755)
    return python


def test_topsstack_dir_with_the_conda_version(tmp_path: Path) -> None:
    folder = _conda_env(tmp_path / "env", "2.6.3")
    found = find_topsstack(str(folder), path="")
    assert found.found and found.version == "2.6.3"
    assert found.summary() == f"real topsStack at {folder.resolve()}/stackSentinel.py (ISCE2 version 2.6.3)"


def test_on_path_with_the_version_from_its_python(tmp_path: Path) -> None:
    folder = _conda_env(tmp_path / "env", None)
    bin_dir = tmp_path / "bin"
    _fake_python(bin_dir, "2.6.1")
    found = find_topsstack(None, path=f"{folder}{os.pathsep}{bin_dir}")
    assert found.program == folder.resolve() / "stackSentinel.py"
    assert found.version == "2.6.1"
    _fake_python(bin_dir, "ModuleNotFoundError: No module named 'isce'", code=1)
    assert (
        find_topsstack(None, path=f"{folder}{os.pathsep}{bin_dir}")
        .summary()
        .endswith("(ISCE2 version unknown)")
    )


def test_a_relative_topsstack_dir_is_under_the_project(tmp_path: Path) -> None:
    _conda_env(tmp_path / "proj" / "tools", "2.6.3")
    assert find_topsstack("tools/share/isce2/topsStack", base=tmp_path / "proj", path="").version == "2.6.3"


def test_the_sandbox_stand_in_is_named_as_such(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    from insarproj.sandbox.topsstack import install

    folder = install(tmp_path / "topsStack")
    found = find_topsstack(str(folder), path="")
    assert found.found and found.stand_in and found.version is None
    root = write_project(
        tmp_path / "p", kind="isce", extra=f'\n[processor.isce]\ntopsstack_dir = "{folder}"\n'
    )
    result = run_cli(["-C", str(root), "validate"])
    assert result.code == 0
    assert "ISCE2: the sandbox's stand-in topsStack at" in result.output
    assert "(not ISCE2: for tests and the demo)" in result.output
    assert "real topsStack" not in result.output


@pytest.mark.parametrize(
    ("topsstack_dir", "problem"), [(None, "not on PATH"), ("nowhere", "has no stackSentinel.py")]
)
def test_not_found_says_how_to_install(tmp_path: Path, topsstack_dir: str | None, problem: str) -> None:
    found = find_topsstack(topsstack_dir, base=tmp_path, path=str(tmp_path))
    assert not found.found
    assert problem in found.summary()
    assert "conda install -c conda-forge isce2" in found.summary()


def test_validate_reports_the_real_topsstack_or_warns(tmp_path: Path, run_cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    folder = _conda_env(tmp_path / "env", "2.6.3")
    root = write_project(
        tmp_path / "p", kind="isce", extra=f'\n[processor.isce]\ntopsstack_dir = "{folder}"\n'
    )
    result = run_cli(["-C", str(root), "validate"])
    assert result.code == 0
    assert (
        f"ISCE2: real topsStack at {folder.resolve()}/stackSentinel.py (ISCE2 version 2.6.3)."
        in result.output
    )
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    root = write_project(tmp_path / "q", kind="isce")
    result = run_cli(["-C", str(root), "validate"])
    assert result.code == 0  # a warning: the file is valid, and the run may happen on another machine
    assert "Warning: ISCE2 topsStack not found" in result.output
    assert "conda install -c conda-forge isce2" in result.output


def test_validate_refuses_num_connections(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", kind="isce", extra="\n[processor.isce]\nnum_connections = 2\n")
    result = run_cli(["-C", str(root), "validate"])
    assert result.code == 1
    assert "processor.isce.num_connections" in result.output
    assert "superseded by [pairs]" in result.output
    assert "Traceback" not in result.output
