"""`init`, `validate`, `schema`: create and check a project folder without touching the network."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from insarproj.cli.context import AppContext
from insarproj.errors import ExitCode

if TYPE_CHECKING:
    from insarproj.config.model import ProjectConfig

TEMPLATES = ("hyp3-insar", "hyp3-burst", "isce-stack", "download", "aria")


def _safe_name(folder: Path) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", folder.resolve().name).strip("-.") or "insar-project"
    return name[:100]


@click.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "-t",
    "--template",
    type=click.Choice(TEMPLATES),
    default="hyp3-insar",
    show_default=True,
    help="Starting point: HyP3 INSAR_GAMMA, HyP3 multi-burst, local ISCE2 topsStack, download only, "
    "or ready-made ARIA GUNW products.",
)
@click.option("--name", help="Project name (the HyP3 job name). Default: the folder name.")
@click.option(
    "--state-only",
    is_flag=True,
    help="In an existing project whose state is lost or unreadable: write a fresh state (new lineage); "
    "the next apply adopts HyP3 jobs and files already there.",
)
@click.option(
    "--from-backup",
    is_flag=True,
    help="With --state-only: start from the previous copy .insarproj/state.json.backup instead of an "
    "empty state.",
)
@click.option(
    "--force",
    is_flag=True,
    help="With --state-only: replace an unreadable state (its files are kept as *.broken-<time>).",
)
@click.pass_context
def init(
    ctx: click.Context,
    directory: Path | None,
    template: str,
    name: str | None,
    state_only: bool,
    from_backup: bool,
    force: bool,
) -> None:
    """Create a project: project.toml from a template, .gitignore and an empty state.

    Refuses to overwrite an existing project. With --state-only, recreates only the state of an
    existing project (the way back from a lost or unreadable .insarproj/).
    """
    app: AppContext = ctx.obj
    root = Path(directory) if directory is not None else app.project_dir
    if state_only:
        _refuse_template_options(ctx)
        _init_state_only(app, root, force=force, from_backup=from_backup)
        return
    if force or from_backup:
        raise click.UsageError("--force and --from-backup go with --state-only")
    from insarproj.config.model import PROJECT_NAME_RE
    from insarproj.scaffold import create_project

    config_path = root / "project.toml"
    project_name = name or _safe_name(root)
    if not PROJECT_NAME_RE.match(project_name):  # before it is put into TOML text
        raise click.BadParameter(
            f"{project_name!r} is not a valid project name: use 1 to 100 characters of letters, "
            "digits, '.', '_' or '-' (it becomes the HyP3 job name of every job)",
            param_hint="--name",
        )
    from importlib.resources import files  # here: its imports cost every other command's start-up

    text = (files("insarproj.templates") / f"{template}.toml").read_text(encoding="utf-8")
    create_project(root, text.replace("{name}", project_name))
    app.info(f"Created {config_path} from template {template!r} (project name {project_name!r}).")
    app.info("Next: edit project.toml, then run `insarproj plan`.")


def _refuse_template_options(ctx: click.Context) -> None:
    for option in ("template", "name"):
        if ctx.get_parameter_source(option) is not click.core.ParameterSource.DEFAULT:
            raise click.UsageError(
                f"--{option} does not go with --state-only (project.toml is kept as it is)"
            )


def _init_state_only(app: AppContext, root: Path, *, force: bool, from_backup: bool) -> None:
    from insarproj.scaffold import recreate_state

    result = recreate_state(root, force=force, from_backup=from_backup)
    for path in result.kept_aside:
        app.info(f"Kept {path.name} (the previous file) in {path.parent}.")
    state = result.state
    if result.source == "backup":
        app.info(
            f"Restored the state from the backup: serial {state.serial}, {len(state.resources)} resources."
        )
    else:
        app.info(f"Created a fresh state (lineage {state.lineage}).")
    app.info(
        "Next: `insarproj plan` shows what apply does; apply adopts the HyP3 jobs of this project "
        "(by identity, never submitting twice) and files already in the data folder."
    )


@click.command()
@click.pass_obj
def validate(app: AppContext) -> int:
    """Check project.toml and the state file; no network. Lists every problem of project.toml."""
    from insarproj.config.load import ConfigProblems

    ws = app.workspace()
    try:
        project = ws.project
    except ConfigProblems as exc:
        # plan and apply stop at the first problem; validate is where a user fixes them all at once.
        for problem in exc.problems:
            click.echo(f"Error: {problem}", err=True)
        count = len(exc.problems)
        click.echo(f"{count} problem{'s' if count > 1 else ''} in {exc.file}.", err=True)
        return ExitCode.ERROR
    state = ws.load_state()
    config = project.config
    minx, miny, maxx, maxy = project.aoi.bounds
    click.echo(
        f"{project.config_path.name} is valid: project {config.project.name!r}, "
        f"processor {config.processor.kind}, "
        f"{config.search.product} {config.search.start}…{config.search.end}, "
        f"AOI {minx:.3f},{miny:.3f},{maxx:.3f},{maxy:.3f}; "
        f"state serial {state.serial} with {len(state.resources)} resources."
    )
    code: int = ExitCode.OK
    if config.processor.kind == "isce":
        code = _report_topsstack(config, project.config_path.parent)
    if config.mintpy.enabled and config.mintpy.run:
        _report_mintpy(config.mintpy.command, project.config_path.parent)
    return code


def _report_mintpy(command: str, project_dir: Path) -> None:
    """Say whether smallbaselineApp.py is there for [mintpy] run = true (docs/mintpy.md)."""
    from insarproj.mintpy.run import find_mintpy

    found = find_mintpy(command, base=project_dir)
    click.echo(f"{'' if found.found else 'Warning: '}{found.summary()}.", err=not found.found)


def _report_topsstack(config: ProjectConfig, project_dir: Path) -> int:
    """Say whether the real ISCE2 topsStack is there (a warning only when it is not) and whether
    the one found accepts every option this project passes (docs/isce.md "Finding ISCE2")."""
    from insarproj.config.isce import IsceConfig
    from insarproj.isce.discover import check_found, find_topsstack

    isce = config.processor.isce or IsceConfig.model_validate({})
    found = find_topsstack(isce.topsstack_dir, base=project_dir)
    if not found.found:
        click.echo(f"Warning: {found.summary()}.", err=True)
        return ExitCode.OK
    click.echo(f"ISCE2: {found.summary()}.")
    problems, how = check_found(isce, found)
    for problem in problems:
        click.echo(f"Error: {problem}.", err=True)
    if problems:
        return ExitCode.ERROR
    click.echo(f"stackSentinel.py options: {how}.")
    return ExitCode.OK


@click.command()
@click.argument("which", type=click.Choice(["project", "state", "plan"]), default="project")
@click.pass_obj
def schema(app: AppContext, which: str) -> None:
    """Print the JSON Schema of project.toml, the state file or a saved plan."""
    from insarproj.schema_gen import render

    click.echo(render(which), nl=False)


COMMANDS = [init, validate, schema]
