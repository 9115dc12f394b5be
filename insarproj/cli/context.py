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
    from insarproj.ui.progress import DownloadProgress
    from insarproj.workspace import Workspace


@dataclass
class AppContext:
    project_dir: Path
    verbosity: int
    debug: bool
    color: bool
    # Set by apply once it may record actions, and counted up as it does: what Ctrl-C reports.
    recorded_actions: int | None = None
    # Set by a command that writes nothing but its own output files (plan): the process may then
    # end without tearing the interpreter down (cli.main, `exit_without_teardown`).
    read_only: bool = False

    def workspace(self, *, trust_endpoints: bool = False) -> Workspace:
        from insarproj.workspace import Workspace

        workspace = Workspace(self.project_dir, trust_endpoints=trust_endpoints)
        workspace.notify = lambda message: self.info(message)
        return workspace

    def info(self, message: str, *, level: int = 0) -> None:
        """Human messages go to stderr so stdout stays clean for data (--json)."""
        if self.verbosity >= level:
            click.echo(message, err=True, color=self.color)

    def progress(self) -> DownloadProgress | ProgressSink:
        """Download progress on stderr: one live display on a terminal, plain periodic lines in a
        log (docs/cli.md), none with -q."""
        from insarproj.transfer.progress import NullProgress
        from insarproj.ui.progress import DownloadProgress

        if self.verbosity < 0:
            return NullProgress()
        return DownloadProgress(
            sys.stderr, live=sys.stderr.isatty(), verbose=self.verbosity >= 1, color=self.color
        )
