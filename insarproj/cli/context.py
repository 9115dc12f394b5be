"""What every command gets from the `insarproj` group: the project folder and how to talk to the user.

It lives apart from `cli.main` so the command modules can import it while `cli.main` imports them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from insarproj.transfer.progress import ProgressSink
    from insarproj.workspace import Workspace


@dataclass
class AppContext:
    project_dir: Path
    verbosity: int
    debug: bool
    color: bool

    def workspace(self, *, trust_endpoints: bool = False) -> Workspace:
        from insarproj.workspace import Workspace

        workspace = Workspace(self.project_dir, trust_endpoints=trust_endpoints)
        workspace.notify = lambda message: self.info(message)
        return workspace

    def info(self, message: str, *, level: int = 0) -> None:
        """Human messages go to stderr so stdout stays clean for data (--json)."""
        if self.verbosity >= level:
            click.echo(message, err=True, color=self.color)

    def progress(self) -> ProgressSink:
        """Transfer progress on stderr: a live line on a terminal, plain lines in a log, none with -q."""
        from insarproj.transfer.progress import NullProgress, PlainProgress, TerminalProgress

        if self.verbosity < 0:
            return NullProgress()
        if sys.stderr.isatty():
            return TerminalProgress(sys.stderr)
        return PlainProgress(sys.stderr)
