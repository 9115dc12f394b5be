"""Download progress on stderr: one live display on a terminal, plain periodic lines in a log.

`DownloadProgress` is the sink the downloader reports to (`insarproj.transfer.progress.ProgressSink`:
``start``, ``advance``, ``finish``, called from several download threads). The apply console adds
what only the plan knows: how many files and bytes this apply downloads (``expect``) and when a
download action is done (``file_done``), so the display reads "files done of total, bytes, rate,
ETA" (docs/cli.md).

The counting and the rate/ETA estimate are rich's (`rich.progress.Progress`, one task); rich draws
the live display on a terminal. Where stderr is not a terminal (CI logs), nothing is redrawn: one
plain line every `PLAIN_INTERVAL` seconds and one at the end, without control characters. rich is
imported only when the first download starts, so `--help` and a no-op plan never load it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from insarproj.ui.render import human_bytes  # the plan's units (KiB, MiB): one size reads the same

if TYPE_CHECKING:
    from rich.progress import Progress

# Seconds between two plain progress lines (tests lower it).
PLAIN_INTERVAL = 10.0


@dataclass
class _File:
    baseline: int  # bytes already on disk when this transfer (re)started: not this run's work
    received: int = 0  # bytes this transfer received


def plain_duration(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


class DownloadProgress:
    """Files done of total, bytes received of bytes to receive, rate and ETA, for one apply.

    The byte total is what this run has to transfer: bytes a ``.part`` already held when a
    transfer resumed are taken off it, so the rate and ETA speak of real work. A restarted
    transfer gives back what it had counted.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        live: bool,
        verbose: bool = False,
        color: bool = True,
        clock: Callable[[], float] = time.monotonic,
        console: Any = None,
    ) -> None:
        self._stream, self._live, self._verbose, self._color = stream, live, verbose, color
        self._clock = clock
        self._console = console  # a rich Console to draw on (tests force a terminal); default: stream
        self._lock = threading.RLock()
        self._files: dict[str, _File] = {}
        self._files_total = 0
        self._files_done = 0  # download actions done (the console says so, ``file_done``)
        self._files_received = 0  # transfers that ended well (counts alone when nobody calls file_done)
        self._bytes_total = 0
        self._progress: Progress | None = None
        self._task: Any = None
        self._last_line = clock()
        self._closed = False
        self._stopped = threading.Event()  # ends the ticker of plain lines

    # --- what the plan knows ----------------------------------------------------------------

    def expect(self, files: int, nbytes: int) -> None:
        """This apply (or this --wait round) downloads ``files`` more files of ``nbytes`` bytes."""
        with self._lock:
            self._files_total += files
            self._bytes_total += nbytes
            self._sync_totals()

    def file_done(self) -> None:
        with self._lock:
            self._files_done += 1
            self._sync_totals()
            self._maybe_plain_line()

    # --- the downloader's interface -------------------------------------------------------

    def start(self, label: str, total: int | None, already: int) -> None:
        with self._lock:
            progress = self._ensure_started()
            old = self._files.get(label)
            if old is not None:  # restarted: its earlier work and baseline no longer hold
                self._bytes_total += old.baseline
                progress.update(self._task, completed=self._task_completed() - old.received)
            self._bytes_total -= already
            self._files[label] = _File(baseline=already)
            self._sync_totals()
            if self._verbose and old is None:
                size = human_bytes(total) if total is not None else "unknown size"
                resume = f", resuming at {human_bytes(already)}" if already else ""
                self.echo(f"  downloading {label} ({size}{resume})")

    def advance(self, label: str, n: int) -> None:
        with self._lock:
            state = self._files.get(label)
            if state is None or self._progress is None:
                return
            state.received += n
            self._progress.advance(self._task, n)
            self._maybe_plain_line()

    def finish(self, label: str, ok: bool) -> None:
        with self._lock:
            state = self._files.pop(label, None)
            if ok and state is not None:
                self._files_received += 1
                self._sync_totals()
            if self._verbose and state is not None:
                size = human_bytes(state.baseline + state.received)
                self.echo(f"  downloaded {label} ({size})" if ok else f"  stopped {label} at {size}")

    # --- lines beside the display ---------------------------------------------------------

    def echo(self, line: str) -> None:
        """A permanent line: above the live display while it runs, else straight to the stream."""
        with self._lock:
            if self._live and self._progress is not None and not self._closed:
                self._progress.console.print(line, markup=False, highlight=False, soft_wrap=True)
            else:
                self._stream.write(line + "\n")
                self._stream.flush()

    def close(self) -> None:
        """End the display: the live one stops on its last state; a log gets a final line."""
        with self._lock:
            if self._progress is None or self._closed:
                self._closed = True
                return
            self._closed = True
            self._stopped.set()
            if self._live:
                self._progress.stop()
            else:
                self._write_plain_line()

    def summary_line(self) -> str:
        """'Downloads: 2 of 6 files, 1.2 MiB of 3.4 MiB, 500.0 KiB/s, ETA 0:00:04' (plain text)."""
        with self._lock:
            task = self._progress.tasks[0] if self._progress is not None else None
            received = int(task.completed) if task is not None else 0
            speed = task.finished_speed or task.speed if task is not None else None
            eta = task.time_remaining if task is not None and speed else None
            done = self._done_files()
            # Some actions download more files than their plan line counts (a DEM's tiles): the
            # total grows with them rather than showing "13 of 12".
            total = max(self._files_total, done)
            files = f"{done} of {total} files" if self._files_total else f"{done} files"
            of_total = f" of {human_bytes(self._bytes_total)}" if self._bytes_total else ""
            rate = f"{human_bytes(speed)}/s" if speed else "rate unknown"
            return f"Downloads: {files}, {human_bytes(received)}{of_total}, {rate}, ETA {plain_duration(eta)}"

    # --- internals --------------------------------------------------------------------------

    def _ensure_started(self) -> Progress:
        if self._progress is None:
            self._progress = self._make_progress()
            self._task = self._progress.add_task("Downloads", total=None, files="")
            self._sync_totals()
            if self._live:
                self._progress.start()
            else:
                self._write_plain_line()
                self._start_ticker()
        return self._progress

    def _start_ticker(self) -> None:
        """A plain line every PLAIN_INTERVAL even while no byte arrives (a stalled transfer, a
        retry's backoff): a CI log must not look hung. Real time only (tests inject a clock)."""
        if self._clock is not time.monotonic or PLAIN_INTERVAL < 1:
            return

        def tick() -> None:
            while not self._stopped.wait(PLAIN_INTERVAL):
                with self._lock:
                    self._maybe_plain_line()

        threading.Thread(target=tick, name="progress-lines", daemon=True).start()

    def _make_progress(self) -> Progress:
        from insarproj.ui.progress_live import make_progress

        return make_progress(
            self._stream, live=self._live, color=self._color, clock=self._clock, console=self._console
        )

    def _done_files(self) -> int:
        # A downloaded file is received before its action is done (unzip, recording); a file
        # adopted from a cache is done without a transfer: whichever count is ahead is right.
        return max(self._files_done, self._files_received)

    def _task_completed(self) -> int:
        assert self._progress is not None
        return int(self._progress.tasks[0].completed)

    def _sync_totals(self) -> None:
        if self._progress is None:
            return
        done = self._done_files()
        files = f"{done}/{self._files_total} files" if self._files_total else f"{done} files"
        total = max(self._bytes_total, self._task_completed()) if self._bytes_total else None
        self._progress.update(self._task, total=total, files=files)

    def _maybe_plain_line(self) -> None:
        if self._live or self._progress is None or self._closed:
            return
        if self._clock() - self._last_line >= PLAIN_INTERVAL:
            self._write_plain_line()

    def _write_plain_line(self) -> None:
        self._stream.write(self.summary_line() + "\n")
        self._stream.flush()
        self._last_line = self._clock()
