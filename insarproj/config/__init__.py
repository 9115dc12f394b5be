"""project.toml: its model (``model``), its loader (``load``) and the AOI geometry (``aoi``).

The names below are imported on first use, so ``import insarproj.config`` stays cheap for the CLI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from insarproj.lazyexports import lazy_exports

if TYPE_CHECKING:
    from insarproj.config.load import (
        PROJECT_FILE,
        STATE_DIR,
        ConfigProblems,
        Project,
        load_project,
        parse_project_text,
    )
    from insarproj.config.model import (
        Hyp3Config,
        IsceConfig,
        ProjectConfig,
        SlurmConfig,
        project_json_schema,
    )

_EXPORTS = {
    "PROJECT_FILE": ".load",
    "STATE_DIR": ".load",
    "ConfigProblems": ".load",
    "Project": ".load",
    "load_project": ".load",
    "parse_project_text": ".load",
    "Hyp3Config": ".model",
    "IsceConfig": ".model",
    "ProjectConfig": ".model",
    "SlurmConfig": ".model",
    "project_json_schema": ".model",
}

__all__ = [
    "PROJECT_FILE",
    "STATE_DIR",
    "ConfigProblems",
    "Hyp3Config",
    "IsceConfig",
    "Project",
    "ProjectConfig",
    "SlurmConfig",
    "load_project",
    "parse_project_text",
    "project_json_schema",
]


__getattr__ = lazy_exports(__name__, _EXPORTS)
