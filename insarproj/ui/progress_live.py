"""The rich side of the download display, imported only once a download starts.

Why rich rather than tqdm (both maintained): rich keeps lines printed from other threads above its
live display, estimates the rate over a sliding window, and renders to a forced terminal in tests;
`python -X importtime` measured `rich.progress` at ~45 ms against ~160 ms for `tqdm` here.

One task, one line on a terminal: a bar, files done of total, bytes done of total, the rate and
the ETA. rich estimates the rate over its sliding window and redraws a few times a second from its
own thread; lines printed through its console appear above the display (docs/cli.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from insarproj.ui.render import human_bytes


class SpeedColumn(ProgressColumn):
    """The rate in the plan's binary units (rich's TransferSpeedColumn is decimal only)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{human_bytes(speed)}/s" if speed else "?", style="progress.data.speed")


def make_progress(
    stream: TextIO, *, live: bool, color: bool, clock: Callable[[], float], console: Any = None
) -> Progress:
    """A Progress drawing on ``stream`` (or ``console``); ``live=False`` only counts (no drawing)."""
    console = console or Console(file=stream, no_color=not color, highlight=False)
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(bar_width=30),
        TaskProgressColumn(),
        TextColumn("{task.fields[files]}"),
        DownloadColumn(binary_units=True),  # KiB, MiB: the plan's units
        SpeedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        get_time=clock,
        refresh_per_second=4,
        disable=not live,
        # A printed line must not be lost under the display: click's and logging's stderr output
        # goes through rich while it runs.
        redirect_stderr=True,
        redirect_stdout=False,
    )
