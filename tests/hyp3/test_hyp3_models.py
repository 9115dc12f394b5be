"""JobRecord, UserInfo, CostTable and JobRequest against the real recorded shapes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hyp3_helpers import job_dict, load

from insarproj.errors import ProviderError
from insarproj.hyp3 import CostTable, JobRecord, JobRequest, UnpricedJobError


@pytest.mark.parametrize(
    "fixture",
    [
        "api/get_jobs_response.RTC_GAMMA.hyp3-docs_api.json",
        "api/get_jobs_response.RTC_GAMMA.hyp3-docs_downloading.json",
    ],
)
def test_real_listed_jobs_parse(fixture: str) -> None:
    raw = load(fixture)["jobs"][0]
    record = JobRecord.from_api(raw)
    assert record.succeeded() and record.complete()
    assert record.request_time.tzinfo is not None
    zip_file = record.product_zip()
    assert zip_file is not None and zip_file.filename.endswith(".zip") and zip_file.s3 is not None
    assert record.raw == raw


def test_failed_record_and_statuses() -> None:
    record = JobRecord.from_api(load("sdk/job.FAILED.test_jobs.json"))
    assert record.failed() and not record.running() and record.processing_times is None
    assert record.expiration_time is None and record.credit_cost == 1.0
    assert JobRecord.from_api(job_dict(status_code="PENDING")).running()
    assert JobRecord.from_api(job_dict(status_code="RUNNING")).running()


def test_expiry() -> None:
    record = JobRecord.from_api(
        job_dict(status_code="SUCCEEDED", expiration_time="2025-06-25T00:00:00+00:00")
    )
    before = datetime(2025, 6, 24, 23, 0, tzinfo=UTC)
    assert not record.expired(before)
    assert record.expired(datetime(2025, 6, 25, tzinfo=UTC))
    assert record.expires_within(before, timedelta(hours=2))
    assert not record.expires_within(before, timedelta(minutes=30))
    with pytest.raises(ValueError, match="aware"):
        record.expired(datetime(2025, 6, 24))
    no_expiry = JobRecord.from_api(job_dict())
    assert not no_expiry.expired(before) and not no_expiry.expires_within(before, timedelta(days=99))


def test_naive_times_from_a_stand_in_are_read_as_utc() -> None:
    record = JobRecord.from_api(job_dict(request_time="2025-06-10T07:47:28"))
    assert record.request_time == datetime(2025, 6, 10, 7, 47, 28, tzinfo=UTC)


def test_unreadable_record_names_the_field() -> None:
    bad = job_dict()
    del bad["request_time"]
    with pytest.raises(ProviderError, match="request_time"):
        JobRecord.from_api(bad)
    with pytest.raises(ProviderError, match="not a JSON object"):
        JobRecord.from_api(["not", "a", "job"])


def test_cost_table_agrees_with_the_job_specs() -> None:
    table = CostTable.from_api(load("api/costs_EDC.json"))
    assert table.cost("INSAR_GAMMA", {}) == 10.0  # default looks 20x4
    assert table.cost("INSAR_GAMMA", {"looks": "20x4"}) == 10.0
    assert table.cost("INSAR_GAMMA", {"looks": "10x2", "granules": ["a", "b"]}) == 15.0
    assert table.cost("INSAR_ISCE_BURST", {"looks": "5x1"}) == 1.0
    # (looks, bursts per side) -> credits, as HyP3's EDC profile prices INSAR_ISCE_MULTI_BURST
    priced = {("20x4", 1): 1.0, ("20x4", 4): 1.0, ("20x4", 5): 5.0, ("20x4", 13): 10.0}
    priced |= {("10x2", 4): 5.0, ("5x1", 11): 90.0, ("5x1", 15): 110.0}
    for (looks, n), expected in priced.items():
        params = {"looks": looks, "reference": ["r"] * n, "secondary": ["s"] * n}
        assert table.cost("INSAR_ISCE_MULTI_BURST", params) == expected
    assert table.cost("INSAR_ISCE_MULTI_BURST", {"reference": ["r"], "secondary": ["s"]}) == 1.0
    assert table.cost("RTC_GAMMA", {"resolution": 10.0}) == 60.0  # float keys by their integer string


def test_unpriced_jobs_raise_rather_than_guess() -> None:
    table = CostTable.from_api(load("api/costs_EDC.json"))
    with pytest.raises(UnpricedJobError, match="looks=5x1"):
        table.cost("INSAR_GAMMA", {"looks": "5x1"})
    with pytest.raises(UnpricedJobError, match="reference=16"):
        table.cost("INSAR_ISCE_MULTI_BURST", {"reference": ["r"] * 16})
    with pytest.raises(UnpricedJobError, match="NEW_TYPE"):
        table.cost("NEW_TYPE", {})
    with pytest.raises(ProviderError, match="neither"):
        CostTable.from_api({"X": {"price": 3}})


def test_default_profile_and_bundled_snapshot() -> None:
    assert CostTable.from_api(load("api/costs_DEFAULT.json")).cost("INSAR_GAMMA", {"looks": "10x2"}) == 1.0
    bundled = CostTable.bundled()
    assert bundled.source == "bundled" and bundled.entries == load("api/costs_EDC.json")


def test_total_of_a_submission() -> None:
    table = CostTable.from_api(load("api/costs_EDC.json"))
    jobs = [
        JobRequest(job_type="INSAR_GAMMA", job_parameters={"granules": ["a", "b"], "looks": "10x2"}),
        JobRequest(job_type="INSAR_GAMMA", job_parameters={"granules": ["a", "c"]}),
    ]
    assert table.total(jobs) == 25.0


def _sdk_payloads() -> dict:
    return load("sdk/prepared_job_payloads.test_hyp3.json")


def test_to_payload_matches_hyp3_sdk_prepared_payloads() -> None:
    from insarproj.hyp3spec import load_job_spec

    fixtures = _sdk_payloads()
    for key, expected in fixtures.items():
        if expected.get("job_type") not in ("INSAR_GAMMA", "INSAR_ISCE_BURST", "INSAR_ISCE_MULTI_BURST"):
            continue
        spec = load_job_spec(expected["job_type"])
        inputs = {k: v for k, v in expected["job_parameters"].items() if spec.parameters[k].is_input}
        user = {k: v for k, v in expected["job_parameters"].items() if not spec.parameters[k].is_input}
        request = JobRequest(
            job_type=expected["job_type"],
            job_parameters={**inputs, **spec.with_defaults(user)},
            name=expected.get("name"),
        )
        assert request.to_payload() == expected, key


def test_to_payload_matches_live_hyp3_sdk() -> None:
    from hyp3_sdk import HyP3

    from insarproj.hyp3spec import load_job_spec

    spec = load_job_spec("INSAR_GAMMA")
    prepared = HyP3.prepare_insar_job("g1", "g2", name="n", looks="10x2", include_dem=True)
    ours = JobRequest(
        job_type="INSAR_GAMMA",
        job_parameters={
            "granules": ["g1", "g2"],
            **spec.with_defaults({"looks": "10x2", "include_dem": True}),
        },
        name="n",
    )
    assert ours.to_payload() == prepared
    multi = HyP3.prepare_insar_isce_multi_burst_job(["r1", "r2"], ["s1", "s2"], looks="5x1")
    spec = load_job_spec("INSAR_ISCE_MULTI_BURST")
    ours = JobRequest(
        job_type="INSAR_ISCE_MULTI_BURST",
        job_parameters={
            "reference": ("r1", "r2"),
            "secondary": ["s1", "s2"],
            **spec.with_defaults({"looks": "5x1"}),
        },
    )
    assert ours.to_payload() == multi
