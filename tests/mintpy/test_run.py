"""Running MintPy's pure parts: finding smallbaselineApp.py, the command line, the clean load,
the plan's cheap output check."""

from __future__ import annotations

import hashlib
import shlex
from pathlib import Path

import pytest

from insarproj.mintpy.run import clear_outputs, find_mintpy, output_facts, outputs_changed, run_command


def executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


@pytest.mark.parametrize(
    ("command", "setup", "found", "problem"),
    [
        ("bin/smallbaselineApp.py", "exec", True, None),
        ("bin/smallbaselineApp.py", None, False, "[mintpy] command bin/smallbaselineApp.py does not exist"),
        ("bin/smallbaselineApp.py", "plain", False, "is not executable"),
        ("no-such-smallbaselineApp.py", None, False, "no-such-smallbaselineApp.py is not on PATH"),
    ],
)
def test_find_mintpy(
    tmp_path: Path, command: str, setup: str | None, found: bool, problem: str | None
) -> None:
    if setup == "exec":
        executable(tmp_path / command)
    elif setup == "plain":
        (tmp_path / command).parent.mkdir(parents=True)
        (tmp_path / command).write_text("")
    result = find_mintpy(command, base=tmp_path)
    assert result.found is found
    if found:
        assert result.program == tmp_path / command and "smallbaselineApp.py at" in result.summary()
    else:
        assert (
            problem is not None
            and problem in result.summary()
            and "pip install 'numpy<2' mintpy" in result.summary()
        )


def test_a_name_is_looked_up_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    program = executable(tmp_path / "venv bin" / "smallbaselineApp.py")
    monkeypatch.setenv("PATH", str(program.parent))
    assert find_mintpy("smallbaselineApp.py", base=tmp_path / "elsewhere").program == program
    # A path with a space survives the shell line the executor runs.
    assert shlex.split(run_command(program, "insarproj.cfg", "velocity")) == [
        str(program), "insarproj.cfg", "--end", "velocity",
    ]  # fmt: skip


def test_clear_outputs_removes_mintpys_files_and_keeps_the_handoff(tmp_path: Path) -> None:
    handoff = ("insarproj.cfg", "hyp3/p/p_unw_phase_clipped.tif", "hyp3/p/p.txt")
    mintpy = ("inputs/ifgramStack.h5", "pic/x.png", "velocity.h5", "timeseries.h5", "reference_date.txt")
    for name in (*handoff, *mintpy, "smallbaselineApp.cfg"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    removed = clear_outputs(tmp_path)
    # smallbaselineApp.cfg is MintPy's merge of its defaults and insarproj.cfg: no value may survive.
    assert removed == [
        "inputs",
        "pic",
        "reference_date.txt",
        "smallbaselineApp.cfg",
        "timeseries.h5",
        "velocity.h5",
    ]
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert left == ["hyp3/p/p.txt", "hyp3/p/p_unw_phase_clipped.tif", "insarproj.cfg"]


def test_output_facts_and_the_plans_size_check(tmp_path: Path) -> None:
    (tmp_path / "timeseries.h5").write_bytes(b"ts")
    (tmp_path / "velocity.h5").write_bytes(b"vel")
    facts = output_facts(tmp_path)
    assert facts["velocity.h5"] == {"size": 3, "sha256": hashlib.sha256(b"vel").hexdigest()}
    assert outputs_changed(tmp_path, facts) == []
    (tmp_path / "velocity.h5").write_bytes(b"velocity")
    (tmp_path / "timeseries.h5").unlink()
    assert outputs_changed(tmp_path, facts) == ["timeseries.h5 missing", "velocity.h5 changed size"]
