"""Building the jobs insarproj submits, and checking every ``POST /jobs`` body against HyP3's spec.

Pairs HyP3 accepts but then fails during processing cost credits (it checks existence and DEM
coverage, not whether two SLCs share a track or a polarization; docs/service-quirks.md, "HyP3
accepts pairs it cannot process"), so a request is also checked here against what the granule
names say: reference strictly before secondary, one co-polarization, one track (SLC) or the same
bursts (burst jobs).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from insarproj.hyp3.errors import InvalidJobRequestError
from insarproj.hyp3.models import JobRequest
from insarproj.hyp3.openapi import api_errors, spec_job_types
from insarproj.hyp3spec import JobSpec, load_job_spec
from insarproj.s1names import parse_burst_name, parse_iw_slc_name

__all__ = [
    "MAX_JOBS_PER_REQUEST",
    "MAX_MULTI_BURST_PAIRS",
    "MAX_NAME_LENGTH",
    "build_job_request",
    "validate_job_name",
    "validate_request_body",
]

MAX_JOBS_PER_REQUEST = 200  # openapi-spec.yml list_of_new_jobs maxItems
MAX_NAME_LENGTH = 100  # openapi-spec.yml name maxLength
MAX_MULTI_BURST_PAIRS = 15  # hyp3 validator check_multi_burst_max_length
_BURST_SET_WINDOW = timedelta(minutes=2)  # hyp3 multi-burst rule: each set acquired within two minutes

# Relative orbit = (absolute - offset) % 175 + 1; offsets known for certain only for S1A and S1B.
_ORBIT_OFFSETS = {"A": 73, "B": 27}


@dataclass(frozen=True)
class _Granule:
    name: str
    start: datetime
    polarization: str
    platform: str = ""
    absolute_orbit: int = 0
    burst: str = ""  # "<burst id>_IW<n>" for bursts


def _parse_slc(name: str, role: str) -> _Granule:
    slc = parse_iw_slc_name(name)
    if slc is None:
        raise InvalidJobRequestError(
            f"{role} granule {name!r} is not a Sentinel-1 IW SLC name "
            "(S1x_IW_SLC__1Sxx_<start>_<stop>_<orbit>_<datatake>_<id>)"
        )
    return _Granule(
        name=name,
        start=slc.start,
        polarization=slc.polarization,
        platform=slc.platform,
        absolute_orbit=slc.absolute_orbit,
    )


def _parse_burst(name: str, role: str) -> _Granule:
    burst = parse_burst_name(name)
    if burst is None:
        raise InvalidJobRequestError(
            f"{role} granule {name!r} is not a Sentinel-1 burst name "
            "(S1_<burst id>_IW<n>_<start>_<pol>_<id>-BURST)"
        )
    return _Granule(name=name, start=burst.time, polarization=burst.polarization, burst=burst.full_id)


def validate_job_name(name: str) -> str:
    """Return ``name`` if HyP3 takes it as a job name (1 to 100 characters, no control characters)."""
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise InvalidJobRequestError(
            f"HyP3 job name {name!r} must be 1 to {MAX_NAME_LENGTH} characters",
            hint="shorten [project] name in project.toml",
        )
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise InvalidJobRequestError(
            f"HyP3 job name {name!r} contains control characters", hint="fix [project] name in project.toml"
        )
    return name


def _input_names(spec: JobSpec) -> tuple[str, ...]:
    return tuple(name for name, param in spec.parameters.items() if param.is_input)


def build_job_request(
    job_type: str,
    *,
    reference: Sequence[str],
    secondary: Sequence[str],
    parameters: Mapping[str, Any],
    name: str,
    validate_body: bool = True,
) -> JobRequest:
    """One job of ``job_type`` for the pair ``reference`` → ``secondary``.

    INSAR_GAMMA and INSAR_ISCE_BURST take one granule each side (``granules: [ref, sec]``);
    INSAR_ISCE_MULTI_BURST takes 1 to 15 bursts each side, paired by position. ``parameters`` are
    the user parameters of ``[processor.hyp3]``; every default is filled in, so the job carries
    what hyp3_sdk's ``prepare_*_job`` would send.

    Raises:
        hyp3spec.ParameterError: an unknown job type.
        InvalidJobRequestError: the name, the granules or the pair is not something HyP3 would
            process correctly, or (with ``validate_body``) HyP3's API spec refuses the job.
    """
    spec = load_job_spec(job_type)
    validate_job_name(name)
    reference = [reference] if isinstance(reference, str) else list(reference)
    secondary = [secondary] if isinstance(secondary, str) else list(secondary)
    inputs = _input_names(spec)
    if inputs == ("granules",):
        if len(reference) != 1 or len(secondary) != 1:
            raise InvalidJobRequestError(
                f"a {job_type} job takes one reference and one secondary granule, "
                f"got {len(reference)} and {len(secondary)}"
            )
        granule_inputs: dict[str, list[str]] = {"granules": [reference[0], secondary[0]]}
    elif set(inputs) == {"reference", "secondary"}:
        granule_inputs = {"reference": reference, "secondary": secondary}
    else:
        raise InvalidJobRequestError(f"insarproj does not know how to give granules to {job_type} jobs")
    _check_pair(spec, reference, secondary)
    # The parameters were checked when project.toml loaded; HyP3's schema checks them again at send.
    job_parameters: dict[str, Any] = {**granule_inputs, **spec.with_defaults(parameters)}
    request = JobRequest(job_type=job_type, job_parameters=job_parameters, name=name)
    if validate_body:
        # Plan builds thousands of these and skips this (about 2 ms each); Hyp3Writer.submit
        # validates every body it sends, so nothing unchecked reaches HyP3.
        validate_request_body({"jobs": [request.to_payload()]})
    return request


def _check_pair(spec: JobSpec, reference: list[str], secondary: list[str]) -> None:
    job_type = spec.job_type
    if spec.input_product == "BURST":
        refs = [_parse_burst(g, "reference") for g in reference]
        secs = [_parse_burst(g, "secondary") for g in secondary]
    else:
        refs = [_parse_slc(g, "reference") for g in reference]
        secs = [_parse_slc(g, "secondary") for g in secondary]
    if not refs or len(refs) != len(secs):
        raise InvalidJobRequestError(
            f"a {job_type} job needs the same number of reference and secondary granules (at least one), "
            f"got {len(refs)} and {len(secs)}"
        )
    if len(refs) > MAX_MULTI_BURST_PAIRS:
        raise InvalidJobRequestError(
            f"a {job_type} job takes at most {MAX_MULTI_BURST_PAIRS} burst pairs, got {len(refs)}: "
            "split the burst group"
        )
    pols = {g.polarization for g in refs + secs}
    if len(pols) != 1:
        raise InvalidJobRequestError(
            f"the granules of a {job_type} job mix polarizations ({', '.join(sorted(pols))}); "
            "HyP3 would accept the job and fail it"
        )
    if spec.input_product == "BURST":
        _check_bursts(job_type, refs, secs)
    else:
        _check_track(job_type, refs[0], secs[0])
    for ref, sec in zip(refs, secs, strict=True):
        if ref.start >= sec.start:
            raise InvalidJobRequestError(
                f"reference {ref.name} must be acquired before secondary {sec.name} in a {job_type} job"
            )


def _check_bursts(job_type: str, refs: list[_Granule], secs: list[_Granule]) -> None:
    for side, granules in (("reference", refs), ("secondary", secs)):
        seen = [g.burst for g in granules]
        if len(set(seen)) != len(seen):
            raise InvalidJobRequestError(
                f"the {side} bursts of a {job_type} job repeat a burst: {', '.join(seen)}"
            )
        starts = [g.start for g in granules]
        if max(starts) - min(starts) > _BURST_SET_WINDOW:
            raise InvalidJobRequestError(
                f"the {side} bursts of a {job_type} job must come from one pass (within two minutes)"
            )
    for ref, sec in zip(refs, secs, strict=True):
        if ref.burst != sec.burst:
            raise InvalidJobRequestError(
                f"burst {ref.name} and {sec.name} are different bursts ({ref.burst} vs {sec.burst}); "
                f"a {job_type} job pairs the same burst at two dates"
            )


def _check_track(job_type: str, ref: _Granule, sec: _Granule) -> None:
    if ref.platform == sec.platform:
        same = (ref.absolute_orbit - sec.absolute_orbit) % 175 == 0
    elif ref.platform in _ORBIT_OFFSETS and sec.platform in _ORBIT_OFFSETS:
        same = _relative_orbit(ref) == _relative_orbit(sec)
    else:
        return  # no reliable offset for this platform pair: the pairing step already matched tracks
    if not same:
        raise InvalidJobRequestError(
            f"{ref.name} and {sec.name} are on different tracks; "
            f"HyP3 would accept the {job_type} job and fail it"
        )


def _relative_orbit(granule: _Granule) -> int:
    return (granule.absolute_orbit - _ORBIT_OFFSETS[granule.platform]) % 175 + 1


def validate_request_body(body: Mapping[str, Any]) -> None:
    """Check a whole ``POST /jobs`` body against HyP3's real OpenAPI spec (and job parameter schemas).

    Each job of a known type is checked against its own schema first, so the error names the job
    and the field (the spec's ``oneOf`` over job types would only say "not valid under any").

    Raises:
        InvalidJobRequestError: naming the first offending place, e.g. ``jobs[3].job_parameters.looks``.
    """
    if not isinstance(body, Mapping):
        raise InvalidJobRequestError(f"a POST /jobs body must be a JSON object, got {type(body).__name__}")
    jobs = body.get("jobs")
    if isinstance(jobs, list):
        known = spec_job_types()
        for index, job in enumerate(jobs):
            if isinstance(job, Mapping) and job.get("job_type") in known:
                problems = api_errors(
                    f"job_parameters.yml#{job['job_type']}Job", dict(job), at=f"jobs[{index}]"
                )
                if problems:
                    raise InvalidJobRequestError(
                        f"HyP3's API spec refuses the POST /jobs body: {problems[0]}"
                    )
    problems = api_errors("post_jobs_body", dict(body))
    if problems:
        raise InvalidJobRequestError(f"HyP3's API spec refuses the POST /jobs body: {problems[0]}")
