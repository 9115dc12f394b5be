"""Turn pydantic validation errors of project.toml into ConfigErrors: one sentence, file, line, key, fix."""

from __future__ import annotations

import difflib
import re
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from insarproj.config.model import ProjectConfig
from insarproj.config.problems import FieldProblem, KeyPath
from insarproj.config.toml_lines import line_of
from insarproj.errors import ConfigError
from insarproj.hyp3spec import format_value

_TYPE_WORDS = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "a string in quotes",
    "list_type": "a list, like [a, b]",
    "tuple_type": "a list of two dates",
    "date_type": "a TOML date, like 2021-01-01",
    "date_parsing": "a TOML date, like 2021-01-01",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "dict_type": "a table",
}
# A number outside its bounds: the key's description says the allowed range and the default.
_BOUND_ERRORS = ("greater_than", "greater_than_equal", "less_than", "less_than_equal", "finite_number")
_SHOULD = re.compile(r"^(Input|List|Value|String|Tuple|Dictionary) should (be |have )?")


@dataclass(frozen=True)
class Problem:
    """One problem of a config file, before it is given a file name."""

    message: str
    key: str | None
    line: int | None
    hint: str | None

    def error(self, source: str) -> ConfigError:
        return ConfigError(self.message, file=source, line=self.line, key=self.key, hint=self.hint)


def config_problems(
    exc: ValidationError, *, lines: dict[KeyPath, int], prefix: KeyPath = ()
) -> list[Problem]:
    """One Problem per pydantic error: those with a line first, in file order, missing keys last.

    ``prefix`` is the key path of the validated model inside project.toml (``("search",)`` when a
    table model was validated on its own).
    """
    converted = [
        (error["type"] == "missing", _convert(error, lines=lines, prefix=prefix)) for error in exc.errors()
    ]
    # A missing key is often the consequence of a mistyped one: report the typo first.
    converted.sort(key=lambda item: (item[1].line is None, item[0], item[1].line or 0))
    return [problem for _, problem in converted]


def table_error(exc: ValidationError, *, table: str) -> ConfigError:
    """The first problem of one table's model validated outside a file, as a ConfigError naming its key."""
    first = config_problems(exc, lines={}, prefix=(table,))[0]
    return ConfigError(first.message, key=first.key, hint=first.hint)


def _convert(error: ErrorDetails, *, lines: dict[KeyPath, int], prefix: KeyPath = ()) -> Problem:
    loc: KeyPath = (*prefix, *error["loc"])
    kind = error["type"]
    value = error.get("input")
    cause = (error.get("ctx") or {}).get("error")
    hint: str | None = None
    if isinstance(cause, FieldProblem):
        loc = (*loc, *cause.key)
        message, hint = cause.message, cause.hint
    elif kind == "extra_forbidden":
        message, hint = _unknown_key(loc)
    elif kind == "missing":
        message, hint = _missing(loc)
    elif kind == "literal_error":
        message, hint = _not_allowed(loc, value, error)
    elif kind in ("float_type", "float_parsing") and isinstance(value, int) and not isinstance(value, bool):
        message = f"{_describe(value)} is too large for a number"  # only ints beyond a float's range fail
        field = _field_at(loc)
        hint = field.description if field else None
    elif kind in _TYPE_WORDS:
        message = f"must be {_TYPE_WORDS[kind]}, got {_describe(value)}"
        hint = _type_hint(kind, loc, value)
    elif kind == "string_pattern_mismatch":
        field = _field_at(loc)
        message = f"{format_value(value)} does not have the expected form"
        hint = field.description if field else None
    elif kind == "value_error":
        message = str(cause) if cause is not None else error["msg"].removeprefix("Value error, ")
    else:
        text = _SHOULD.sub(lambda m: "must " + (m.group(2) or "be "), error["msg"])
        text = re.sub(r" after validation, not \d+$", "", text)
        message = f"{text}, got {_describe(value)}"
        if kind in _BOUND_ERRORS:
            field = _field_at(loc)
            hint = field.description if field else None
    return Problem(message, key=format_key(loc) or None, line=line_of(lines, loc), hint=hint)


