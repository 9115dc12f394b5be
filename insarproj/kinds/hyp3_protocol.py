"""The HyP3 submission protocol's decisions, as pure functions (docs/safety.md, the HyP3 protocol).

Nothing here talks to HyP3, reads a clock or touches the disk: each decision takes the record,
the jobs a listing showed, "now" on HyP3's clock and the listing lag, and returns what to do and
why. `kinds/hyp3.py` gathers those inputs and turns the verdicts into plan actions and journal
lines; tests/test_hyp3_protocol.py checks the decisions table by table, without a server.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from insarproj.hyp3.models import JobRecord
from insarproj.state.records import Hyp3JobAttributes, Record, hyp3_attributes

# Intents are recorded on HyP3's clock (its `Date` header, to the second), so listing windows and
# "requested after the intent" need only a small margin, whatever the local clock says.
LISTING_MARGIN = timedelta(minutes=5)
# Open records whose POST may or may not have created a job.
UNCERTAIN_STATUSES = ("intent", "unknown")


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def counted_job_ids(record: Record | None) -> set[str]:
    return set() if record is None else counted_in(hyp3_attributes(record))


def counted_in(attrs: Hyp3JobAttributes) -> set[str]:
    """The jobs a record already counts as attempts: never adopted again as a new one."""
    return {a["job_id"] for a in attrs.get("attempts", []) if a.get("job_id")}


def adoptable(
    candidates: list[JobRecord],
    *,
    exclude: set[str],
    now: datetime,
    on_disk: Callable[[JobRecord], bool] = lambda job: False,
) -> JobRecord | None:
    """The newest job of this identity worth adopting instead of paying again: running, or
    succeeded with a product that has not expired or that ``on_disk`` says is already here —
    and not one this record already counts."""
    for job in candidates:
        if job.job_id in exclude:
            continue
        if job.running() or (job.succeeded() and (not job.expired(now) or on_disk(job))):
            return job
    return None


def intent_job(
    attrs: Hyp3JobAttributes, candidates: list[JobRecord], *, exclude: set[str]
) -> JobRecord | None:
    """The job an open intent (or an uncertain POST) created, whatever its status: the newest job
    of the identity requested after the intent was recorded (clocks allowed to differ)."""
    intent_at = parse_time(attrs.get("intent_at"))
    for job in candidates:
        if job.job_id in exclude:
            continue
        if intent_at is None or job.request_time >= intent_at - LISTING_MARGIN:
            return job
    return None


def attempts_of(record: Record | None, identity: str) -> int:
    """Charged jobs of this identity: what `max_attempts` counts."""
    if record is None:
        return 0
    return sum(1 for a in hyp3_attributes(record).get("attempts", []) if a.get("identity") == identity)


def failure_reason(job: JobRecord) -> str:
    if job.logs:
        from insarproj.endpoints import redact_url

        return f"see the log {redact_url(job.logs[0])}"
    return "HyP3 gave no reason"


@dataclass(frozen=True)
class Verdict:
    """What a plan does with a job resource: wait, submit (new) or replace (changed config), adopt
    or refresh a listed job, or count a failure (resubmitted within max_attempts, else failed)."""

    step: Literal["wait", "submit", "replace", "adopt", "refresh", "after_failure"]
    reason: str
    # The listed job is not yet among the record's attempts: it was charged, so it counts now.
    newly_charged: bool = False


def decide_open(
    status: str,
    attrs: Hyp3JobAttributes,
    job: JobRecord | None,
    *,
    now: datetime,
    lag: timedelta,
    product_on_disk: Callable[[], bool],
) -> Verdict:
    """The plan's verdict on an open record. ``job`` is the record's job as the listing shows it
    (None: not listed); ``now`` and the intent time are both on HyP3's clock."""
    if job is None:
        intent_at = parse_time(attrs.get("intent_at"))
        if intent_at is not None and now - intent_at < lag:
            return Verdict("wait", "submitted moments ago and not listed yet (HyP3's listing lags)")
        return Verdict("submit", "an earlier submission never reached HyP3")
    charged = job.job_id not in counted_in(attrs)
    if job.running():
        if status == "submitted":
            return Verdict("wait", f"job {job.status_code}", charged)
        found = f"job {job.job_id} of an interrupted submission found on HyP3 ({job.status_code})"
        return Verdict("adopt", found, charged)
    if job.succeeded():
        if job.expired(now) and not product_on_disk():
            assert job.expiration_time is not None  # expired() needs one
            expired = f"product expired {job.expiration_time:%Y-%m-%d} before it was downloaded"
            return Verdict("after_failure", expired, charged)
        return Verdict("refresh", "job SUCCEEDED", charged)
    # FAILED: charged anyway; resubmitted only within max_attempts, as a visible plan line.
    return Verdict("after_failure", f"job FAILED ({failure_reason(job)})", charged)


