"""The downloader's progress interface: what a transfer reports, not how it is shown.

Sinks are called from several download threads at once, so every sink must be thread-safe.
``start`` may be called again for a label whose transfer restarted (a server that ignored
``Range``, a retry after a dropped connection); sinks treat that as a new baseline for that label,
not a new file. The CLI's display (a live line on a terminal, plain lines in a log) lives in
``insarproj.ui.progress``.
"""

from __future__ import annotations

from typing import Protocol


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
