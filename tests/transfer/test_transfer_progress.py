"""The dependency-free progress sinks."""

from __future__ import annotations

import io
import threading

from insarproj.transfer import NullProgress, PlainProgress, TerminalProgress
from insarproj.transfer.progress import format_bytes


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_plain_progress_prints_start_tenths_and_finish() -> None:
    stream = io.StringIO()
    sink = PlainProgress(stream)
    sink.start("a.zip", 1000, 0)
    for _ in range(100):
        sink.advance("a.zip", 10)
    sink.finish("a.zip", True)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "start a.zip (1.0 KB)"
    assert [line.split()[1] for line in lines[1:-1]] == [f"{p}%" for p in range(10, 101, 10)]
    assert lines[-1].startswith("done a.zip 1.0 KB in ")


def test_plain_progress_unknown_size_and_failure() -> None:
    stream = io.StringIO()
    sink = PlainProgress(stream)
    sink.start("b", None, 0)
    sink.advance("b", 250_000_000)
    sink.finish("b", False)
    assert stream.getvalue().splitlines() == ["start b (unknown size)", "b 250.0 MB", "failed b"]


def test_terminal_progress_redraws_one_line_with_totals() -> None:
    stream = io.StringIO()
    clock = Clock()
    sink = TerminalProgress(stream, clock=clock, width=lambda: 200)
    sink.start("a", 1000, 0)
    sink.start("b", 2000, 500)
    clock.now = 1.0
    sink.advance("a", 500)
    clock.now = 2.0
    sink.advance("b", 500)
    line = sink.status_line()
    assert "2 active" in line and "a 50%" in line and "b 50%" in line and "1.0 KB at" in line
    assert "\n" not in stream.getvalue()  # nothing but in-place redraws so far
    sink.finish("a", True)
    sink.close()
    out = stream.getvalue()
    assert "done a 500 B\n" in out and out.count("\n") == 1 and "\r" in out


def test_terminal_progress_throttles_and_truncates() -> None:
    stream = io.StringIO()
    clock = Clock()
    sink = TerminalProgress(stream, clock=clock, width=lambda: 30, min_interval=1.0)
    sink.start("a-very-long-granule-name-that-does-not-fit", 100, 0)
    drawn = stream.getvalue().count("\r")
    sink.advance("a-very-long-granule-name-that-does-not-fit", 1)  # within min_interval: no redraw
    assert stream.getvalue().count("\r") == drawn
    assert len(sink.status_line()) <= 29


def test_sinks_are_thread_safe() -> None:
    stream = io.StringIO()
    sink = TerminalProgress(stream, min_interval=0.0)
    labels = [f"f{i}" for i in range(8)]
    for label in labels:
        sink.start(label, 8000, 0)

    def work(label: str) -> None:
        for _ in range(1000):
            sink.advance(label, 8)

    threads = [threading.Thread(target=work, args=(label,)) for label in labels]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert "8 active, 64.0 KB" in sink.status_line()
    NullProgress().advance("x", 1)


def test_format_bytes() -> None:
    assert [format_bytes(n) for n in (999, 1000, 4_300_000_000)] == ["999 B", "1.0 KB", "4.3 GB"]
