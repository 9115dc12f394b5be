"""Version-dependent stackSentinel.py options: the flags a configuration makes insarproj pass, the
flags a found script's parser declares, and what `insarproj validate` says about a mismatch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import write_project

from insarproj.config.isce import IsceConfig
from insarproj.isce.options_check import FLAG_KEYS, check_options, passed_flags, script_flags

ALWAYS = ["-s", "-o", "-a", "-w", "-d", "-W", "-n", "-p", "-b", "-m", "--num_proc", "--num_proc4topo"]
ION = {"ionosphere": {"num_connections": 2}}


def _script(folder: Path, flags: list[str], version: str | None = None) -> Path:
    """A conda-like install whose stackSentinel.py declares exactly ``flags`` (argparse calls)."""
    topsstack = folder / "share" / "isce2" / "topsStack"
    topsstack.mkdir(parents=True)
    calls = "".join(f"    parser.add_argument({flag!r}, dest='x{i}')\n" for i, flag in enumerate(flags))
    head = "#!/usr/bin/env python3\nimport argparse\n\ndef createParser():\n"
    text = f"{head}    parser = argparse.ArgumentParser()\n{calls}    return parser\n"
    (topsstack / "stackSentinel.py").write_text(text)
    if version:
        (folder / "conda-meta").mkdir()
        record = {"name": "isce2", "version": version}
        (folder / "conda-meta" / f"isce2-{version}-py_0.json").write_text(json.dumps(record))
    return topsstack


@pytest.mark.parametrize(
    ("options", "present", "absent"),
    [
        ({}, ALWAYS, ["--param_ion", "-V", "--rmFilter", "-t"]),
        (ION, ["--param_ion", "--num_connections_ion"], ["-V"]),
        ({"virtual_merge": False, "rm_filter": True, "text_cmd": "-t"}, ["-V", "--rmFilter", "-t"], []),
        ({"reference_date": "20210113", "bbox": [-118, -35.9, -117, -35.5]}, ["-m", "-b"], []),
    ],
)
def test_passed_flags_follow_the_configuration(options: dict, present: list[str], absent: list[str]) -> None:
    flags = passed_flags(IsceConfig.model_validate(options))
    assert set(present) <= set(flags) and not set(absent) & set(flags)
    assert set(flags) <= set(FLAG_KEYS)  # a value (a negative bbox, a "-t" text_cmd) is never a flag


def test_a_script_without_an_option_the_project_needs_is_named_with_the_release(tmp_path: Path) -> None:
    old = [
        f
        for f in FLAG_KEYS
        if f not in ("--num_proc", "--num_proc4topo", "--param_ion", "--num_connections_ion")
    ]
    folder = _script(tmp_path / "env", [*old, "--num-proc"], "2.4.2")
    assert script_flags(folder / "stackSentinel.py") == frozenset([*old, "--num-proc"])
    problems, _ = check_options(IsceConfig.model_validate(ION), folder / "stackSentinel.py", "2.4.2")
    text = "\n".join(problems)
    assert len(problems) == 4
    assert (
        "has no --num_proc option, and insarproj always passes it (it exists since ISCE2 2.5.0; found 2.4.2)"
        in text
    )
    assert "--param_ion option, and [processor.isce] ionosphere needs it (it exists since ISCE2 2.6.0" in text
    assert "or remove ionosphere from [processor.isce]" in text
    problems, how = check_options(
        IsceConfig.model_validate({}), _script(tmp_path / "new", list(FLAG_KEYS)) / "stackSentinel.py", None
    )
    assert problems == [] and "every option checked against the parser" in how


def test_an_unreadable_script_is_said_to_be_unchecked(tmp_path: Path) -> None:
    program = tmp_path / "stackSentinel.py"
    program.write_text("def (:\n")
    assert check_options(IsceConfig.model_validate({}), program, None) == (
        [],
        f"its options could not be read from {program}: not checked",
    )


def test_validate_refuses_options_the_found_isce2_lacks(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    without_ion = [f for f in FLAG_KEYS if f not in ("--param_ion", "--num_connections_ion")]
    folder = _script(tmp_path / "env", without_ion, "2.5.3")
    extra = f'\n[processor.isce]\ntopsstack_dir = "{folder}"\n'
    root = write_project(tmp_path / "p", kind="isce", extra=extra)
    result = run_cli(["-C", str(root), "validate"])
    assert result.code == 0, result.output
    assert "ISCE2: real topsStack at" in result.output and "(ISCE2 version 2.5.3)" in result.output
    assert "stackSentinel.py options: every option checked against the parser in" in result.output
    root = write_project(tmp_path / "q", kind="isce", extra=extra + "[processor.isce.ionosphere]\n")
    result = run_cli(["-C", str(root), "validate"])
    assert result.code == 1
    assert "Error: stackSentinel.py at" in result.output and "has no --param_ion option" in result.output
    assert "(it exists since ISCE2 2.6.0; found 2.5.3)" in result.output and "Traceback" not in result.output


def test_validate_refuses_burst_products_with_isce(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", kind="isce")
    toml = root / "project.toml"
    toml.write_text(toml.read_text().replace("[search]\n", '[search]\nproduct = "BURST"\n'))
    result = run_cli(["-C", str(root), "validate"])
    assert result.code == 1, result.output
    assert 'product = "BURST" does not fit processor kind = "isce"' in result.output
    assert 'set product = "SLC"' in result.output and "Traceback" not in result.output
