"""Hyp3Writer.submit: exactly one POST, and accepted / refused / uncertain told apart."""

from __future__ import annotations

import json

import pytest
import requests
import responses
from hyp3_helpers import API, SLC_REF, SLC_SEC, job_dict, load

from insarproj.errors import AuthError, NetworkError
from insarproj.hyp3 import (
    Hyp3CredentialsRejectedError,
    Hyp3RejectedError,
    Hyp3UncertainError,
    Hyp3Writer,
    InvalidJobRequestError,
    JobRequest,
    build_job_request,
)

JOBS = f"{API}/jobs"
CREDITS = "These jobs would cost 10.0 credits, but you have only 5 remaining."


def _request(looks: str = "20x4") -> JobRequest:
    return build_job_request(
        "INSAR_GAMMA",
        reference=[SLC_REF],
        secondary=[SLC_SEC],
        parameters={"looks": looks},
        name="ridgecrest",
    )


def _posts() -> list:
    return [c for c in responses.calls if c.request.method == "POST"]


@responses.activate
def test_accepted_submission_returns_the_records_in_order() -> None:
    requests_ = [_request("20x4"), _request("10x2")]

    def echo(request):  # type: ignore[no-untyped-def]
        body = json.loads(request.body)
        jobs = [
            job_dict(job_id=f"00000000-0000-4000-8000-00000000000{i}", job_parameters=j["job_parameters"])
            for i, j in enumerate(body["jobs"])
        ]
        return 200, {}, json.dumps({"jobs": jobs})

    responses.add_callback(responses.POST, JOBS, callback=echo)
    writer = Hyp3Writer(API, token="t")
    records = writer.submit(requests_)
    assert [r.job_id[-1] for r in records] == ["0", "1"]
    assert records[1].job_parameters["looks"] == "10x2"
    sent = json.loads(_posts()[0].request.body)
    assert sent == {"jobs": [r.to_payload() for r in requests_]}
    assert "validate_only" not in sent
    assert _posts()[0].request.headers["Authorization"] == "Bearer t"


@responses.activate
def test_validate_only_is_sent_and_parsed() -> None:
    responses.add(responses.POST, JOBS, json={"jobs": [job_dict(credit_cost=15.0)], "validate_only": True})
    records = Hyp3Writer(API, token="t").submit([_request("10x2")], validate_only=True)
    assert records[0].credit_cost == 15.0
    assert json.loads(_posts()[0].request.body)["validate_only"] is True


@responses.activate
def test_insufficient_credits_is_a_rejection_quoting_the_server() -> None:
    responses.add(
        responses.POST,
        JOBS,
        status=400,
        json={"status": 400, "detail": CREDITS, "title": "Bad Request", "type": "about:blank"},
    )
    with pytest.raises(Hyp3RejectedError) as info:
        Hyp3Writer(API, token="t").submit([_request()])
    assert info.value.detail == CREDITS and info.value.status == 400
    assert CREDITS in str(info.value)
    assert not isinstance(info.value, Hyp3UncertainError)
    assert len(_posts()) == 1


@pytest.mark.parametrize(
    "failure",
    [
        {"body": requests.exceptions.ReadTimeout("read timed out")},
        {"body": requests.exceptions.ConnectionError("connection reset by peer")},
        {
            "status": 503,
            "json": {
                "detail": "Cannot validate job(s) of type INSAR_GAMMA because CMR query failed. "
                "Please try again later."
            },
        },
        {"status": 500, "body": "Internal Server Error"},
        {"status": 504, "json": {"message": "Endpoint request timed out"}},
    ],
    ids=["timeout", "connection-error", "503", "500", "504-gateway"],
)
@responses.activate
def test_no_readable_answer_is_uncertain_and_never_retried(failure: dict, sleeps: list[float]) -> None:
    responses.add(responses.POST, JOBS, **failure)
    responses.add(responses.POST, JOBS, json={"jobs": [job_dict()]})  # a retry would "succeed"
    writer = Hyp3Writer(API, token="t", sleep=sleeps)
    with pytest.raises(Hyp3UncertainError) as info:
        writer.submit([_request()])
    assert len(_posts()) == 1 and writer.requests_made == 1 and sleeps == []
    assert "may have been created" in str(info.value)
    assert isinstance(info.value, NetworkError)


