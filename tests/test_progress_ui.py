"""The download display and the --wait poll line (insarproj/ui/progress*.py), without a server."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import time
from datetime import datetime

import pytest

from insarproj.engine.model import Action, Op
from insarproj.transfer.progress import format_bytes
from insarproj.ui import progress as progress_module
from insarproj.ui.progress import DownloadProgress
from insarproj.ui.progress_wait import JobTally, poll_line

CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")  # anything but a newline


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_format_bytes() -> None:
    assert [format_bytes(n) for n in (999, 1000, 4_300_000_000)] == ["999 B", "1.0 KB", "4.3 GB"]


def test_plain_lines_come_periodically_and_at_the_end_without_control_characters() -> None:
    stream, clock = io.StringIO(), Clock()
    display = DownloadProgress(stream, live=False, clock=clock)
    display.expect(3, 3072)
    display.start("a", 1024, 0)
    for _ in range(4):  # 4 s: no line yet
        clock.now += 1
        display.advance("a", 100)
    first = "Downloads: 0 of 3 files, 0 B of 3.0 KiB, rate unknown, ETA unknown"
    assert stream.getvalue().splitlines() == [first]
    clock.now += progress_module.PLAIN_INTERVAL
    display.advance("a", 624)
    display.finish("a", True)
    display.file_done()
    display.start("b", 1024, 512)  # resumed: its 512 bytes are not this run's work
    display.advance("b", 512)
    display.finish("b", True)
    display.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3, lines
    assert (
        lines[1].startswith("Downloads: 0 of 3 files, 1.0 KiB of 3.0 KiB, ") and "/s, ETA 0:00:" in lines[1]
    )
    assert lines[2].startswith("Downloads: 2 of 3 files, 1.5 KiB of 2.5 KiB")
    assert not CONTROL.search(stream.getvalue())


def test_a_stalled_transfer_still_gets_its_periodic_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "PLAIN_INTERVAL", 1.0)
    stream = io.StringIO()
    display = DownloadProgress(stream, live=False)  # real time: no byte arrives after the start
    display.expect(1, 4096)
    display.start("a", 4096, 0)
    deadline = time.monotonic() + 10
    while stream.getvalue().count("\n") < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    display.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) >= 3 and all(
        line.startswith("Downloads: 0 of 1 files, 0 B of 4.0 KiB") for line in lines
    )


def test_a_restarted_transfer_gives_back_what_it_had_counted() -> None:
    stream = io.StringIO()
    display = DownloadProgress(stream, live=False, clock=Clock())
    display.expect(1, 1024)
    display.start("a", 1024, 300)
    display.advance("a", 200)
    display.start("a", 1024, 0)  # the server ignored Range: from the start again
    display.advance("a", 1024)
    display.finish("a", True)
    display.close()
    assert stream.getvalue().splitlines()[-1].startswith("Downloads: 1 of 1 files, 1.0 KiB of 1.0 KiB")


def test_per_file_lines_only_when_verbose() -> None:
    quiet, verbose = io.StringIO(), io.StringIO()
    for stream, flag in ((quiet, False), (verbose, True)):
        display = DownloadProgress(stream, live=False, verbose=flag, clock=Clock())
        display.start("S1A_X", 2048, 500)
        display.advance("S1A_X", 1548)
        display.finish("S1A_X", True)
        display.start("S1A_Y", None, 0)
        display.finish("S1A_Y", False)
        display.close()
    assert "S1A_X" not in quiet.getvalue()
    assert "  downloading S1A_X (2.0 KiB, resuming at 500 B)" in verbose.getvalue()
    assert "  downloaded S1A_X (2.0 KiB)" in verbose.getvalue()
    assert "  stopped S1A_Y at 0 B" in verbose.getvalue()


def test_nothing_is_printed_when_nothing_downloads() -> None:
    stream = io.StringIO()
    display = DownloadProgress(stream, live=False)
    display.expect(0, 0)
    display.close()
    assert stream.getvalue() == ""


def test_a_terminal_gets_one_live_display_with_lines_above_it() -> None:
    from rich.console import Console

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    display = DownloadProgress(out, live=True, console=console)
    display.expect(2, 2 << 20)
    display.start("a", 1 << 20, 0)
    display.advance("a", 1 << 20)
    display.finish("a", True)
    display.file_done()
    display.echo("  x product.A064.x: a line above the display")
    display.close()
    text = out.getvalue()
    assert "\r" in text or "\x1b[" in text  # redrawn in place, not a log
    last = text.rstrip().rsplit("\r", 1)[-1]
    assert "1/2 files" in last and "1.0/2.0 MiB" in last and "ETA" in last
    assert "a line above the display\n" in text


def job_action(address: str, op: Op, status: str | None = None, reason: str = "r") -> Action:
    payload = {"job": {"status_code": status}} if status else {}
    return Action(address=address, kind="hyp3_job", op=op, reason=reason, payload=payload)


def test_poll_line_counts_jobs_by_status() -> None:
    tally = JobTally()
    tally.see_plan(
        [
            job_action("hyp3_job.a", Op.WAIT, "RUNNING"),
            job_action("hyp3_job.b", Op.WAIT, "PENDING"),
            job_action("hyp3_job.c", Op.REFRESH, "SUCCEEDED"),
            job_action("hyp3_job.d", Op.REPLACE, reason="job FAILED (see the log), attempt 2 of 3"),
        ]
    )
    tally.see_event("done", job_action("hyp3_job.e", Op.CREATE))
    tally.see_event("done", job_action("hyp3_job.c", Op.REFRESH, "SUCCEEDED"))
    line = poll_line(3, tally, waiting=3, elapsed=130, next_in=45, now=datetime(2026, 1, 1, 14, 1, 46))
    assert line == (
        "Poll 3, 2m 10s elapsed: HyP3 jobs 2 PENDING, 1 RUNNING, 1 SUCCEEDED, 1 FAILED; "
        "next poll at 14:02:31 (in 45 s)."
    )


def test_poll_line_without_jobs_counts_waiting_items() -> None:
    line = poll_line(1, JobTally(), waiting=2, elapsed=5, next_in=30, now=datetime(2026, 1, 1, 0, 0, 0))
    assert line == "Poll 1, 5s elapsed: 2 waiting; next poll at 00:00:30 (in 30 s)."


@pytest.mark.parametrize("args", [["--help"], ["-C", "{root}", "plan", "--offline"]])
def test_rich_is_not_imported_by_help_or_a_no_op_plan(args: list[str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    from insarproj.state import StateStore

    root = tmp_path / "p"
    root.mkdir()
    (root / "project.toml").write_text(
        '[project]\nname = "x"\n[aoi]\nbbox = [-117.9, 35.5, -117.3, 35.9]\n'
        '[search]\nstart = 2021-01-01\nend = 2021-02-01\n[processor]\nkind = "download"\n'
    )
    StateStore(root / ".insarproj").create()
    argv = [a.replace("{root}", str(root)) for a in args]
    code = (
        "import sys\nfrom insarproj.cli.main import run\ncode = run(sys.argv[1:])\n"
        "print('RICH' if 'rich' in sys.modules else 'NO-RICH')\n"
    )
    out = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().endswith("NO-RICH"), out.stdout + out.stderr
