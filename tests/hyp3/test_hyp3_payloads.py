"""Job requests and POST /jobs bodies against HyP3's real OpenAPI spec and job specs."""

from __future__ import annotations

import pytest
from hyp3_helpers import (
    BURST_REF,
    BURST_REF2,
    BURST_SEC,
    BURST_SEC2,
    SLC_OTHER_TRACK,
    SLC_REF,
    SLC_SEC,
    load,
)

from insarproj.hyp3 import InvalidJobRequestError, build_job_request, validate_request_body
from insarproj.hyp3.openapi import api_errors
from insarproj.hyp3spec import ParameterError

HH_SLC = "S1A_IW_SLC__1SDH_20200122T172104_20200122T172123_030916_0392AA_1234"  # same track, HH


def test_real_request_examples_validate() -> None:
    validate_request_body(load("api/post_jobs_request.INSAR_GAMMA.hyp3-docs_api.json"))
    validate_request_body(load("api/post_jobs_request.INSAR_ISCE_BURST_and_MULTI_BURST.hyp3-docs_api.json"))


def test_real_responses_validate_against_the_spec() -> None:
    for fixture in (
        "api/get_jobs_response.RTC_GAMMA.hyp3-docs_api.json",
        "api/get_jobs_response.RTC_GAMMA.hyp3-docs_downloading.json",
        "api/get_jobs_response.paged_next.hyp3-docs_api.json",
    ):
        assert api_errors("jobs_response", load(fixture)) == []
    assert api_errors("costs_response", load("api/costs_EDC.json")) == []
    for body in load("api/get_user_responses.hyp3_tests.json").values():
        assert api_errors("user", body) == []


def test_nullable_fields_accept_null() -> None:
    job = load("api/get_jobs_response.RTC_GAMMA.hyp3-docs_api.json")["jobs"][0]
    assert api_errors("job", {**job, "expiration_time": None, "processing_times": None}) == []
    assert api_errors("job", {**job, "request_time": None}) != []


def test_gamma_builder() -> None:
    request = build_job_request(
        "INSAR_GAMMA",
        reference=[SLC_REF],
        secondary=[SLC_SEC],
        parameters={"looks": "10x2", "include_dem": True, "include_look_vectors": True},
        name="ridgecrest",
    )
    payload = request.to_payload()
    assert payload["job_parameters"]["granules"] == [SLC_REF, SLC_SEC]
    assert payload["job_parameters"]["phase_filter_parameter"] == 0.6  # every default filled, as hyp3_sdk
    assert len(payload["job_parameters"]) == 10 and payload["name"] == "ridgecrest"
    validate_request_body({"jobs": [payload]})


def test_burst_builders() -> None:
    single = build_job_request(
        "INSAR_ISCE_BURST",
        reference=[BURST_REF],
        secondary=[BURST_SEC],
        parameters={"looks": "5x1"},
        name="p",
    )
    assert single.to_payload()["job_parameters"] == {
        "granules": [BURST_REF, BURST_SEC], "apply_water_mask": False, "looks": "5x1",
    }  # fmt: skip
    multi = build_job_request(
        "INSAR_ISCE_MULTI_BURST",
        reference=[BURST_REF, BURST_REF2],
        secondary=[BURST_SEC, BURST_SEC2],
        parameters={"apply_water_mask": True},
        name="p",
    )
    params = multi.to_payload()["job_parameters"]
    assert params["reference"] == [BURST_REF, BURST_REF2] and params["secondary"] == [BURST_SEC, BURST_SEC2]
    validate_request_body({"jobs": [single.to_payload(), multi.to_payload()], "validate_only": True})


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda j: j["job_parameters"].update(looks="5x1"), r"jobs\[0\]\.job_parameters\.looks"),
        (lambda j: j["job_parameters"]["granules"].append(SLC_SEC), r"jobs\[0\]\.job_parameters\.granules"),
        (lambda j: j["job_parameters"].update(extra_key=True), r"jobs\[0\]\.job_parameters"),
        (lambda j: j.update(colour="red"), r"jobs\[0\]"),
        (lambda j: j["job_parameters"].update(phase_filter_parameter=1.5), "phase_filter_parameter"),
        (lambda j: j.update(name="x" * 101), r"jobs\[0\]\.name"),
        (lambda j: j["job_parameters"]["granules"].__setitem__(0, "S1A_IW_GRDH_1SDV_x"), "granules"),
    ],
    ids=[
        "bad-looks",
        "three-granules",
        "extra-parameter",
        "extra-job-key",
        "out-of-range",
        "long-name",
        "grd",
    ],
)
def test_wrong_bodies_fail_validation(mutate, where: str) -> None:  # type: ignore[no-untyped-def]
    job = build_job_request(
        "INSAR_GAMMA", reference=[SLC_REF], secondary=[SLC_SEC], parameters={}, name="p"
    ).to_payload()
    mutate(job)
    with pytest.raises(InvalidJobRequestError, match=where):
        validate_request_body({"jobs": [job]})


