"""`hyp3_job.<stack>.<key>`: one HyP3 job per pair, never submitted twice (docs/safety.md).

Submission protocol (the only non-idempotent call insarproj makes):

1. Before submitting, list the project's jobs on HyP3 (`name` = project name, `start` bounded by
   the oldest open intent) and adopt every job whose identity (job type, ordered granules,
   parameters after defaults) matches a planned one.
2. Record the intent (identity, time) durably — one journal line per chunk of ≤ 200 jobs.
3. POST the chunk once. Accepted: record the job ids at once. Rejected with a 4xx (nothing was
   created: credits, validation): record that and report the server's words. Timed out or 5xx:
   it may have succeeded, so it is never retried blindly — the intents become "unknown" and the
   next plan resolves them by listing.
4. An intent younger than a minute that no listing shows is waited on, not resubmitted (HyP3's
   listing is eventually consistent); an older one that never reached HyP3 is submitted again.
   A job the listing does show for an intent is recorded the moment it is seen, whatever its
   status. Every such window is measured on HyP3's clock (the `Date` header the client reads,
   the jobs' `request_time`), never only on the local one.

Status is refreshed in bulk (one paged listing per plan, never one GET per job), and recorded as
one journal line per refresh. FAILED jobs are resubmitted up to `max_attempts` per job identity,
each resubmission a plan line showing its cost; so is a product that expired before it was
downloaded, and a parameter change ("replace", with the cost). Past `max_attempts` the job is
failed for good (Op.FAILED): shown on every plan with its reason until project.toml changes or
`--retry-failed` gives it one more attempt.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from insarproj.engine.context import ApplyContext, PlanContext
from insarproj.engine.model import Action, Desired, Op, Outcome, Plan, ResourceKind
from insarproj.engine.planner import in_target_scope
from insarproj.errors import AuthError, InsarprojError, ProviderError
from insarproj.kinds.hyp3_credits import account_note, charged, hold_back, offline_note, settle
from insarproj.kinds.hyp3_protocol import (
    LISTING_MARGIN,
    Verdict,
    adoptable,
    attempts_of,
    counted_in,
    decide_open,
    decide_recorded,
    decide_submission,
    intent_job,
    parse_time,
)
from insarproj.kinds.pairs import PairKind
from insarproj.state import op_put, utcnow
from insarproj.state.lazy import peek
from insarproj.state.records import Hyp3JobAttributes, JournalOp, PutOp, Record, hyp3_attributes

# HyP3's job listing is eventually consistent: an intent younger than this that no listing shows
# is waited on, not resubmitted. INSARPROJ_HYP3_LISTING_LAG (seconds) overrides it for
# deployments whose listings are immediate (the sandbox, tests).
DEFAULT_LISTING_LAG = timedelta(seconds=60)


def listing_lag() -> timedelta:
    import os

    raw = os.environ.get("INSARPROJ_HYP3_LISTING_LAG", "").strip()
    try:
        return timedelta(seconds=float(raw)) if raw else DEFAULT_LISTING_LAG
    except ValueError:
        return DEFAULT_LISTING_LAG


OPEN_STATUSES = ("intent", "unknown", "submitted")
# Plan observation: job address -> job id of each job recorded SUCCEEDED, with files, that needs
# nothing (kinds/products.py reads it instead of building the record again, state/lazy.py).
SUCCEEDED_JOBS = "hyp3.succeeded"
# Actions that only record what the listing showed: a finished job, a job failed for good, the job
# of an interrupted submission (recorded the moment it is seen, whatever its status).
RECORDING_OPS = (Op.REFRESH, Op.FAILED, Op.ADOPT)
EXPIRY_WARNING = timedelta(days=3)
FOUND_ON_HYP3 = "found on HyP3, submitted by an earlier apply or a clone"
# Plan lines of job resources: each is one interferogram; a finished job's record is bookkeeping
# (its product's download is what the headline counts).
JOB_UNIT = "interferogram"


def _now(ctx: PlanContext | ApplyContext) -> datetime:
    fixed: datetime | None = getattr(ctx, "now", None)
    return fixed or datetime.now(UTC)


def _hyp3_now(ctx: PlanContext | ApplyContext) -> datetime:
    """Now on HyP3's clock: every eventual-consistency window is measured on it (docs/safety.md), so a
    client clock off by days cannot resubmit or misadopt. The HyP3 client measures the offset from
    the server's `Date` header; before any HyP3 response (a converged project, --offline) the local
    clock stands in — it then only decides product expiry, where a day's error is harmless."""
    registries = [getattr(ctx, "write", None), ctx.read]
    for registry in registries:
        client = registry.built_one("hyp3") if registry is not None else None
        if client is not None and getattr(client, "clock_offset", None) is not None:
            server_now: datetime = client.server_now()
            return server_now
    return _now(ctx)


def hyp3_config(project: Any) -> Any:
    processor = project.config.processor
    if processor.hyp3 is None and processor.aria is not None:
        return processor.aria.hyp3_settings()  # on-demand ARIA_S1_GUNW jobs (kinds/aria_jobs.py)
    return processor.hyp3


def job_address(pair_address: str) -> str:
    # Interned: the same string object as the state's key (state/sharing.py), not a copy per plan.
    # Sliced at the first dot (no list per call: asked for every pair).
    return sys.intern("hyp3_job" + pair_address[pair_address.index(".") :])


def product_address(pair_address: str) -> str:
    return sys.intern("product" + pair_address[pair_address.index(".") :])


def build_request(project: Any, pair_spec: dict[str, Any]) -> Any:
    from insarproj.hyp3 import build_job_request

    config = hyp3_config(project)
    return build_job_request(
        config.job_type,
        reference=pair_spec["reference"],
        secondary=pair_spec["secondary"],
        parameters=config.job_parameters(),
        name=project.config.project.name,
        validate_body=False,
    )


