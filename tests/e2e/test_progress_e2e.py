"""What apply shows while it works, through the real CLI against the sandbox: download progress in
a log (CliRunner's stderr is not a terminal) and the --wait poll line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from e2e_helpers import apply_wait, write_project
from test_hyp3_e2e import hyp3_project

from insarproj.ui import progress as progress_module

CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
DOWNLOADS = re.compile(
    r"^Downloads: (\d+) of (\d+) files, [\d.]+ ([KMG]i)?B of [\d.]+ ([KMG]i)?B, .+, ETA \S+$"
)


def test_a_log_gets_plain_progress_lines_and_no_control_characters(
    tmp_path: Path, sandbox, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(progress_module, "PLAIN_INTERVAL", 0.0)  # a line at every step, not every 10 s
    root = write_project(tmp_path / "p", end="2021-01-20")
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("Downloads:")]
    assert len(lines) > 2, result.stderr
    counts = [DOWNLOADS.match(line) for line in lines]
    assert all(counts), lines
    done = [int(m.group(1)) for m in counts if m]
    totals = [int(m.group(2)) for m in counts if m]
    # The total only grows past the plan's count when an action fetches more files (DEM tiles).
    assert totals == sorted(totals) and done == sorted(done) and done[-1] == totals[-1]
    assert all(d <= t for d, t in zip(done, totals, strict=True))
    assert not CONTROL.search(result.stderr)
    assert "downloaded S1" not in result.stderr  # per-file lines only with -v

    # A converged project: apply has nothing to do and never loads the display's library.
    code = (
        "import sys\nfrom insarproj.cli.main import run\ncode = run(sys.argv[1:])\n"
        "print(code, 'RICH' if 'rich' in sys.modules else 'NO-RICH')\n"
    )
    args = [sys.executable, "-c", code, "-C", str(root), "apply", "--yes"]
    noop = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert noop.stdout.split()[-2:] == ["0", "NO-RICH"], noop.stdout + noop.stderr


def test_verbose_adds_one_line_per_file(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", end="2021-01-10")
    result = run_cli(["-C", str(root), "-v", "apply", "--yes"])
    assert result.code == 0, result.output
    assert re.search(r"^  downloaded S1\w+ \([\d.]+ ([KMG]i)?B\)$", result.stderr, re.M), result.stderr


def test_wait_prints_one_line_per_poll_with_job_counts(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p", end="2021-01-20")
    result = apply_wait(run_cli, root)
    assert result.code == 0, result.output
    polls = [line for line in result.stderr.splitlines() if line.startswith("Poll ")]
    assert polls, result.stderr
    pattern = (
        r"^Poll (\d+), \d+s elapsed: HyP3 jobs (\d+) PENDING, (\d+) RUNNING, (\d+) SUCCEEDED, "
        r"(\d+) FAILED; next poll at \d\d:\d\d:\d\d \(in [\d.]+ s\)\.$"
    )
    matches = [re.match(pattern, line) for line in polls]
    assert all(matches), polls
    first = matches[0]
    assert first is not None and first.group(1) == "1"
    jobs = sum(int(first.group(i)) for i in range(2, 6))
    assert jobs > 0 and int(first.group(2)) + int(first.group(3)) > 0  # submitted, not yet done
