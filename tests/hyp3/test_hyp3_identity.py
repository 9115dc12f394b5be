"""Job identity (docs/safety.md): our request and HyP3's record of it are the same job."""

from __future__ import annotations

import json

import pytest
from hyp3_helpers import BURST_REF, BURST_REF2, BURST_SEC, BURST_SEC2, SLC_REF, SLC_SEC, job_dict, load

from insarproj.hyp3 import (
    JobRecord,
    build_job_request,
    canonical_parameters,
    identity_of_record,
    identity_of_request,
    job_identity,
)
from insarproj.hyp3spec import ParameterError


def _as_hyp3_records_it(request_payload: dict) -> JobRecord:
    """What HyP3 stores: ``{**defaults, **given}`` (default_params_by_job_type.json), plus its own fields."""
    defaults = load("api/default_params_by_job_type.json")[request_payload["job_type"]]
    return JobRecord.from_api(
        job_dict(
            job_type=request_payload["job_type"],
            name=request_payload.get("name"),
            job_parameters={**defaults, **request_payload["job_parameters"]},
        )
    )


def test_minimal_request_and_hyp3_record_have_one_identity() -> None:
    # A request with defaults omitted (as in the hyp3-docs example) vs the record with all filled.
    minimal = {"job_type": "INSAR_GAMMA", "name": "n", "job_parameters": {"granules": [SLC_REF, SLC_SEC]}}
    record = _as_hyp3_records_it(minimal)
    assert len(record.job_parameters) == 10
    assert job_identity("INSAR_GAMMA", minimal["job_parameters"]) == identity_of_record(record)
    built = build_job_request(
        "INSAR_GAMMA", reference=[SLC_REF], secondary=[SLC_SEC], parameters={}, name="n"
    )
    assert identity_of_request(built) == identity_of_record(record)


def test_number_forms_and_key_order_do_not_matter() -> None:
    a = {"granules": [SLC_REF, SLC_SEC], "phase_filter_parameter": 1, "looks": "20x4"}
    b = {"looks": "20x4", "phase_filter_parameter": 1.0, "granules": (SLC_REF, SLC_SEC)}
    assert job_identity("INSAR_GAMMA", a) == job_identity("INSAR_GAMMA", b)


def test_keys_that_are_not_job_parameters_are_ignored() -> None:
    plain = {"granules": [SLC_REF, SLC_SEC]}
    assert job_identity(
        "INSAR_GAMMA", {**plain, "bucket_prefix": "x", "some_new_server_key": 3}
    ) == job_identity("INSAR_GAMMA", plain)


def test_different_looks_are_different_jobs() -> None:
    base = {"granules": [SLC_REF, SLC_SEC]}
    assert job_identity("INSAR_GAMMA", {**base, "looks": "10x2"}) != job_identity("INSAR_GAMMA", base)
    assert job_identity("INSAR_GAMMA", {**base, "include_dem": True}) != job_identity("INSAR_GAMMA", base)


def test_swapped_granules_are_different_jobs() -> None:
    assert job_identity("INSAR_GAMMA", {"granules": [SLC_REF, SLC_SEC]}) != job_identity(
        "INSAR_GAMMA", {"granules": [SLC_SEC, SLC_REF]}
    )
    forward = {"reference": [BURST_REF, BURST_REF2], "secondary": [BURST_SEC, BURST_SEC2]}
    swapped_sides = {"reference": forward["secondary"], "secondary": forward["reference"]}
    reordered = {"reference": [BURST_REF2, BURST_REF], "secondary": [BURST_SEC2, BURST_SEC]}
    ids = {job_identity("INSAR_ISCE_MULTI_BURST", p) for p in (forward, swapped_sides, reordered)}
    assert len(ids) == 3


def test_job_type_is_part_of_the_identity() -> None:
    params = {"granules": [BURST_REF, BURST_SEC]}
    assert job_identity("INSAR_ISCE_BURST", params) != job_identity(
        "INSAR_ISCE_MULTI_BURST", {"reference": [BURST_REF], "secondary": [BURST_SEC]}
    )


def test_every_real_request_example_matches_its_hyp3_record() -> None:
    for fixture in (
        "api/post_jobs_request.INSAR_GAMMA.hyp3-docs_api.json",
        "api/post_jobs_request.INSAR_ISCE_BURST_and_MULTI_BURST.hyp3-docs_api.json",
    ):
        for job in load(fixture)["jobs"]:
            record = _as_hyp3_records_it(job)
            assert job_identity(job["job_type"], job["job_parameters"]) == identity_of_record(record)


def test_canonical_parameters_are_readable_and_sorted() -> None:
    canonical = canonical_parameters("INSAR_ISCE_BURST", {"granules": [BURST_REF, BURST_SEC]})
    assert list(canonical) == ["apply_water_mask", "granules", "looks"]
    assert json.dumps(canonical)  # storable in state as is


def test_foreign_job_types_get_an_identity_that_matches_nothing_of_ours() -> None:
    rtc = JobRecord.from_api(load("api/get_jobs_response.RTC_GAMMA.hyp3-docs_downloading.json")["jobs"][0])
    assert len(identity_of_record(rtc)) == 64
    with pytest.raises(ParameterError):
        job_identity("RTC_GAMMA", rtc.job_parameters)


@pytest.mark.parametrize(
    ("job_type", "given", "inputs"),
    [
        ("INSAR_GAMMA", {"looks": "10x2", "include_dem": True}, {"granules": ["S1A_REF", "S1B_SEC"]}),
        ("INSAR_ISCE_MULTI_BURST", {}, {"reference": ["r1", "r2"], "secondary": ["s1", "s2"]}),
    ],
)
def test_identity_template_equals_the_identity_of_the_whole_body(
    job_type: str, given: dict, inputs: dict
) -> None:
    """Plan splices each pair's granules into parameters canonicalised once (kinds/hyp3.py)."""
    from insarproj.hyp3.identity import identity_template

    spliced = identity_template(job_type, canonical_parameters(job_type, given), tuple(inputs))
    assert spliced(inputs) == job_identity(job_type, {**given, **inputs})