def format_key(loc: KeyPath) -> str:
    """``("search", "relative_orbits", 1)`` -> ``search.relative_orbits[1]``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else f'"{part}"'
            text += f".{name}" if text else name
    return text


def _table_name(loc: KeyPath) -> str:
    keys = [p for p in loc if isinstance(p, str)]
    return f"[{'.'.join(keys)}]" if keys else "the top level"


def _unknown_key(loc: KeyPath) -> tuple[str, str]:
    name = str(loc[-1])
    parent = loc[:-1]
    model = _model_at(parent)
    allowed = sorted(model.model_fields) if model is not None else []
    what = "section" if not parent else "key"
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown {what} `{name}`", f"did you mean `{close[0]}`?"
    where = _table_name(parent)
    return f"unknown {what} `{name}`", f"the {what}s allowed in {where} are {', '.join(allowed)}"


def _missing(loc: KeyPath) -> tuple[str, str | None]:
    field = _field_at(loc)
    name = str(loc[-1])
    description = field.description if field else None
    if field is not None and _model_in(field.annotation) is not None:
        purpose = re.sub(r"^\[[^\]]*\]:\s*", "", description or "").rstrip(".")
        return f"the [{format_key(loc)}] table is missing", f"add a [{format_key(loc)}] table ({purpose})"
    where = _table_name(loc[:-1])
    return (
        f"`{name}` is missing",
        f"add it to {where}: {description}" if description else f"add it to {where}",
    )


def _not_allowed(loc: KeyPath, value: Any, error: ErrorDetails) -> tuple[str, str]:
    field = _field_at(loc)
    allowed = _literal_values(field.annotation) if field else []
    if not allowed:
        expected = str((error.get("ctx") or {}).get("expected", ""))
        return f"{format_value(value)} is not allowed", f"use {expected}"
    close = difflib.get_close_matches(str(value), [str(a) for a in allowed], n=1, cutoff=0.6)
    listed = ", ".join(format_value(a) for a in allowed)
    hint = (
        f"did you mean {format_value(close[0])}? The allowed values are {listed}"
        if close
        else (f"the allowed values are {listed}")
    )
    return f"{format_value(value)} is not allowed", hint


def _type_hint(kind: str, loc: KeyPath, value: Any) -> str | None:
    if kind in ("date_type", "date_parsing") and isinstance(value, str):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            return f"write TOML dates without quotes: {value.strip()} rather than {format_value(value)}"
        return "write a date as YYYY-MM-DD without quotes, e.g. 2021-01-01"
    if kind in ("date_type", "date_parsing") and hasattr(value, "hour"):
        return "give a date only, without a time"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"write it as a {_table_name(loc)} table with key = value lines below it"
    if kind == "string_type":
        return "put the value in double quotes"
    if kind in ("int_type", "float_type") and isinstance(value, str):
        return "write numbers without quotes"
    if kind == "bool_type":
        return "write true or false without quotes"
    return None


def _describe(value: Any) -> str:
    kind = {str: "the string", bool: "the boolean", int: "the integer", float: "the number"}.get(type(value))
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return f"the list {format_value(value)}"
    if hasattr(value, "hour"):
        return f"the date-time {value.isoformat()}"
    return f"{kind} {format_value(value)}" if kind else format_value(value)


# -- walking the model along an error location


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _model_at(loc: KeyPath) -> type[BaseModel] | None:
    model: type[BaseModel] | None = ProjectConfig
    for part in loc:
        if isinstance(part, int):
            continue
        if model is None or part not in model.model_fields:
            return None
        model = _model_in(model.model_fields[part].annotation)
    return model


def _field_at(loc: KeyPath) -> FieldInfo | None:
    keys = [p for p in loc if isinstance(p, str)]
    if not keys:
        return None
    model = _model_at(tuple(keys[:-1]))
    return model.model_fields.get(keys[-1]) if model is not None else None


def _literal_values(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) is typing.Literal:
        return list(typing.get_args(annotation))
    for arg in typing.get_args(annotation):
        found = _literal_values(arg)
        if found:
            return found
    return []
