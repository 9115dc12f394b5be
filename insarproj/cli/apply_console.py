"""What `apply` tells the user while it runs, and how it asks for approval."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from insarproj.cli.context import AppContext

if TYPE_CHECKING:
    from insarproj.engine.model import Action, Plan


class ApplyConsole:
    """The callbacks `Workspace.apply` calls: show the plan, approve it, report actions and rounds."""

    def __init__(self, app: AppContext, *, yes: bool, show_plan: bool) -> None:
        self.app = app
        self.yes = yes
        # A saved plan was reviewed when it was made (`plan --out`): it is not shown again.
        self.shows_plan = show_plan

    def show_plan(self, plan: Plan) -> None:
        from insarproj.ui.render import render_plan

        if self.app.verbosity >= 0 and self.shows_plan:
            click.echo(render_plan(plan, verbose=self.app.verbosity, color=self.app.color), nl=False)

    def approve(self, plan: Plan) -> bool:
        if self.yes:
            return True
        return click.confirm("Apply this plan?", default=False, err=True)

    def on_event(self, event: str, action: Action, message: str | None) -> None:
        app = self.app
        if event == "failed":
            app.info(
                click.style(f"  ✗ {action.address}: {message}", fg="red")
                if app.color
                else f"  x {action.address}: {message}"
            )
        elif event == "done":
            # One line per action only with -v: a real project has thousands of them.
            app.info(f"  ✓ {action.address}" + (f": {message}" if message else ""), level=1)
        elif event == "start":
            app.info(f"  … {action.op.value} {action.address}", level=1)
        elif event in ("skipped", "waiting"):
            app.info(f"  - {action.address}: {event} ({message})", level=1)

    def on_round(self, number: int, plan: Plan) -> None:
        self.app.info(f"Round {number}: {plan.summary.pending} to do, {plan.summary.waiting} waiting.")
