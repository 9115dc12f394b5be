"""Download progress without dependencies: a line log for pipes, one status line for terminals.

Sinks are called from several download threads at once, so every sink is thread-safe. ``start``
may be called again for a label whose transfer restarted (a server that ignored ``Range``); sinks
treat that as a new baseline, not a new file.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TextIO


class ProgressSink(Protocol):
    def start(self, label: str, total: int | None, already: int) -> None: ...

    def advance(self, label: str, n: int) -> None: ...

    def finish(self, label: str, ok: bool) -> None: ...


class NullProgress:
    def start(self, label: str, total: int | None, already: int) -> None:
        return None

    def advance(self, label: str, n: int) -> None:
        return None

    def finish(self, label: str, ok: bool) -> None:
        return None


def format_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"  # pragma: no cover - loop always returns


@dataclass
class _File:
    total: int | None
    done: int
    started: float
    last_step: int = 0  # PlainProgress: last reported tenth (or 100 MB step)


class PlainProgress:
    """One line when a file starts and ends, and one every ~10 % (every 100 MB when the size is
    unknown). For logs and non-terminals."""

    UNKNOWN_STEP = 100_000_000

    def __init__(self, stream: TextIO, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self._clock = clock
        self._lock = threading.Lock()
        self._files: dict[str, _File] = {}

    def start(self, label: str, total: int | None, already: int) -> None:
        with self._lock:
            restarted = label in self._files
            state = _File(total=total, done=already, started=self._clock())
            state.last_step = self._step(state)
            self._files[label] = state
            size = format_bytes(total) if total is not None else "unknown size"
            verb = ("resume" if already else "restart") if restarted else "start"
            resume = f", resuming at {format_bytes(already)}" if already else ""
            self._write(f"{verb} {label} ({size}{resume})")

    def advance(self, label: str, n: int) -> None:
        with self._lock:
            state = self._files.get(label)
            if state is None:
                return
            state.done += n
            step = self._step(state)
            if step > state.last_step:
                state.last_step = step
                if state.total:
                    done, total = format_bytes(state.done), format_bytes(state.total)
                    self._write(f"{label} {min(100, step * 10)}% ({done} of {total})")
                else:
                    self._write(f"{label} {format_bytes(state.done)}")

    def finish(self, label: str, ok: bool) -> None:
        with self._lock:
            state = self._files.pop(label, None)
            if ok:
                took = self._clock() - state.started if state else 0.0
                size = f" {format_bytes(state.done)}" if state else ""
                self._write(f"done {label}{size} in {took:.1f} s")
            else:
                self._write(f"failed {label}")

    def _step(self, state: _File) -> int:
        if state.total:
            return state.done * 10 // state.total
        return state.done // self.UNKNOWN_STEP

    def _write(self, line: str) -> None:
        self._stream.write(line + "\n")
        self._stream.flush()


@dataclass
class _Rate:
    """Bytes per second over a sliding window."""

    window: float
    samples: deque[tuple[float, int]] = field(default_factory=deque)

    def add(self, now: float, n: int) -> None:
        self.samples.append((now, n))
        while self.samples and now - self.samples[0][0] > self.window:
            self.samples.popleft()

    def per_second(self, now: float) -> float:
        if not self.samples:
            return 0.0
        # The first sample's bytes were read before its timestamp: a floor keeps early rates sane.
        span = max(now - self.samples[0][0], 0.5)
        return sum(n for _, n in self.samples) / span


class TerminalProgress:
    """A single status line, redrawn in place: each active file's percentage, the total bytes and
    the throughput. Finished files print one permanent line above it."""

    def __init__(
        self,
        stream: TextIO,
        *,
        clock: Callable[[], float] = time.monotonic,
        min_interval: float = 0.1,
        width: Callable[[], int] | None = None,
    ) -> None:
        self._stream = stream
        self._clock = clock
        self._min_interval = min_interval
        self._width = width or (lambda: shutil.get_terminal_size((100, 20)).columns)
        self._lock = threading.Lock()
        self._files: dict[str, _File] = {}
        self._rate = _Rate(window=5.0)
        self._transferred = 0
        self._last_draw = float("-inf")
        self._drawn = False

    def start(self, label: str, total: int | None, already: int) -> None:
        with self._lock:
            self._files[label] = _File(total=total, done=already, started=self._clock())
            self._draw(force=True)

    def advance(self, label: str, n: int) -> None:
        with self._lock:
            state = self._files.get(label)
            if state is None:
                return
            state.done += n
            now = self._clock()
            self._transferred += n
            self._rate.add(now, n)
            self._draw(force=False)

    def finish(self, label: str, ok: bool) -> None:
        with self._lock:
            state = self._files.pop(label, None)
            self._clear()
            if ok:
                size = f" {format_bytes(state.done)}" if state else ""
                self._stream.write(f"done {label}{size}\n")
            else:
                self._stream.write(f"failed {label}\n")
            self._draw(force=True)

    def close(self) -> None:
        """Leave the terminal on a fresh line (call once when all downloads are over)."""
        with self._lock:
            self._clear()
            self._stream.flush()

    def status_line(self) -> str:
        now = self._clock()
        parts = []
        for label, state in self._files.items():
            if state.total:
                parts.append(f"{label} {state.done * 100 // state.total}%")
            else:
                parts.append(f"{label} {format_bytes(state.done)}")
        rate = self._rate.per_second(now)
        summary = f"{len(self._files)} active, {format_bytes(self._transferred)} at {format_bytes(rate)}/s"
        line = " | ".join([summary, *parts])
        width = max(20, self._width() - 1)
        return line if len(line) <= width else line[: width - 3] + "..."

    def _draw(self, *, force: bool) -> None:
        now = self._clock()
        if not force and now - self._last_draw < self._min_interval:
            return
        self._last_draw = now
        if not self._files:
            self._clear()
            self._stream.flush()
            return
        self._stream.write("\r\x1b[2K" + self.status_line())
        self._stream.flush()
        self._drawn = True

    def _clear(self) -> None:
        if self._drawn:
            self._stream.write("\r\x1b[2K")
            self._drawn = False
