"""The local executor of one topsStack step: its commands, at most ``num_proc`` at a time.

Each command runs in its own process group with ``OMP_NUM_THREADS`` set so the machine is not
oversubscribed, writes stdout and stderr to its own log, and is reported through ``on_record``
before it may start and after it ends. A command counts as done only when it exited 0, its log has
no known failure line and its expected outputs exist and are non-empty. A command recorded as
running by an insarproj that was killed is adopted: insarproj waits for it (never runs a second
copy) and judges it by the exit status its wrapper wrote. docs/isce.md "The local executor".
"""

from __future__ import annotations

import os
import queue
import re
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from insarproj.isce.failures import failure_line, missing_outputs, tail
from insarproj.isce.processes import alive, process_start, stop_group
from insarproj.isce.records import CommandRecord, Status
from insarproj.procutil import env_without_secrets

__all__ = ["CommandSpec", "LocalRunner", "RunningElsewhere", "StepFailed", "StepOutcome"]

# The command waits for one line on stdin before it starts: insarproj writes it only once the
# "running" record is durable, so no command ever runs unrecorded. Its exit status goes to a file
# so that an insarproj started later can judge a command it adopted (it is not that one's parent).
# The line runs in a subshell (a fork, no second exec): its own `exit` ends only the subshell.
_WRAPPER = 'read _go || exit 125; (eval "$1"); rc=$?; echo "$rc" > "$2"; exit "$rc"'
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,200}$")


@dataclass(frozen=True)
class CommandSpec:
    """One command of a step: a line of a run file and the outputs that prove it done."""

    key: str  # stable id within the step, a file-name-safe string
    command: str
    outputs: tuple[Path, ...] = ()


@dataclass
class StepOutcome:
    ran: list[str] = field(default_factory=list)  # keys made done by this call
    already_done: list[str] = field(default_factory=list)


class StepFailed(Exception):
    """Commands of a step failed ``max_attempts`` times; the message names each, its log and its tail."""

    def __init__(self, step: str, failed: Sequence[CommandRecord]) -> None:
        self.step = step
        self.failed = list(failed)
        parts = [
            f"command {r.key} of step {step} failed {r.failures} time(s) ({r.reason}): {r.command}\n"
            f"log: {r.log_path}\n{tail(Path(r.log_path), 10)}"
            for r in failed
        ]
        super().__init__("\n".join(parts))


class RunningElsewhere(Exception):
    """A command is recorded as running on another host: it cannot be checked from here."""


class StepInterrupted(Exception):
    """Apply was cancelled (Ctrl-C) while the step ran: its commands were stopped and recorded."""


@dataclass
class _Slot:
    spec: CommandSpec
    record: CommandRecord
    proc: subprocess.Popen[bytes]