def _job_parameters(ctx: PlanContext) -> dict[str, Any]:
    """The configuration's job parameters after defaults, once per plan."""
    parameters = ctx.observations.get("hyp3.job_parameters")
    if parameters is None:
        parameters = ctx.observations["hyp3.job_parameters"] = hyp3_config(ctx.project).job_parameters()
    return cast(dict[str, Any], parameters)


def _with_request(spec: dict[str, Any], ctx: PlanContext) -> None:
    """Fill in the job request of a desired job (built and checked once, when it gets an action)."""
    if spec["request"] is None:
        pairs = ctx.observations.get("hyp3.pair_specs")
        if pairs is None:
            pairs = ctx.observations["hyp3.pair_specs"] = {
                d.address: d.spec for d in ctx.desired_of(PairKind.kind)
            }
        spec["request"] = build_request(ctx.project, pairs[spec["pair"]]).to_payload()


def pair_identity(project: Any) -> Callable[[dict[str, Any]], str]:
    """The job identity of a pair, computed from the job parameters canonicalised once per plan and
    the pair's granules, without building a request per pair (docs/safety.md: the identity is job
    type, ordered granules, parameters after defaults). The first pair is also computed the slow way
    (a request); should they ever differ, every pair is (the fast path is an optimisation only)."""
    from insarproj.hyp3 import identity_of_request
    from insarproj.hyp3.identity import canonical_parameters, identity_template

    config = hyp3_config(project)
    job_type = config.job_type
    base = canonical_parameters(job_type, config.job_parameters())
    input_names = tuple(n for n, p in config.job_spec().parameters.items() if p.is_input)
    one_granule_each = input_names == ("granules",)
    # The inputs `fast` fills are exactly the spec's (decided once, not per pair).
    splices_all = one_granule_each or set(input_names) == {"reference", "secondary"}
    spliced = identity_template(job_type, base, input_names)

    def slow(pair_spec: dict[str, Any]) -> str:
        return identity_of_request(build_request(project, pair_spec))

    def fast(pair_spec: dict[str, Any]) -> str:
        reference, secondary = pair_spec["reference"], pair_spec["secondary"]
        if not (splices_all and type(reference) is list and type(secondary) is list):
            return slow(pair_spec)
        if one_granule_each:
            if len(reference) != 1 or len(secondary) != 1:
                return slow(pair_spec)  # refused by build_request, with its message
            inputs: dict[str, Any] = {"granules": [reference[0], secondary[0]]}
        else:
            inputs = {"reference": reference, "secondary": secondary}  # only read
        return str(spliced(inputs))

    chosen: list[Callable[[dict[str, Any]], str]] = []

    def identity(pair_spec: dict[str, Any]) -> str:
        if not chosen:
            value = slow(pair_spec)
            chosen.append(fast if fast(pair_spec) == value else slow)
            return value
        return chosen[0](pair_spec)

    return identity


def _cost_table(ctx: PlanContext) -> Any:
    """Live /costs when online (cached per plan), the bundled snapshot offline or on failure."""
    from insarproj.hyp3 import CostTable

    cached = ctx.observations.get("hyp3.costs")
    if cached is None:
        cached = CostTable.bundled()
        if not ctx.options.offline:
            # On failure the bundled table stands, labelled "bundled": the plan says so.
            with contextlib.suppress(InsarprojError):
                cached = ctx.read.get("hyp3").costs()
        ctx.observations["hyp3.costs"] = cached
    return cached


def _listing(ctx: PlanContext) -> dict[str, Any] | None:
    """The project's jobs on HyP3 (one paged listing per plan, made only when an open job needs
    its status or a submission may be adopted instead); None offline."""
    if "hyp3.listing" in ctx.observations:
        observed: dict[str, Any] | None = ctx.observations["hyp3.listing"]
        return observed
    listing: dict[str, Any] | None = None
    if not ctx.options.offline:
        ctx.notify("Listing the project's HyP3 jobs (one paged listing)…")
        name = ctx.project.config.project.name
        listing = index_jobs(ctx.read.get("hyp3").list_project_jobs(name, start=_plan_listing_start(ctx)))
    ctx.observations["hyp3.listing"] = listing
    return listing


LISTING_FAILED = "hyp3.listing_failed"


def _adoption_listing(ctx: PlanContext) -> dict[str, Any] | None:
    """The listing, for pricing a submission; None offline or when it failed. A failed listing
    does not stop the plan (apply lists again before any POST, and stops there on an error): the
    plan says its prices assume HyP3 has none of the jobs, and the listing is not retried per job."""
    if LISTING_FAILED in ctx.observations:
        return None
    try:
        return _listing(ctx)
    except InsarprojError as exc:
        ctx.observations[LISTING_FAILED] = exc
        return None


def _plan_listing_start(ctx: PlanContext) -> datetime | None:
    """Where plan's one listing starts: at the oldest open intent, unless a job resource has no
    record (a lost state, a clone, a pair that returned): its job, if any, may be of any age."""
    records = ctx.state.by_kind(Hyp3JobKind.kind)
    if any(d.address not in records for d in ctx.desired_of(Hyp3JobKind.kind)):
        return None
    return listing_start(r for r in records.values() if r["status"] in OPEN_STATUSES)


def listing_start(records: Iterable[Record | None]) -> datetime | None:
    """Where a listing of the project's jobs must start to see every job of these records: the
    oldest intent, less a margin for clocks that differ; None lists everything."""
    starts = [parse_time(r["attributes"].get("intent_at")) for r in records if r]
    known = [s for s in starts if s is not None]
    return min(known) - LISTING_MARGIN if known else None


