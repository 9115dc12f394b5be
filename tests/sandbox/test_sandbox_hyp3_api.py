"""The HyP3 stand-in's API: submission rules, credits, listing and paging, auth, spec-valid shapes."""

from __future__ import annotations

import base64
import json
import math
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from test_sandbox_hyp3_helpers import (
    api,
    burst_job,
    burst_pair,
    gamma_job,
    load,
    multi_burst,
    post,
    sdk,
    slc_pairs,
    spec_ok,
    token,
    writer,
)

from insarproj.hyp3 import (
    Hyp3CredentialsRejectedError,
    Hyp3Reader,
    Hyp3RejectedError,
    build_job_request,
)
from insarproj.sandbox.auth import COOKIE_NAME
from insarproj.sandbox.server import Sandbox


def requests_to(sandbox: Sandbox, method: str, path: str) -> list:
    return [r for r in sandbox.requests() if r.method == method and r.path == path]


def test_submission_merges_defaults_prices_and_answers_in_the_real_shape(hyp3box: Sandbox) -> None:
    (ref, sec), (ref2, sec2) = slc_pairs(2)
    response = post(hyp3box, [gamma_job((ref, sec), "proj"), gamma_job((ref2, sec2), "proj", looks="10x2")])
    assert response.status_code == 200, response.text
    body = response.json()
    spec_ok("jobs_response", body)
    assert "validate_only" not in body  # the body is echoed as sent
    first, second = body["jobs"]
    assert first["job_parameters"] == {
        "include_look_vectors": False,
        "include_los_displacement": False,
        "include_displacement_maps": False,
        "include_inc_map": False,
        "include_dem": False,
        "include_wrapped_phase": False,
        "apply_water_mask": False,
        "looks": "20x4",
        "phase_filter_parameter": 0.6,
        "granules": [ref, sec],
    }
    assert (first["credit_cost"], second["credit_cost"]) == (10, 15)
    assert (first["priority"], second["priority"]) == (9999, 9990)  # min(round(credits - running), 9999)
    assert first["status_code"] == "PENDING" and first["execution_started"] is False
    assert first["user_id"] == "sandbox" and first["name"] == "proj"
    assert first["request_time"] == second["request_time"] and first["request_time"].endswith("+00:00")
    assert first["bucket_prefix"] == first["job_id"]
    user = api(hyp3box).get(f"{hyp3box.url}/user").json()
    spec_ok("user", user)
    assert user["remaining_credits"] == 10000 - 25 and user["job_names"] == ["proj"]


def test_both_clients_submit_and_read_back(hyp3box: Sandbox) -> None:
    (ref, sec), (ref2, sec2) = slc_pairs(2)
    request = build_job_request(
        "INSAR_GAMMA",
        reference=[ref],
        secondary=[sec],
        parameters={"include_dem": True, "include_look_vectors": True},
        name="proj",
    )
    [record] = writer(hyp3box).submit([request])
    assert record.job_parameters == request.job_parameters and record.credit_cost == 10
    client = sdk(hyp3box)
    batch = client.submit_prepared_jobs([client.prepare_insar_job(ref2, sec2, name="proj")])
    assert client.check_credits() == 10000 - 20
    assert client.get_job_by_id(record.job_id).name == "proj"
    assert {j.job_id for j in client.find_jobs(name="proj")} == {record.job_id, batch[0].job_id}
    reader = Hyp3Reader(hyp3box.url, token=token(hyp3box))
    assert {j.job_id for j in reader.list_project_jobs("proj")} == {record.job_id, batch[0].job_id}
    assert reader.user().remaining_credits == 10000 - 20
    costs = client.costs()
    spec_ok("costs_response", costs)
    assert costs["INSAR_GAMMA"] == {"cost_parameters": ["looks"], "cost_table": {"20x4": 10, "10x2": 15}}
    assert reader.costs().cost("INSAR_ISCE_MULTI_BURST", {"looks": "5x1", "reference": ["a"] * 11}) == 90


