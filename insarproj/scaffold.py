"""Creating a project folder: project.toml, its editor schema, .gitignore and an empty state.

Used by `insarproj init` (from a template) and `insarproj demo` (a generated project).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from insarproj.errors import UsageError

GITIGNORE = """\
# insarproj: data is re-creatable and large; observations and the lock are machine-local.
/{data}/
/.insarproj/observed.json
/.insarproj/lock
/.insarproj/lock.info.json
*.part
"""


def create_project(root: Path, text: str) -> Any:
    """Write a project whose project.toml is `text`; refuses to overwrite, leaves nothing behind
    when `text` does not validate. Returns the loaded project."""
    from insarproj.config.load import load_project
    from insarproj.fsutil import atomic_write_text
    from insarproj.schema_gen import render
    from insarproj.state import StateStore

    root = Path(root)
    config_path = root / "project.toml"
    state_dir = root / ".insarproj"
    for existing in (config_path, state_dir / "state.json"):
        if existing.exists():
            raise UsageError(f"{existing} already exists; refusing to overwrite an existing project")
    root.mkdir(parents=True, exist_ok=True)
    atomic_write_text(state_dir / "project.schema.json", render("project"))
    atomic_write_text(config_path, text)
    try:
        project = load_project(root)
    except Exception:
        config_path.unlink(missing_ok=True)
        raise
    gitignore = root / ".gitignore"
    if not gitignore.exists():
        atomic_write_text(gitignore, GITIGNORE.format(data=project.config.paths.data.strip("/")))
    StateStore(state_dir).create()
    return project