class LocalRunner:
    """Runs the commands of one step at a time; see the module docstring."""

    def __init__(
        self,
        *,
        log_dir: Path,
        on_record: Callable[[CommandRecord], None],
        num_proc: int = 1,
        max_attempts: int = 1,
        cwd: Path | None = None,
        cpu_count: int | None = None,
        grace: float = 5.0,
        path_prepend: Sequence[Path] = (),
        cancel: threading.Event | None = None,
    ) -> None:
        self.log_dir = log_dir
        self.on_record = on_record
        self.num_proc = max(1, num_proc)
        self.max_attempts = max(1, max_attempts)
        self.cwd = cwd
        self.grace = grace
        # Ctrl-C reaches only the main thread, while a step runs in a worker thread: apply's cancel
        # event is how it reaches this runner, which then stops its commands' process groups.
        self.cancel = cancel or threading.Event()
        self.host = socket.gethostname()
        threads = max(1, (cpu_count or os.cpu_count() or 1) // self.num_proc)
        self.env = {**env_without_secrets(), "OMP_NUM_THREADS": str(threads)}  # docs/safety.md
        if path_prepend:  # run-file lines call SentinelWrapper.py etc. by name: topsstack_dir goes first
            search = [str(p) for p in path_prepend] + [self.env.get("PATH", os.defpath)]
            self.env["PATH"] = os.pathsep.join(search)

    # ------------------------------------------------------------------ the step

    def run_step(
        self, step: str, commands: Sequence[CommandSpec], previous: Mapping[str, CommandRecord] | None = None
    ) -> StepOutcome:
        """Make every command of ``step`` done, given each one's last record from earlier runs."""
        previous = dict(previous or {})
        outcome = StepOutcome()
        todo: list[tuple[CommandSpec, int, int]] = []  # spec, last attempt number, failures so far
        exhausted: list[CommandRecord] = []
        for spec in commands:
            if not _KEY.match(spec.key):
                raise ValueError(f"command key {spec.key!r} is not a safe file name")
            last = previous.get(spec.key)
            if last is not None and last.status == "running":
                last = self._recover(last, spec)
            if last is None:
                todo.append((spec, 0, 0))
            elif last.status == "done" and not missing_outputs(spec.outputs):
                outcome.already_done.append(spec.key)
            elif last.status == "done":
                todo.append((spec, last.attempt, 0))  # its outputs went away: make them again
            elif last.failures >= self.max_attempts:
                exhausted.append(last)
            else:
                todo.append((spec, last.attempt, last.failures))
        exhausted += self._run_all(step, todo, outcome)
        if exhausted:
            raise StepFailed(step, exhausted)
        return outcome

    def _run_all(
        self, step: str, todo: list[tuple[CommandSpec, int, int]], outcome: StepOutcome
    ) -> list[CommandRecord]:
        pending = list(reversed(todo))
        running: dict[int, _Slot] = {}
        finished: queue.Queue[int] = queue.Queue()
        exhausted: list[CommandRecord] = []
        try:
            while pending or running:
                while pending and len(running) < self.num_proc:
                    spec, attempt, failures = pending.pop()
                    slot = self._start(step, spec, attempt + 1, failures)
                    running[slot.proc.pid] = slot
                    threading.Thread(target=_reap, args=(slot.proc, finished), daemon=True).start()
                slot = running.pop(_next(finished, self.cancel))
                record = self._finish(slot)
                if record.status == "done":
                    outcome.ran.append(record.key)
                elif record.failures < self.max_attempts:
                    pending.append((slot.spec, record.attempt, record.failures))
                else:
                    exhausted.append(record)
        except BaseException:
            self._stop_all(running)
            raise
        return exhausted

    # ------------------------------------------------------------------ one command

    def _start(self, step: str, spec: CommandSpec, attempt: int, failures: int) -> _Slot:
        log = self.log_dir / step / f"{spec.key}.{attempt}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        _rc_file(log).unlink(missing_ok=True)
        with log.open("wb") as out:
            proc = subprocess.Popen(
                ["/bin/sh", "-c", _WRAPPER, "insarproj-command", spec.command, str(_rc_file(log))],
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.cwd,
                env=self.env,
                start_new_session=True,  # its own process group: Ctrl-C and kill reach all its children
            )
        record = CommandRecord(
            step=step,
            key=spec.key,
            command=spec.command,
            attempt=attempt,
            failures=failures,
            status="running",
            host=self.host,
            pid=proc.pid,
            pgid=proc.pid,
            proc_start=process_start(proc.pid),
            started_at=time.time(),
            log_path=str(log),
        )
        assert proc.stdin is not None
        try:
            self.on_record(record)
        except BaseException:
            proc.stdin.close()  # the wrapper reads end of file and exits without running the command
            proc.wait()
            raise
        proc.stdin.write(b"go\n")
        proc.stdin.close()
        return _Slot(spec, record, proc)

    def _finish(self, slot: _Slot, interrupted: bool = False) -> CommandRecord:
        record = _judged(slot.record, slot.spec, slot.proc.returncode, interrupted)
        self.on_record(record)
        return record

    def _stop_all(self, running: dict[int, _Slot]) -> None:
        """Ctrl-C or an error: stop every running command's group and record how each ended."""
        for slot in running.values():
            stop_group(slot.record.pgid, lambda s=slot: s.proc.poll() is None, self.grace)  # type: ignore[misc]
        for slot in running.values():
            slot.proc.wait()
            self._finish(slot, interrupted=True)

    def _recover(self, last: CommandRecord, spec: CommandSpec) -> CommandRecord:
        """A command recorded as running with no end: adopt it (wait for it), then judge it."""
        if last.host != self.host:
            raise RunningElsewhere(
                f"command {last.key} of step {last.step} is recorded as running on host {last.host} "
                f"(pid {last.pid}); run apply on {last.host}, or stop it there first"
            )
        try:
            while alive(last.pid, last.proc_start):
                if self.cancel.is_set():
                    raise StepInterrupted("interrupted")
                time.sleep(0.05)
        except BaseException:
            stop_group(last.pgid, lambda: alive(last.pid, last.proc_start), self.grace)
            self.on_record(_judged(last, spec, None, interrupted=True))
            raise
        record = _judged(last, spec, None, interrupted=False)
        self.on_record(record)
        return record


def _rc_file(log: Path) -> Path:
    return log.with_name(log.name + ".rc")


def _judged(
    record: CommandRecord, spec: CommandSpec, returncode: int | None, interrupted: bool
) -> CommandRecord:
    """The end record of a run, by the rule: exit 0, no known failure line, every output present."""
    log = Path(record.log_path)
    exit_code = _written_exit_code(log)
    if exit_code is None:
        exit_code = returncode
    duration = max(0.0, time.time() - record.started_at)
    status: Status = "failed"
    if exit_code is None or (interrupted and exit_code != 0):
        reason = "interrupted" if interrupted else "no exit status (the command was killed)"
        status = "interrupted" if interrupted else "failed"
    elif exit_code != 0:
        reason = f"exit code {exit_code}"
    elif (line := failure_line(log)) is not None:
        reason = f"its log has a failure line: {line[:200]}"
    elif missing := missing_outputs(spec.outputs):
        reason = "missing or empty output: " + ", ".join(str(p) for p in missing[:3])
    else:
        status, reason = "done", ""
    failures = record.failures + (1 if status == "failed" else 0)
    return record.ended(status, exit_code, duration, reason, failures)


def _written_exit_code(log: Path) -> int | None:
    try:
        return int(_rc_file(log).read_text().strip())
    except (OSError, ValueError):
        return None


def _reap(proc: subprocess.Popen[bytes], finished: queue.Queue[int]) -> None:
    proc.wait()
    finished.put(proc.pid)


def _next(finished: queue.Queue[int], cancel: threading.Event) -> int:
    # A timeout keeps the waiting thread responsive to Ctrl-C (the main thread's signal, or apply's
    # cancel event when this runs in a worker thread).
    while True:
        if cancel.is_set():
            raise StepInterrupted("interrupted")
        try:
            return finished.get(timeout=0.2)
        except queue.Empty:
            continue
