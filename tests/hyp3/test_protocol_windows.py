"""The submission protocol's windows run on HyP3's clock: the Date header, server-time intents,
adoption "requested after the intent", and the Retry-After a failed read leaves behind."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import responses
from hyp3_helpers import API, job_dict

from insarproj.engine.context import ReadProviders
from insarproj.errors import NetworkError
from insarproj.hyp3 import Hyp3Reader, JobRecord
from insarproj.kinds.hyp3 import _hyp3_now, format_instant, intent_job, listing_start

USER = {"user_id": "u", "remaining_credits": 10.0, "application_status": "APPROVED"}


def _http_date(when: datetime) -> str:
    return email.utils.format_datetime(when.astimezone(UTC), usegmt=True)


@responses.activate
@pytest.mark.parametrize("skew", [timedelta(days=3), timedelta(days=-3)])
def test_reader_measures_the_server_clock_from_the_date_header(skew: timedelta, sleeps) -> None:  # type: ignore[no-untyped-def]
    reader = Hyp3Reader(API, token="t", sleep=sleeps)
    assert reader.clock_offset is None
    local = datetime.now(UTC)
    assert abs(reader.server_now() - local) < timedelta(seconds=5)  # no answer yet: our clock
    responses.add(responses.GET, f"{API}/user", json=USER, headers={"Date": _http_date(local + skew)})
    reader.user()
    assert abs(reader.server_now() - (datetime.now(UTC) + skew)) < timedelta(seconds=5)
    # An answer without a Date header leaves the last measurement standing.
    responses.replace(responses.GET, f"{API}/user", json=USER)
    reader.user()
    assert abs(reader.server_now() - (datetime.now(UTC) + skew)) < timedelta(seconds=5)


@responses.activate
def test_a_read_that_gives_up_carries_the_servers_retry_after(sleeps) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        responses.add(responses.GET, f"{API}/user", status=429, json={"message": "Too Many Requests"},
                      headers={"Retry-After": "7"})
    with pytest.raises(NetworkError) as caught:
        Hyp3Reader(API, token="t", sleep=sleeps).user()
    assert caught.value.retry_after == 7.0  # type: ignore[attr-defined]
    assert sleeps == [7.0, 7.0]


def _job(job_id: str, requested: datetime) -> JobRecord:
    return JobRecord.from_api(job_dict(job_id=job_id, request_time=requested.isoformat()))


def test_intent_adopts_only_jobs_requested_after_it_on_the_server_clock() -> None:
    intent = datetime(2025, 6, 10, 7, 47, 28, tzinfo=UTC)
    attrs = {"intent_at": format_instant(intent)}
    after = _job("after", intent + timedelta(seconds=1))
    older = _job("older", intent - timedelta(hours=1))  # another attempt, an hour before the intent
    assert intent_job(attrs, [after, older], exclude=set()) is after
    assert intent_job(attrs, [older], exclude=set()) is None
    assert intent_job(attrs, [after], exclude={"after"}) is None
    start = listing_start([{"attributes": attrs}, None])
    assert start is not None and intent - timedelta(minutes=10) < start < intent


def test_plan_windows_use_the_hyp3_clients_clock(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    client = SimpleNamespace(clock_offset=timedelta(days=-3), server_now=lambda: datetime(2020, 1, 1, tzinfo=UTC))
    ctx = SimpleNamespace(read=ReadProviders({"hyp3": lambda: client}), now=datetime(2030, 1, 1, tzinfo=UTC))
    assert _hyp3_now(ctx) == datetime(2030, 1, 1, tzinfo=UTC)  # no HyP3 answer yet: the local clock
    ctx.read.get("hyp3")
    assert _hyp3_now(ctx) == datetime(2020, 1, 1, tzinfo=UTC)