def index_jobs(jobs: Iterable[Any]) -> dict[str, Any]:
    from insarproj.hyp3 import identity_of_record

    by_id: dict[str, Any] = {}
    by_identity: dict[str, list[Any]] = {}
    for job in jobs:
        by_id[job.job_id] = job
        try:
            by_identity.setdefault(identity_of_record(job), []).append(job)
        except InsarprojError:
            continue  # a job of another type or shape under the same name: not ours to adopt
    for candidates in by_identity.values():
        candidates.sort(key=lambda j: j.request_time, reverse=True)
    return {"by_id": by_id, "by_identity": by_identity}


def _product_on_disk(ctx: PlanContext, spec: dict[str, Any]) -> bool:
    """The pair's product is on disk, made by the current job and intact (stat check): an expired
    job whose product is stale or damaged must be resubmitted, since HyP3 no longer serves it."""
    from insarproj.kinds.products import product_in_place  # products imports this module

    if "gunw_product" in spec:  # an on-demand ARIA_S1_GUNW job: its product is a GUNW file
        from insarproj.kinds.aria_jobs import gunw_in_place

        return gunw_in_place(spec["gunw_product"], ctx)
    return product_in_place(job_address(spec["pair"]), ctx)


def _product_on_disk_for(project: Any, address: str, job: Any) -> bool:
    """Whether a listed job's product is already intact on disk (a recovered state): such a job
    is adopted even after HyP3 deleted its product, instead of being paid for again."""
    from insarproj.kinds.products import on_disk_product  # products imports this module

    # Only the layers kept now must be there (a product trimmed after a keep_layers change).
    files = _job_result(job.raw)["files"]
    return on_disk_product(project.data_dir, address, files, hyp3_config(project).keep_layers) is not None


class _Step:
    """Builds the one action a job resource gets in a plan; prices submissions only (a status
    check needs no /costs request)."""

    def __init__(self, kind: str, desired: Desired, ctx: PlanContext) -> None:
        self.kind, self.desired, self.ctx = kind, desired, ctx
        self.payload: dict[str, Any] = dict(desired.spec)

    def found(self, job: Any, *, record: bool) -> None:
        """The listing shows this resource's job: act on it, and record it before anything else
        (``found_job``) when state does not have it yet."""
        self.payload["job"] = job.raw
        if record:
            self.payload["found_job"] = job.raw

    def act(self, op: Op, reason: str) -> Action:
        return Action(
            address=self.desired.address,
            kind=self.kind,
            op=op,
            reason=reason,
            depends_on=list(self.desired.depends_on),
            unit=JOB_UNIT,
            internal=op is Op.REFRESH,
            payload=dict(self.payload),
        )

    def wait(self, reason: str) -> Action:
        return self.act(Op.WAIT, reason)

    def submit(self, op: Op, reason: str) -> Action:
        instead = self._found_on_hyp3()
        if instead is not None:
            return instead
        spec = self.desired.spec
        cost = _cost_table(self.ctx).cost(spec["request"]["job_type"], spec["request"]["job_parameters"])
        action = self.act(op, reason)
        action.payload.pop("job", None)  # a submission carries only the job it replaces (found_job)
        return action.model_copy(update={"credits": cost, "remote": True})

    def _found_on_hyp3(self) -> Action | None:
        """What apply will do instead of paying: adopt the job of this identity the project's
        listing shows (or wait for a fresh intent to appear), decided exactly as apply decides it
        just before its POST (`decide_submission`). None: apply submits. Offline: not checked."""
        if self.ctx.options.offline:
            return None  # not checked: the plan's notes say so
        address, identity = self.desired.address, self.desired.spec["identity"]
        if not in_target_scope(address, self.ctx):
            return None  # --target leaves this submission out: no listing on its account
        listing = _adoption_listing(self.ctx)
        if listing is None:
            return None
        found = self.payload.get("found_job")
        decision = decide_submission(
            self.ctx.state.get(address),
            identity,
            listing["by_identity"].get(identity, []),
            now=_hyp3_now(self.ctx),
            lag=listing_lag(),
            on_disk=lambda job: _product_on_disk_for(self.ctx.project, address, job),
            settled={found["job_id"]} if found else None,
        )
        if decision.op == "hold":
            return self.wait(decision.reason)
        if decision.op == "post":
            return None
        job = decision.job
        assert job is not None
        self.ctx.observations.setdefault("hyp3.jobs", {})[address] = job
        self.ctx.observations.setdefault("observed.hyp3_jobs", {})[address] = {
            "status_code": job.status_code,
            "checked_at": utcnow(),
        }
        self.payload["job"], self.payload["adopt"] = job.raw, True
        action = self.act(Op.ADOPT, f"{FOUND_ON_HYP3} (job {job.job_id}, {job.status_code})")
        return action.model_copy(update={"credits": 0.0})

    def follow(self, verdict: Verdict, used: int) -> Action:
        """The action of a protocol verdict on an open record."""
        if verdict.step == "wait":
            return self.wait(verdict.reason)
        if verdict.step == "submit":
            return self.submit(Op.CREATE, verdict.reason)
        if verdict.step == "replace":
            return self.submit(Op.REPLACE, verdict.reason)
        if verdict.step == "adopt":
            return self.act(Op.ADOPT, verdict.reason)
        if verdict.step == "refresh":
            return self.act(Op.REFRESH, verdict.reason)
        return self.after_failure(verdict.reason, used)

    def after_failure(self, why: str, used: int) -> Action:
        """A failed or expired job: resubmitted within max_attempts (or once more on
        --retry-failed) as a plan line with its cost; otherwise failed for good."""
        limit = hyp3_config(self.ctx.project).max_attempts
        if used < limit:
            return self.submit(Op.REPLACE, f"{why}, attempt {used + 1} of {limit}")
        if self.ctx.options.retry_failed:
            return self.submit(
                Op.REPLACE, f"{why}; attempt {used + 1} (beyond max_attempts {limit}) on --retry-failed"
            )
        return self.act(Op.FAILED, f"{why}; {used} of {limit} attempts used (max_attempts {limit})")


