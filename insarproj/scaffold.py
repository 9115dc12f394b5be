"""Creating a project folder: project.toml, its editor schema, .gitignore and an empty state.

Used by `insarproj init` (from a template) and `insarproj demo` (a generated project); and
recreating only the state of an existing project (`insarproj init --state-only`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from insarproj.errors import InsarprojError, StateError, UsageError
from insarproj.layout import PROJECT_FILE, STATE_DIR
from insarproj.state import State, StateStore

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
    from insarproj.config.load import load_project, parse_project_text
    from insarproj.fsutil import atomic_write_text
    from insarproj.schema_gen import render

    root = Path(root)
    config_path = root / PROJECT_FILE
    state_dir = root / STATE_DIR
    for existing in (config_path, state_dir / "state.json"):
        if existing.exists():
            raise UsageError(
                f"{existing} already exists; refusing to overwrite an existing project",
                hint="to recreate only a lost or unreadable state, run `insarproj init --state-only`",
            )
    # Validated before anything is written: a refused project leaves no folder behind.
    parse_project_text(text, source=str(config_path), project_root=root)
    root.mkdir(parents=True, exist_ok=True)
    atomic_write_text(state_dir / "project.schema.json", render("project"))
    atomic_write_text(config_path, text)
    project = load_project(root)
    gitignore = root / ".gitignore"
    if not gitignore.exists():
        atomic_write_text(gitignore, GITIGNORE.format(data=project.config.paths.data.strip("/")))
    StateStore(state_dir).create()
    return project


@dataclass
class RecreatedState:
    """What `init --state-only` did: the new state, where it came from, the files kept aside."""

    state: State
    source: str  # "fresh" or "backup"
    kept_aside: list[Path] = field(default_factory=list)


def recreate_state(root: Path, *, force: bool = False, from_backup: bool = False) -> RecreatedState:
    """`insarproj init --state-only`: the way back from a lost or unreadable state.

    Writes a state for the existing project in ``root``: empty with a new lineage (the next apply
    adopts HyP3 jobs by identity and verified files on disk), or, ``from_backup``, the previous
    copy `state.json.backup`. A readable state is never replaced; an unreadable one only with
    ``force`` (or ``from_backup``). Replaced files are kept as `<name>.broken-<time>`, never deleted.
    Holds the project lock, so no apply runs meanwhile.
    """
    from insarproj.fsutil import atomic_write_bytes, atomic_write_text
    from insarproj.lock import ProjectLock
    from insarproj.schema_gen import render

    root = Path(root)
    config_path = root / "project.toml"
    if not config_path.exists():
        raise UsageError(
            f"{config_path} does not exist; `insarproj init --state-only` recreates the state of an "
            "existing project",
            hint="create a new project with `insarproj init`",
        )
    store = StateStore(root / STATE_DIR)
    with ProjectLock(store.dir, command="init --state-only"):
        _refuse_replacing(store, force=force, from_backup=from_backup)
        backup = _checked_backup(store) if from_backup else None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = [_keep_aside(path, stamp) for path in [store.path, *store.journal_files()] if path.exists()]
        if backup is not None:
            atomic_write_bytes(store.path, store.backup_path.read_bytes())
            state = store.load()
        else:
            state = store.create()
        schema_path = store.dir / "project.schema.json"
        if not schema_path.exists():
            atomic_write_text(schema_path, render("project"))
    return RecreatedState(state=state, source="backup" if backup is not None else "fresh", kept_aside=kept)


def _refuse_replacing(store: StateStore, *, force: bool, from_backup: bool) -> None:
    """Refuse to replace a readable state, and an unreadable one without --force / --from-backup."""
    if not store.path.exists():
        return
    try:
        state = store.load()
    except InsarprojError as exc:
        if force or from_backup:
            return
        raise StateError(
            f"{store.path} cannot be read ({exc.message.rstrip('.')})",
            hint="add --force to keep the unreadable files as *.broken-<time> and start a fresh state"
            + (", or --from-backup to start from the previous copy" if store.backup_path.exists() else ""),
        ) from exc
    raise StateError(
        f"{store.path} is readable (serial {state.serial}, {len(state.resources)} resources); "
        "refusing to replace a working state",
        hint="to start over anyway, move .insarproj/state.json and its journal files aside first",
    )


def _checked_backup(store: StateStore) -> State:
    try:
        return store.load_backup()
    except InsarprojError as exc:
        raise StateError(
            f"the backup cannot be used ({exc.message.rstrip('.')})",
            hint="restore .insarproj with `git checkout -- .insarproj` if it was committed, or start a fresh "
            "state with `insarproj init --state-only --force`",
        ) from exc


def _keep_aside(path: Path, stamp: str) -> Path:
    """Rename ``path`` to `<name>.broken-<stamp>` (a free name), so nothing is ever lost."""
    target = path.with_name(f"{path.name}.broken-{stamp}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.name}.broken-{stamp}-{counter}")
    os.replace(path, target)
    return target
