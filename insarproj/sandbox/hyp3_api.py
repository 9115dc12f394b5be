"""HyP3's own API data, read the way the HyP3 API reads it: request validation, job types, defaults, prices.

Everything comes from the sandbox's copies of the deployment's rendered files in
``insarproj/data/sandbox/hyp3/api/`` (provenance in that folder's SOURCES.md), never from the
client's code or data: a bug in the client's validation or pricing must show up as a difference
against this stand-in, not be reproduced by it.

- Bodies and query values are checked with jsonschema against the OpenAPI spec itself, as HyP3's
  API does with openapi-core. ``openapi-spec.yml`` and ``job_parameters.yml`` ``$ref`` each other by
  relative path, so both are registered under one base URI and resolve offline. OpenAPI 3.0 schema
  objects are JSON Schema draft 4 plus ``nullable``, which becomes a ``"null"`` type here. Formats
  (``date-time``, ``uuid``) are not asserted: jsonschema's checkers for them need optional packages.
- Prices follow HyP3's ``dynamo.jobs._get_credit_cost``: walk the job type's ``cost_table`` one
  level per ``cost_parameters`` entry, keyed by list length for granule lists and by the integer
  string of an integral number (``"30"``, not ``"30.0"``), as HyP3's render_costs writes the keys.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

__all__ = [
    "api_errors",
    "default_parameters",
    "job_cost",
    "jobs_per_request",
    "known_job_types",
    "raw_costs",
]

SPEC_FILES: tuple[str, ...] = ("openapi-spec.yml", "job_parameters.yml")
# Never fetched: a fixed, invalid host so relative $refs between the two files have a base.
_BASE = "https://hyp3-spec.sandbox.invalid/"


def _api_file(name: str) -> Traversable:
    return resources.files("insarproj.data").joinpath("sandbox", "hyp3", "api", name)


def _openapi_to_jsonschema(node: Any) -> Any:
    if isinstance(node, dict):
        converted = {key: _openapi_to_jsonschema(value) for key, value in node.items()}
        if converted.pop("nullable", False) is True:
            if "type" in converted:
                kind = converted["type"]
                converted["type"] = [*kind, "null"] if isinstance(kind, list) else [kind, "null"]
            if "enum" in converted:
                converted["enum"] = [*converted["enum"], None]
        return converted
    if isinstance(node, list):
        return [_openapi_to_jsonschema(item) for item in node]
    return node


@functools.cache
def _registry() -> Any:
    import yaml
    from referencing import Registry
    from referencing.jsonschema import DRAFT4

    pairs = []
    for name in SPEC_FILES:
        document = yaml.safe_load(_api_file(name).read_text(encoding="utf-8"))
        pairs.append((_BASE + name, DRAFT4.create_resource(_openapi_to_jsonschema(document))))
    return Registry().with_resources(pairs)


def _schema(file: str, name: str) -> Any:
    """The contents of schema ``name`` in spec file ``file`` (``$ref``s not followed)."""
    return _registry().resolver().lookup(f"{_BASE}{file}#/components/schemas/{name}").contents


@functools.cache
def _validator(schema: str) -> Any:
    from jsonschema import Draft4Validator

    file, name = schema.split("#", 1) if "#" in schema else ("openapi-spec.yml", schema)
    if file not in SPEC_FILES:
        raise ValueError(f"unknown HyP3 spec file {file!r} in {schema!r}; use one of {', '.join(SPEC_FILES)}")
    ref = f"{_BASE}{file}#/components/schemas/{name}"
    registry = _registry()
    registry.resolver().lookup(ref)  # fail here, naming the schema, if it does not exist
    return Draft4Validator({"$ref": ref}, registry=registry)


@functools.cache
def known_job_types() -> tuple[str, ...]:
    """The job types of the deployment: the spec's ``job_type`` enum."""
    return tuple(_schema("job_parameters.yml", "job_type")["enum"])


@functools.cache
def jobs_per_request() -> int:
    """How many jobs one ``POST /jobs`` may hold: ``list_of_new_jobs`` ``maxItems`` (200)."""
    return int(_schema("openapi-spec.yml", "list_of_new_jobs")["maxItems"])


def _path_text(parts: Iterable[Any], at: str = "") -> str:
    text = at
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _short(message: str) -> str:
    # jsonschema quotes the whole offending instance before saying what is wrong with it; keep
    # both ends so a 200-job body does not drown the reason.
    return message if len(message) <= 240 else f"{message[:120]} ... {message[-110:]}"


def api_errors(schema: str, instance: Any, *, at: str = "") -> list[str]:
    """Every way ``instance`` breaks the spec's schema ``schema`` (``"post_jobs_body"``, or
    ``"job_parameters.yml#INSAR_GAMMAJob"`` for the other file), one ``path: message`` line each,
    the most relevant first."""
    from jsonschema.exceptions import best_match, relevance

    errors = sorted(_validator(schema).iter_errors(instance), key=relevance)
    if not errors:
        return []
    best = best_match(errors)
    ordered = [best, *(e for e in errors if e is not best)]
    return [f"{_path_text(e.absolute_path, at)}: {_short(e.message)}" for e in ordered]


@functools.cache
def _defaults() -> dict[str, dict[str, Any]]:
    return dict(json.loads(_api_file("default_params_by_job_type.json").read_text(encoding="utf-8")))


def default_parameters(job_type: str) -> dict[str, Any]:
    """The defaults HyP3 merges into a new job's ``job_parameters`` (a fresh copy)."""
    return dict(_defaults().get(job_type, {}))


@functools.cache
def raw_costs() -> dict[str, Any]:
    """The deployment's cost table as ``GET /costs`` serves it."""
    return dict(json.loads(_api_file("costs_EDC.json").read_text(encoding="utf-8")))


def _cost_key(value: Any) -> str:
    if isinstance(value, list | tuple):
        return str(len(value))
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


def job_cost(job_type: str, parameters: Mapping[str, Any]) -> float:
    """Credits one job costs; ``parameters`` are its full job parameters (defaults merged in).

    Raises KeyError for a job type or parameter value the table does not price: HyP3 answers those
    with a 500, and the sandbox only prices job types that passed its own checks.
    """
    entry = raw_costs()[job_type]
    if "cost" in entry:
        return float(entry["cost"])
    table: Any = entry["cost_table"]
    for name in entry["cost_parameters"]:
        table = table[_cost_key(parameters[name])]
    return float(table)
