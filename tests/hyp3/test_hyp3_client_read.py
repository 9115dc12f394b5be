"""Hyp3Reader: bulk listing with paging, single jobs, /user, /costs, retries and error mapping."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from hyp3_helpers import API, job_dict, load

from insarproj.errors import AuthError, NetworkError, ProviderError
from insarproj.hyp3 import Hyp3NotFoundError, Hyp3Reader, Hyp3Writer
from insarproj.hyp3.client import format_timestamp

JOBS = f"{API}/jobs"


def _job(i: int, *, name: str = "ridgecrest", **overrides: object) -> dict:
    return job_dict(job_id=f"00000000-0000-4000-8000-{i:012d}", name=name, **overrides)


def _paged(all_jobs: list[dict], page: int) -> list[dict]:
    """Bodies as HyP3 pages them: `page` of the user's jobs, then the name filter (so pages may be
    short or empty and still carry `next`)."""
    bodies = []
    for start in range(0, max(len(all_jobs), 1), page):
        chunk = [j for j in all_jobs[start : start + page] if j["name"] == "ridgecrest"]
        body: dict = {"jobs": chunk}
        if start + page < len(all_jobs):
            body["next"] = f"{API}/jobs?start_token=token{start + page}"
        bodies.append(body)
    return bodies


@responses.activate
def test_listing_follows_absolute_next_links_through_empty_pages() -> None:
    # 250 jobs of the user, of which every third belongs to another project; one page is all foreign.
    all_jobs = [_job(i, name="other" if (i % 3 == 0 or 100 <= i < 200) else "ridgecrest") for i in range(250)]
    bodies = _paged(all_jobs, 100)
    assert bodies[1]["jobs"] == [] and "next" in bodies[1]
    responses.add(
        responses.GET,
        JOBS,
        json=bodies[0],
        match=[responses.matchers.query_param_matcher({"name": "ridgecrest"})],
    )
    for index, body in enumerate(bodies[1:], start=1):
        responses.add(
            responses.GET,
            JOBS,
            json=body,
            match=[responses.matchers.query_param_matcher({"start_token": f"token{index * 100}"})],
        )
    reader = Hyp3Reader(API, token="t")
    jobs = reader.list_project_jobs("ridgecrest")
    expected = [j["job_id"] for j in all_jobs if j["name"] == "ridgecrest"]
    assert [j.job_id for j in jobs] == expected
    assert reader.requests_made == 3 == len(responses.calls)
    assert reader.requests_made <= math.ceil(250 / 100) + 1 == reader.list_requests_bound(250)
    # The `next` URL is followed verbatim: no parameters re-added.
    assert [c.request.url for c in responses.calls[1:]] == [b["next"] for b in bodies[:-1]]
    assert all(c.request.method == "GET" for c in responses.calls)


@responses.activate
def test_listing_sends_start_as_full_timestamp_and_job_type() -> None:
    responses.add(responses.GET, JOBS, json={"jobs": [_job(1)]})
    reader = Hyp3Reader(API, token="t")
    start = datetime(2021, 3, 4, 5, 6, 7, 890, tzinfo=timezone(timedelta(hours=-8)))
    reader.list_project_jobs("ridgecrest", start=start, job_type="INSAR_GAMMA")
    query = parse_qs(urlsplit(responses.calls[0].request.url).query)
    assert query == {
        "name": ["ridgecrest"],
        "start": ["2021-03-04T13:06:07+00:00"],
        "job_type": ["INSAR_GAMMA"],
    }
    assert responses.calls[0].request.headers["Authorization"] == "Bearer t"


def test_format_timestamp_never_sends_a_bare_date() -> None:
    assert format_timestamp(date(2021, 1, 2)) == "2021-01-02T00:00:00+00:00"
    assert format_timestamp(datetime(2021, 1, 2, 3, 4, 5)) == "2021-01-02T03:04:05+00:00"


@responses.activate
def test_listing_keeps_only_the_projects_jobs_and_job_type() -> None:
    # A stand-in that ignores the filters must not hand other projects' jobs to adoption.
    responses.add(
        responses.GET,
        JOBS,
        json={
            "jobs": [
                _job(1),
                _job(2, name="other"),
                _job(3, job_type="RTC_GAMMA", job_parameters={"granules": ["x"]}),
            ]
        },
    )
    jobs = Hyp3Reader(API, token="t").list_project_jobs("ridgecrest", job_type="INSAR_GAMMA")
    assert [j.job_id[-1] for j in jobs] == ["1"]


@responses.activate
def test_another_tools_odd_record_does_not_break_the_listing() -> None:
    odd = {"job_id": "legacy", "name": "other", "job_type": "PAIR_PROCESS"}  # no request_time, no user
    responses.add(responses.GET, JOBS, json={"jobs": [odd, _job(1)]})
    assert [j.job_id[-1] for j in Hyp3Reader(API, token="t").list_project_jobs("ridgecrest")] == ["1"]


@responses.activate
def test_an_unreadable_record_of_the_project_is_an_error_not_an_absence() -> None:
    broken = _job(1)
    del broken["request_time"]
    responses.add(responses.GET, JOBS, json={"jobs": [broken]})
    with pytest.raises(ProviderError, match="request_time"):
        Hyp3Reader(API, token="t").list_project_jobs("ridgecrest")


@responses.activate
def test_listing_refuses_a_next_link_to_another_host() -> None:
    responses.add(responses.GET, JOBS, json={"jobs": [], "next": "https://evil.test/jobs?start_token=x"})
    reader = Hyp3Reader(API, token="secret")
    with pytest.raises(ProviderError, match="another host"):
        reader.list_project_jobs("ridgecrest")
    assert len(responses.calls) == 1


@responses.activate
def test_listing_refuses_a_next_link_loop() -> None:
    responses.add(responses.GET, JOBS, json={"jobs": [], "next": f"{API}/jobs?start_token=same"})
    with pytest.raises(ProviderError, match="same next-page link"):
        Hyp3Reader(API, token="t").list_project_jobs("ridgecrest")


@responses.activate
def test_real_paged_example_is_followed() -> None:
    paged = load("api/get_jobs_response.paged_next.hyp3-docs_api.json")
    last = load("api/get_jobs_response.RTC_GAMMA.hyp3-docs_downloading.json")
    responses.add(
        responses.GET,
        "https://hyp3-api.asf.alaska.edu/jobs",
        json=paged,
        match=[responses.matchers.query_param_matcher({"name": "DEVELOP"})],
    )
    responses.add(responses.GET, paged["next"], json=last)
    jobs = Hyp3Reader("https://hyp3-api.asf.alaska.edu", token="t").list_project_jobs("DEVELOP")
    assert [j.job_id for j in jobs] == ["6f917fec-9c2f-42fb-a55c-3c4fe2e0520b"]
    assert jobs[0].files[0].size == 656581903
    assert jobs[0].expiration_time == datetime(2025, 6, 25, tzinfo=UTC)


@responses.activate
def test_a_page_failing_after_retries_returns_nothing(sleeps: list[float]) -> None:
    responses.add(responses.GET, JOBS, json={"jobs": [_job(1)], "next": f"{API}/jobs?start_token=a"})
    responses.add(responses.GET, f"{API}/jobs?start_token=a", status=502, json={"message": "Bad Gateway"})
    reader = Hyp3Reader(API, token="t", sleep=sleeps)
    with pytest.raises(NetworkError, match="3 tries"):
        reader.list_project_jobs("ridgecrest")
    assert reader.requests_made == 4 and sleeps == [1.0, 2.0]


@responses.activate
def test_get_retries_5xx_then_succeeds(sleeps: list[float]) -> None:
    url = f"{JOBS}/{_job(7)['job_id']}"
    responses.add(
        responses.GET,
        url,
        status=503,
        json={"detail": "HyP3 is currently unavailable. Please try again later."},
    )
    responses.add(responses.GET, url, body=requests.exceptions.ReadTimeout("read timed out"))
    responses.add(responses.GET, url, json=_job(7, status_code="RUNNING"))
    reader = Hyp3Reader(API, token="t", sleep=sleeps)
    record = reader.get_job(_job(7)["job_id"])
    assert record.running() and reader.requests_made == 3 and len(sleeps) == 2


@responses.activate
def test_429_gateway_message_is_reported_with_status_not_keyerror(sleeps: list[float]) -> None:
    responses.add(
        responses.GET, JOBS, status=429, json={"message": "Too Many Requests"}, headers={"Retry-After": "7"}
    )
    reader = Hyp3Reader(API, token="t", sleep=sleeps)
    with pytest.raises(NetworkError) as info:
        reader.list_project_jobs("ridgecrest")
    assert "HTTP 429: Too Many Requests" in str(info.value)
    assert sleeps == [7.0, 7.0]  # Retry-After wins over the backoff


@responses.activate
def test_get_job_parses_a_real_succeeded_record() -> None:
    body = load("sdk/job.SUCCEEDED.test_jobs.json")
    responses.add(responses.GET, f"{JOBS}/{body['job_id']}", json=body)
    record = Hyp3Reader(API, token="t").get_job(body["job_id"])
    assert record.succeeded() and not record.running()
    assert record.files[0].filename == "PAIR_PROCESS.nc" and record.raw == body


@responses.activate
def test_get_job_404_names_the_job() -> None:
    responses.add(
        responses.GET,
        f"{JOBS}/nope",
        status=404,
        json={"detail": "job_id does not exist: nope", "status": 404},
    )
    with pytest.raises(Hyp3NotFoundError, match="job_id does not exist: nope"):
        Hyp3Reader(API, token="t").get_job("nope")


@responses.activate
def test_user_parses_real_answers() -> None:
    users = load("api/get_user_responses.hyp3_tests.json")
    approved = users["approved_user_with_jobs (test_get_user_with_jobs)"]
    responses.add(responses.GET, f"{API}/user", json=approved)
    responses.add(
        responses.GET,
        f"{API}/user",
        json=users["new_user (tests/test_api/test_get_user.py::test_get_new_user)"],
    )
    responses.add(responses.GET, f"{API}/user", json=load("sdk/user.my_info.test_hyp3.json"))
    reader = Hyp3Reader(API, token="t")
    first = reader.user()
    assert (first.user_id, first.remaining_credits, first.credits_per_month) == ("user_with_jobs", 50.0, 50.0)
    assert first.job_names == ["job1", "job2"] and first.approved()
    new = reader.user()
    assert new.application_status == "NOT_STARTED" and not new.approved()
    old = reader.user()  # hyp3_sdk's fixture predates application_status
    assert old.remaining_credits == 25.0 and old.application_status is None and old.approved()


@responses.activate
def test_costs_parses_the_live_table() -> None:
    responses.add(responses.GET, f"{API}/costs", json=load("api/costs_EDC.json"))
    table = Hyp3Reader(API, token="t").costs()
    assert table.source == "live"
    assert table.cost("INSAR_GAMMA", {"looks": "10x2"}) == 15.0


@responses.activate
def test_costs_failure_is_raised_not_replaced(sleeps: list[float]) -> None:
    responses.add(responses.GET, f"{API}/costs", status=500, body="oops")
    with pytest.raises(NetworkError):
        Hyp3Reader(API, token="t", sleep=sleeps).costs()


@pytest.mark.parametrize("status", [401, 403])
@responses.activate
def test_auth_errors_on_reads(status: int) -> None:
    body = load("api/error_401_no_token.hyp3-docs_api.json")
    responses.add(responses.GET, f"{API}/user", status=status, json=body)
    reader = Hyp3Reader(API, token="bad")
    with pytest.raises(AuthError) as info:
        reader.user()
    text = str(info.value)
    assert "No authorization token provided" in text and "EARTHDATA_TOKEN" in text and "approved" in text
    assert reader.requests_made == 1  # never retried


@responses.activate
def test_other_4xx_quotes_the_servers_detail() -> None:
    responses.add(
        responses.GET, JOBS, status=400, json={"detail": "Invalid start_token value", "status": 400}
    )
    with pytest.raises(ProviderError, match="Invalid start_token value"):
        Hyp3Reader(API, token="t").list_project_jobs("ridgecrest")


@responses.activate
def test_a_login_page_instead_of_json_is_an_auth_error() -> None:
    responses.add(
        responses.GET, f"{API}/user", status=302, headers={"Location": "https://urs.earthdata.nasa.gov/login"}
    )
    responses.add(
        responses.GET,
        "https://urs.earthdata.nasa.gov/login",
        body="<html>login</html>",
        content_type="text/html",
    )
    with pytest.raises(AuthError, match="web page"):
        Hyp3Reader(API, token="t").user()


@responses.activate
def test_api_path_prefix_is_kept() -> None:
    responses.add(responses.GET, "http://127.0.0.1:8080/api/costs", json=load("api/costs_DEFAULT.json"))
    assert Hyp3Reader("http://127.0.0.1:8080/api/", token="t").costs().cost("INSAR_GAMMA", {}) == 1.0


@responses.activate
def test_token_session_never_sends_netrc(tmp_path, monkeypatch) -> None:
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine hyp3.fake.test login me password hunter2\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    responses.add(responses.GET, f"{API}/costs", json={})
    Hyp3Reader(API).costs()
    assert "Authorization" not in responses.calls[0].request.headers


@responses.activate
def test_caller_session_is_used_and_token_added_per_request() -> None:
    session = requests.Session()
    session.headers["X-Probe"] = "1"
    responses.add(responses.GET, f"{API}/costs", json={})
    reader = Hyp3Reader(API, token="tok", session=session)
    reader.costs()
    sent = responses.calls[0].request.headers
    assert sent["X-Probe"] == "1" and sent["Authorization"] == "Bearer tok"  # the caller's session sent it
    assert not hasattr(reader, "session")  # held privately, behind a GET-only transport


def test_reader_cannot_submit() -> None:
    reader = Hyp3Reader(API, token="t")
    assert not hasattr(reader, "submit") and hasattr(Hyp3Writer(API, token="t"), "submit")


def test_hyp3_sdk_with_a_token_makes_no_request() -> None:
    from hyp3_sdk import HyP3

    with responses.RequestsMock() as mock:
        HyP3(API, token="t")
        assert len(mock.calls) == 0
