"""`plan`, `apply`, `show`, `force-unlock`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from insarproj.cli.apply_console import ApplyConsole
from insarproj.cli.context import AppContext
from insarproj.errors import ExitCode, UsageError
from insarproj.layout import STATE_DIR

if TYPE_CHECKING:
    from insarproj.engine.model import Plan
    from insarproj.workspace import ApplyResult

PLAN_EPILOG = """\b
Examples:
  insarproj plan                         # what is missing
  insarproj plan --out plan.json         # save it, review, then: insarproj apply plan.json
  insarproj plan --detailed-exitcode     # in CI: 0 nothing to do, 2 changes or waiting work, 1 error,
                                         #   4 work failed for good (stop looping: it needs you)
  insarproj plan --retry-failed          # preview one more attempt for what failed for good, with its cost
  insarproj plan --target scene          # only scenes (and what they depend on)
  insarproj plan --offline               # from recorded state alone, no network at all
"""


def target_option(func):  # type: ignore[no-untyped-def]
    return click.option(
        "--target",
        "targets",
        multiple=True,
        metavar="ADDRESS",
        help="Limit to resources whose address starts with ADDRESS (e.g. scene, pair.A064, "
        "hyp3_job.A064.20210102) and what they depend on. Repeatable.",
    )(func)


def replace_option(func):  # type: ignore[no-untyped-def]
    return click.option(
        "--replace",
        "replace",
        multiple=True,
        metavar="ADDRESS",
        help="Remake this resource even though it is in sync (e.g. dem.A064 after a dem_stitcher upgrade); "
        "only kinds that allow it. Repeatable.",
    )(func)


def trust_option(func):  # type: ignore[no-untyped-def]
    return click.option(
        "--trust-endpoints",
        is_flag=True,
        help="Send credentials to hosts named only in project.toml [endpoints] (off by default: a committed "
        "file must not be able to collect your tokens).",
    )(func)


def planning_options(func):  # type: ignore[no-untyped-def]
    for option in reversed(
        [
            click.option(
                "--refresh-search", is_flag=True, help="Search ASF again and show scenes joining/leaving."
            ),
            click.option("--verify", is_flag=True, help="Recompute checksums of recorded files (slower)."),
            click.option(
                "--prune",
                is_flag=True,
                help="Also delete the files of resources that left the project, and superseded products "
                "(without it they are kept, or moved to data/superseded/).",
            ),
            click.option(
                "--retry-failed",
                is_flag=True,
                help="Give every item failed for good (past max_attempts) one more attempt, as a plan line "
                "with its cost.",
            ),
        ]
    ):
        func = option(func)
    return target_option(replace_option(trust_option(func)))


@click.command(epilog=PLAN_EPILOG)
@planning_options
@click.option(
    "--offline", is_flag=True, help="Make no network request: plan from recorded state and disk only."
)
@click.option(
    "-o", "--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="Save the plan to FILE."
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the plan as JSON (schema: insarproj schema plan)."
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when there are changes or waiting remote work, 4 when work failed for good "
    "(whatever else is pending), 0 when there is nothing to do.",
)
@click.pass_obj
def plan(
    app: AppContext,
    targets: tuple[str, ...],
    replace: tuple[str, ...],
    trust_endpoints: bool,
    refresh_search: bool,
    verify: bool,
    prune: bool,
    retry_failed: bool,
    offline: bool,
    out: Path | None,
    as_json: bool,
    detailed_exitcode: bool,
) -> int:
    """Show what apply would do. Read-only: never submits, downloads or writes state."""
    from insarproj.engine.context import PlanOptions
    from insarproj.engine.planfile import write_plan
    from insarproj.ui.render import render_plan

    if offline and refresh_search:
        raise UsageError("--offline and --refresh-search contradict each other; drop one")
    app.read_only = True
    ws = app.workspace(trust_endpoints=trust_endpoints)
    options = PlanOptions(
        offline=offline,
        refresh_search=refresh_search,
        verify=verify,
        prune=prune,
        targets=targets,
        retry_failed=retry_failed,
        replace=replace,
    )
    result = ws.plan(options)
    if as_json:
        click.echo(result.model_dump_json(indent=2))
    elif app.verbosity >= -1:
        click.echo(render_plan(result, verbose=app.verbosity, color=app.color), nl=False)
    if out is not None:
        write_plan(out, result)
        app.info(f"Saved the plan to {out}; apply it with `insarproj apply {out}`.")
    if detailed_exitcode and result.has_failed:
        return ExitCode.FAILED  # a loop on exit 2 must stop: this needs a change or a retry
    if detailed_exitcode and (result.has_changes or result.has_waiting):
        return ExitCode.PENDING
    return ExitCode.OK


@click.command()
@click.argument("planfile", required=False, type=click.Path(dir_okay=False, path_type=Path))
@planning_options
@click.option(
    "-y", "--yes", "--auto-approve", "yes", is_flag=True, help="Apply without asking for confirmation."
)
@click.option(
    "--keep-going", is_flag=True, help="After a failure, go on with actions that do not depend on it."
)
@click.option(
    "--lock-timeout", type=float, default=0.0, show_default=True, help="Seconds to wait for the lock."
)
@click.option("--wait", is_flag=True, help="Keep polling remote work (HyP3 jobs, SLURM) until it finishes.")
@click.option("--timeout", type=float, help="With --wait: give up waiting after this many seconds.")
@click.option(
    "--poll-interval",
    type=float,
    default=30.0,
    show_default=True,
    help="With --wait: seconds before the first poll; later polls back off while nothing finishes "
    "(×1.5, at most 5 minutes).",
)
@click.option(
    "--concurrency", type=click.IntRange(1, 64), help="Actions run at once (default: [download] concurrency)."
)
@click.pass_obj
def apply(
    app: AppContext,
    planfile: Path | None,
    targets: tuple[str, ...],
    replace: tuple[str, ...],
    trust_endpoints: bool,
    refresh_search: bool,
    verify: bool,
    retry_failed: bool,
    yes: bool,
    keep_going: bool,
    lock_timeout: float,
    wait: bool,
    timeout: float | None,
    poll_interval: float,
    concurrency: int | None,
    prune: bool,
) -> int:
    """Do what the plan says, safely; re-run at any time to resume.

    Without PLANFILE it plans first, shows the plan and asks for confirmation (--yes when stdin
    is not a terminal). With PLANFILE (from `plan --out`) it applies exactly that plan, refusing
    a stale or already applied one before doing anything.
    """
    from insarproj.engine.context import PlanOptions
    from insarproj.workspace import ApplyOptions

    saved = _saved_plan(
        planfile, plan_flags=bool(targets or replace or refresh_search or retry_failed or prune)
    )
    if saved is None and not yes and not sys.stdin.isatty():
        raise UsageError("stdin is not a terminal, so apply cannot ask for confirmation; pass --yes to apply")
    console = ApplyConsole(app, yes=yes, show_plan=saved is None)
    try:
        result = app.workspace(trust_endpoints=trust_endpoints).apply(
            plan=saved,
            plan_label=str(planfile) if planfile else "the plan",
            options=PlanOptions(
                refresh_search=refresh_search,
                verify=verify,
                prune=prune,
                targets=targets,
                retry_failed=retry_failed,
                replace=replace,
            ),
            apply_options=ApplyOptions(
                concurrency=concurrency,
                keep_going=keep_going,
                lock_timeout=lock_timeout,
                wait=wait,
                timeout=timeout,
                poll_interval=poll_interval,
                command="insarproj " + " ".join(sys.argv[1:])[:200] if sys.argv else "insarproj apply",
            ),
            **console.callbacks(),
        )
    finally:
        console.close()  # the live display ends before the report (and before a Ctrl-C's sentence)
    return _report_apply(app, result)


def _saved_plan(planfile: Path | None, *, plan_flags: bool) -> Plan | None:
    """The plan saved in ``planfile``, if one is given; planning options do not go with it."""
    from insarproj.engine.planfile import read_plan

    if planfile is None:
        return None
    saved = read_plan(planfile)
    if plan_flags:
        # A saved plan is applied exactly as reviewed: what it deletes was decided by `plan --prune`.
        raise UsageError(
            "--target, --replace, --refresh-search, --retry-failed and --prune belong to `plan` "
            "when applying a saved plan"
        )
    return saved


def _report_apply(app: AppContext, result: ApplyResult) -> int:
    """What apply did, what it left and why, and the exit code that says so."""
    from insarproj.ui.render import render_report

    if not result.approved:
        app.info("Apply cancelled; nothing was changed.")
        return ExitCode.ERROR
    if result.report.interrupted:
        from insarproj.cli.apply_console import interrupted_sentence

        if app.verbosity >= 1:
            click.echo(
                render_report(result.report, color=app.color, verbose=app.verbosity), nl=False, err=True
            )
        click.echo(interrupted_sentence(len(result.report.done)), err=True)
        return ExitCode.INTERRUPTED
    plan_shown = result.plan
    if plan_shown is not None and not (
        plan_shown.has_changes or plan_shown.has_waiting or plan_shown.has_failed
    ):
        app.info("Nothing to do.")
        return ExitCode.OK
    click.echo(render_report(result.report, color=app.color, verbose=app.verbosity), nl=False, err=True)
    if result.held:
        credits = sum(a.credits or 0 for a in result.held)
        names = ", ".join(a.address for a in result.held[:5]) + (" …" if len(result.held) > 5 else "")
        app.info(
            f"{len(result.held)} paid submissions came up while waiting ({credits:g} credits: {names}); "
            "they are not made without a plan you saw: run `insarproj plan`, then `insarproj apply`."
        )
    for line in result.closing:
        app.info(line)
    if result.timed_out:
        app.info(
            "Stopped waiting (--timeout); remote work goes on, run `insarproj apply` later to collect it."
        )
    return result.exit_code()


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summary.")
@click.option(
    "--pairs", "all_pairs", is_flag=True, help="List every pair with its job, credits, expiry, product."
)
@click.option(
    "--footprints",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the AOI and every scene footprint (with properties) as GeoJSON, e.g. for QGIS.",
)
@click.option(
    "--network",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Draw the pair network (time vs perpendicular baseline, per stack) to FILE.png/.pdf/.svg "
    "(needs the plot extra: pip install 'insarproj[plot]').",
)
@click.option(
    "--plots",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write pictures to DIR: footprints (PNG + GeoJSON for QGIS), the pair network by status, "
    "temporal coverage, MintPy's velocity (needs the plot extra: pip install 'insarproj[plot]').",
)
@click.pass_obj
def show(
    app: AppContext,
    as_json: bool,
    all_pairs: bool,
    footprints: Path | None,
    network: Path | None,
    plots: Path | None,
) -> None:
    """Summarise the recorded state: stacks, scenes, pairs, HyP3 jobs, products. No network."""
    from insarproj.kinds.show import write_footprints, write_network_plot
    from insarproj.show import render_summary, state_summary

    ws = app.workspace()
    ws.show_all_pairs = all_pairs or app.verbosity > 0
    state = ws.load_state()
    if footprints is not None:
        count = write_footprints(ws, state, footprints)
        app.info(f"Wrote {count} features (AOI and scene footprints) to {footprints}.")
    if network is not None:
        count, notes = write_network_plot(ws, state, network)
        app.info(f"Drew {count} pairs to {network}.")
        for note in notes:
            app.info(f"  {note}")
    if plots is not None:
        from insarproj.plots.write import write_plots

        report = write_plots(ws, state, plots)
        app.info(
            f"Wrote {len(report.written)} files to {plots}/: " + ", ".join(p.name for p in report.written)
        )
        for note in report.notes:
            app.info(f"  {note}")
    if footprints is not None or network is not None or plots is not None:
        return
    summary = state_summary(ws, state)
    if as_json:
        summary.pop("text_blocks", None)
        click.echo(json.dumps(summary, indent=2, sort_keys=True, default=str))
    else:
        click.echo(render_summary(summary), nl=False)


@click.command("force-unlock")
@click.argument("lock_id")
@click.pass_obj
def force_unlock(app: AppContext, lock_id: str) -> None:
    """Remove the lock record of an apply that ended without cleaning up (e.g. on another host)."""
    from insarproj.lock import force_unlock as do_force_unlock

    holder = do_force_unlock(app.project_dir / STATE_DIR, lock_id)
    app.info(f"Removed the lock of {holder.describe()}.")


COMMANDS = [plan, apply, show, force_unlock]