def _succeeded_in_sync(status: Any, attrs: Mapping[str, Any], identity: str, ctx: PlanContext) -> bool:
    """`decide_recorded`'s None for the common record, on a few of its values (its status and
    attributes, all of them or `_SETTLED_KEYS`): SUCCEEDED with this identity and not expired on
    HyP3's clock (no verdict object, no callables per job). False leaves the record to
    `decide_recorded`."""
    if status != "succeeded" or attrs.get("identity") != identity:
        return False
    expires = parse_time(attrs.get("expiration_time"))
    return expires is None or expires > _hyp3_now(ctx)


# What `Hyp3JobKind.settled` reads of a job's record: `_succeeded_in_sync`'s and the product's note.
_SETTLED_KEYS = ("identity", "expiration_time", "files", "job_id")


def _recorded_if_same(record: Record | None, identity: str) -> str:
    """``identity``, as the record's own string when it is the same: a plan at 20,000 scenes then
    holds one copy of each of 60,000 hashes, not two."""
    recorded = record["attributes"].get("identity") if record is not None else None
    return recorded if recorded == identity else identity


class Hyp3JobKind(ResourceKind):
    kind = "hyp3_job"

    def desired(self, ctx: PlanContext) -> Iterable[Desired]:
        identity = pair_identity(ctx.project)
        # A lazy state builds a record per access (state/lazy.py): its identity is then no saving.
        recorded = None if ctx.state.lazy else ctx.state.get
        for pair in ctx.desired_of(PairKind.kind):
            address, pair_spec = job_address(pair.address), pair.spec
            wanted = identity(pair_spec)
            yield Desired(
                address,
                {
                    "pair": pair.address,
                    "stack": pair_spec["stack"],
                    "reference_date": pair_spec["reference_date"],
                    "secondary_date": pair_spec["secondary_date"],
                    "temporal_baseline": pair_spec["temporal_baseline"],
                    "bperp": pair_spec["bperp"],
                    # Built (and checked) by assess only for a job that gets an action: a job that
                    # SUCCEEDED with this identity long ago needs no request.
                    "request": None,
                    "identity": wanted if recorded is None else _recorded_if_same(recorded(address), wanted),
                },
                (pair.address,),
            )

    settles = True

    def settled(self, desired: Desired, recorded: Mapping[str, Record], ctx: PlanContext) -> bool:
        """`assess`'s first case (SUCCEEDED with this identity, not expired) on four values of the
        record, read without building it (its request, filled from `common`, is most of it)."""
        found = peek(recorded, desired.address, _SETTLED_KEYS)
        return found is not None and self._succeeded(desired, found[0], found[1], ctx)

    def _succeeded(self, desired: Desired, status: Any, attrs: Mapping[str, Any], ctx: PlanContext) -> bool:
        if not _succeeded_in_sync(status, attrs, desired.spec["identity"], ctx):
            return False
        if attrs.get("files"):  # what the product kind needs of it: it need not build it again
            ctx.observations.setdefault(SUCCEEDED_JOBS, {})[desired.address] = attrs.get("job_id")
        return True

    def assess(self, desired: Desired, record: Record | None, ctx: PlanContext) -> Action | None:
        spec = desired.spec
        identity = spec["identity"]
        if record is not None and self._succeeded(desired, record["status"], hyp3_attributes(record), ctx):
            return None
        if (
            record is not None
            and record["status"] in OPEN_STATUSES
            and hyp3_attributes(record).get("identity") == identity
        ):
            _with_request(spec, ctx)
            return self._assess_open(_Step(self.kind, desired, ctx), record, attempts_of(record, identity))
        verdict = decide_recorded(
            record,
            identity,
            _job_parameters(ctx),  # a changed one is named (granules are the pair's business)
            clock=lambda: _hyp3_now(ctx),
            held=lambda: self._held(spec, ctx),
            product_on_disk=lambda: _product_on_disk(ctx, spec),
        )
        # None is the common case of a converged project: no request built, no cost lookup.
        if verdict is None:
            attrs = hyp3_attributes(record) if record is not None else None
            if record is not None and record["status"] == "succeeded" and attrs and attrs.get("files"):
                # What the product kind needs of it, so it need not build the record again.
                ctx.observations.setdefault(SUCCEEDED_JOBS, {})[desired.address] = attrs.get("job_id")
            return None
        _with_request(spec, ctx)
        return _Step(self.kind, desired, ctx).follow(verdict, attempts_of(record, identity))

    def _assess_open(self, step: _Step, record: Record, used: int) -> Action:
        """An intent, an uncertain POST or a submitted job: what the listing says about it."""
        ctx, status, attrs = step.ctx, record["status"], hyp3_attributes(record)
        listing = _listing(ctx)
        if listing is None:
            seen = ctx.observed.get("hyp3_jobs", {}).get(step.desired.address, {}).get("status_code", status)
            return step.wait(f"not checked (--offline); last seen {seen}")
        job = self._find(attrs, listing, ctx, status)
        if job is not None:
            ctx.observations.setdefault("hyp3.jobs", {})[step.desired.address] = job
            ctx.observations.setdefault("observed.hyp3_jobs", {})[step.desired.address] = {
                "status_code": job.status_code,
                "checked_at": utcnow(),
            }
            # A job the listing shows for an open intent is recorded the moment it is seen.
            step.found(job, record=status != "submitted")
        # Both times on HyP3's clock: the intent was recorded in server time (docs/safety.md).
        verdict = decide_open(
            status,
            attrs,
            job,
            now=_hyp3_now(ctx),
            lag=listing_lag(),
            product_on_disk=lambda: _product_on_disk(ctx, step.desired.spec),
        )
        return step.follow(verdict, used + verdict.newly_charged)

    def _held(self, spec: dict[str, Any], ctx: PlanContext) -> bool:
        hold: int = hyp3_config(ctx.project).hold_recent_days
        if not hold:
            return False
        secondary = date.fromisoformat(spec["secondary_date"])
        return (_now(ctx).date() - secondary).days < hold

    def _find(
        self, attrs: Hyp3JobAttributes, listing: dict[str, Any], ctx: PlanContext, status: str
    ) -> Any | None:
        job_id = attrs.get("job_id")
        if status == "submitted" and job_id:
            job = listing["by_id"].get(job_id)
            if job is None:
                # Not in the window we listed (e.g. a clock far off): one direct look.
                job = ctx.read.get("hyp3").get_job(job_id)
            return job
        # An open intent or an uncertain POST: its job, if HyP3 has it, whatever its status.
        return intent_job(
            attrs,
            listing["by_identity"].get(attrs["identity"], []),
            exclude=counted_in(attrs),
        )

    def orphan(self, address: str, record: Record, ctx: PlanContext) -> Action | None:
        # HyP3 has no cancel: the job stays on HyP3 (and is adopted again if the pair returns).
        return Action(
            address=address,
            kind=self.kind,
            op=Op.FORGET,
            reason="pair left the network; the job stays on HyP3",
            unit=JOB_UNIT,
        )

    def finish(self, actions: list[Action], ctx: PlanContext) -> list[str]:
        """Scope the credits to the selected plan: submissions beyond what the account and
        `max_credits` allow now are held back (in apply's connect-early order), and the account
        note states what this plan spends (docs/cli.md, "Credits")."""
        submissions = [a for a in actions if a.kind == self.kind and a.op in (Op.CREATE, Op.REPLACE)]
        notes: list[str] = []
        if ctx.options.offline:
            notes.extend(offline_note(submissions))
        elif LISTING_FAILED in ctx.observations and submissions:
            notes.append(
                f"could not list the project's HyP3 jobs ({ctx.observations[LISTING_FAILED]}): the "
                "submissions are priced as if HyP3 had none of them; apply lists them again before "
                "submitting anything"
            )
        if not submissions:
            return notes
        user = None
        if not ctx.options.offline:
            try:
                user = ctx.read.get("hyp3").user()
            except InsarprojError as exc:
                notes.append(f"HyP3 account not checked ({exc}); apply checks it before submitting anything")
        max_credits = hyp3_config(ctx.project).max_credits
        hold_back(_connect_early(submissions), user, max_credits)
        if user is not None:
            notes.append(account_note(user, submissions, max_credits))
        return notes

    def notes(self, ctx: PlanContext) -> list[str]:
        notes = []
        config = hyp3_config(ctx.project)
        table = ctx.observations.get("hyp3.costs")
        if table is not None and table.source != "live":
            notes.append(
                "HyP3 credit costs are from insarproj's bundled table (the live /costs was not read)"
            )
        if config.hold_recent_days:
            held = [
                d
                for d in ctx.desired_of(PairKind.kind)
                if self._held({"secondary_date": d.spec["secondary_date"]}, ctx)
                and ctx.state.get(job_address(d.address)) is None
            ]
            if held:
                notes.append(
                    f"{len(held)} pairs held until their later date is {config.hold_recent_days} days old"
                )
        return notes

    # -- apply ------------------------------------------------------------------------------
    def after_apply(self, contexts: list[ApplyContext]) -> list[str]:
        """ "HyP3 credits spent: N, credits left: M" after an apply that submitted or adopted jobs
        (the account is read after the last POST)."""
        batches = [c.shared["hyp3.batch"] for c in contexts if "hyp3.batch" in c.shared]
        if not any(b.posted or b.adopted for b in batches):
            return []
        spent, refunded = charged(contexts[-1].state, {k: v for b in batches for k, v in b.charges.items()})
        adopted = sum(b.adopted for b in batches)
        try:
            left = f"{contexts[-1].write.get('hyp3').user().remaining_credits:g}"
        except InsarprojError as exc:
            left = f"not read ({exc})"
        line = f"HyP3 credits spent: {spent:g}, credits left: {left}"
        if adopted:
            line += f" ({adopted} jobs adopted from HyP3 at no cost)"
        if refunded:  # HyP3 answered a job from its archive: its product already existed
            line += f" ({refunded:g} refunded for products that already existed)"
        return [line + "."]

    def execute(self, action: Action, ctx: ApplyContext) -> Outcome:
        if action.op is Op.FORGET:
            from insarproj.state import op_delete

            return Outcome(ops=[op_delete(action.address)])
        if action.op in RECORDING_OPS:
            return _batch(ctx).refresh(action)
        return _batch(ctx).submit(action)


