"""`suggest --write`: put the chosen tracks into project.toml's [search], keeping everything else.

The file is edited with tomlkit (style-preserving: comments, order and layout survive; the project's
own writer, tomli-w, would drop every comment), the whole result is validated exactly as `validate`
reads a project, and only then replaces the file atomically. On any problem nothing changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from insarproj.errors import ConfigError
from insarproj.fsutil import atomic_write_text
from insarproj.suggest.rank import TrackSuggestion


def tracks_text(text: str, chosen: Sequence[TrackSuggestion]) -> str:
    """project.toml ``text`` with ``[search]`` set to the chosen tracks (relative_orbits, and
    flight_direction when they share one; otherwise flight_direction is removed)."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise ConfigError(f"project.toml cannot be edited: {exc}", hint="fix the TOML first") from None
    search: Any = document.get("search")
    if search is None:
        search = tomlkit.table()
        document["search"] = search
    directions = {t.flight_direction for t in chosen}
    _set(search, "relative_orbits", sorted({t.relative_orbit for t in chosen}))
    if len(directions) == 1:
        _set(search, "flight_direction", directions.pop())
    elif "flight_direction" in search:
        del search["flight_direction"]
    return tomlkit.dumps(document)


def _set(table: Any, key: str, value: Any) -> None:
    """Set ``key``, keeping the end-of-line comment (and its spacing) of the value it replaces."""
    import tomlkit

    old = table.get(key)
    item = tomlkit.item(value)
    trivia = getattr(old, "trivia", None)
    if trivia is not None and trivia.comment:
        item.trivia.comment_ws = trivia.comment_ws
        item.trivia.comment = trivia.comment
    table[key] = item


def write_tracks(config_path: Path, chosen: Sequence[TrackSuggestion]) -> str:
    """Edit ``config_path`` for the chosen tracks; returns the new text.

    Raises:
        ConfigError: the edited project would not validate (the message says why); the file is
            left untouched.
    """
    from insarproj.config.load import parse_project_text

    text = config_path.read_text(encoding="utf-8")
    edited = tracks_text(text, chosen)
    try:
        parse_project_text(edited, source=str(config_path), project_root=config_path.parent)
    except ConfigError as exc:
        raise ConfigError(
            f"project.toml was not changed: with the suggested tracks it would not validate ({exc})",
            file=str(config_path),
            hint="fix project.toml (see `insarproj validate`) and run suggest --write again",
        ) from None
    atomic_write_text(config_path, edited, rerun="insarproj suggest --write")
    return edited
