"""The submission protocol's windows run on HyP3's clock: the Date header, server-time intents,
adoption "requested after the intent", and the Retry-After a failed read leaves behind."""

from __future__ import annotations

import email.utils
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import responses
from hyp3_helpers import API, job_dict

from insarproj.engine.context import ReadProviders
from insarproj.errors import NetworkError
from insarproj.hyp3 import Hyp3Reader, JobRecord
from insarproj.kinds.hyp3 import _hyp3_now, format_instant, listing_start
from insarproj.kinds.hyp3_protocol import intent_job

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
        responses.add(
            responses.GET,
            f"{API}/user",
            status=429,
            json={"message": "Too Many Requests"},
            headers={"Retry-After": "7"},
        )
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
    client = SimpleNamespace(
        clock_offset=timedelta(days=-3), server_now=lambda: datetime(2020, 1, 1, tzinfo=UTC)
    )
    ctx = SimpleNamespace(read=ReadProviders({"hyp3": lambda: client}), now=datetime(2030, 1, 1, tzinfo=UTC))
    assert _hyp3_now(ctx) == datetime(2030, 1, 1, tzinfo=UTC)  # no HyP3 answer yet: the local clock
    ctx.read.get("hyp3")
    assert _hyp3_now(ctx) == datetime(2020, 1, 1, tzinfo=UTC)


class _Planner:
    """A stand-in Workspace for `_WaitRounds`: plans fail with the given errors, then succeed."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.messages: list[str] = []

    def notify(self, message: str) -> None:
        self.messages.append(message)

    def _plan(self, options: object, *, state: object) -> tuple[str, object]:
        if self.errors:
            raise self.errors.pop(0)
        return "the plan", None

    def _save_observations(self, ctx: object) -> None:
        pass


def _rounds(ws: _Planner, sleeps, timeout: float | None = None):  # type: ignore[no-untyped-def]
    from insarproj.engine.context import PlanOptions
    from insarproj.workspace import ApplyOptions, _WaitRounds

    writer = SimpleNamespace(state=None)
    return _WaitRounds(ws, writer, PlanOptions(), ApplyOptions(timeout=timeout), None, sleeps)  # type: ignore[arg-type]


def _throttled(retry_after: float | None) -> NetworkError:
    error = NetworkError("HyP3 did not answer the job list after 3 tries (HTTP 429)", service="hyp3")
    error.retry_after = retry_after  # type: ignore[attr-defined]
    return error


def test_a_wait_round_retries_a_failing_listing_with_backoff_honouring_retry_after(sleeps) -> None:  # type: ignore[no-untyped-def]
    from insarproj.workspace import ApplyResult

    ws = _Planner(_throttled(7.0), _throttled(None), _throttled(None))
    result = ApplyResult(plan=None)
    assert _rounds(ws, sleeps)._plan_round(result) == "the plan"
    assert sleeps == [7.0, 4.0, 8.0] and not result.timed_out  # Retry-After first, then doubling
    assert all("trying again" in m for m in ws.messages)


def test_a_wait_round_stops_at_once_on_auth_and_at_the_timeout(sleeps) -> None:  # type: ignore[no-untyped-def]
    from insarproj.errors import AuthError
    from insarproj.workspace import ApplyResult

    with pytest.raises(AuthError):
        _rounds(
            _Planner(AuthError("HyP3 refused the credentials (HTTP 401)", service="hyp3")), sleeps
        )._plan_round(ApplyResult(plan=None))
    assert sleeps == []
    rounds = _rounds(_Planner(*[_throttled(None)] * 100), sleeps, timeout=0.001)
    time.sleep(0.01)
    result = ApplyResult(plan=None)
    assert rounds._plan_round(result) is None and result.timed_out


@pytest.mark.parametrize(
    ("status", "expired", "on_disk", "adopted"),
    [
        ("RUNNING", False, False, True),
        ("SUCCEEDED", False, False, True),
        ("SUCCEEDED", True, False, False),  # HyP3 deleted the product: nothing to adopt, pay again
        ("SUCCEEDED", True, True, True),  # ...unless the product is already here (a recovered state)
        ("FAILED", False, True, False),
    ],
)
def test_adoptable_takes_an_expired_job_only_when_its_product_is_on_disk(
    status: str, expired: bool, on_disk: bool, adopted: bool
) -> None:
    from insarproj.kinds.hyp3_protocol import adoptable

    now = datetime(2025, 7, 1, tzinfo=UTC)
    expiration = now - timedelta(days=1) if expired else now + timedelta(days=1)
    job = JobRecord.from_api(job_dict(job_id="j", status_code=status, expiration_time=expiration.isoformat()))
    found = adoptable([job], exclude=set(), now=now, on_disk=lambda j: on_disk)
    assert (found is job) is adopted
    assert adoptable([job], exclude={"j"}, now=now, on_disk=lambda j: True) is None