def test_body_level_errors() -> None:
    job = build_job_request(
        "INSAR_GAMMA", reference=[SLC_REF], secondary=[SLC_SEC], parameters={}, name="p"
    ).to_payload()
    with pytest.raises(InvalidJobRequestError, match="jobs"):
        validate_request_body({"jobs": []})
    with pytest.raises(InvalidJobRequestError, match="too long"):
        validate_request_body({"jobs": [job] * 201})
    with pytest.raises(InvalidJobRequestError):
        validate_request_body({"jobs": [job], "dry_run": True})
    with pytest.raises(InvalidJobRequestError, match="any of the given schemas"):
        validate_request_body({"jobs": [{"job_type": "NOT_A_TYPE", "job_parameters": {}}]})


def test_builder_leaves_parameters_to_the_load_and_send_checks() -> None:
    """Parameters are checked when project.toml loads and, in the body, against HyP3's API spec."""
    with pytest.raises(InvalidJobRequestError, match="looks"):
        build_job_request(
            "INSAR_GAMMA", reference=[SLC_REF], secondary=[SLC_SEC], parameters={"looks": "5x1"}, name="p"
        )
    unchecked = build_job_request(
        "INSAR_GAMMA",
        reference=[SLC_REF],
        secondary=[SLC_SEC],
        parameters={"looks": "5x1"},
        name="p",
        validate_body=False,
    )
    assert unchecked.job_parameters["looks"] == "5x1"
    with pytest.raises(InvalidJobRequestError, match="include_dme"):
        build_job_request(
            "INSAR_GAMMA",
            reference=[SLC_REF],
            secondary=[SLC_SEC],
            parameters={"include_dme": True},
            name="p",
        )
    with pytest.raises(ParameterError, match="job type"):
        build_job_request("INSAR_GAMA", reference=[SLC_REF], secondary=[SLC_SEC], parameters={}, name="p")


@pytest.mark.parametrize(
    ("job_type", "reference", "secondary", "message"),
    [
        ("INSAR_GAMMA", [SLC_REF, SLC_REF], [SLC_SEC], "one reference and one secondary"),
        ("INSAR_GAMMA", [SLC_SEC], [SLC_REF], "before secondary"),
        ("INSAR_GAMMA", [SLC_REF], [SLC_REF], "before secondary"),
        ("INSAR_GAMMA", [SLC_REF], [SLC_OTHER_TRACK], "different tracks"),
        ("INSAR_GAMMA", [SLC_REF], [HH_SLC], "mix polarizations"),
        ("INSAR_GAMMA", [SLC_REF], [BURST_SEC], "not a Sentinel-1 IW SLC"),
        ("INSAR_ISCE_BURST", [BURST_REF], [BURST_SEC2], "different bursts"),
        ("INSAR_ISCE_BURST", [SLC_REF], [SLC_SEC], "not a Sentinel-1 burst"),
        ("INSAR_ISCE_MULTI_BURST", [BURST_REF, BURST_REF2], [BURST_SEC], "same number"),
        ("INSAR_ISCE_MULTI_BURST", [], [], "at least one"),
        ("INSAR_ISCE_MULTI_BURST", [BURST_REF, BURST_REF], [BURST_SEC, BURST_SEC], "repeat a burst"),
        ("INSAR_ISCE_MULTI_BURST", [BURST_REF, BURST_REF2], [BURST_SEC2, BURST_SEC], "different bursts"),
    ],
)
def test_builder_refuses_pairs_hyp3_would_fail(
    job_type: str, reference: list, secondary: list, message: str
) -> None:
    with pytest.raises(InvalidJobRequestError, match=message):
        build_job_request(job_type, reference=reference, secondary=secondary, parameters={}, name="p")


def test_multi_burst_limit() -> None:
    refs = [f"S1_{136231 + i:06d}_IW2_20200604T0223{10 + i:02d}_VV_7C85-BURST" for i in range(16)]
    secs = [f"S1_{136231 + i:06d}_IW2_20200616T0223{10 + i:02d}_VV_5D11-BURST" for i in range(16)]
    with pytest.raises(InvalidJobRequestError, match="at most 15"):
        build_job_request("INSAR_ISCE_MULTI_BURST", reference=refs, secondary=secs, parameters={}, name="p")
    ok = build_job_request(
        "INSAR_ISCE_MULTI_BURST", reference=refs[:15], secondary=secs[:15], parameters={}, name="p"
    )
    assert len(ok.job_parameters["reference"]) == 15


@pytest.mark.parametrize("name", ["", "x" * 101, "bad\nname"])
def test_builder_refuses_bad_names(name: str) -> None:
    with pytest.raises(InvalidJobRequestError, match="job name"):
        build_job_request("INSAR_GAMMA", reference=[SLC_REF], secondary=[SLC_SEC], parameters={}, name=name)


def test_cross_platform_pairs_are_checked_by_relative_orbit() -> None:
    # S1A orbit 30741 is track (30741 - 73) % 175 + 1 = 44; S1B orbit 19845 is (19845 - 27) % 175 + 1 = 44.
    same_track = "S1B_IW_SLC__1SDV_20200116T172021_20200116T172048_019845_0258F0_ABCD"
    next_track = "S1B_IW_SLC__1SDV_20200116T172021_20200116T172048_019846_0258F0_ABCD"
    build_job_request("INSAR_GAMMA", reference=[SLC_REF], secondary=[same_track], parameters={}, name="p")
    with pytest.raises(InvalidJobRequestError, match="different tracks"):
        build_job_request("INSAR_GAMMA", reference=[SLC_REF], secondary=[next_track], parameters={}, name="p")
