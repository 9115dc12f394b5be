"""HyP3 job specs: job types, their parameters and defaults.

Everything here is read from the HyP3 files shipped in ``insarproj/data/hyp3/`` (verbatim job specs
of the hyp3 repository and the rendered tables of the production deployment), so following a HyP3
release means replacing those files, not editing code. Every start-up reads the job specs (the
``[processor.hyp3]`` model is built from them), so it reads ``job_specs.json``: the parts of the
YAML job specs used here, generated from them by ``python -m insarproj.hyp3spec`` (a test fails
when it is not current), which spares every command importing PyYAML and parsing YAML. Credit
costs are read by one reader, ``insarproj.hyp3.models.CostTable`` (the live ``/costs`` answer or
the bundled ``costs_EDC.json``).
"""

from __future__ import annotations

import difflib
import functools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

__all__ = [
    "JobSpec",
    "ParamSpec",
    "ParameterError",
    "format_value",
    "job_types",
    "load_job_spec",
    "pair_job_types",
]

_TYPE_WORDS = {
    "boolean": "true or false",
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "array": "a list",
}


class ParameterError(ValueError):
    """A HyP3 job parameter is unknown or has a value its job spec does not allow."""

    def __init__(self, message: str, *, parameter: str | None = None, hint: str | None = None) -> None:
        super().__init__(message if hint is None else f"{message}: {hint}")
        self.message = message
        self.parameter = parameter
        self.hint = hint


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a HyP3 job type, as its job spec's ``api_schema`` describes it."""

    name: str
    type: str
    default: Any | None
    enum: tuple[Any, ...] | None
    minimum: float | None
    maximum: float | None
    description: str
    is_input: bool
    item_pattern: str | None = None  # for inputs: the regular expression granule names match

    def check(self, value: Any) -> None:
        """Raise ParameterError saying what is allowed unless ``value`` fits this parameter."""
        if not _has_type(value, self.type):
            raise ParameterError(
                f"`{self.name}` must be {_TYPE_WORDS.get(self.type, self.type)}, got {format_value(value)}",
                parameter=self.name,
                hint=self.allowed_text() if self._constrained() else None,
            )
        if self.enum is not None and value not in self.enum:
            close = difflib.get_close_matches(str(value), [str(v) for v in self.enum], n=1)
            hint = f"did you mean {format_value(close[0])}? " if close else ""
            raise ParameterError(
                f"`{self.name}` = {format_value(value)} is not allowed",
                parameter=self.name,
                hint=f"{hint}allowed values are {', '.join(format_value(v) for v in self.enum)}",
            )
        below = self.minimum is not None and value < self.minimum
        above = self.maximum is not None and value > self.maximum
        if self.type in ("number", "integer") and (below or above):
            raise ParameterError(
                f"`{self.name}` = {format_value(value)} is out of range",
                parameter=self.name,
                hint=self.allowed_text(),
            )

    def _constrained(self) -> bool:
        return self.enum is not None or self.minimum is not None or self.maximum is not None

    def allowed_text(self) -> str:
        """Say in words which values are allowed, e.g. ``a number from 0.0 to 1.0``."""
        if self.enum is not None:
            return f"allowed values are {', '.join(format_value(v) for v in self.enum)}"
        text = _TYPE_WORDS.get(self.type, self.type)
        if self.minimum is not None and self.maximum is not None:
            return f"use {text} from {self.minimum} to {self.maximum}"
        if self.minimum is not None:
            return f"use {text} of at least {self.minimum}"
        if self.maximum is not None:
            return f"use {text} of at most {self.maximum}"
        return f"use {text}"


