"""Ctrl-C (a real SIGINT to a real `insarproj apply` subprocess) in each phase: search, submission,
waiting, download, unzip. Each exits 130 with "Interrupted: N actions were recorded; run
`insarproj apply` to resume", records nothing half-done, and the next apply converges with no
duplicate HyP3 job (docs/safety.md). The sandbox's faults hold each remote phase open long enough
to interrupt it."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from e2e_helpers import SandboxProcess, state_of, write_project
from test_hyp3_e2e import HYP3, identities, sandbox_jobs

from insarproj.errors import ExitCode

SENTENCE = re.compile(
    r"^Interrupted: (\d+) actions? (was|were) recorded; run `insarproj apply` to resume\.$", re.M
)

# No sandbox fault can slow a local unzip: this wrapper runs the real CLI with the product's
# extraction held open for a moment (a marker file says when it starts), then extracts for real.
HOLD_UNZIP = """
import os, pathlib, sys, time
import insarproj.hyp3.products as products
real = products.extract_product
def held(*args, **kwargs):
    pathlib.Path(os.environ["UNZIP_MARKER"]).touch()
    time.sleep(1.5)
    return real(*args, **kwargs)
products.extract_product = held
from insarproj.cli.main import main
main(sys.argv[1:])
"""


@pytest.fixture(scope="module")
def box():  # type: ignore[no-untyped-def]
    sandbox = SandboxProcess()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def env(box, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The subprocess's environment; this process gets it too, for the in-process re-run."""
    box.set_faults("")
    hyp3_settings(box, speed=50.0, post_stall=30.0)
    values = {
        **box.env,
        "INSARPROJ_PLUGINS": "",
        "INSARPROJ_HYP3_LISTING_LAG": "0.5",
        "INSARPROJ_HYP3_SUBMIT_TIMEOUT": "30",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


def hyp3_settings(box, **settings: float) -> None:  # type: ignore[no-untyped-def]
    requests.post(box.url + "/_sandbox/hyp3/settings", json=settings, timeout=10).raise_for_status()


class Running:
    """A CLI subprocess whose stderr is read as it comes."""

    def __init__(self, args: list[str], env: dict[str, str], prefix: list[str] | None = None) -> None:
        command = prefix or [sys.executable, "-m", "insarproj"]
        self.proc = subprocess.Popen(
            [*command, *args],
            env={**os.environ, **env},
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    def wait_for(self, ready: Callable[[], bool], what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            assert self.proc.poll() is None, f"apply ended before {what}: {''.join(self.lines)}"
            assert time.monotonic() < deadline, f"no {what} within {timeout} s: {''.join(self.lines)}"
            time.sleep(0.01)

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def interrupt(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=60)
        self._reader.join(timeout=10)
        return code, "".join(self.lines)


def assert_interrupted(code: int, err: str) -> int:
    assert code == ExitCode.INTERRUPTED, err
    assert "Traceback" not in err and "Aborted" not in err, err
    assert not re.search(r"^\s+(x|✗|failed) ", err, re.M), err  # an interrupted action is not a failure
    found = SENTENCE.search(err)
    assert found, err
    return int(found.group(1))


def assert_nothing_half_done_recorded(root: Path) -> None:
    """Every file state records as present is complete and verified; no work file is recorded."""
    data = root / "data"
    for address, record in state_of(root)["resources"].items():
        attrs = record.get("attributes", {})
        if record["kind"] == "scene" and record["status"] == "present":
            path = data / attrs["path"]
            assert path.stat().st_size == attrs["size"], address
            assert hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest() == attrs["md5"], address
        if record["kind"] == "product" and record["status"] == "present":
            folder = data / attrs["path"]
            assert folder.is_dir() and not folder.name.startswith("."), address
            assert not list(folder.parent.glob("*.extracting")), address
        assert ".part" not in str(attrs.get("path", "")), address


def assert_converges(root: Path, box, name: str, run_cli) -> None:  # type: ignore[no-untyped-def]
    """The next apply (the real CLI, in-process: no second interpreter start) converges."""
    from insarproj.engine.context import PlanOptions
    from insarproj.workspace import Workspace

    box.set_faults("")
    hyp3_settings(box, speed=50.0, post_stall=30.0)
    final = run_cli(
        ["-C", str(root), "apply", "--yes", "--wait", "--poll-interval", "0.2", "--timeout", "60"]
    )
    assert final.code == 0, final.output
    plan = Workspace(root).plan(PlanOptions(offline=True))
    assert not (plan.has_changes or plan.has_waiting or plan.has_failed), final.output
    jobs = [job for job in sandbox_jobs(box.url) if job.get("name") == name]
    assert not jobs or max(identities(jobs).values()) == 1  # no job submitted twice


def hyp3_root(tmp_path: Path, name: str) -> Path:
    return write_project(tmp_path / name, name=name, kind="hyp3", end="2021-01-20", processor_extra=HYP3)


def apply_args(root: Path, *extra: str) -> list[str]:
    return ["-C", str(root), "apply", "--yes", *extra]


def test_ctrl_c_during_the_search(tmp_path: Path, box, env, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_root(tmp_path, "int-search")
    box.set_faults("slow@/search/*")  # every CMR page answers slowly
    run = Running(apply_args(root), env)
    run.wait_for(lambda: run.said("Searching"), "search")
    time.sleep(0.2)
    assert assert_interrupted(*run.interrupt()) == 0
    assert state_of(root)["inputs"] == {}  # no half search pinned
    assert_converges(root, box, "int-search", run_cli)


def test_ctrl_c_during_a_submission(tmp_path: Path, box, env, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_root(tmp_path, "int-submit")
    hyp3_settings(box, post_stall=2.0)  # POST /jobs stores and charges, then answers nothing for 2 s
    box.set_faults("post-timeout")
    run = Running(apply_args(root), env)
    journal = root / ".insarproj"
    run.wait_for(lambda: any('"intent"' in p.read_text() for p in journal.glob("journal*")), "submission")
    run.proc.send_signal(signal.SIGINT)
    run.wait_for(lambda: run.said("Stopping hyp3_job."), "the stopping line")
    # A second Ctrl-C while the POST's answer is awaited: noted, it does not cut the recording short.
    assert_interrupted(*run.interrupt())
    assert sum("Stopping hyp3_job." in line for line in run.lines) >= 2
    statuses = {r["status"] for r in state_of(root)["resources"].values() if r["kind"] == "hyp3_job"}
    assert statuses <= {"intent", "unknown", "submitted"}, statuses
    time.sleep(0.6)  # past the listing lag: the next apply finds the jobs of that POST, not pays again
    assert_converges(root, box, "int-submit", run_cli)


def test_ctrl_c_while_waiting_on_hyp3(tmp_path: Path, box, env, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_root(tmp_path, "int-wait")
    hyp3_settings(box, speed=0.02)  # jobs take minutes
    run = Running(apply_args(root, "--wait", "--poll-interval", "0.3"), env)
    run.wait_for(lambda: run.said("Poll 1,"), "poll")
    assert assert_interrupted(*run.interrupt()) >= 1  # the pairs were recorded
    statuses = {r["status"] for r in state_of(root)["resources"].values() if r["kind"] == "hyp3_job"}
    assert statuses == {"submitted"}
    requests.post(box.url + "/_sandbox/hyp3/advance", json=600, timeout=10).raise_for_status()  # they finish
    assert_converges(root, box, "int-wait", run_cli)


def test_ctrl_c_during_a_download_keeps_the_part(tmp_path: Path, box, env, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "int-download", name="int-download", end="2021-01-20")
    box.set_faults("slow@/_storage/*")
    run = Running(apply_args(root), env)
    run.wait_for(lambda: bool(list((root / "data").rglob("*.part"))), "download")
    assert_interrupted(*run.interrupt())
    parts = list((root / "data").rglob("*.part"))
    assert parts  # kept for the next run to resume
    recorded = {
        Path(r["attributes"]["path"]).name
        for r in state_of(root)["resources"].values()
        if r["kind"] == "scene"
    }
    assert not {p.name.removesuffix(".part") for p in parts} & recorded
    assert_nothing_half_done_recorded(root)
    assert_converges(root, box, "int-download", run_cli)
    assert_nothing_half_done_recorded(root)


def test_ctrl_c_during_an_unzip(tmp_path: Path, box, env, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_root(tmp_path, "int-unzip")
    marker = tmp_path / "unzipping"
    run = Running(
        apply_args(root, "--wait", "--poll-interval", "0.2"),
        {**env, "UNZIP_MARKER": str(marker)},
        prefix=[sys.executable, "-c", HOLD_UNZIP],
    )
    run.wait_for(marker.exists, "unzip")
    recorded = assert_interrupted(*run.interrupt())
    assert recorded >= 1 and "Stopping product." in "".join(run.lines)  # the unzip finished and counts
    assert_nothing_half_done_recorded(root)
    products = [r for r in state_of(root)["resources"].values() if r["kind"] == "product"]
    assert products and all(r["status"] == "present" for r in products)
    assert_converges(root, box, "int-unzip", run_cli)
    assert_nothing_half_done_recorded(root)
