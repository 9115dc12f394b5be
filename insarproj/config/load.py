"""Read project.toml into a :class:`Project`; every problem becomes one ConfigError.

No pydantic, tomllib or shapely exception leaves this module: each is turned into a
:class:`insarproj.errors.ConfigError` naming the file, the line, the key path and the fix.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from insarproj.config.model import ProjectConfig
from insarproj.config.nesting import MAX_NESTING, nesting_depth
from insarproj.config.problems import FieldProblem
from insarproj.config.toml_lines import first_deep_key, key_at_line, key_lines, line_of
from insarproj.errors import ConfigError

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

    from insarproj.config.messages import Problem

# The messages of config/messages.py and the key lines of project.toml are for a project.toml with
# a problem: both are made only then, so a valid project's load (every command's start) skips them.

__all__ = [
    "MAX_NESTING",
    "PROJECT_FILE",
    "STATE_DIR",
    "ConfigProblems",
    "Project",
    "load_project",
    "nesting_depth",
    "parse_project_text",
]

from insarproj.layout import PROJECT_FILE, STATE_DIR

_DATE_LIKE = re.compile(r"(?<![\w.-])\d{4}-\d{2}-\d{2}(?![\d.:-])")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'')
_TOML_POSITION = re.compile(r"\s*\(at (?:line (?P<line>\d+), column (?P<column>\d+)|end of document)\)\s*$")
_TOML_HINTS = (
    (
        "Invalid value",
        'a value is a number, true/false, a date, a "quoted string", a [list] or an inline table',
    ),
    ("Cannot overwrite", "each key and each [table] may appear only once"),
    ("Cannot declare", "each key and each [table] may appear only once"),
    ("Expected '=' after a key", "write key = value, one per line"),
    ("Expected ']' at the end of a table", "write a table header as [name] on its own line"),
    ("Expected newline or end of document", 'write one key = value per line, and "quote" text'),
    ("Unclosed array", "close the list with ]"),
    (
        "Illegal character",
        'close each string on the line where it starts (use """ for text over several lines)',
    ),
)


class ConfigProblems(ConfigError):
    """The first problem of a project.toml; ``problems`` holds all of them (for ``validate``)."""

    def __init__(self, problems: list[Problem], *, source: str) -> None:
        first = problems[0]
        more = len(problems) - 1
        hint = first.hint
        if more:
            suffix = f"(and {more} more problem{'s' if more > 1 else ''})"
            hint = f"{hint} {suffix}" if hint else suffix
        super().__init__(first.message, file=source, line=first.line, key=first.key, hint=hint)
        self.problems: tuple[ConfigError, ...] = tuple(p.error(source) for p in problems)


@dataclass(frozen=True)
class Project:
    """A loaded project folder: its root, its validated config and its AOI geometry."""

    root: Path
    config_path: Path
    config: ProjectConfig

    @property
    def aoi(self) -> BaseGeometry:
        """The AOI geometry, built on first use (cached by the config): a bbox AOI is checked while
        loading without one, so a plan that needs no geometry never imports shapely."""
        return self.config.aoi.geometry(self.root)

    @property
    def aoi_wkt(self) -> str:
        """The AOI as WKT; a bbox's without building a geometry (config/aoi.py, bbox_wkt)."""
        from insarproj.config.aoi import bbox_wkt

        bbox = self.config.aoi.bbox
        text = bbox_wkt(bbox) if bbox is not None else None
        return text if text is not None else str(self.aoi.wkt)

    @property
    def data_dir(self) -> Path:
        """Where data lives: ``[paths] data``, relative to the project root unless absolute."""
        path = Path(self.config.paths.data).expanduser()
        return path if path.is_absolute() else self.root / path

    @property
    def cache_dir(self) -> Path | None:
        """The shared cache folder of ``[paths] cache`` (relative paths are relative to the root), if set."""
        if self.config.paths.cache is None:
            return None
        path = Path(self.config.paths.cache).expanduser()
        return path if path.is_absolute() else self.root / path

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    def locate(self, error: ConfigError) -> ConfigError:
        """``error`` (raised after loading, naming a key such as ``search.max_results``) with this
        project's file and the line of that key, so it reads like any other project.toml error."""
        if error.file is not None or not error.key:
            return error
        path: tuple[str | int, ...] = tuple(
            int(part) if part.isdigit() else part for part in re.findall(r"[^.\[\]]+", error.key)
        )
        try:
            line = line_of(key_lines(self.config_path.read_text(encoding="utf-8")), path)
        except (OSError, UnicodeDecodeError):
            line = None
        message = error.message.split(f"{error.key}: ", 1)[-1]
        return ConfigError(message, file=str(self.config_path), line=line, key=error.key, hint=error.hint)


