"""`init`, `validate`, `schema`: create and check a project folder without touching the network."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

import click

from insarproj.cli.main import AppContext

TEMPLATES = ("hyp3-insar", "hyp3-burst", "isce-stack", "download")
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
    help="Starting point: HyP3 INSAR_GAMMA, HyP3 multi-burst, local ISCE2 topsStack, or download only.",
)
@click.option("--name", help="Project name (the HyP3 job name). Default: the folder name.")
@click.pass_obj
def init(app: AppContext, directory: Path | None, template: str, name: str | None) -> None:
    """Create a project: project.toml from a template, .gitignore and an empty state.

    Refuses to overwrite an existing project.
    """
    from insarproj.scaffold import create_project

    root = Path(directory) if directory is not None else app.project_dir
    config_path = root / "project.toml"
    project_name = name or _safe_name(root)
    text = (files("insarproj.templates") / f"{template}.toml").read_text(encoding="utf-8")
    create_project(root, text.replace("{name}", project_name))
    app.info(f"Created {config_path} from template {template!r} (project name {project_name!r}).")
    app.info("Next: edit project.toml, then run `insarproj plan`.")


@click.command()
@click.pass_obj
def validate(app: AppContext) -> None:
    """Check project.toml and the state file; no network."""
    ws = app.workspace()
    project = ws.project
    state = ws.load_state()
    config = project.config
    minx, miny, maxx, maxy = project.aoi.bounds
    click.echo(
        f"{project.config_path.name} is valid: project {config.project.name!r}, processor {config.processor.kind}, "
        f"{config.search.product} {config.search.start}…{config.search.end}, AOI {minx:.3f},{miny:.3f},{maxx:.3f},{maxy:.3f}; "
        f"state serial {state.serial} with {len(state.resources)} resources."
    )


@click.command()
@click.argument("which", type=click.Choice(["project", "state", "plan"]), default="project")
@click.pass_obj
def schema(app: AppContext, which: str) -> None:
    """Print the JSON Schema of project.toml, the state file or a saved plan."""
    from insarproj.schema_gen import render

    click.echo(render(which), nl=False)


COMMANDS = [init, validate, schema]
