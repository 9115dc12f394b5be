"""The local executor: parallelism, the done rule, retries, Ctrl-C, and recovery after kill -9."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from insarproj.isce.local_runner import CommandSpec, LocalRunner, RunningElsewhere, StepFailed
from insarproj.isce.processes import alive
from insarproj.isce.records import CommandRecord, RecordFile, latest_by_key

SCRIPT = Path(__file__).with_name("run_step_script.py")


def _runner(tmp_path: Path, records: list[CommandRecord], **kwargs: object) -> LocalRunner:
    return LocalRunner(log_dir=tmp_path / "logs", on_record=records.append, grace=1.0, **kwargs)  # type: ignore[arg-type]


def test_commands_run_in_parallel_with_their_own_logs_and_threads(tmp_path: Path) -> None:
    records: list[CommandRecord] = []
    specs = [
        CommandSpec(
            f"c{i}", f"echo hello {i}; echo $OMP_NUM_THREADS > {tmp_path}/out{i}", (tmp_path / f"out{i}",)
        )
        for i in range(4)
    ]
    outcome = _runner(tmp_path, records, num_proc=2, cpu_count=8).run_step("01_unpack", specs)
    assert sorted(outcome.ran) == ["c0", "c1", "c2", "c3"]
    assert [r.status for r in records].count("running") == 4
    done = [r for r in records if r.status == "done"]
    assert len(done) == 4 and all(r.exit_code == 0 and r.duration is not None for r in done)
    for i in range(4):
        assert (tmp_path / f"out{i}").read_text() == "4\n"  # 8 CPUs / 2 at a time
        assert Path(done[0].log_path).parent == tmp_path / "logs" / "01_unpack"
    log = next(r.log_path for r in done if r.key == "c2")
    assert Path(log).read_text() == "hello 2\n"
    assert all(r.host == socket.gethostname() and r.pgid == r.pid and r.proc_start for r in records)


def test_topsstack_dir_goes_first_on_the_path(tmp_path: Path) -> None:
    tools = tmp_path / "topsStack"
    tools.mkdir()
    (tools / "SentinelWrapper.py").write_text(f'#!/bin/sh\necho wrapped "$@" > {tmp_path}/out\n')
    (tools / "SentinelWrapper.py").chmod(0o755)
    spec = CommandSpec("k", "SentinelWrapper.py -c configs/config_reference", (tmp_path / "out",))
    _runner(tmp_path, [], path_prepend=[tools]).run_step("01_unpack_topo_reference", [spec])
    assert (tmp_path / "out").read_text() == "wrapped -c configs/config_reference\n"


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        ("echo ran", "missing or empty output"),
        ("echo 'FileNotFoundError: /w/secondarys/20210101/IW1.xml'; echo x > {out}", "failure line"),
        ("echo x > {out}; echo 'Traceback (most recent call last):' >&2", "failure line"),
        (": > {out}", "missing or empty output"),
        ("echo x > {out}; echo broken; exit 3", "exit code 3"),
    ],
)
def test_a_command_is_done_only_by_the_rule(tmp_path: Path, command: str, reason: str) -> None:
    out = tmp_path / "out"
    records: list[CommandRecord] = []
    spec = CommandSpec("only", command.format(out=out), (out,))
    with pytest.raises(StepFailed) as failed:
        _runner(tmp_path, records, max_attempts=2).run_step("07_pairs_misreg", [spec])
    ends = [r for r in records if r.finished]
    assert [(r.attempt, r.failures, r.status) for r in ends] == [(1, 1, "failed"), (2, 2, "failed")]
    assert reason in ends[-1].reason
    message = str(failed.value)
    assert "command only of step 07_pairs_misreg failed 2 time(s)" in message
    assert ends[-1].log_path in message


def test_the_failure_message_has_the_log_tail(tmp_path: Path) -> None:
    spec = CommandSpec("k", "for i in 1 2 3 4 5; do echo line$i; done; exit 1")
    with pytest.raises(StepFailed, match="line5") as failed:
        _runner(tmp_path, []).run_step("s", [spec])
    assert failed.value.failed[0].exit_code == 1


def test_a_failing_command_is_retried_and_then_done(tmp_path: Path) -> None:
    count, out = tmp_path / "count", tmp_path / "out"
    command = f"echo run >> {count}; [ $(wc -l < {count}) -ge 2 ] && echo ok > {out}; true"
    records: list[CommandRecord] = []
    outcome = _runner(tmp_path, records, max_attempts=3).run_step("s", [CommandSpec("k", command, (out,))])
    assert outcome.ran == ["k"]
    assert count.read_text() == "run\nrun\n"
    assert [r.status for r in records if r.finished] == ["failed", "done"]


def test_done_commands_are_skipped_and_exhausted_ones_not_rerun(tmp_path: Path) -> None:
    count, out = tmp_path / "count", tmp_path / "out"
    records: list[CommandRecord] = []
    runner = _runner(tmp_path, records, max_attempts=1)
    good = CommandSpec("good", f"echo run >> {count}; echo x > {out}", (out,))
    bad = CommandSpec("bad", f"echo bad >> {count}; exit 1")
    with pytest.raises(StepFailed):
        runner.run_step("s", [good, bad])
    again: list[CommandRecord] = []
    with pytest.raises(StepFailed, match="command bad"):
        _runner(tmp_path, again, max_attempts=1).run_step("s", [good, bad], latest_by_key(records))
    assert again == [] and sorted(count.read_text().split()) == ["bad", "run"]
    out.unlink()  # a done command whose output went away runs again
    with pytest.raises(StepFailed, match="failed 2 time"):  # a higher cap gives bad one more run
        _runner(tmp_path, again, max_attempts=2).run_step("s", [good, bad], latest_by_key(records))
    assert sorted(count.read_text().split()) == ["bad", "bad", "run", "run"]
    assert out.exists()


def test_a_command_never_runs_unrecorded(tmp_path: Path) -> None:
    count = tmp_path / "count"

    def refuse(record: CommandRecord) -> None:
        raise OSError("disk full")

    runner = LocalRunner(log_dir=tmp_path / "logs", on_record=refuse)
    with pytest.raises(OSError, match="disk full"):
        runner.run_step("s", [CommandSpec("k", f"echo run >> {count}")])
    assert not count.exists()


def test_a_command_running_on_another_host_is_not_touched(tmp_path: Path) -> None:
    record = CommandRecord("s", "k", "true", 1, 0, "running", "elsewhere", 1, 1, 1, time.time(), "/x.log")
    with pytest.raises(RunningElsewhere, match="host elsewhere"):
        _runner(tmp_path, []).run_step("s", [CommandSpec("k", "true")], {"k": record})


def test_unsafe_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="safe file name"):
        _runner(tmp_path, []).run_step("s", [CommandSpec("../k", "true")])


# ---------------------------------------------------------------------------- separate processes


def _spawn(
    tmp_path: Path, specs: list[tuple[str, str, list[str]]], num_proc: int = 1
) -> subprocess.Popen[bytes]:
    args = [
        sys.executable,
        str(SCRIPT),
        str(tmp_path / "records.jsonl"),
        str(tmp_path / "logs"),
        json.dumps(specs),
    ]
    return subprocess.Popen([*args, str(num_proc)])


def _wait_for(predicate: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _slow(tmp_path: Path, key: str, seconds: float) -> tuple[str, str, list[str]]:
    runs, out = tmp_path / f"{key}.runs", tmp_path / f"{key}.out"
    command = f"echo start >> {runs}; sleep {seconds}; echo end >> {runs}; echo x > {out}"
    return key, command, [str(out)]


def _running(tmp_path: Path, count: int) -> list[CommandRecord]:
    records = RecordFile(tmp_path / "records.jsonl").read()
    return [r for r in records if r.status == "running"] if len(records) >= count else []


def test_after_kill_9_a_live_command_is_adopted_not_run_twice(tmp_path: Path) -> None:
    specs = [_slow(tmp_path, "slow", 1.0), _slow(tmp_path, "next", 0.1)]
    runner = _spawn(tmp_path, specs)
    _wait_for(lambda: (tmp_path / "slow.runs").exists())
    runner.send_signal(signal.SIGKILL)
    runner.wait()
    (running,) = _running(tmp_path, 1)
    assert alive(running.pid, running.proc_start)  # the command outlived its insarproj
    rerun = _spawn(tmp_path, specs)
    assert rerun.wait(timeout=30) == 0
    assert (tmp_path / "slow.runs").read_text() == "start\nend\n"  # one copy, adopted
    assert (tmp_path / "next.runs").read_text() == "start\nend\n"
    latest = latest_by_key(RecordFile(tmp_path / "records.jsonl").read())
    assert latest["slow"].status == "done" and latest["slow"].attempt == 1 and latest["slow"].exit_code == 0


def test_after_kill_9_a_command_that_finished_meanwhile_is_done(tmp_path: Path) -> None:
    specs = [_slow(tmp_path, "slow", 0.3)]
    runner = _spawn(tmp_path, specs)
    _wait_for(lambda: (tmp_path / "slow.runs").exists())
    runner.send_signal(signal.SIGKILL)
    runner.wait()
    (running,) = _running(tmp_path, 1)
    _wait_for(lambda: not alive(running.pid, running.proc_start))
    assert _spawn(tmp_path, specs).wait(timeout=30) == 0
    assert (tmp_path / "slow.runs").read_text() == "start\nend\n"
    latest = latest_by_key(RecordFile(tmp_path / "records.jsonl").read())
    assert (latest["slow"].status, latest["slow"].attempt, latest["slow"].exit_code) == ("done", 1, 0)


def test_after_kill_9_a_dead_command_runs_again_once(tmp_path: Path) -> None:
    specs = [_slow(tmp_path, "slow", 5.0)]
    runner = _spawn(tmp_path, specs)
    _wait_for(lambda: (tmp_path / "slow.runs").exists())
    runner.send_signal(signal.SIGKILL)
    runner.wait()
    (running,) = _running(tmp_path, 1)
    os.killpg(running.pgid, signal.SIGKILL)  # the machine rebooted, or someone killed it
    _wait_for(lambda: not alive(running.pid, running.proc_start))
    specs = [_slow(tmp_path, "slow", 0.1)]
    assert _spawn(tmp_path, specs).wait(timeout=30) == 0
    assert (tmp_path / "slow.runs").read_text() == "start\nstart\nend\n"
    ends = [r for r in RecordFile(tmp_path / "records.jsonl").read() if r.finished]
    assert [(r.attempt, r.status) for r in ends] == [(1, "failed"), (2, "done")]
    assert "no exit status" in ends[0].reason


def test_ctrl_c_stops_the_children_and_records_what_finished(tmp_path: Path) -> None:
    specs = [_slow(tmp_path, "quick", 0.0), _slow(tmp_path, "slow", 30.0)]
    runner = _spawn(tmp_path, specs, num_proc=2)
    _wait_for(lambda: (tmp_path / "slow.runs").exists() and (tmp_path / "quick.out").exists())
    _wait_for(lambda: any(r.status == "done" for r in RecordFile(tmp_path / "records.jsonl").read()))
    runner.send_signal(signal.SIGINT)
    assert runner.wait(timeout=20) == 130
    latest = latest_by_key(RecordFile(tmp_path / "records.jsonl").read())
    assert latest["quick"].status == "done"
    assert latest["slow"].status == "interrupted" and latest["slow"].failures == 0
    assert not alive(latest["slow"].pid, latest["slow"].proc_start)
    assert (tmp_path / "slow.runs").read_text() == "start\n"


def test_a_torn_record_line_is_ignored(tmp_path: Path) -> None:
    file = RecordFile(tmp_path / "r.jsonl")
    record = CommandRecord("s", "k", "true", 1, 0, "running", "h", 1, 1, None, 0.0, "/x.log")
    file.append(record)
    with file.path.open("a") as handle:
        handle.write('{"step": "s", "ke')
    assert file.read() == [record]
    assert replace(record, status="done").finished


def test_apply_cancel_stops_a_step_running_in_a_worker_thread(tmp_path: Path) -> None:
    """Ctrl-C reaches only apply's main thread; its cancel event must stop a step run elsewhere."""
    import threading

    from insarproj.isce.local_runner import StepInterrupted

    records: list[CommandRecord] = []
    cancel = threading.Event()
    runner = _runner(tmp_path, records, cancel=cancel)
    specs = [CommandSpec(*_slow(tmp_path, "slow", 30.0)[:2], (tmp_path / "slow.out",))]
    raised: list[BaseException] = []

    def step() -> None:
        try:
            runner.run_step("s", specs)
        except BaseException as exc:
            raised.append(exc)

    worker = threading.Thread(target=step)
    worker.start()
    _wait_for(lambda: (tmp_path / "slow.runs").exists())
    started = time.monotonic()
    cancel.set()
    worker.join(timeout=20)
    assert not worker.is_alive() and time.monotonic() - started < 10
    assert len(raised) == 1 and isinstance(raised[0], StepInterrupted)
    assert records[-1].status == "interrupted" and not alive(records[-1].pid, records[-1].proc_start)
    assert (tmp_path / "slow.runs").read_text() == "start\n"
