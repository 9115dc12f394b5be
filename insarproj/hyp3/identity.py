"""A HyP3 job's identity: (job type, ordered granules, parameters after defaults) (docs/safety.md).

Adoption compares the identity of an intent (what insarproj meant to submit) with the identity of
each job HyP3 lists under the project's name. The two sides differ in form, not in meaning:
HyP3 stores ``{**defaults, **given}`` while a request may omit defaults, numbers may come back as
``1`` or ``1.0``, and HyP3 may carry keys that are not job parameters of our spec. All of that is
normalised away here; granule order is not, because reference-before-secondary is meaning.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from typing import Any

from insarproj.hyp3.models import JobRecord, JobRequest
from insarproj.hyp3spec import JobSpec, job_types, load_job_spec

__all__ = [
    "canonical_parameters",
    "identity_of_record",
    "identity_of_request",
    "identity_template",
    "job_identity",
]


def canonical_parameters(job_type: str, parameters_with_inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters that make a job's identity: every spec parameter, defaults filled, normalised.

    Keys that are not parameters of the job type's spec are dropped (HyP3 may add some). Raises the
    hyp3spec ``ParameterError`` for a job type insarproj has no spec of.
    """
    spec = load_job_spec(job_type)
    merged: dict[str, Any] = dict(spec.defaults())
    for name, value in parameters_with_inputs.items():
        if name in spec.parameters:
            merged[name] = value
    return {name: _normalise(spec, name, merged[name]) for name in sorted(merged)}


def job_identity(job_type: str, parameters_with_inputs: Mapping[str, Any]) -> str:
    """sha256 (hex) of the canonical JSON of the job type and its canonical parameters."""
    return _digest(job_type, canonical_parameters(job_type, parameters_with_inputs))


def identity_of_request(request: JobRequest) -> str:
    """The identity of a job insarproj means to submit (what adoption looks for in HyP3's list)."""
    return job_identity(request.job_type, request.job_parameters)


def identity_of_record(record: JobRecord) -> str:
    """The identity of a job HyP3 listed.

    A job type insarproj has no spec for (another tool's RTC job under the same name) gets an
    identity from its parameters as listed; the job type is hashed in, so it can never equal the
    identity of anything insarproj submits.
    """
    if record.job_type in job_types():
        return job_identity(record.job_type, record.job_parameters)
    return _digest(record.job_type, {k: _plain_number(v) for k, v in sorted(record.job_parameters.items())})


def _digest(job_type: str, parameters: Mapping[str, Any]) -> str:
    return hashlib.sha256(_digest_text(job_type, parameters).encode("utf-8")).hexdigest()


def _digest_text(job_type: str, parameters: Mapping[str, Any]) -> str:
    return json.dumps(
        {"job_type": job_type, "job_parameters": parameters},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def identity_template(job_type: str, canonical: Mapping[str, Any], inputs: tuple[str, ...]) -> Any:
    """A function of the ``inputs`` values (lists of granule names) giving the identity of
    ``canonical`` with those inputs set, by splicing their JSON into the text hashed once with
    placeholders (one `json.dumps` of a list per input instead of the whole body per pair)."""
    marks = {name: f"\u0000input:{name}\u0000" for name in inputs}
    text = _digest_text(job_type, {**canonical, **marks})
    pieces: list[tuple[str, str]] = []  # (text before the input, input name)
    for name in sorted(inputs, key=lambda n: text.index(json.dumps(marks[n]))):
        head, text = text.split(json.dumps(marks[name]), 1)
        pieces.append((head, name))

    sha256 = hashlib.sha256
    # Names found plain, each checked once: a scene is a granule of about six pairs.
    plain: set[str] = set()
    if len(pieces) == 1:  # one input (INSAR_GAMMA's granules): one concatenation per pair
        ((head, only),) = pieces
        tail = text

        def single(values: Mapping[str, list[str]]) -> str:
            return sha256((head + _names_json(values[only], plain) + tail).encode("utf-8")).hexdigest()

        return single

    def identity(values: Mapping[str, list[str]]) -> str:
        parts = []
        for head, name in pieces:
            parts.append(head)
            parts.append(_names_json(values[name], plain))
        parts.append(text)
        return sha256("".join(parts).encode("utf-8")).hexdigest()

    return identity


# Granule names as Sentinel-1 spells them: their JSON is the name in quotes, nothing escaped.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.:+-]*")


def _names_json(names: list[str], known: set[str] | None = None) -> str:
    """``json.dumps(names, separators=(",", ":"), ensure_ascii=False)``, without the encoder for
    the common list of plain granule names (60,000 pairs at 20,000 scenes). ``known``: names
    already found plain (those found now are added)."""
    if type(names) is list:
        plain = _PLAIN_NAME.fullmatch
        known = set() if known is None else known
        for name in names:  # a loop, not all() over a generator: two names per call
            if type(name) is not str:
                break
            if name not in known:
                if not plain(name):
                    break
                known.add(name)
        else:
            return '["' + '","'.join(names) + '"]' if names else "[]"
    return json.dumps(names, separators=(",", ":"), ensure_ascii=False)


def _normalise(spec: JobSpec, name: str, value: Any) -> Any:
    kind = spec.parameters[name].type
    if kind == "number" and _is_number(value):
        return float(value)
    if kind == "integer" and _is_number(value) and float(value).is_integer():
        return int(value)
    return _plain_number(value)


def _plain_number(value: Any) -> Any:
    # Lists keep their order (reference before secondary); tuples and lists hash alike.
    if isinstance(value, list | tuple):
        return [_plain_number(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain_number(v) for k, v in value.items()}
    if _is_number(value) and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
