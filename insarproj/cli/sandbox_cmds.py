"""`sandbox` and `demo`: the whole job against loopback stand-ins of every service."""

from __future__ import annotations

import errno
import sys
from pathlib import Path
from typing import TextIO, cast

import click

from insarproj.cli.context import AppContext
from insarproj.errors import InsarprojError


@click.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Port on 127.0.0.1 (0: any free port).",
)
@click.option("--faults", metavar="SPEC", help="Faults to inject, e.g. '5xx:0.2,drop:0.1' (see the README).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for the catalog and the faults.")
@click.option(
    "--hyp3-speed",
    type=click.FloatRange(min=0.01),
    default=1.0,
    show_default=True,
    help="How fast HyP3 jobs run: at 1 a job takes about 4 s, at 10 about 0.4 s.",
)
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the HyP3 job store here, so a restarted sandbox still knows its jobs.",
)
@click.option(
    "--env-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Once listening, also write the export lines to FILE (atomically; removed when the sandbox stops).",
)
@click.option(
    "--background",
    is_flag=True,
    help="Start the sandbox as a background process, print its export lines and return: "
    'eval "$(insarproj sandbox --background)". Stop it with --stop.',
)
@click.option("--stop", is_flag=True, help="Stop the background sandbox recorded in --pid-file, then exit.")
@click.option(
    "--pid-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where the running sandbox's process id is recorded (for --stop). "
    "Default with --background and --stop: $XDG_CACHE_HOME/insarproj/sandbox.pid.",
)
@click.pass_context
def sandbox(
    ctx: click.Context,
    port: int,
    faults: str | None,
    seed: int,
    hyp3_speed: float,
    state_dir: Path | None,
    env_file: Path | None,
    background: bool,
    stop: bool,
    pid_file: Path | None,
) -> None:
    """Serve stand-ins of CMR, Earthdata login, ASF downloads, HyP3 and the other services on 127.0.0.1.

    Prints `export INSARPROJ_..._URL=...` lines once listening and serves until interrupted
    (Ctrl-C or SIGTERM). From a shell script: `eval "$(insarproj sandbox --background)"`, then
    `insarproj sandbox --stop`; or `insarproj sandbox --env-file sandbox.env &` and source the
    file once it exists.
    """
    from insarproj.cli import sandbox_shell

    recorded = pid_file or sandbox_shell.default_pid_file()
    if stop:
        _refuse_with_stop(ctx)
        ctx.obj.info(sandbox_shell.stop_background(recorded))
        return
    if background:
        exports = sandbox_shell.start_background(_serve_args(ctx), pid_file=recorded, env_file=env_file)
        stop_command = "insarproj sandbox --stop" + (f" --pid-file {pid_file}" if pid_file else "")
        click.echo(exports + f"# stop it with: {stop_command}")
        return
    _serve(port, faults, seed, hyp3_speed, state_dir, env_file=env_file, pid_file=pid_file)


def _serve_args(ctx: click.Context) -> list[str]:
    """The serving options given on this command line, for the background process."""
    args: list[str] = []
    for name in ("port", "faults", "seed", "hyp3_speed", "state_dir"):
        value = ctx.params[name]
        if value is not None:
            args += [f"--{name.replace('_', '-')}", str(value)]
    return args


def _refuse_with_stop(ctx: click.Context) -> None:
    for name in ("background", "env_file", "faults", "state_dir", "port"):
        if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE:
            raise click.UsageError(f"--{name.replace('_', '-')} does not go with --stop")


def _serve(
    port: int,
    faults: str | None,
    seed: int,
    hyp3_speed: float,
    state_dir: Path | None,
    *,
    env_file: Path | None,
    pid_file: Path | None,
) -> None:
    from insarproj.cli.sandbox_shell import ExportsTee
    from insarproj.sandbox.server import serve_forever

    tee = ExportsTee(sys.stdout, env_file=env_file, pid_file=pid_file)
    out = cast(TextIO, tee)  # a text stream: all serve_forever uses is write and flush
    try:
        serve_forever(
            port=port, faults=faults, seed=seed, out=out, hyp3_speed=hyp3_speed, state_dir=state_dir
        )
    except OSError as exc:
        refusal = _bind_refusal(port, exc)
        if refusal is None:
            raise
        raise refusal from exc
    finally:
        tee.cleanup()


