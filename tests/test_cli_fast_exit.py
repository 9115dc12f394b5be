"""A read-only `insarproj plan` ends without tearing the interpreter down (cli.main,
`exit_without_teardown`): its output is still complete, its exit code kept, and any other
command still exits the normal way."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_startup_imports import _converged_hyp3_project

# Registers an exit handler, then runs the console entry point as `insarproj` does: the handler's
# line shows whether the interpreter was torn down.
ENTRY = (
    "import atexit, sys\n"
    "atexit.register(lambda: print('TORN DOWN', flush=True))\n"
    "from insarproj.cli.main import main\n"
    "main(sys.argv[1:])\n"
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fast-exit") / "p"
    _converged_hyp3_project(root)
    return root


def _insarproj(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", ENTRY, *args], capture_output=True, text=True, timeout=60)


def test_plan_skips_the_teardown_and_keeps_its_output_and_exit_code(project: Path) -> None:
    done = _insarproj("-C", str(project), "plan", "--detailed-exitcode")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("No changes"), done.stdout
    assert "TORN DOWN" not in done.stdout


def test_plan_json_arrives_whole_through_a_pipe(project: Path) -> None:
    done = _insarproj("-C", str(project), "plan", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"] is not None


def test_plan_with_changes_keeps_exit_code_2(project: Path, tmp_path: Path) -> None:
    layer = next((project / "data" / "products").rglob("*_unw_phase.tif"))
    original = layer.read_bytes()
    layer.write_bytes(original + b"more")
    try:
        done = _insarproj("-C", str(project), "plan", "--detailed-exitcode")
    finally:
        layer.write_bytes(original)
    assert done.returncode == 2, done.stderr
    assert "size differs" in done.stdout


@pytest.mark.parametrize("args", [("validate",), ("nosuchcommand",)])
def test_other_commands_exit_the_normal_way(project: Path, args: tuple[str, ...]) -> None:
    done = _insarproj("-C", str(project), *args)
    assert "TORN DOWN" in done.stdout, (done.stdout, done.stderr)