# --- apply: batches of refreshes and submissions --------------------------------------------


def _batch(ctx: ApplyContext) -> _Hyp3Batch:
    return ctx.shared_object("hyp3.batch", lambda: _Hyp3Batch(ctx))


class _Hyp3Batch:
    """Handles every HyP3 action of one apply round together: chunked POSTs, one journal line
    per chunk and per refresh. Each action's execute returns its own part of the result."""

    def __init__(self, ctx: ApplyContext) -> None:
        self.ctx = ctx
        self.lock = threading.Lock()
        self.results: dict[str, Outcome | InsarprojError] = {}
        self.spent = 0.0
        self.charges: dict[str, tuple[str, float]] = {}  # job id -> (address, the POST's cost)
        self.posted = False  # a POST was sent (whatever its outcome): the account is worth reading
        self.adopted = 0  # jobs adopted from HyP3 instead of submitted

    def _plan(self) -> Plan:
        plan: Plan = self.ctx.shared["plan"]
        return plan

    def _take(self, address: str) -> Outcome:
        result = self.results.pop(address)
        if isinstance(result, InsarprojError):
            raise result
        return result

    # refresh --------------------------------------------------------------------------------
    def refresh(self, action: Action) -> Outcome:
        with self.lock:
            if action.address not in self.results:
                refreshes = [
                    a
                    for a in self._plan().actions
                    if a.kind == Hyp3JobKind.kind and a.op in RECORDING_OPS and a.address not in self.results
                ]
                refreshes = self._recheck_adoptions(refreshes)
                ops = []
                for item in refreshes:
                    job = item.payload.get("job")
                    if job is None:  # failed for good and already recorded: nothing to write
                        self.results[item.address] = Outcome()
                        continue
                    ops.append(_job_record_op(item.address, item.payload, self.ctx))
                    self.adopted += bool(item.payload.get("adopt"))
                    running = job["status_code"] in ("PENDING", "RUNNING")
                    self.results[item.address] = Outcome(waiting=running, message=f"job {job['status_code']}")
                if ops:
                    self.ctx.writer.record(ops)  # one line for the whole refresh
            return self._take(action.address)

    def _recheck_adoptions(self, refreshes: list[Action]) -> list[Action]:
        """The jobs a plan adopts (`<=`, 0 credits) are looked up again (one listing) before they
        are recorded: a saved plan may be applied long after it was made. One that HyP3 no longer
        lists, or that is no longer worth adopting (its product expired, it FAILED), is refused:
        paying for it again needs a plan that shows the cost (docs/safety.md, "Saved plans")."""
        adoptions = [a for a in refreshes if a.payload.get("adopt")]
        if not adoptions:
            return refreshes
        client = self.ctx.write.get("hyp3")
        listed = index_jobs(client.list_project_jobs(self.ctx.project.config.project.name))["by_id"]
        now = client.server_now()
        refused: set[str] = set()
        for a in adoptions:
            job = listed.get(a.payload["job"]["job_id"])
            on_disk = self._product_on_disk_for(a)
            if job is not None and adoptable([job], exclude=set(), now=now, on_disk=on_disk) is not None:
                a.payload["job"] = job.raw  # its status now
                continue
            state = "no longer listed" if job is None else f"now {job.status_code}, product not downloadable"
            refused.add(a.address)
            self.results[a.address] = ProviderError(
                f"job {a.payload['job']['job_id']} that the plan adopts at no cost is {state} on HyP3",
                service="hyp3",
                hint="run `insarproj plan` again: it shows the submission this needs, with its cost",
            )
        return [a for a in refreshes if a.address not in refused]

    # submit ---------------------------------------------------------------------------------
    def submit(self, action: Action) -> Outcome:
        with self.lock:
            if action.address not in self.results:
                self._submit_ready()
            if action.address not in self.results:
                # Its pair was not recorded when the batch ran; submit it on its own now.
                self._submit_ready(only=action.address)
            return self._take(action.address)

    def _ready(self, only: str | None) -> list[Action]:
        state = self.ctx.writer.state
        ready = []
        for a in self._plan().actions:
            if a.kind != Hyp3JobKind.kind or a.op not in (Op.CREATE, Op.REPLACE) or a.address in self.results:
                continue
            if only is not None and a.address != only:
                continue
            if all(state.get(dep) is not None for dep in a.depends_on):
                ready.append(a)
        return ready

    def _await_pairs(self, timeout: float = 10.0) -> None:
        """Pairs are bookkeeping recorded in milliseconds; wait for those the plan's submissions
        depend on, so that one batch (in chunks of 200, connect-early order) carries them all."""
        import time

        pending = {
            dep
            for a in self._plan().actions
            if a.kind == Hyp3JobKind.kind
            and a.op in (Op.CREATE, Op.REPLACE)
            and a.address not in self.results
            for dep in a.depends_on
        }
        deadline = time.monotonic() + timeout
        state = self.ctx.writer.state
        while time.monotonic() < deadline and not self.ctx.cancel.is_set():
            pending = {dep for dep in pending if state.get(dep) is None}
            if not pending:
                return
            time.sleep(0.01)

    def _submit_ready(self, only: str | None = None) -> None:
        if only is None:
            self._await_pairs()
        actions = self._ready(only)
        if not actions:
            return
        client = self.ctx.write.get("hyp3")
        self._record_found(actions)
        records = {a.address: self.ctx.writer.state.get(a.address) for a in actions}
        to_submit = self._adopt_or_hold(actions, records, client)
        if to_submit:
            self._post(self._within_budget(to_submit, client), records, client)

    def _record_found(self, actions: list[Action]) -> None:
        """The jobs the plan's listing showed for open intents are recorded first, whatever their
        status: the intent is settled, so no listing-lag hold applies to its resubmission."""
        ops = [
            _job_record_op(a.address, a.payload, self.ctx, raw=a.payload["found_job"])
            for a in actions
            if a.payload.get("found_job")
        ]
        if ops:
            self.ctx.writer.record(ops)

    def _product_on_disk_for(self, action: Action) -> Callable[[Any], bool]:
        project = self.ctx.project
        return lambda job: _product_on_disk_for(project, action.address, job)

    def _adopt_or_hold(
        self, actions: list[Action], records: dict[str, Record | None], client: Any
    ) -> list[Action]:
        """Live re-check: list what HyP3 has now and adopt identical jobs instead of paying twice;
        hold an intent the listing may not show yet. Returns what still needs a POST."""
        name = self.ctx.project.config.project.name
        listing = index_jobs(client.list_project_jobs(name, start=listing_start(records.values())))
        now = client.server_now()  # HyP3's clock, measured by that listing (docs/safety.md)
        adopt_ops, to_submit = [], []
        for a in actions:
            identity = a.payload["identity"]
            record = records[a.address]
            decision = decide_submission(
                record,
                identity,
                listing["by_identity"].get(identity, []),
                now=now,
                lag=listing_lag(),
                on_disk=self._product_on_disk_for(a),
            )
            if decision.op == "adopt":
                assert decision.job is not None
                adopt_ops.append(_submitted_op(a, record, decision.job, self.ctx, adopted=True))
                self.adopted += 1
                self.results[a.address] = Outcome(waiting=decision.job.running(), message=decision.reason)
            elif decision.op == "hold":
                # Not deferred work: `apply --wait` keeps waiting until the listing can tell.
                self.results[a.address] = Outcome(waiting=True, message=decision.reason)
            else:
                to_submit.append(a)
        if adopt_ops:
            self.ctx.writer.record(adopt_ops)
        return to_submit

    def _within_budget(self, to_submit: list[Action], client: Any) -> list[Action]:
        """The submissions the account may pay for now, in connect-early order; the rest deferred."""
        config = hyp3_config(self.ctx.project)
        user = client.user()
        if not user.approved():
            error = AuthError(
                f"the HyP3 account is not approved to submit jobs (application status "
                f"{user.application_status})",
                service="hyp3",
                hint="request access at https://hyp3-docs.asf.alaska.edu/using/requesting_access/",
            )
            for a in to_submit:
                self.results[a.address] = error
            return []
        budget = user.remaining_credits
        if config.max_credits is not None:
            budget = min(budget, config.max_credits - self.spent)
        fit: list[Action] = []
        for a in _connect_early(to_submit):
            cost = a.credits or 0.0
            if cost <= budget:
                fit.append(a)
                budget -= cost
            else:
                limit = (
                    "max_credits"
                    if config.max_credits is not None and budget < user.remaining_credits
                    else "credits"
                )
                self.results[a.address] = Outcome(
                    deferred=f"not enough {limit} left ({cost:g} needed, {max(budget, 0):g} available); "
                    "stays planned"
                )
        return fit

    def _post(self, fit: list[Action], records: dict[str, Record | None], client: Any) -> None:
        """POST in chunks of ≤ 200, each chunk's intents durable first (docs/safety.md)."""
        from insarproj.hyp3 import MAX_JOBS_PER_REQUEST, Hyp3RejectedError, Hyp3UncertainError, JobRequest

        writer = self.ctx.writer
        for start in range(0, len(fit), MAX_JOBS_PER_REQUEST):
            chunk = fit[start : start + MAX_JOBS_PER_REQUEST]
            # On HyP3's clock, like the request_time of the jobs it creates (docs/safety.md).
            intent_at = format_instant(client.server_now())
            writer.record([_intent_op(a, records[a.address], intent_at) for a in chunk])
            keys = ("job_type", "job_parameters", "name")
            requests = [JobRequest(**{k: a.payload["request"][k] for k in keys}) for a in chunk]
            self.posted = True
            try:
                jobs = client.submit(requests)
            except Hyp3UncertainError as exc:
                writer.record([_status_op(a, records[a.address], intent_at, "unknown") for a in chunk])
                for a in chunk:
                    self.results[a.address] = ProviderError(
                        f"the submission may or may not have reached HyP3 ({exc})",
                        service="hyp3",
                        hint="it is not retried blindly: the next `insarproj apply` lists HyP3's jobs "
                        "and adopts it",
                    )
                for a in fit[start + MAX_JOBS_PER_REQUEST :]:
                    self.results[a.address] = Outcome(
                        deferred="not submitted after an earlier chunk's uncertain outcome"
                    )
                return
            except Hyp3RejectedError as exc:
                # All or nothing: HyP3 created none of the chunk. Undo the intents.
                writer.record([_restore_op(a.address, records[a.address]) for a in chunk])
                for a in chunk:
                    self.results[a.address] = exc
                continue
            writer.record(
                [
                    _submitted_op(a, records[a.address], job, self.ctx, adopted=False, intent_at=intent_at)
                    for a, job in zip(chunk, jobs, strict=True)
                ]
            )
            for a, job in zip(chunk, jobs, strict=True):
                self.spent += _posted_cost(job, a)
                self.charges[job.job_id] = (a.address, _posted_cost(job, a))
                self.results[a.address] = Outcome(waiting=True, message=f"submitted job {job.job_id}")