def test_credits_are_checked_for_the_whole_request_and_charged_at_submission(hyp3box: Sandbox) -> None:
    hyp3box.hyp3_settings(credits=25)
    pairs = slc_pairs(3)
    refused = post(hyp3box, [gamma_job(p, "proj") for p in pairs])
    assert refused.status_code == 400
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.json()["detail"] == "These jobs would cost 30.0 credits, but you have only 25.0 remaining."
    assert hyp3box.hyp3.jobs() == []  # all or nothing
    with pytest.raises(Hyp3RejectedError) as caught:
        writer(hyp3box).submit(
            [
                build_job_request("INSAR_GAMMA", reference=[r], secondary=[s], parameters={}, name="p")
                for r, s in pairs
            ]
        )
    assert caught.value.status == 400 and "30.0 credits" in caught.value.detail
    accepted = post(hyp3box, [gamma_job(p, "proj") for p in pairs[:2]])
    assert accepted.status_code == 200
    assert sdk(hyp3box).check_credits() == 5


def test_validate_only_runs_every_check_but_stores_and_charges_nothing(hyp3box: Sandbox) -> None:
    pair = slc_pairs(1)[0]
    response = post(hyp3box, [gamma_job(pair, "proj")], validate_only=True)
    assert response.status_code == 200
    body = response.json()
    spec_ok("jobs_response", body)
    assert body["validate_only"] is True and body["jobs"][0]["credit_cost"] == 10
    request = build_job_request(
        "INSAR_GAMMA", reference=[pair[0]], secondary=[pair[1]], parameters={}, name="p"
    )
    [prepared] = writer(hyp3box).submit([request], validate_only=True)
    assert prepared.credit_cost == 10
    assert hyp3box.hyp3.jobs() == [] and sdk(hyp3box).check_credits() == 10000
    assert api(hyp3box).get(f"{hyp3box.url}/jobs/{prepared.job_id}").status_code == 404
    hyp3box.hyp3_settings(credits=5)  # the credit check runs too
    assert post(hyp3box, [gamma_job(pair, "proj")], validate_only=True).status_code == 400


@pytest.mark.parametrize(
    ("job", "needle"),
    [
        (gamma_job(slc_pairs(1)[0], "x", looks="5x1"), "looks"),
        (gamma_job(slc_pairs(1)[0], "x", include_everything=True), "include_everything"),
        (gamma_job(slc_pairs(1)[0], "x" * 101), "name"),
        (gamma_job((*slc_pairs(2)[0], slc_pairs(2)[1][0]), "x"), "granules"),  # type: ignore[arg-type]
        ({**gamma_job(slc_pairs(1)[0], "x"), "colour": "red"}, "colour"),
        ({"job_type": "RTC_GAMMA", "job_parameters": {"granules": [slc_pairs(1)[0][0]]}}, "RTC_GAMMA"),
    ],
)
def test_spec_violations_are_refused_with_a_useful_detail(hyp3box: Sandbox, job: dict, needle: str) -> None:
    response = post(hyp3box, [job])
    assert response.status_code == 400, response.text
    assert needle in response.json()["detail"]
    assert hyp3box.hyp3.jobs() == []


def test_more_than_200_jobs_are_refused_by_the_server_and_by_hyp3_sdk(hyp3box: Sandbox) -> None:
    import hyp3_sdk

    jobs = [burst_job("many")] * 201
    response = post(hyp3box, jobs)
    assert response.status_code == 400 and "200" in response.json()["detail"]
    with pytest.raises(hyp3_sdk.exceptions.HyP3Error, match="200"):
        sdk(hyp3box).submit_prepared_jobs(jobs)
    assert post(hyp3box, jobs[:200]).status_code == 200  # exactly 200 is fine