def _bind_refusal(port: int, exc: OSError) -> InsarprojError | None:
    """The one-sentence error for a port the sandbox cannot listen on; None for other errors."""
    fix = "pick another with --port or omit it for a free one"
    if exc.errno == errno.EADDRINUSE:
        return InsarprojError(f"port {port} on 127.0.0.1 is in use (by another program)", hint=fix)
    if exc.errno == errno.EACCES:
        return InsarprojError(f"port {port} on 127.0.0.1 needs more privileges than this user has", hint=fix)
    return None


# The ISCE demo takes fewer dates: every stand-in command is a process of its own.
DEMO_END = {"isce": "2021-02-10"}
DATA_HINT = "  ls {d}/data                                   # scenes / products\n"
LOOK_AROUND = {
    "isce": "  ls {d}/data/isce/*/work/run_files            # topsStack's run files: tracked steps\n"
    "  ls {d}/data/isce/*/work/merged/interferograms  # one folder per pair of the network\n"
    "  insarproj -C {d} plan --prune                  # what `keep` lets apply --prune remove\n",
}


@click.command()
@click.argument(
    "directory", required=False, type=click.Path(file_okay=False, path_type=Path), default="insarproj-demo"
)
@click.option(
    "--processor",
    type=click.Choice(["hyp3", "isce", "download"]),
    default="hyp3",
    show_default=True,
    help="hyp3: search, pair, submit HyP3 jobs, download products; isce: download scenes, orbits and "
    "the DEM, then run ISCE2 topsStack's steps with the sandbox's stand-in topsStack (not ISCE2); "
    "download: search and download scenes.",
)
@click.pass_obj
def demo(app: AppContext, directory: Path, processor: str) -> int:
    """Run the whole job against a local sandbox in about a minute: no account, no network.

    Writes a demo project into DIRECTORY (default ./insarproj-demo), shows the plan, applies it
    until it converges, and prints what it did.
    """
    from insarproj.demo import run_demo
    from insarproj.ui.render import render_plan

    def show_plan(plan):  # type: ignore[no-untyped-def]
        if app.verbosity >= 0:
            click.echo(render_plan(plan, verbose=app.verbosity, color=app.color), nl=False)
            click.echo("Applying (the demo approves on your behalf)...\n", err=True)

    def on_event(event, action, message):  # type: ignore[no-untyped-def]
        if event == "failed":
            app.info(f"  x {action.address}: {message}")
        elif event in ("done", "waiting") and app.verbosity >= 1:
            app.info(f"  {event} {action.address}" + (f": {message}" if message else ""))

    progress = app.progress() if app.verbosity >= 1 else None
    try:
        result = run_demo(
            directory,
            processor=processor,
            end=DEMO_END.get(processor, "2021-03-15"),
            echo=lambda text: app.info(text),
            show_plan=show_plan,
            on_event=on_event,
            progress=progress,
        )
    finally:
        getattr(progress, "close", lambda: None)()  # ends a live download display
    resources = ", ".join(
        f"{sum(statuses.values())} {kind}" for kind, statuses in result.summary["resources"].items()
    )
    verdict = "converged" if result.converged else "did NOT converge"
    click.echo(
        f"\nDemo {verdict} in {result.seconds:.0f} s ({result.rounds} apply round(s)): {resources}.\n"
        f"Look around:\n"
        f"  insarproj -C {directory} show                       # what the folder holds\n"
        f"  insarproj -C {directory} plan --offline             # nothing left to do\n"
        + LOOK_AROUND.get(processor, DATA_HINT).format(d=directory)
        + f"  cat {directory}/.insarproj/state.json | head -40    # the durable, committable record"
    )
    return 0 if result.converged else 1


COMMANDS = [sandbox, demo]
