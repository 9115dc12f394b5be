"""`insarproj sandbox` from a shell (issue 17, item 6): --background, --stop and --env-file, as real
processes. `eval "$(insarproj sandbox &)"` hung: the command substitution waits for a pipe the
server kept open."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from e2e_helpers import run_cli_subprocess, write_project

INSARPROJ = f"{shlex.quote(sys.executable)} -m insarproj"


def test_background_sandbox_serves_a_shell_script_and_stops(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", end="2021-01-20")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    script = f"""
        set -e
        eval "$({INSARPROJ} sandbox --background --hyp3-speed 20)"
        echo "cmr=$INSARPROJ_CMR_URL"
        {INSARPROJ} -C {shlex.quote(str(root))} plan --detailed-exitcode || echo "plan exit $?"
        {INSARPROJ} sandbox --stop
    """
    done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "cmr=http://127.0.0.1:" in done.stdout
    assert "plan exit 2" in done.stdout  # the plan searched the background sandbox: scenes to download
    assert "first search:" in done.stdout
    assert "Stopped the sandbox" in done.stderr
    pid_file = tmp_path / "cache" / "insarproj" / "sandbox.pid"
    assert not pid_file.exists() and not pid_file.with_suffix(".env").exists()
    # Nothing listens any more where it served.
    port = int(done.stdout.split("cmr=http://127.0.0.1:")[1].split()[0])
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_background_refuses_a_second_one_and_stop_without_one_says_so(tmp_path: Path) -> None:
    pid_file = tmp_path / "box.pid"
    first = run_cli_subprocess(["sandbox", "--background", "--pid-file", str(pid_file)], env={})
    try:
        assert first.returncode == 0, first.stderr
        assert f"# stop it with: insarproj sandbox --stop --pid-file {pid_file}" in first.stdout
        second = run_cli_subprocess(["sandbox", "--background", "--pid-file", str(pid_file)], env={})
        assert second.returncode == 1 and "a background sandbox already runs" in second.stderr
    finally:
        stopped = run_cli_subprocess(["sandbox", "--stop", "--pid-file", str(pid_file)], env={})
    assert stopped.returncode == 0, stopped.stderr
    again = run_cli_subprocess(["sandbox", "--stop", "--pid-file", str(pid_file)], env={})
    assert again.returncode == 1 and "no background sandbox is recorded" in again.stderr


def test_background_sandbox_that_cannot_listen_says_why(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_cli_subprocess(
            ["sandbox", "--background", "--port", str(port), "--pid-file", str(tmp_path / "b.pid")], env={}
        )
    assert done.returncode == 1
    assert "the sandbox did not start" in done.stderr and f"port {port} on 127.0.0.1 is in use" in done.stderr
    assert "Traceback" not in done.stderr


def test_env_file_is_written_once_listening_and_removed_when_stopped(tmp_path: Path) -> None:
    env_file = tmp_path / "sandbox.env"
    process = subprocess.Popen(
        [sys.executable, "-m", "insarproj", "sandbox", "--env-file", str(env_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not env_file.exists():
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline
            time.sleep(0.05)
        text = env_file.read_text()
        assert "export INSARPROJ_CMR_URL=" in text and "export EARTHDATA_TOKEN=" in text
        sourced = subprocess.run(
            ["bash", "-c", f". {shlex.quote(str(env_file))} && echo $INSARPROJ_HYP3_URL"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert sourced.stdout.startswith("http://127.0.0.1:")
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert out == text  # stdout carries the same lines
    assert not env_file.exists()