def test_unknown_granules_are_refused_as_hyp3_does(hyp3box: Sandbox) -> None:
    ref, sec = slc_pairs(1)[0]
    ghost = sec[:-4] + ("0000" if not sec.endswith("0000") else "0001")
    response = post(hyp3box, [gamma_job((ref, ghost), "proj")])
    assert response.status_code == 400
    assert response.json()["detail"] == f"Some requested scenes could not be found: {ghost}"
    with pytest.raises(Hyp3RejectedError, match="could not be found"):
        writer(hyp3box).submit(
            [build_job_request("INSAR_GAMMA", reference=[ref], secondary=[ghost], parameters={}, name="p")]
        )


def test_burst_pairing_rules_use_hyp3s_messages(hyp3box: Sandbox) -> None:
    refs, secs = multi_burst(2)
    single = {"job_type": "INSAR_ISCE_BURST", "job_parameters": {"granules": [refs[0], secs[1]]}}
    response = post(hyp3box, [single])
    assert response.json()["detail"] == f"Burst IDs do not match for {refs[0]} and {secs[1]}."

    def multi(reference: list[str], secondary: list[str]) -> dict:
        return {
            "job_type": "INSAR_ISCE_MULTI_BURST",
            "job_parameters": {"reference": reference, "secondary": secondary},
        }

    backwards = post(hyp3box, [multi(secs, refs)]).json()["detail"]
    assert backwards == "Reference scenes must be older than secondary scenes"
    assert "same number of reference and secondary" in post(hyp3box, [multi(refs, secs[:1])]).json()["detail"]
    fine = multi(refs, secs)
    accepted = post(hyp3box, [fine]).json()["jobs"][0]
    assert accepted["job_parameters"]["looks"] == "20x4" and accepted["credit_cost"] == 1


def test_auth_bearer_cookie_and_the_real_401(hyp3box: Sandbox) -> None:
    bare = requests.get(f"{hyp3box.url}/jobs", timeout=10)
    assert bare.status_code == 401 and bare.json() == load("error_401_no_token.hyp3-docs_api.json")
    assert bare.headers["Content-Type"] == "application/problem+json"
    bad = requests.get(f"{hyp3box.url}/user", headers={"Authorization": "Bearer nope"}, timeout=10)
    assert bad.status_code == 401 and "Invalid" in bad.json()["detail"]
    cookie = hyp3box.auth.cookie_value("sandbox")
    with_cookie = requests.get(f"{hyp3box.url}/user", cookies={COOKIE_NAME: cookie}, timeout=10)
    assert with_cookie.status_code == 200 and with_cookie.json()["user_id"] == "sandbox"
    assert requests.get(f"{hyp3box.url}/costs", timeout=10).status_code == 200  # no auth, as in HyP3
    # the cookie the login chain sets on the data host opens the API too
    session = requests.Session()
    login = session.get(
        f"{hyp3box.env()['INSARPROJ_URS_URL']}/oauth/authorize",
        params={"client_id": "x", "redirect_uri": f"{hyp3box.url}/login", "state": "/user"},
        auth=("sandbox", "sandbox-password"),
        timeout=10,
    )
    assert login.status_code == 200 and login.json()["user_id"] == "sandbox"
    assert COOKIE_NAME in session.cookies and "Authorization" not in login.request.headers


def test_application_status_gates_submission(hyp3box: Sandbox) -> None:
    hyp3box.hyp3_settings(application_status="PENDING")
    user = api(hyp3box).get(f"{hyp3box.url}/user").json()
    spec_ok("user", user)
    assert user["application_status"] == "PENDING" and user["remaining_credits"] == 0
    response = post(hyp3box, [burst_job("proj")])
    assert response.status_code == 403
    assert response.json()["detail"] == "User sandbox has a pending application, please try again later."
    ref, sec = burst_pair()
    with pytest.raises(Hyp3CredentialsRejectedError):
        writer(hyp3box).submit(
            [build_job_request("INSAR_ISCE_BURST", reference=[ref], secondary=[sec], parameters={}, name="p")]
        )
    hyp3box.hyp3_settings(application_status="APPROVED")  # approval brings the monthly credits
    assert sdk(hyp3box).check_credits() == 10000


