"""What `apply` tells the user while it runs, and how it asks for approval.

Downloads show one display (`insarproj.ui.progress`: files done of total, bytes, rate, ETA; plain
periodic lines when stderr is not a terminal); per-action lines only with -v; `--wait` prints one
line per poll (job counts by status, elapsed time, the next poll). Ctrl-C ends with
`interrupted_sentence` and exit 130 (docs/cli.md).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import click

from insarproj.cli.context import AppContext

if TYPE_CHECKING:
    from insarproj.engine.model import Action, Plan
    from insarproj.ui.progress_wait import JobTally
    from insarproj.workspace import Poll


def interrupted_sentence(recorded: int) -> str:
    actions = "action was" if recorded == 1 else "actions were"
    return f"Interrupted: {recorded} {actions} recorded; run `insarproj apply` to resume."


def download_totals(actions: list[Action]) -> tuple[int, int]:
    """Files and bytes the actions download (those whose plan line carries a byte count)."""
    downloads = [a.bytes for a in actions if a.bytes is not None]
    return len(downloads), sum(downloads)


class ApplyConsole:
    """The callbacks `Workspace.apply` calls: show the plan, approve it, report actions and polls."""

    def __init__(self, app: AppContext, *, yes: bool, show_plan: bool) -> None:
        self.app = app
        self.yes = yes
        # A saved plan was reviewed when it was made (`plan --out`): it is not shown again.
        self.shows_plan = show_plan
        self.progress: Any = app.progress()
        self.started = time.monotonic()
        self._tally: JobTally | None = None
        app.recorded_actions = 0  # from now on a Ctrl-C says how many actions were recorded

    def callbacks(self) -> dict[str, Any]:
        """The keyword arguments `Workspace.apply` takes from this console."""
        return {
            "approve": self.approve,
            "on_plan": self.show_plan,
            "on_event": self.on_event,
            "on_round": self.on_round,
            "on_poll": self.on_poll,
            "progress": self.progress,
        }

    def show_plan(self, plan: Plan) -> None:
        from insarproj.ui.render import render_plan

        if self.app.verbosity >= 0 and self.shows_plan:
            click.echo(render_plan(plan, verbose=self.app.verbosity, color=self.app.color), nl=False)
        self._expect(plan.actions)

    def approve(self, plan: Plan) -> bool:
        if self.yes:
            return True
        return click.confirm("Apply this plan?", default=False, err=True)

    def say(self, line: str, *, level: int = 0) -> None:
        """A line on stderr, above the download display while one runs."""
        if self.app.verbosity >= level:
            echo = getattr(self.progress, "echo", None)
            echo(line) if echo is not None else self.app.info(line)

    def on_event(self, event: str, action: Action, message: str | None) -> None:
        if event == "done":
            self.app.recorded_actions = (self.app.recorded_actions or 0) + 1
            if action.bytes is not None and hasattr(self.progress, "file_done"):
                self.progress.file_done()
        self.tally.see_event(event, action)
        if event == "failed":
            app = self.app
            styled = click.style(f"  ✗ {action.address}: {message}", fg="red")
            self.say(styled if app.color else f"  x {action.address}: {message}")
        elif event == "done":
            # One line per action only with -v: a real project has thousands of them.
            self.say(f"  ✓ {action.address}" + (f": {message}" if message else ""), level=1)
        elif event == "start":
            self.say(f"  … {action.op.value} {action.address}", level=1)
        elif event == "stopping":
            self.say(f"  Stopping {action.address}: it {message}; its result will be recorded.")
        elif event in ("skipped", "waiting"):
            self.say(f"  - {action.address}: {event} ({message})", level=1)

    def on_round(self, number: int, plan: Plan) -> None:
        self._expect(plan.actions)
        from insarproj.ui.render import count_phrases

        todo = "; ".join(count_phrases(plan.summary)) or "nothing to do now"
        self.say(f"Round {number}: {todo}; {plan.summary.waiting} waiting.", level=1)

    def on_poll(self, poll: Poll) -> None:
        from datetime import datetime

        from insarproj.ui.progress_wait import poll_line

        self.tally.see_plan(poll.held)
        line = poll_line(
            poll.number,
            self.tally,
            waiting=len(poll.waiting),
            elapsed=time.monotonic() - self.started,
            next_in=poll.next_in,
            now=datetime.now(),
        )
        self.say(line)

    def close(self) -> None:
        close = getattr(self.progress, "close", None)
        if close is not None:
            close()

    @property
    def tally(self) -> JobTally:
        if self._tally is None:
            from insarproj.ui.progress_wait import JobTally

            self._tally = JobTally()
        return self._tally

    def _expect(self, actions: list[Action]) -> None:
        self.tally.see_plan(actions)
        files, nbytes = download_totals(actions)
        if files and hasattr(self.progress, "expect"):
            self.progress.expect(files, nbytes)
