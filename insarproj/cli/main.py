"""The `insarproj` command: a thin layer over `insarproj.workspace`.

Errors cross into the CLI in one place (`main`): an `InsarprojError` becomes one line on stderr
and its exit code; click's usage errors exit 64 (not click's 2, which means "changes pending"
under --detailed-exitcode); anything else is a bug, reported in one line with a pointer to
--debug. Heavy libraries are imported inside commands so `insarproj --help` stays fast.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import traceback
from pathlib import Path
from typing import Any, NoReturn

import click
from click.core import ParameterSource

from insarproj import __version__
from insarproj.cli import cancel_cmd, plan_cmds, project_cmds, sandbox_cmds, suggest_cmd
from insarproj.cli.context import AppContext
from insarproj.errors import ExitCode, InsarprojError, storage_error

_DEBUG = False
_APP: AppContext | None = None  # the running command's context: what a Ctrl-C reports
_SIGINT_SEEN = False  # Ctrl-C was pressed during this run (see _watch_sigint)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="insarproj")
@click.option(
    "-C",
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Project folder (the one holding project.toml).",
)
@click.option("-v", "--verbose", count=True, help="More detail (repeatable).")
@click.option("-q", "--quiet", count=True, help="Less output: no progress, only results and errors.")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.option("--no-color", is_flag=True, help="Plain output without colours (also NO_COLOR=1).")
@click.pass_context
def cli(ctx: click.Context, project_dir: Path, verbose: int, quiet: int, debug: bool, no_color: bool) -> None:
    """Terraform for an InSAR project folder.

    project.toml declares the area, dates, filters, pairing and processor; `plan` shows what is
    missing; `apply` does exactly that, safely and resumably.

    The options below may also follow the command: `insarproj plan -v`, `insarproj apply -C DIR`.
    """
    global _DEBUG, _APP
    _DEBUG = debug
    _configure_logging(verbose - quiet, debug)
    color = not no_color and not os.environ.get("NO_COLOR") and sys.stdout.isatty()
    ctx.obj = _APP = AppContext(project_dir=project_dir, verbosity=verbose - quiet, debug=debug, color=color)


def _configure_logging(verbosity: int, debug: bool, *, again: bool = False) -> None:
    import logging

    level = logging.DEBUG if debug else logging.INFO if verbosity >= 2 else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if again:  # basicConfig does nothing the second time: a global option after the command
        logging.getLogger().setLevel(level)
    # urllib3 logs full request URLs, presigned query strings included: never below WARNING.
    logging.getLogger("urllib3").setLevel(logging.WARNING)


def _late_global_option(ctx: click.Context, param: click.Parameter, value: object) -> None:
    """A global option given after the command (`insarproj plan -v`) does what it does before it."""
    global _DEBUG
    app = ctx.find_object(AppContext)
    if (
        app is None
        or not value
        or ctx.get_parameter_source(param.name or "") is not ParameterSource.COMMANDLINE
    ):
        return
    if param.name == "late_project_dir":
        app.project_dir = Path(str(value))
        return
    if param.name == "late_verbose":
        app.verbosity += int(str(value))
    elif param.name == "late_quiet":
        app.verbosity -= int(str(value))
    elif param.name == "late_debug":
        app.debug = _DEBUG = True
    elif param.name == "late_no_color":
        app.color = False
    _configure_logging(app.verbosity, app.debug, again=True)


def _late_global_options() -> list[click.Option]:
    """The group's options again, hidden, on every command (their help stays on `insarproj --help`)."""
    late: list[tuple[tuple[str, ...], dict[str, object]]] = [
        (("-C", "--project-dir", "late_project_dir"), {"type": click.Path(file_okay=False, path_type=Path)}),
        (("-v", "--verbose", "late_verbose"), {"count": True}),
        (("-q", "--quiet", "late_quiet"), {"count": True}),
        (("--debug", "late_debug"), {"is_flag": True}),
        (("--no-color", "late_no_color"), {"is_flag": True}),
    ]
    return [
        click.Option(list(decls), hidden=True, expose_value=False, callback=_late_global_option, **extra)  # type: ignore[arg-type]
        for decls, extra in late
    ]


