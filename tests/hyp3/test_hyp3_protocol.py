"""The HyP3 submission protocol's decisions, table by table, with no server (kinds/hyp3_protocol.py).

Each row is one situation: the record (its status, identity, intent time, counted attempts), the
jobs a listing shows, and HyP3's "now"; the expected verdict says what the plan or the apply-time
re-check does and why. The end-to-end tests show the same rules against the sandbox.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from insarproj.hyp3 import JobRecord
from insarproj.kinds.hyp3_protocol import (
    LISTING_MARGIN,
    adoptable,
    attempts_of,
    counted_job_ids,
    decide_open,
    decide_recorded,
    decide_submission,
    intent_job,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LAG = timedelta(seconds=60)
IDENTITY = "id-A"


def at(offset: timedelta) -> str:
    return (NOW + offset).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def job(job_id: str, status: str = "RUNNING", *, requested: timedelta = -timedelta(minutes=1), **extra: Any):
    return JobRecord(
        job_id=job_id,
        job_type="INSAR_GAMMA",
        user_id="u",
        status_code=status,
        request_time=NOW + requested,
        **extra,
    )


def record(status: str, *, identity: str = IDENTITY, intent: timedelta | None = None, counted=()) -> dict:
    attrs: dict[str, Any] = {
        "identity": identity,
        "attempts": [
            {"job_id": j, "identity": identity, "submitted_at": None, "credit_cost": 15, "adopted": False}
            for j in counted
        ],
    }
    if intent is not None:
        attrs["intent_at"] = at(intent)
    return {"kind": "hyp3_job", "status": status, "attributes": attrs, "updated_at": at(timedelta(0))}


EXPIRED = {"expiration_time": NOW - timedelta(days=1)}
FRESH = {"expiration_time": NOW + timedelta(days=10)}


# --- plan: a record alone (no listing needed) -------------------------------------------------


def settled(status: str, *, identity: str = IDENTITY, **attrs: Any) -> dict:
    rec = record(status, identity=identity, counted=("j1",))
    rec["attributes"].update(
        request={"job_type": "INSAR_GAMMA", "job_parameters": {"looks": "20x4"}}, **attrs
    )
    return rec


RECORDED_CASES = [
    # (why, record, held, product on disk, step or None, reason part)
    ("never submitted: submit", None, False, False, "submit", "not submitted"),
    ("never submitted, recent acquisition held: nothing", None, True, False, None, ""),
    (
        "config changed: replace, naming the change",
        settled("succeeded", identity="id-old"),
        False,
        False,
        "replace",
        "looks '20x4' → '10x2'",
    ),
    (
        "succeeded, product not expired: nothing",
        settled("succeeded", expiration_time=at(timedelta(days=3))),
        False,
        False,
        None,
        "",
    ),
    ("succeeded without an expiry: nothing", settled("succeeded"), False, False, None, ""),
    (
        "succeeded, expired, product not here: a failure to count",
        settled("succeeded", expiration_time=at(-timedelta(days=1))),
        False,
        False,
        "after_failure",
        "expired",
    ),
    (
        "succeeded, expired, product here: nothing",
        settled("succeeded", expiration_time=at(-timedelta(days=1))),
        False,
        True,
        None,
        "",
    ),
    (
        "recorded FAILED with a log: a failure to count",
        settled("failed", logs=["https://logs/j1"]),
        False,
        False,
        "after_failure",
        "see the log https://logs/j1",
    ),
    (
        "recorded FAILED without a log",
        settled("failed"),
        False,
        False,
        "after_failure",
        "HyP3 gave no reason",
    ),
]


@pytest.mark.parametrize(
    "rec,held,on_disk,step,reason",
    [case[1:] for case in RECORDED_CASES],
    ids=[case[0] for case in RECORDED_CASES],
)
def test_decide_recorded(rec, held, on_disk, step, reason):
    verdict = decide_recorded(
        rec,
        IDENTITY,
        {"looks": "10x2"} if step == "replace" else {"looks": "20x4"},
        clock=lambda: NOW,
        held=lambda: held,
        product_on_disk=lambda: on_disk,
    )
    assert (verdict.step if verdict else None) == step
    assert reason in (verdict.reason if verdict else "")


def test_decide_recorded_asks_the_clock_only_when_it_matters():
    def no_clock():
        raise AssertionError("the clock is not needed for this record")

    assert decide_recorded(None, IDENTITY, {}, clock=no_clock, held=lambda: False, product_on_disk=no_clock)
    failed = settled("failed")
    assert decide_recorded(failed, IDENTITY, {}, clock=no_clock, held=no_clock, product_on_disk=no_clock)


# --- plan: an open record and what the listing shows -------------------------------------------

OPEN_CASES = [
    # (why, status, intent age, counted, listed job, product on disk, step, reason part, newly charged)
    (
        "intent not listed, younger than the lag: wait",
        "intent",
        -timedelta(seconds=30),
        (),
        None,
        False,
        "wait",
        "listing lags",
        False,
    ),
    (
        "intent not listed, older than the lag: submit again",
        "intent",
        -timedelta(minutes=2),
        (),
        None,
        False,
        "submit",
        "never reached HyP3",
        False,
    ),
    (
        "uncertain POST not listed, past the lag: submit again",
        "unknown",
        -timedelta(minutes=5),
        (),
        None,
        False,
        "submit",
        "never reached HyP3",
        False,
    ),
    (
        "intent without a time (old record): submit again",
        "intent",
        None,
        (),
        None,
        False,
        "submit",
        "never reached HyP3",
        False,
    ),
    (
        "intent's job running: adopt, charged",
        "intent",
        -timedelta(minutes=2),
        (),
        job("j1"),
        False,
        "adopt",
        "interrupted submission",
        True,
    ),
    (
        "submitted job running: wait",
        "submitted",
        -timedelta(minutes=2),
        ("j1",),
        job("j1"),
        False,
        "wait",
        "job RUNNING",
        False,
    ),
    (
        "submitted job succeeded: refresh",
        "submitted",
        -timedelta(hours=1),
        ("j1",),
        job("j1", "SUCCEEDED", **FRESH),
        False,
        "refresh",
        "SUCCEEDED",
        False,
    ),
    (
        "succeeded but expired, product not here: resubmit",
        "submitted",
        -timedelta(days=20),
        ("j1",),
        job("j1", "SUCCEEDED", **EXPIRED),
        False,
        "after_failure",
        "expired",
        False,
    ),
    (
        "succeeded and expired, product already here: refresh",
        "submitted",
        -timedelta(days=20),
        ("j1",),
        job("j1", "SUCCEEDED", **EXPIRED),
        True,
        "refresh",
        "SUCCEEDED",
        False,
    ),
    (
        "uncertain POST's job failed: counts as an attempt",
        "unknown",
        -timedelta(minutes=2),
        (),
        job("j2", "FAILED"),
        False,
        "after_failure",
        "job FAILED (HyP3 gave no reason)",
        True,
    ),
]


@pytest.mark.parametrize(
    "status,intent,counted,listed,on_disk,step,reason,charged",
    [case[1:] for case in OPEN_CASES],
    ids=[case[0] for case in OPEN_CASES],
)
def test_decide_open(status, intent, counted, listed, on_disk, step, reason, charged):
    attrs = record(status, intent=intent, counted=counted)["attributes"]
    verdict = decide_open(status, attrs, listed, now=NOW, lag=LAG, product_on_disk=lambda: on_disk)
    assert (verdict.step, verdict.newly_charged) == (step, charged)
    assert reason in verdict.reason


def test_decide_open_lag_is_measured_on_hyp3s_clock():
    """The same intent is young or old only by the `now` given (HyP3's), never the local clock."""
    attrs = record("intent", intent=-timedelta(seconds=30))["attributes"]
    assert decide_open("intent", attrs, None, now=NOW, lag=LAG, product_on_disk=lambda: False).step == "wait"
    later = NOW + timedelta(minutes=1)
    assert decide_open("intent", attrs, None, now=later, lag=LAG, product_on_disk=lambda: False).step == (
        "submit"
    )


# --- apply: the live re-check just before a POST ---------------------------------------------

SUBMISSION_CASES = [
    # (why, record, listed jobs, on disk, op, adopted job)
    ("new job, nothing listed: post", None, [], False, "post", None),
    ("identical job running on HyP3: adopt, never pay twice", None, [job("j1")], False, "adopt", "j1"),
    (
        "identical job succeeded, product not expired: adopt",
        None,
        [job("j1", "SUCCEEDED", **FRESH)],
        False,
        "adopt",
        "j1",
    ),
    (
        "identical job succeeded but expired: post",
        None,
        [job("j1", "SUCCEEDED", **EXPIRED)],
        False,
        "post",
        None,
    ),
    (
        "expired job whose product is on disk: adopt",
        None,
        [job("j1", "SUCCEEDED", **EXPIRED)],
        True,
        "adopt",
        "j1",
    ),
    ("identical job failed: not adoptable, post", None, [job("j1", "FAILED")], False, "post", None),
    (
        "a job the record already counts: post (a resubmission)",
        record("failed", counted=("j1",)),
        [job("j1", "RUNNING")],
        False,
        "post",
        None,
    ),
    (
        "open intent: its job is adopted whatever its status",
        record("intent", intent=-timedelta(minutes=2)),
        [job("j3", "FAILED")],
        False,
        "adopt",
        "j3",
    ),
    (
        "open intent, job requested long before it: not its job",
        record("intent", intent=-timedelta(hours=1)),
        [job("j4", "FAILED", requested=-timedelta(hours=1) - LISTING_MARGIN - timedelta(seconds=1))],
        False,
        "post",
        None,
    ),
    (
        "open intent younger than the lag, not listed: hold",
        record("unknown", intent=-timedelta(seconds=10)),
        [],
        False,
        "hold",
        None,
    ),
    (
        "open intent older than the lag, not listed: post",
        record("unknown", intent=-timedelta(minutes=3)),
        [],
        False,
        "post",
        None,
    ),
    (
        "intent of another identity (config changed): adoptable rules",
        record("intent", identity="id-old", intent=-timedelta(seconds=10)),
        [job("j5", "FAILED")],
        False,
        "hold",
        None,
    ),
]


@pytest.mark.parametrize(
    "rec,listed,on_disk,op,adopted",
    [case[1:] for case in SUBMISSION_CASES],
    ids=[case[0] for case in SUBMISSION_CASES],
)
def test_decide_submission(rec, listed, on_disk, op, adopted):
    decision = decide_submission(rec, IDENTITY, listed, now=NOW, lag=LAG, on_disk=lambda j: on_disk)
    assert decision.op == op
    assert (decision.job.job_id if decision.job else None) == adopted


# --- the building blocks ---------------------------------------------------------------------


def test_attempts_count_only_charged_jobs_of_this_identity():
    rec = record("failed", counted=("j1", "j2"))
    rec["attributes"]["attempts"].append(
        {"job_id": "j0", "identity": "id-old", "submitted_at": None, "credit_cost": 15, "adopted": True}
    )
    assert attempts_of(rec, IDENTITY) == 2
    assert attempts_of(rec, "id-old") == 1
    assert attempts_of(None, IDENTITY) == 0
    assert counted_job_ids(rec) == {"j0", "j1", "j2"}
    assert counted_job_ids(None) == set()


def test_newest_listed_job_wins_and_counted_ones_are_skipped():
    newest, older = job("new", requested=-timedelta(seconds=5)), job("old", requested=-timedelta(minutes=1))
    assert adoptable([newest, older], exclude=set(), now=NOW).job_id == "new"
    assert adoptable([newest, older], exclude={"new"}, now=NOW).job_id == "old"
    attrs = record("intent", intent=-timedelta(minutes=1))["attributes"]
    assert intent_job(attrs, [newest, older], exclude={"new"}).job_id == "old"
