"""`[mintpy] run = true` end to end through the real CLI against the sandbox, with a stand-in
smallbaselineApp.py (tests/e2e/fake_mintpy.py; the real MintPy: test_mintpy_real_e2e.py): outputs
recorded with checksums and the hand-off that made them, re-run only when the hand-off changed and
then from a clean load, failures and kill -9 never recording outputs of an unfinished run."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import time
from pathlib import Path

import pytest
from e2e_helpers import apply_wait, cli_subprocess, quiesce, state_of, write_project
from fake_mintpy import write_fake_mintpy

from insarproj.errors import ExitCode
from insarproj.isce.processes import process_start

HYP3 = '[processor.hyp3]\njob_type = "INSAR_GAMMA"\ninclude_dem = true\ninclude_look_vectors = true\n'


def run_project(root: Path, command: str) -> Path:
    mintpy = f'\n[mintpy]\nenabled = true\nrun = true\ncommand = "{command}"\n'
    return write_project(root, kind="hyp3", end="2021-01-20", processor_extra=HYP3 + mintpy)


def records(root: Path, kind: str) -> dict[str, dict]:
    return {a: r for a, r in state_of(root)["resources"].items() if r["kind"] == kind}


def loaded(folder: Path) -> list[str]:
    """The interferograms the stand-in loaded, from the velocity.h5 it wrote."""
    return json.loads((folder / "velocity.h5").read_text().split(" ", 1)[1])["files"]  # type: ignore[no-any-return]


def test_run_records_outputs_with_checksums_and_the_handoff(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = run_project(tmp_path / "p", str(write_fake_mintpy(tmp_path / "bin")))
    result = apply_wait(run_cli, root)
    assert result.code == 0, result.output
    runs, handoffs = records(root, "mintpy_run"), records(root, "mintpy")
    assert set(runs) == {a.replace("mintpy.", "mintpy_run.") for a in handoffs} and runs
    for record in runs.values():
        attrs = record["attributes"]
        handoff = handoffs[attrs["handoff"]]["attributes"]
        assert record["status"] == "present" and attrs["handoff_fingerprint"] == handoff["fingerprint"]
        folder = root / "data" / attrs["path"]
        for name in ("timeseries.h5", "velocity.h5"):
            assert (
                attrs["outputs"][name]["sha256"] == hashlib.sha256((folder / name).read_bytes()).hexdigest()
            )
        assert "--end velocity" in (root / "data" / attrs["log"]).read_text()
        assert len(loaded(folder)) == len(handoff["products"])
    quiesce(fast_hyp3)
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0
    assert "mintpy_run." not in run_cli(["-C", str(root), "plan"]).output


def test_a_replaced_product_reruns_mintpy_from_a_clean_load(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = run_project(tmp_path / "p", str(write_fake_mintpy(tmp_path / "bin")))
    assert apply_wait(run_cli, root).code == 0
    before = records(root, "mintpy_run")
    toml = root / "project.toml"
    toml.write_text(
        toml.read_text().replace(
            "include_look_vectors = true\n", "include_look_vectors = true\ninclude_wrapped_phase = true\n"
        )
    )
    plan = run_cli(["-C", str(root), "plan"])
    for address in before:
        assert f"{address}" in plan.output and "runs once mintpy." in plan.output, plan.output
    assert apply_wait(run_cli, root).code == 0
    after = records(root, "mintpy_run")
    for address, record in after.items():
        attrs = record["attributes"]
        assert attrs["handoff_fingerprint"] != before[address]["attributes"]["handoff_fingerprint"]
        assert (
            attrs["outputs"]["velocity.h5"]["sha256"]
            != before[address]["attributes"]["outputs"]["velocity.h5"]["sha256"]
        )
        current = {
            Path(records(root, "product")[p]["attributes"]["path"]).name
            for p in records(root, "mintpy")[attrs["handoff"]]["attributes"]["products"]
        }
        assert {n.rsplit("_unw_phase", 1)[0] for n in loaded(root / "data" / attrs["path"])} == current
    # An output changed on disk: re-run, and MintPy's leftovers (a stale stack) are cleared first.
    address, record = next(iter(after.items()))
    folder = root / "data" / record["attributes"]["path"]
    (folder / "velocity.h5").write_text("edited by hand")
    (folder / "inputs" / "ifgramStack.h5").write_text('{"files": ["stale"], "digest": ""}')
    quiesce(fast_hyp3)
    plan = run_cli(["-C", str(root), "plan"])
    assert "velocity.h5 changed size" in plan.output, plan.output
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    assert (
        loaded(folder) != ["stale"]
        and records(root, "mintpy_run")[address]["attributes"]["outputs"] == record["attributes"]["outputs"]
    )


def test_missing_mintpy_is_named_by_validate_and_plan(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = run_project(tmp_path / "p", "bin/smallbaselineApp.py")
    validate = run_cli(["-C", str(root), "validate"])
    assert (
        validate.code == 0
        and "MintPy not found" in validate.output
        and "pip install 'numpy<2' mintpy" in validate.output
    )
    result = apply_wait(run_cli, root)
    assert result.code == ExitCode.ERROR, result.output
    assert "[mintpy] command bin/smallbaselineApp.py does not exist" in result.output
    assert records(root, "mintpy") and not records(root, "mintpy_run")
    write_fake_mintpy(root / "bin")  # installed where project.toml says: the next apply runs it
    quiesce(fast_hyp3)
    assert "MintPy's smallbaselineApp.py at" in run_cli(["-C", str(root), "validate"]).output
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0 and records(root, "mintpy_run")


def test_a_failed_run_records_no_outputs_until_retried(
    tmp_path: Path, fast_hyp3, run_cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    root = run_project(tmp_path / "p", str(write_fake_mintpy(tmp_path / "bin")))
    monkeypatch.setenv("FAKE_MINTPY_FAIL", "1")
    result = apply_wait(run_cli, root)
    assert result.code != 0 and "exit code 1" in result.output, result.output
    failed = records(root, "mintpy_run")
    assert failed and all(
        r["status"] == "failed" and "outputs" not in r["attributes"] for r in failed.values()
    )
    monkeypatch.delenv("FAKE_MINTPY_FAIL")
    quiesce(fast_hyp3)
    plan = run_cli(["-C", str(root), "plan"])
    assert (
        "MintPy failed (exit code 1; log data/logs/mintpy/" in plan.output and "--retry-failed" in plan.output
    )
    # Failed for good: a plain apply reports it (exit 4) and does not run MintPy again.
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == ExitCode.FAILED
    after = records(root, "mintpy_run")
    assert all(after[address] == record for address, record in failed.items()), after
    assert run_cli(["-C", str(root), "apply", "--yes", "--retry-failed"]).code == 0
    assert all(r["status"] == "present" for r in records(root, "mintpy_run").values())


@pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="adoption checks process start times in /proc"
)
def test_kill_9_during_the_run_records_nothing_and_the_next_apply_adopts_it(
    tmp_path: Path, fast_hyp3, run_cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    root = run_project(tmp_path / "p", str(write_fake_mintpy(tmp_path / "bin")))
    toml = root / "project.toml"
    toml.write_text(toml.read_text().replace("run = true\n", "run = false\n"))
    assert apply_wait(run_cli, root).code == 0  # the hand-off first; then only the run is left
    toml.write_text(toml.read_text().replace("run = false\n", "run = true\n"))
    runs = root / "data" / "logs" / "mintpy"
    proc = cli_subprocess(["-C", str(root), "apply", "--yes"], {**fast_hyp3.env(), "FAKE_MINTPY_SLEEP": "2"})
    deadline = time.monotonic() + 60
    while not any(runs.glob("*/*/smallbaselineApp.1.log")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not records(root, "mintpy_run")  # nothing recorded from an unfinished run
    assert "MintPy is running (pid" in run_cli(["-C", str(root), "plan"]).output
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == 0, result.output
    assert all(r["status"] == "present" for r in records(root, "mintpy_run").values())
    logs = list(runs.glob("*/*/smallbaselineApp.*.log"))
    assert len(logs) == len(records(root, "mintpy_run"))  # adopted: never a second run
    assert all(log.read_text().count("fake smallbaselineApp.py") == 1 for log in logs)


def test_ctrl_c_stops_mintpy_and_records_no_outputs(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = run_project(tmp_path / "p", str(write_fake_mintpy(tmp_path / "bin")))
    toml = root / "project.toml"
    toml.write_text(toml.read_text().replace("run = true\n", "run = false\n"))
    assert apply_wait(run_cli, root).code == 0
    toml.write_text(toml.read_text().replace("run = false\n", "run = true\n"))
    runs = root / "data" / "logs" / "mintpy"
    proc = cli_subprocess(["-C", str(root), "apply", "--yes"], {**fast_hyp3.env(), "FAKE_MINTPY_SLEEP": "30"})
    deadline = time.monotonic() + 60
    while "pid" not in "".join(p.read_text() for p in runs.glob("*/*/*.log")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) != 0
    log = next(runs.glob("*/*/smallbaselineApp.1.log")).read_text()
    pid = int(log.split("pid ", 1)[1].split()[0])
    deadline = time.monotonic() + 10
    while process_start(pid) is not None and time.monotonic() < deadline:  # gone, or a zombie
        time.sleep(0.05)
    assert process_start(pid) is None  # the run was stopped with insarproj, not left behind
    partial = records(root, "mintpy_run")
    assert partial and all(
        r["status"] == "partial" and "outputs" not in r["attributes"] for r in partial.values()
    )
    assert "the last run did not finish (interrupted" in run_cli(["-C", str(root), "plan"]).output
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    assert all(r["status"] == "present" for r in records(root, "mintpy_run").values())