def decide_recorded(
    record: Record | None,
    identity: str,
    parameters: Mapping[str, Any],
    *,
    clock: Callable[[], datetime],
    held: Callable[[], bool],
    product_on_disk: Callable[[], bool],
) -> Verdict | None:
    """The plan's verdict on a job resource from its record alone (None: nothing to do). Open
    records of this identity are not decided here: they need the listing (`decide_open`). The
    callables are asked only when the answer depends on them (HyP3's clock, the hold of recent
    acquisitions, a stat of the product folder)."""
    if record is None:
        return None if held() else Verdict("submit", "not submitted")
    attrs = hyp3_attributes(record)
    if attrs.get("identity") != identity:
        old = attrs.get("request", {}).get("job_parameters", {})
        return Verdict("replace", f"config changed: {param_diff(old, parameters)}")
    if record["status"] == "succeeded":
        expires = parse_time(attrs.get("expiration_time"))
        if expires is not None and expires <= clock() and not product_on_disk():
            return Verdict("after_failure", f"product expired {expires:%Y-%m-%d} before it was downloaded")
        return None
    # Recorded FAILED: shown on every plan (offline too) until a change or a retry.
    return Verdict("after_failure", f"job FAILED ({recorded_reason(attrs)})")


def param_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """The changed job parameters in words (granules are the pair's own business)."""
    changes = [
        f"{k} {old.get(k)!r} → {new.get(k)!r}"
        for k in sorted(set(old) | set(new))
        if k not in ("granules", "reference", "secondary") and old.get(k) != new.get(k)
    ]
    return ", ".join(changes) or "granules changed"


def recorded_reason(attrs: Hyp3JobAttributes) -> str:
    logs = attrs.get("logs") or []
    return f"see the log {logs[0]}" if logs else "HyP3 gave no reason"


@dataclass(frozen=True)
class LiveDecision:
    """What apply does with one planned submission after listing HyP3 again just before the POST."""

    op: Literal["adopt", "hold", "post"]
    job: JobRecord | None = None
    reason: str = ""


def decide_submission(
    record: Record | None,
    identity: str,
    candidates: list[JobRecord],
    *,
    now: datetime,
    lag: timedelta,
    on_disk: Callable[[JobRecord], bool] = lambda job: False,
    settled: set[str] | None = None,
) -> LiveDecision:
    """Adopt an identical job instead of paying twice (for an open intent: the job it created,
    whatever its status); hold an intent younger than the listing lag; otherwise POST.
    ``settled``: jobs of the record's intent that apply records before deciding (plan's view of
    apply's `found_job`): they count as attempts, and the intent is no longer open."""
    counted = counted_job_ids(record) | (settled or set())
    attrs = hyp3_attributes(record) if record is not None else None
    is_open = record is not None and record["status"] in UNCERTAIN_STATUSES and not settled
    if attrs is not None and is_open and attrs.get("identity") == identity:
        job = intent_job(attrs, candidates, exclude=counted)
    else:
        job = adoptable(candidates, exclude=counted, now=now, on_disk=on_disk)
    if job is not None:
        return LiveDecision("adopt", job, f"adopted existing job {job.job_id}")
    intent_at = parse_time(attrs.get("intent_at")) if attrs is not None else None
    if is_open and intent_at and now - intent_at < lag:
        return LiveDecision("hold", None, "submitted moments ago; waiting for HyP3's listing to show it")
    return LiveDecision("post")