def test_listing_pages_the_users_jobs_before_filtering(hyp3box: Sandbox) -> None:
    many = [burst_job("proj")] * 200
    assert post(hyp3box, many).status_code == 200
    hyp3box.hyp3_advance(10)  # the other jobs are newer: they fill the first page
    assert post(hyp3box, [burst_job("other")] * 100).status_code == 200
    hyp3box.clear_requests()
    reader = Hyp3Reader(hyp3box.url, token=token(hyp3box))
    found = reader.list_project_jobs("proj")
    assert len(found) == 200
    assert reader.requests_made == reader.list_requests_bound(300) == math.ceil(300 / 100) + 1
    first = api(hyp3box).get(f"{hyp3box.url}/jobs", params={"name": "proj"}).json()
    spec_ok("jobs_response", first)
    assert first["jobs"] == [] and first["next"].startswith(f"{hyp3box.url}/jobs?")  # empty yet paged
    assert "name=proj" in first["next"]

    def token_key(url: str) -> dict:
        return json.loads(base64.b64decode(parse_qs(urlsplit(url).query)["start_token"][0]))

    real = load("get_jobs_response.paged_next.hyp3-docs_api.json")["next"]
    assert list(token_key(first["next"])) == list(token_key(real))  # HyP3's DynamoDB key, in its order
    hyp3box.clear_requests()
    assert len(sdk(hyp3box).find_jobs(name="proj")) == 200
    assert len(requests_to(hyp3box, "GET", "/jobs")) == 4
    bad = api(hyp3box).get(f"{hyp3box.url}/jobs", params={"start_token": "not base64!"})
    assert bad.status_code == 400 and bad.json()["detail"] == "Invalid start_token value"


def test_status_and_job_type_filters(hyp3box: Sandbox) -> None:
    hyp3box.set_faults("job-fail:1")
    hyp3box.hyp3_settings(speed=0.01)  # jobs stay PENDING until the clock moves
    post(hyp3box, [burst_job("proj"), burst_job("proj")])
    refs, secs = multi_burst(2)
    post(hyp3box, [{"job_type": "INSAR_ISCE_MULTI_BURST", "name": "proj",
                    "job_parameters": {"reference": refs, "secondary": secs}}])  # fmt: skip
    client = sdk(hyp3box)
    assert len(client.find_jobs(name="proj", status_code="PENDING")) == 3
    hyp3box.hyp3_advance(1000)
    assert len(client.find_jobs(name="proj", status_code="FAILED")) == 1
    assert len(client.find_jobs(name="proj", status_code="SUCCEEDED")) == 2
    assert len(client.find_jobs(job_type="INSAR_ISCE_MULTI_BURST")) == 1
    assert len(client.find_jobs(name="nobody")) == 0
    bad = api(hyp3box).get(f"{hyp3box.url}/jobs", params={"status_code": "DONE"})
    assert bad.status_code == 400 and "status_code" in bad.json()["detail"]


def test_start_and_end_bound_the_submission_time(hyp3box: Sandbox) -> None:
    post(hyp3box, [burst_job("proj")])
    hyp3box.hyp3_advance(3600)
    middle = hyp3box.hyp3.now() - timedelta(minutes=30)
    post(hyp3box, [burst_job("proj")] * 2)
    reader = Hyp3Reader(hyp3box.url, token=token(hyp3box))
    assert len(reader.list_project_jobs("proj", start=middle)) == 2
    client = sdk(hyp3box)
    assert len(client.find_jobs(name="proj", end=middle)) == 1
    assert len(client.find_jobs(name="proj", start=middle, end=middle + timedelta(hours=1))) == 2
    for value in ("2024-01-01", "2024-01-01T00:00:00"):  # no time, no zone: HyP3 says 400
        response = api(hyp3box).get(f"{hyp3box.url}/jobs", params={"start": value})
        assert response.status_code == 400 and "date-time" in response.json()["detail"]
    zulu = api(hyp3box).get(f"{hyp3box.url}/jobs", params={"start": "2024-01-01T00:00:00Z"})
    assert zulu.status_code == 200
    inverted = api(hyp3box).get(
        f"{hyp3box.url}/jobs", params={"start": "2024-01-02T00:00:00Z", "end": "2024-01-01T00:00:00Z"}
    )
    assert inverted.status_code == 500  # as HyP3 does today (hyp3#2433)