for _module in (project_cmds, plan_cmds, suggest_cmd, sandbox_cmds, cancel_cmd):
    for _command in _module.COMMANDS:
        _command.params.extend(_late_global_options())
        cli.add_command(_command)


def main(argv: list[str] | None = None) -> None:
    code = run(argv)
    if _APP is not None and _APP.read_only:
        exit_without_teardown(code)
    sys.exit(code)


def exit_without_teardown(code: int) -> NoReturn:
    """End the process of a read-only command (plan) without tearing the interpreter down.

    What such a command leaves behind is memory only (the state it read, the modules it imported;
    any file it writes, `--out`, is complete and renamed into place before it returns): freeing it
    object by object at exit cost ≈ 7 % of a no-op plan at 2,000 scenes and changes nothing on
    disk (docs/project-folder.md). Logging and the standard streams are flushed first. With
    another thread still alive, or anything but this console entry point calling (tests call
    `run`), the normal exit runs."""
    if threading.active_count() > 1:
        sys.exit(code)
    logging = sys.modules.get("logging")
    if logging is not None:
        logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        # A reader that went away (`plan | head`): nothing more to say to it.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def run(argv: list[str] | None = None) -> int:
    """The CLI with exit codes instead of exceptions (DESIGN §3), Ctrl-C noticed wherever it lands."""
    previous = _watch_sigint()
    try:
        return _run(argv)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _watch_sigint() -> Any:
    """Remember that Ctrl-C was pressed, then raise KeyboardInterrupt as Python does: a C extension
    that catches it mid-import (numpy) prints it and raises ImportError instead, and that error
    must still end as an interrupt, not an "internal error". Returns the handler to restore."""
    global _SIGINT_SEEN
    _SIGINT_SEEN = False
    if threading.current_thread() is not threading.main_thread():
        return None
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        return None

    def on_sigint(signum: int, frame: Any) -> None:
        global _SIGINT_SEEN
        _SIGINT_SEEN = True
        signal.default_int_handler(signum, frame)

    return signal.signal(signal.SIGINT, on_sigint)


def _run(argv: list[str] | None) -> int:
    global _APP
    _APP = None
    try:
        result = cli.main(args=argv, prog_name="insarproj", standalone_mode=False)
    except click.exceptions.UsageError as exc:
        exc.show()
        return ExitCode.USAGE
    except click.exceptions.Abort as exc:
        # click turns Ctrl-C (in a prompt or anywhere in a command) into Abort; EOF on a prompt too.
        if isinstance(exc.__cause__ or exc.__context__, KeyboardInterrupt):
            return _interrupted()
        click.echo("Aborted.", err=True)
        return ExitCode.ERROR
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return ExitCode.ERROR
    except InsarprojError as exc:
        if _DEBUG:
            traceback.print_exc()
        click.echo(f"Error: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        return _interrupted()
    except Exception as exc:  # a bug: say so in one line, traceback with --debug
        if _SIGINT_SEEN or _caused_by_interrupt(exc):  # e.g. Ctrl-C turned into an ImportError
            return _interrupted()
        if _DEBUG:
            traceback.print_exc()
        storage = storage_error(exc)
        if storage is not None:  # a full disk anywhere (data/, a plan file, ...) is the user's to fix
            click.echo(f"Error: {storage}", err=True)
            return storage.exit_code
        click.echo(
            f"Error: internal error {type(exc).__name__}: {exc} (re-run with --debug for the traceback "
            "and report it)",
            err=True,
        )
        return ExitCode.ERROR
    return int(result or 0)


def _caused_by_interrupt(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _interrupted() -> int:
    """Ctrl-C outside apply's own handling (planning, searching, a prompt): nothing half-done is
    recorded (docs/safety.md); apply says how many actions were."""
    from insarproj.cli.apply_console import interrupted_sentence

    recorded = _APP.recorded_actions if _APP is not None else None
    click.echo(interrupted_sentence(recorded) if recorded is not None else "Interrupted.", err=True)
    return ExitCode.INTERRUPTED


if __name__ == "__main__":  # `python -m insarproj.cli.main`, as `python -m insarproj`
    main()
