"""The HyP3 stand-in's ARIA_S1_GUNW jobs, as HyP3 runs them (hyp3 job_spec/ARIA_S1_GUNW.yml,
hyp3_api.validation.check_aria_s1_gunw_dates, search_archive): 60 credits, HyP3's date checks, a
GUNW netCDF-4 product in the real name pattern, and a job whose product is already archived
SUCCEEDED at once with that product and its credits refunded."""

from __future__ import annotations

from typing import Any

import requests

from insarproj.aria.names import parse_gunw_name
from insarproj.aria.netcdf import check_gunw_layout


def _post(sandbox, *jobs: dict[str, Any]) -> requests.Response:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {sandbox.auth.token}"}
    body = {"jobs": [{"job_type": "ARIA_S1_GUNW", "name": "t", "job_parameters": p} for p in jobs]}
    url = sandbox.env()["INSARPROJ_HYP3_URL"] + "/jobs"
    return requests.post(url, json=body, headers=headers, timeout=10)


def _listed(sandbox) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {sandbox.auth.token}"}
    url = sandbox.env()["INSARPROJ_HYP3_URL"] + "/jobs"
    return list(requests.get(url, params={"name": "t"}, headers=headers, timeout=10).json()["jobs"])


def _credits(sandbox) -> float:  # type: ignore[no-untyped-def]
    return float(sandbox.hyp3_settings()["credits"])


def test_aria_jobs_are_made_or_answered_from_the_archive(sandbox, tmp_path) -> None:  # type: ignore[no-untyped-def]
    before = _credits(sandbox)
    made = {"reference_date": "2021-02-11", "secondary_date": "2021-01-18", "frame_id": 25501}
    archived = {"reference_date": "2021-01-30", "secondary_date": "2021-01-18", "frame_id": 25501}
    answer = _post(sandbox, made, archived)
    assert answer.status_code == 200, answer.text
    assert [j["credit_cost"] for j in answer.json()["jobs"]] == [60, 60]
    assert _credits(sandbox) == before - 60  # the archived one is refunded

    sandbox.hyp3_advance(3600)
    jobs = {j["job_parameters"]["reference_date"]: j for j in _listed(sandbox)}
    new, old = jobs["2021-02-11"], jobs["2021-01-30"]
    assert new["status_code"] == old["status_code"] == "SUCCEEDED"
    assert (new["credit_cost"], old["credit_cost"]) == (60, 0)
    assert old["files"][0]["url"].endswith(f"/door/download/{old['files'][0]['filename']}")
    name = new["files"][0]["filename"]
    parsed = parse_gunw_name(name)  # the real pattern; ARIA's reference is the later date
    assert (parsed.reference.isoformat(), parsed.secondary.isoformat()) == ("2021-02-11", "2021-01-18")
    data = requests.get(new["files"][0]["url"], timeout=10)
    assert data.status_code == 200 and len(data.content) == new["files"][0]["size"]
    (tmp_path / name).write_bytes(data.content)
    check_gunw_layout(tmp_path / name)


def test_aria_job_dates_are_checked_as_hyp3_checks_them(sandbox) -> None:  # type: ignore[no-untyped-def]
    swapped = {"reference_date": "2021-01-18", "secondary_date": "2021-02-11", "frame_id": 25501}
    refused = _post(sandbox, swapped)
    assert refused.status_code == 400 and "secondary date must be earlier" in refused.text
    early = {"reference_date": "2014-01-16", "secondary_date": "2014-01-04", "frame_id": 25501}
    assert "before the start of the sentinel 1 mission" in _post(sandbox, early).text
    assert not sandbox.hyp3.jobs()