def load_project(project_dir: Path, *, filename: str = PROJECT_FILE) -> Project:
    """Read and validate ``project_dir/filename`` (``project_dir`` may also be the file itself)."""
    given = Path(project_dir).expanduser()
    config_path = given if given.is_file() else given / filename
    shown = str(config_path)
    if not config_path.is_file():
        raise ConfigError(
            f"there is no {config_path.name} in {config_path.parent}",
            file=shown,
            hint="run `insarproj init` to create a project there, or point at the project folder",
        )
    try:
        text = config_path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"the file is not UTF-8 text (byte {exc.start})", file=shown, hint="save it as UTF-8"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the file ({exc.strerror or exc})", file=shown) from None
    root = config_path.parent.resolve()
    project = parse_project_text(text, source=shown, project_root=root)
    return Project(root=root, config_path=config_path.resolve(), config=project.config)


def parse_project_text(text: str, *, source: str = PROJECT_FILE, project_root: Path) -> Project:
    """Validate project.toml text; a GeoJSON AOI file is read relative to ``project_root``."""
    text = text.removeprefix("\ufeff")
    root = Path(project_root)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(exc, text, source) from None
    except RecursionError:  # tomllib parses nested values recursively
        raise _too_deep(text, source) from None
    if nesting_depth(data) > MAX_NESTING:
        raise _too_deep(text, source)
    try:
        config = ProjectConfig.model_validate(data, context={"project_root": root})
    except ValidationError as exc:
        from insarproj.config.messages import config_problems

        raise ConfigProblems(config_problems(exc, lines=key_lines(text)), source=source) from None
    try:
        if config.aoi.bbox is None:  # a bbox is checked by the model; its polygon is built when used
            config.aoi.geometry(root)
    except FieldProblem as problem:
        from insarproj.config.messages import format_key

        loc = ("aoi", *problem.key)
        line = line_of(key_lines(text), loc)
        raise ConfigError(
            problem.message, file=source, line=line, key=format_key(loc), hint=problem.hint
        ) from None
    config_path = root / Path(source).name
    return Project(root=root, config_path=config_path, config=config)


def _impossible_date(text: str, line: int, source: str) -> ConfigError | None:
    """A date-shaped value on ``line`` that is no date (2021-13-01, 2021-02-30): tomllib reports it
    as a syntax error, which reads like a quoting problem; name the date and why instead."""
    lines = text.splitlines()
    if not 0 < line <= len(lines):
        return None
    from insarproj.config.messages import format_key

    unquoted = _QUOTED.sub('""', lines[line - 1].split("#", 1)[0])
    for found in _DATE_LIKE.finditer(unquoted):
        try:
            date.fromisoformat(found.group(0))
        except ValueError as exc:
            key = key_at_line(key_lines(text), line)
            while key and isinstance(key[-1], int):  # the list, not its item at the line's start
                key = key[:-1]
            return ConfigError(
                f"{found.group(0)} is not a valid date ({exc})",
                file=source,
                line=line,
                key=format_key(key) if key else None,
                hint="write a real calendar date as YYYY-MM-DD (month 01-12, a day that month has), "
                "e.g. 2021-12-01",
            )
    return None


def _too_deep(text: str, source: str) -> ConfigError:
    from insarproj.config.messages import format_key

    found = first_deep_key(key_lines(text), MAX_NESTING)
    key, line = found if found else (None, None)
    return ConfigError(
        f"tables and lists are nested more than {MAX_NESTING} levels deep",
        file=source,
        line=line,
        key=format_key(key) if key else None,
        hint="no key of project.toml needs more than two levels of brackets "
        '(pairs = [["2021-01-02", "2021-01-14"]]); remove the extra brackets, braces or dotted key parts',
    )


def _syntax_error(exc: tomllib.TOMLDecodeError, text: str, source: str) -> ConfigError:
    from insarproj.config.messages import format_key

    raw = str(exc)
    match = _TOML_POSITION.search(raw)
    message = _TOML_POSITION.sub("", raw) if match else raw
    line: int | None = None
    if match and match.group("line"):
        line = int(match.group("line"))
        impossible = _impossible_date(text, line, source)
        if impossible is not None:
            return impossible
        message += f" (column {match.group('column')})"
    elif match:
        line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
        message += " (at the end of the file)"
    key = key_at_line(key_lines(text), line) if line else None
    hint = next((h for start, h in _TOML_HINTS if message.startswith(start)), None)
    hint = f"{hint}; see https://toml.io" if hint else "fix the TOML syntax there; see https://toml.io"
    return ConfigError(
        f"TOML syntax error: {message[:1].lower()}{message[1:]}",
        file=source,
        line=line,
        key=format_key(key) if key else None,
        hint=hint,
    )