@dataclass(frozen=True)
class JobSpec:
    """A HyP3 job type: its parameters (granule inputs included) and the required ones."""

    job_type: str
    parameters: dict[str, ParamSpec]
    required: tuple[str, ...]

    @property
    def input_product(self) -> str:
        """ "BURST" when the job takes burst granules, else "SLC" (read from the input name patterns)."""
        patterns = [p.item_pattern or "" for p in self.parameters.values() if p.is_input]
        return "BURST" if any("BURST" in pattern for pattern in patterns) else "SLC"

    def user_parameters(self) -> dict[str, ParamSpec]:
        """The parameters a user chooses (the granule inputs are set by insarproj from the pairs)."""
        return {name: spec for name, spec in self.parameters.items() if not spec.is_input}

    def defaults(self) -> dict[str, Any]:
        """The default of every user parameter that has one."""
        return {
            name: spec.default for name, spec in self.user_parameters().items() if spec.default is not None
        }

    def check_parameter(self, name: str, value: Any, *, extra_names: tuple[str, ...] = ()) -> None:
        """Raise ParameterError unless ``name`` is a user parameter of this type and ``value`` fits it.

        This is the one hand-written rule set for job parameters; project.toml is checked with it
        when it loads, and ``POST /jobs`` bodies against HyP3's OpenAPI schema when they are sent.
        ``extra_names`` are other keys valid beside the parameters (for the did-you-mean).
        """
        spec = self.user_parameters().get(name)
        if spec is None:
            raise self.unknown_parameter(name, extra_names=extra_names)
        spec.check(value)

    def with_defaults(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """``params`` (already checked) with the defaults of the parameters they leave out, sorted by name."""
        merged = {**self.defaults(), **params}
        return {name: merged[name] for name in sorted(merged)}

    def unknown_parameter(self, name: str, *, extra_names: tuple[str, ...] = ()) -> ParameterError:
        """The error for a name that is not a user parameter of this job type."""
        if name in self.parameters:
            return ParameterError(
                f"`{name}` is an input of {self.job_type} jobs, not a parameter",
                parameter=name,
                hint="insarproj fills it in from the pairs of the project; remove it",
            )
        names = sorted(self.user_parameters()) + list(extra_names)
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        if close:
            hint = f"did you mean `{close[0]}`?"
        else:
            hint = f"the parameters of {self.job_type} are {', '.join(sorted(self.user_parameters()))}"
        return ParameterError(
            f"unknown parameter `{name}` for job type {self.job_type}", parameter=name, hint=hint
        )


# Package data read as plain files (importlib.resources costs every start-up its imports).
DATA = Path(__file__).resolve().parent / "data" / "hyp3"
JOB_SPECS_JSON = DATA / "job_specs.json"


@functools.cache
def _job_specs() -> dict[str, Any]:
    """The job specs as ``job_specs.json`` has them: {job type: the YAML document's used parts}."""
    specs: dict[str, Any] = json.loads(JOB_SPECS_JSON.read_text(encoding="utf-8"))
    return specs


@functools.cache
def job_types() -> list[str]:
    """The HyP3 job types insarproj supports: one per job spec shipped in ``data/hyp3/job_spec``."""
    return sorted(_job_specs())


@functools.cache
def pair_job_types() -> list[str]:
    """The job types made from granule lists (INSAR_*): the choices of `[processor.hyp3] job_type`.
    The others (ARIA_S1_GUNW: two dates and a frame) are submitted by their own processor
    (docs/aria.md, "On demand")."""
    return [
        t
        for t in job_types()
        if any(p.type == "array" for p in load_job_spec(t).parameters.values() if p.is_input)
    ]


def load_job_spec(job_type: str) -> JobSpec:
    """The parsed job spec of ``job_type`` (cached); ValueError naming the supported types otherwise."""
    if job_type not in job_types():
        close = difflib.get_close_matches(job_type, job_types(), n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise ParameterError(
            f"unknown HyP3 job type {job_type!r}",
            parameter="job_type",
            hint=f"{hint}supported job types are {', '.join(job_types())}",
        )
    return _load_job_spec(job_type)


@functools.cache
def _load_job_spec(job_type: str) -> JobSpec:
    document = _job_specs()[job_type]
    required = tuple(document.get("required_parameters", ()))
    parameters: dict[str, ParamSpec] = {}
    for name, body in document.get("parameters", {}).items():
        schema = body["api_schema"]
        enum = schema.get("enum")
        parameters[name] = ParamSpec(
            name=name,
            type=schema["type"],
            default=schema.get("default"),
            enum=tuple(enum) if enum is not None else None,
            minimum=schema.get("minimum"),
            maximum=schema.get("maximum"),
            description=schema.get("description") or schema.get("items", {}).get("description", ""),
            # Inputs are the granule lists a job is made from: required, or lists of names with no default.
            is_input=name in required or (schema["type"] == "array" and "default" not in schema),
            item_pattern=schema.get("items", {}).get("pattern"),
        )
    return JobSpec(job_type=job_type, parameters=parameters, required=required)


def job_specs_from_yaml() -> dict[str, Any]:
    """What ``job_specs.json`` holds, read from the verbatim YAML job specs in ``data/hyp3/job_spec``:
    per job type its required parameters and each parameter's ``api_schema``, in the YAML's order."""
    import yaml

    specs: dict[str, Any] = {}
    for path in sorted((DATA / "job_spec").glob("*.yml")):
        job_type = path.name.removesuffix(".yml")
        # libyaml's safe loader when PyYAML has it, else the pure-Python one (same documents).
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)[job_type]
        used: dict[str, Any] = {}
        if "required_parameters" in document:
            used["required_parameters"] = document["required_parameters"]
        used["parameters"] = {
            name: {"api_schema": body["api_schema"]} for name, body in document.get("parameters", {}).items()
        }
        specs[job_type] = used
    return specs


def job_specs_json() -> str:
    """The text ``job_specs.json`` must have (``python -m insarproj.hyp3spec`` writes it)."""
    return json.dumps(job_specs_from_yaml(), indent=1, ensure_ascii=False) + "\n"


def _has_type(value: Any, kind: str) -> bool:
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "number":
        if not isinstance(value, int | float) or isinstance(value, bool):
            return False
        try:
            return math.isfinite(value)
        except OverflowError:  # an integer beyond the range of a float (TOML integers are unbounded)
            return False
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list | tuple)
    return True


def format_value(value: Any) -> str:
    """A value as it is written in TOML (strings quoted, booleans lower case, dates bare), kept short."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = json.dumps(value)
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, list | tuple):
        text = "[" + ", ".join(format_value(v) for v in value) + "]"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k} = {format_value(v)}" for k, v in value.items()) + "}"
    else:
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


if __name__ == "__main__":  # regenerate data/hyp3/job_specs.json after replacing the YAML job specs
    JOB_SPECS_JSON.write_text(job_specs_json(), encoding="utf-8")
    print(f"wrote {JOB_SPECS_JSON}")
