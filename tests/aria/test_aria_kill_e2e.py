"""kill -9 in the middle of GUNW downloads: the state stays intact, nothing unverified is
recorded, and a re-run converges (the real CLI and sandbox as subprocesses)."""

from __future__ import annotations

import hashlib
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from aria_helpers import EXPECTED, aria_records, write_aria_project
from e2e_helpers import SandboxProcess, cli_subprocess, run_cli_subprocess


def test_kill_9_during_downloads_records_nothing_unverified_and_a_rerun_converges(tmp_path: Path) -> None:
    box = SandboxProcess(faults="slow:1.0@/door/download/*")  # downloads last long enough to kill
    try:
        root = write_aria_project(tmp_path / "p")
        env = {**box.env, "INSARPROJ_PLUGINS": ""}
        proc = cli_subprocess(["-C", str(root), "apply", "--yes"], env)
        deadline = time.monotonic() + 60
        while not list((root / "data").rglob("*.part")):  # a download is under way
            assert time.monotonic() < deadline and proc.poll() is None, "apply never started a download"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        for record in aria_records(root).values():  # the state loads; every present file verifies
            if record["status"] == "present":
                data = (root / "data" / record["attributes"]["path"]).read_bytes()
                assert hashlib.md5(data).hexdigest() == record["attributes"]["md5"]
        box.set_faults("")
        args = ["-C", str(root), "apply", "--yes", "--wait", "--poll-interval", "0.3", "--timeout", "60"]
        final = run_cli_subprocess(args, env)
        assert final.returncode == 0, final.stderr
        assert set(aria_records(root)) == EXPECTED
        check = run_cli_subprocess(["-C", str(root), "plan", "--detailed-exitcode"], env)
        assert check.returncode == 0, check.stdout + check.stderr
        assert not list((root / "data").rglob("*.part"))
    finally:
        box.stop()