@responses.activate
def test_unreadable_success_is_uncertain() -> None:
    responses.add(responses.POST, JOBS, json={"jobs": []})
    with pytest.raises(Hyp3UncertainError, match="expected 1 jobs"):
        Hyp3Writer(API, token="t").submit([_request()])


@responses.activate
def test_429_gateway_message_is_a_rejection_without_keyerror() -> None:
    responses.add(responses.POST, JOBS, status=429, json={"message": "Too Many Requests"})
    with pytest.raises(Hyp3RejectedError) as info:
        Hyp3Writer(API, token="t").submit([_request()])
    assert info.value.status == 429 and info.value.detail == "Too Many Requests"
    assert len(_posts()) == 1


@pytest.mark.parametrize(
    ("status", "detail"),
    [
        (401, "No authorization token provided"),
        (
            403,
            "someUser's request for access is pending review. For more information, visit https://hyp3-docs.asf.alaska.edu/using/requesting_access",
        ),
    ],
)
@responses.activate
def test_credentials_refused_on_submit(status: int, detail: str) -> None:
    responses.add(responses.POST, JOBS, status=status, json={"detail": detail, "status": status})
    with pytest.raises(Hyp3CredentialsRejectedError) as info:
        Hyp3Writer(API, token="t").submit([_request()])
    assert isinstance(info.value, AuthError) and isinstance(info.value, Hyp3RejectedError)
    assert detail in str(info.value) and "EARTHDATA_TOKEN" in str(info.value)


@responses.activate
def test_redirect_is_not_followed_with_the_jobs() -> None:
    responses.add(responses.POST, JOBS, status=301, headers={"Location": "https://elsewhere.test/jobs"})
    with pytest.raises(Hyp3RejectedError, match=r"elsewhere\.test"):
        Hyp3Writer(API, token="t").submit([_request()])
    assert len(responses.calls) == 1


@responses.activate
def test_validate_only_failures_are_plain_network_errors() -> None:
    responses.add(
        responses.POST,
        JOBS,
        status=503,
        json={"detail": "HyP3 is currently unavailable. Please try again later."},
    )
    with pytest.raises(NetworkError) as info:
        Hyp3Writer(API, token="t").submit([_request()], validate_only=True)
    assert not isinstance(info.value, Hyp3UncertainError)


@responses.activate
def test_more_than_200_jobs_is_refused_before_any_request() -> None:
    writer = Hyp3Writer(API, token="t")
    with pytest.raises(ValueError, match="at most 200"):
        writer.submit([_request()] * 201)
    assert writer.submit([]) == []
    assert len(responses.calls) == 0


@responses.activate
def test_a_body_the_spec_refuses_is_never_sent() -> None:
    bad = JobRequest(
        job_type="INSAR_GAMMA",
        name="ridgecrest",
        job_parameters={"granules": [SLC_REF, SLC_SEC], "looks": "5x1"},
    )
    with pytest.raises(InvalidJobRequestError, match=r"jobs\[0\].job_parameters.looks"):
        Hyp3Writer(API, token="t").submit([bad])
    assert len(responses.calls) == 0


@responses.activate
def test_real_insufficient_credit_fixture_reads_the_same() -> None:
    fixture = load("api/job_db_record_and_files.hyp3_tests.json")[
        "insufficient_credits_error (tests/test_api/test_submit_job.py)"
    ]
    responses.add(responses.POST, JOBS, status=fixture["status"], json=fixture)
    with pytest.raises(Hyp3RejectedError, match=r"you have only 5\.0 remaining"):
        Hyp3Writer(API, token="t").submit([_request()])
