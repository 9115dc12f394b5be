"""Using `insarproj sandbox` from a shell: an env file, a background process, and stopping it.

`eval "$(insarproj sandbox &)"` hangs: the shell waits for the command substitution's pipe to
close, and a server that keeps running keeps it open. So `--background` starts the sandbox as its
own process (new session, stdio detached from the caller), waits until it listens, prints its
export lines and returns; `--stop` ends it. Readiness is a file the sandbox writes atomically once
it listens (`--env-file`), so a reader never sees half of it. The sandbox itself is never imported
here: this module only starts `python -m insarproj sandbox` and talks to it over loopback.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from urllib.error import URLError
from urllib.parse import urlsplit
from urllib.request import urlopen

from insarproj.errors import InsarprojError
from insarproj.fsutil import atomic_write_text
from insarproj.procutil import pid_exists

START_TIMEOUT = 60.0  # s for a background sandbox to listen (it builds its catalog first)
STOP_TIMEOUT = 15.0  # s for it to shut down after SIGTERM


def default_pid_file() -> Path:
    """Where `--background` records its sandbox and `--stop` looks: one per user by default."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path("~/.cache").expanduser())
    return Path(cache) / "insarproj" / "sandbox.pid"


@dataclass(frozen=True)
class Record:
    """What a pid file holds: the process and the origin it serves (to check it really is ours)."""

    pid: int
    origin: str

    @classmethod
    def read(cls, path: Path) -> Record | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(pid=int(data["pid"]), origin=str(data["origin"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InsarprojError(
                f"cannot read the sandbox record {path} ({exc})", hint="delete it if no sandbox runs"
            ) from None

    def answers(self) -> bool:
        """True when a sandbox answers at the recorded origin (a reused pid alone proves nothing)."""
        try:
            with urlopen(f"{self.origin}/_sandbox/faults", timeout=2) as response:
                return bool(response.status == 200)
        except (URLError, OSError, ValueError):
            return False


def parse_exports(text: str) -> dict[str, str]:
    """``export NAME=value`` lines (shell-quoted) as a dict."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        words = shlex.split(line, comments=True)
        if len(words) == 2 and words[0] == "export" and "=" in words[1]:
            name, _, value = words[1].partition("=")
            found[name] = value
    return found


class ExportsTee(io.TextIOBase):
    """The sandbox's stdout: passes the export lines on and, once they are flushed (the sandbox
    listens), writes the pid file and then the env file, both atomically; ``cleanup`` removes
    them when the sandbox stops, so an env file on disk always names a listening sandbox."""

    def __init__(self, out: TextIO, *, env_file: Path | None, pid_file: Path | None) -> None:
        self._out, self._env_file, self._pid_file = out, env_file, pid_file
        self._text: list[str] = []
        self._ready = False

    def write(self, text: str) -> int:
        self._out.write(text)
        self._text.append(text)
        return len(text)

    def flush(self) -> None:
        self._out.flush()
        if self._ready or not self._text:
            return
        self._ready = True
        text = "".join(self._text)
        if self._pid_file is not None:
            url = parse_exports(text).get("INSARPROJ_CMR_URL", "")
            origin = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
            self._pid_file.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self._pid_file, json.dumps({"pid": os.getpid(), "origin": origin}) + "\n")
        if self._env_file is not None:
            atomic_write_text(self._env_file, text)

    def cleanup(self) -> None:
        if self._env_file is not None and self._ready:
            self._env_file.unlink(missing_ok=True)
        if self._pid_file is not None:
            with contextlib.suppress(InsarprojError):
                record = Record.read(self._pid_file)
                if record is not None and record.pid == os.getpid():
                    self._pid_file.unlink(missing_ok=True)


def start_background(args: list[str], *, pid_file: Path, env_file: Path | None) -> str:
    """Start ``insarproj sandbox ARGS`` detached, wait until it listens, return its export lines."""
    running = Record.read(pid_file)
    if running is not None and running.answers():
        raise InsarprojError(
            f"a background sandbox already runs (pid {running.pid}, {running.origin}; "
            f"recorded in {pid_file})",
            hint="stop it with `insarproj sandbox --stop`, or give another --pid-file",
        )
    env_file = env_file or pid_file.with_suffix(".env")
    env_file.unlink(missing_ok=True)  # an old one must not pass for the new sandbox's
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    log = pid_file.with_suffix(".log")
    command = [sys.executable, "-m", "insarproj", "sandbox", *args]
    command += ["--env-file", str(env_file), "--pid-file", str(pid_file)]
    with log.open("w", encoding="utf-8") as log_handle:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log_handle,
            start_new_session=True,  # a Ctrl-C in the calling shell does not reach it
            close_fds=True,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while not env_file.is_file():
        if process.poll() is not None:
            raise InsarprojError(f"the sandbox did not start: {_last_line(log)}", hint=f"see {log}")
        if time.monotonic() > deadline:
            process.terminate()
            raise InsarprojError(f"the sandbox did not listen within {START_TIMEOUT:g} s", hint=f"see {log}")
        time.sleep(0.05)
    return env_file.read_text(encoding="utf-8")


def stop_background(pid_file: Path) -> str:
    """Stop the sandbox recorded in ``pid_file``; what happened, in one sentence."""
    record = Record.read(pid_file)
    if record is None:
        raise InsarprojError(
            f"no background sandbox is recorded in {pid_file}",
            hint="start one with `insarproj sandbox --background` (or give its --pid-file)",
        )
    if not record.answers():
        pid_file.unlink(missing_ok=True)
        return f"The sandbox recorded in {pid_file} (pid {record.pid}) was not running; removed the record."
    os.kill(record.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while record.answers():
        if time.monotonic() > deadline:
            raise InsarprojError(
                f"the sandbox (pid {record.pid}) did not stop within {STOP_TIMEOUT:g} s",
                hint=f"end it with `kill {record.pid}`",
            )
        time.sleep(0.05)
    # It has closed its port; give it a moment to exit (a zombie of our own child would stay "alive").
    exit_deadline = time.monotonic() + 2.0
    while pid_exists(record.pid) and time.monotonic() < exit_deadline:
        time.sleep(0.05)
    pid_file.unlink(missing_ok=True)
    return f"Stopped the sandbox (pid {record.pid}, {record.origin})."


def _last_line(log: Path) -> str:
    try:
        lines = [line for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    except OSError:
        return "it exited"
    return lines[-1] if lines else "it exited"
