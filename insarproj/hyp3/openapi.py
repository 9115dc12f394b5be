"""Validation against HyP3's real OpenAPI spec (``insarproj/data/hyp3/openapi-spec.yml``).

The spec and ``job_parameters.yml`` ``$ref`` each other by relative path; both are loaded into one
``referencing.Registry`` under a common base URI so those references resolve offline. OpenAPI 3.0
schema objects are JSON Schema draft 4 plus a few keywords: ``nullable`` is turned into a
``"null"`` type here, ``example`` and ``description`` are ignored by jsonschema anyway. Formats
(``date-time``, ``uuid``) are not asserted: jsonschema's checkers for them need optional packages.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from importlib import resources
from typing import Any

from insarproj.hyp3.errors import InvalidJobRequestError

__all__ = ["SPEC_FILES", "api_errors", "spec_job_types", "validate_api_object"]

SPEC_FILES: tuple[str, ...] = ("openapi-spec.yml", "job_parameters.yml")
# Never fetched: a fixed, invalid host so relative $refs between the two files have a base.
_BASE = "https://hyp3-spec.insarproj.invalid/"


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

    folder = resources.files("insarproj.data").joinpath("hyp3")
    pairs = []
    for name in SPEC_FILES:
        document = yaml.safe_load(folder.joinpath(name).read_text(encoding="utf-8"))
        pairs.append((_BASE + name, DRAFT4.create_resource(_openapi_to_jsonschema(document))))
    return Registry().with_resources(pairs)


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
def spec_job_types() -> tuple[str, ...]:
    """The job types the spec's ``job_type`` enum lists (all of the deployment, not only insarproj's)."""
    resolved = _registry().resolver().lookup(f"{_BASE}job_parameters.yml#/components/schemas/job_type")
    return tuple(resolved.contents["enum"])


def _path_text(parts: Iterable[Any], at: str = "") -> str:
    text = at
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def api_errors(schema: str, instance: Any, *, at: str = "") -> list[str]:
    """Every way ``instance`` breaks the spec's schema ``schema`` (e.g. ``"post_jobs_body"``,
    ``"jobs_response"``, ``"user"``, ``"costs_response"``, ``"job"``, or
    ``"job_parameters.yml#INSAR_GAMMAJob"``), one ``path: message`` line each, best first."""
    from jsonschema.exceptions import best_match, relevance

    validator = _validator(schema)
    errors = sorted(validator.iter_errors(instance), key=relevance)
    if not errors:
        return []
    best = best_match(errors)
    ordered = [best, *(e for e in errors if e is not best)]
    return [f"{_path_text(e.absolute_path, at)}: {_short(e.message)}" for e in ordered]


def _short(message: str) -> str:
    # jsonschema quotes the whole offending instance before saying what is wrong with it; keep
    # both ends so a 200-job body does not drown the reason.
    return message if len(message) <= 240 else f"{message[:120]} ... {message[-110:]}"


def validate_api_object(schema: str, instance: Any) -> None:
    """Raise InvalidJobRequestError naming the first place where ``instance`` breaks ``schema``."""
    problems = api_errors(schema, instance)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InvalidJobRequestError(f"HyP3's API spec refuses this {schema}: {problems[0]}{more}")