def _posted_cost(job: Any, action: Action) -> float:
    return float(job.credit_cost if job.credit_cost is not None else (action.credits or 0.0))


def format_instant(when: datetime) -> str:
    """A state timestamp (UTC, microseconds, Z), as `utcnow()` writes them."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _connect_early(actions: list[Action]) -> list[Action]:
    """Submission order that connects each stack's network first (credits may not cover all)."""
    from insarproj.pairs import Pair, connect_early_order

    by_pair = {}
    pairs = []
    for a in actions:
        p = a.payload
        pair = Pair(
            stack_id=p.get("network", p["stack"]),  # ARIA jobs: one network per frame
            reference=date.fromisoformat(p["reference_date"]),
            secondary=date.fromisoformat(p["secondary_date"]),
            temporal_baseline=p["temporal_baseline"],
            bperp=p["bperp"],
            origin="sbas",
        )
        by_pair[(pair.stack_id, pair.key)] = a
        pairs.append(pair)
    return [by_pair[(p.stack_id, p.key)] for p in connect_early_order(pairs)]


def _count_attempt(
    attempts: list[dict[str, Any]],
    job_id: str,
    *,
    identity: str,
    submitted_at: str | None,
    credit_cost: float | None,
    adopted: bool,
) -> None:
    """Add a charged job to ``attempts`` (a fresh list, never one held by state) — once."""
    if all(a.get("job_id") != job_id for a in attempts):
        attempts.append(
            {
                "job_id": job_id,
                "identity": identity,
                "submitted_at": submitted_at,
                "credit_cost": credit_cost,
                "adopted": adopted,
            }
        )