def test_listing_lag_hides_new_jobs_from_the_list_but_not_from_get_by_id(hyp3box: Sandbox) -> None:
    hyp3box.hyp3_settings(listing_lag=30)
    job = post(hyp3box, [burst_job("proj")]).json()["jobs"][0]
    client = sdk(hyp3box)
    assert len(client.find_jobs(name="proj")) == 0
    assert client.get_job_by_id(job["job_id"]).job_id == job["job_id"]
    assert api(hyp3box).get(f"{hyp3box.url}/user").json()["job_names"] == []
    hyp3box.hyp3_advance(31)
    assert len(client.find_jobs(name="proj")) == 1
    hyp3box.hyp3_settings(listing_lag=0)
    hyp3box.set_faults("listing-lag:5")  # the same through the fault plan
    post(hyp3box, [burst_job("proj")])
    assert len(client.find_jobs(name="proj")) == 1
    hyp3box.hyp3_advance(6)
    assert len(client.find_jobs(name="proj")) == 2


def test_get_job_404_and_patch_renames(hyp3box: Sandbox) -> None:
    missing = api(hyp3box).get(f"{hyp3box.url}/jobs/27836b79-e5b2-4d8f-932f-659724ea02c3")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "job_id does not exist: 27836b79-e5b2-4d8f-932f-659724ea02c3"
    client = sdk(hyp3box)
    batch = client.submit_prepared_jobs([burst_job("old"), burst_job("old")])
    renamed = client.update_jobs(batch, name="new")
    assert {j.name for j in client.refresh(renamed)} == {"new"}
    one = api(hyp3box).patch(f"{hyp3box.url}/jobs/{batch[0].job_id}", json={"name": "solo"}).json()
    spec_ok("job", one)
    assert one["name"] == "solo"
    assert api(hyp3box).get(f"{hyp3box.url}/user").json()["job_names"] == ["new", "solo"]


def test_admin_hooks_over_http(hyp3box: Sandbox) -> None:
    settings = requests.post(f"{hyp3box.url}/_sandbox/hyp3/settings", json={"credits": 42}, timeout=10)
    assert settings.status_code == 200 and settings.json()["credits"] == 42
    wrong = requests.post(f"{hyp3box.url}/_sandbox/hyp3/settings", json={"credit": 1}, timeout=10)
    assert wrong.status_code == 400 and "credit" in wrong.json()["detail"]
    before = hyp3box.hyp3.now()
    moved = requests.post(f"{hyp3box.url}/_sandbox/hyp3/advance", data="86400", timeout=10)
    assert moved.status_code == 200 and hyp3box.hyp3.now() - before >= timedelta(days=1)
    back = requests.post(f"{hyp3box.url}/_sandbox/hyp3/advance", json={"seconds": -1}, timeout=10)
    assert back.status_code == 400
    post(hyp3box, [burst_job("proj")])
    dump = requests.get(f"{hyp3box.url}/_sandbox/hyp3/jobs", timeout=10).json()
    assert [j["name"] for j in dump["jobs"]] == ["proj"] and dump["jobs"][0]["credit_cost"] == 1
    assert not [r for r in hyp3box.requests() if r.path.startswith("/_sandbox/")]  # never logged