def _base_attrs(action: Action, record: Record | None) -> dict[str, Any]:
    previous = record["attributes"] if record else {}
    attempts = list(previous.get("attempts", []))
    found = action.payload.get("found_job")
    if found:
        _count_attempt(
            attempts,
            found["job_id"],
            identity=action.payload["identity"],
            submitted_at=found.get("request_time"),
            credit_cost=found.get("credit_cost"),
            adopted=True,
        )
    return {
        "pair": action.payload["pair"],
        "identity": action.payload["identity"],
        "request": action.payload["request"],
        "attempts": attempts,
    }


def _intent_op(action: Action, record: Record | None, intent_at: str) -> PutOp:
    attrs = _base_attrs(action, record)
    attrs["intent_at"] = intent_at
    attrs["previous"] = record
    return op_put(action.address, Hyp3JobKind.kind, "intent", attrs)


def _status_op(action: Action, record: Record | None, intent_at: str, status: str) -> PutOp:
    attrs = _base_attrs(action, record)
    attrs["intent_at"] = intent_at
    attrs["previous"] = record
    return op_put(action.address, Hyp3JobKind.kind, status, attrs)


def _restore_op(address: str, record: Record | None) -> JournalOp:
    if record is None:
        from insarproj.state import op_delete

        return op_delete(address)
    return {"op": "put", "address": address, "record": record}


def _submitted_op(
    action: Action,
    record: Record | None,
    job: Any,
    ctx: ApplyContext,
    *,
    adopted: bool,
    intent_at: str | None = None,
) -> PutOp:
    attrs = _base_attrs(action, record)
    attrs["job_id"] = job.job_id
    attrs["intent_at"] = intent_at or job.request_time.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    _count_attempt(
        attrs["attempts"],
        job.job_id,
        identity=action.payload["identity"],
        submitted_at=job.request_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        credit_cost=job.credit_cost if job.credit_cost is not None else action.credits,
        adopted=adopted,
    )
    status = "succeeded" if job.succeeded() else "submitted"
    if job.succeeded():
        attrs.update(_job_result(job.raw))
    return op_put(action.address, Hyp3JobKind.kind, status, attrs)


def _job_result(raw: dict[str, Any]) -> dict[str, Any]:
    from insarproj.endpoints import redact_url

    return {
        "status_code": raw.get("status_code"),
        "expiration_time": raw.get("expiration_time"),
        "files": [
            {"filename": f["filename"], "url": redact_url(f["url"]), "size": f["size"]}
            for f in raw.get("files") or []
        ],
        "credit_cost": raw.get("credit_cost"),
        # The failure's reason, for plans made from state alone (failed for good, --offline).
        "logs": [redact_url(url) for url in raw.get("logs") or []],
    }


def _job_record_op(
    address: str, payload: dict[str, Any], ctx: ApplyContext, *, raw: dict[str, Any] | None = None
) -> PutOp:
    """The record of the job a listing showed (``raw``; by default the payload's `job`)."""
    raw = payload["job"] if raw is None else raw
    record = ctx.writer.state.get(address)
    attrs = dict(record["attributes"]) if record else {}
    attrs.pop("previous", None)
    attrs.update(_job_result(raw))
    attrs["job_id"] = raw["job_id"]
    # The job of an intent found by listing counts as an attempt (it was charged).
    attrs["attempts"] = list(attrs.get("attempts", []))
    _count_attempt(
        attrs["attempts"],
        raw["job_id"],
        identity=payload["identity"],
        submitted_at=raw.get("request_time"),
        credit_cost=raw.get("credit_cost"),
        adopted=True,
    )
    settle(attrs["attempts"], raw["job_id"], raw.get("credit_cost"))  # a refund shows in the listing
    for key in ("identity", "request", "pair"):
        # An adopted job is the job of the planned identity, whatever the record held before.
        if payload.get("adopt") or key not in attrs:
            attrs[key] = payload[key]
    status = {"SUCCEEDED": "succeeded", "FAILED": "failed"}.get(raw["status_code"], "submitted")
    return op_put(address, Hyp3JobKind.kind, status, attrs)


def hyp3_preflight(plan: Plan, ctx: ApplyContext) -> None:
    """Before spending anything: credentials work and the account may submit (docs/cli.md)."""
    submissions = [a for a in plan.actions if a.kind == Hyp3JobKind.kind and a.op in (Op.CREATE, Op.REPLACE)]
    if not submissions:
        return
    user = ctx.write.get("hyp3").user()  # proves the credentials work
    if not user.approved():
        raise AuthError(
            f"the HyP3 account {user.user_id} is not approved to submit jobs (status "
            f"{user.application_status})",
            service="hyp3",
            hint="request access at https://hyp3-docs.asf.alaska.edu/using/requesting_access/",
        )
    cheapest = min((a.credits or 0.0) for a in submissions)
    if user.remaining_credits < cheapest:
        raise ProviderError(
            f"the HyP3 account has {user.remaining_credits:g} credits left, less than one job costs "
            f"({cheapest:g})",
            service="hyp3",
            hint="wait for the monthly credits, or lower the looks / number of pairs",
        )
