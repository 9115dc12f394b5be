"""The engine's entry point: one project folder, its config, state, plan and apply.

The CLI and the public Python API (``insarproj.open``, insarproj/api.py) are thin layers over
this. Users should take the public API: ``Workspace.apply`` approves every plan unless given an
``approve`` callback, while ``Project.apply`` refuses to spend credits without an approval
(docs/python-api.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from insarproj.components import Components, build_components
from insarproj.endpoints import Endpoints, resolve_endpoints
from insarproj.engine.context import ApplyContext, PlanContext, PlanOptions, ReadProviders, WriteProviders
from insarproj.engine.model import Action, Plan
from insarproj.engine.planfile import check_fresh
from insarproj.engine.planner import build_plan, summarize
from insarproj.errors import AuthError, ExitCode, NetworkError
from insarproj.fingerprint import fingerprint
from insarproj.layout import STATE_DIR
from insarproj.state import ObservedStore, State, StateStore
from insarproj.state.store import gc_paused

if TYPE_CHECKING:
    from insarproj.engine.executor import ApplyReport, EventSink

# The executor and the lock are apply's: imported where apply uses them, so that a plan's start-up
# does not pay for them (thread pools, the DAG sorter, the lock's host and id helpers).


def _empty_report() -> ApplyReport:
    from insarproj.engine.executor import ApplyReport

    return ApplyReport()


@dataclass
class ApplyOptions:
    concurrency: int | None = None
    keep_going: bool = False
    lock_timeout: float = 0.0
    wait: bool = False
    timeout: float | None = None
    poll_interval: float = 10.0
    command: str = "insarproj apply"


@dataclass(frozen=True)
class Poll:
    """`apply --wait` is about to sleep until its next poll of remote work."""

    number: int  # the poll just made (1: the apply itself)
    next_in: float  # seconds until the next one
    waiting: list[str]  # addresses still waiting on remote work
    held: list[Action]  # paid work that came up meanwhile, held for a plan the user sees


@dataclass
class ApplyResult:
    plan: Plan | None
    report: ApplyReport = field(default_factory=_empty_report)
    approved: bool = True
    timed_out: bool = False
    # Credit-spending actions that came up while waiting (a FAILED job to resubmit, an expired
    # product): never done without a plan the user saw; they wait for the next `apply`.
    held: list[Action] = field(default_factory=list)
    # Closing lines from the kinds (e.g. "HyP3 credits spent: N, credits left: M").
    closing: list[str] = field(default_factory=list)

    def exit_code(self) -> ExitCode:
        """Never 0 while planned work was left undone without the user asking (docs/cli.md): 1 on
        an error, 4 while items stand failed for good, 2 for deferred work or paid work held for
        a plan the user sees. (Work still running when --timeout ends a wait is what was asked.)"""
        report = self.report
        if report.interrupted:
            return ExitCode.INTERRUPTED
        if not report.ok:
            return ExitCode.ERROR
        if report.failed_for_good:
            return ExitCode.FAILED
        if report.deferred or self.held:
            return ExitCode.PENDING
        return ExitCode.OK


def hold_unapproved_spending(
    plan: Plan, approved: Callable[[Action], bool] = lambda action: False
) -> tuple[Plan, list[Action]]:
    """Drop remote (credit-spending) actions and what depends on them from a `--wait` round,
    except those ``approved`` says the user's plan already paid for."""
    held = [a for a in plan.actions if a.remote and not approved(a)]
    if not held:
        return plan, []
    blocked = {a.address for a in held}
    kept = []
    for action in plan.actions:
        if action.address in blocked or any(dep in blocked for dep in action.depends_on):
            blocked.add(action.address)
            continue
        kept.append(action)
    trimmed = plan.model_copy(update={"actions": kept, "summary": summarize(kept), "inputs": []})
    return trimmed, held


class Workspace:
    show_all_pairs: bool = False  # `show --pairs`: list every pair, not counts per stack
    notify: Callable[[str], None] = staticmethod(lambda message: None)  # stage messages; the CLI prints them

    def __init__(self, root: Path, *, trust_endpoints: bool = False) -> None:
        self._contexts: list[ApplyContext] = []
        self.root = Path(root).resolve()
        self.trust_endpoints = trust_endpoints
        self.state_dir = self.root / STATE_DIR
        self.store = StateStore(self.state_dir, notify=lambda message: self.notify(message))
        self.observed = ObservedStore(self.state_dir)

    @cached_property
    def project(self) -> Any:
        from insarproj.config.load import load_project

        return load_project(self.root)

    @cached_property
    def endpoints(self) -> Endpoints:
        overrides = self.project.config.endpoints.model_dump()
        return resolve_endpoints(overrides, trust_project=self.trust_endpoints)

    @cached_property
    def components(self) -> Components:
        return build_components(self.project, self.endpoints)

    @cached_property
    def config_fingerprint(self) -> str:
        return fingerprint(self.project.config.model_dump(mode="json"))

    def load_state(self) -> State:
        return self.store.load()

    # plan ---------------------------------------------------------------------------------
    def plan(self, options: PlanOptions | None = None, *, state: State | None = None) -> Plan:
        return self._plan(options, state=state)[0]

    def _plan(
        self, options: PlanOptions | None = None, *, state: State | None = None
    ) -> tuple[Plan, PlanContext]:
        options = options or PlanOptions()
        with gc_paused():
            ctx = PlanContext(
                notify=self.notify,
                project=self.project,
                # Read-only: records kept as lines, built on access (state/lazy.py).
                state=state if state is not None else self.store.load(lazy=True),
                own_state=state is None,
                observed=self.observed.load(),
                read=ReadProviders(self.components.read_factories, offline=options.offline),
                endpoints=self.endpoints,
                options=options,
            )
            plan = build_plan(
                ctx,
                self.components.kinds,
                self.components.resolvers,
                config_fingerprint=self.config_fingerprint,
            )
        return plan, ctx

    def _save_observations(self, ctx: PlanContext) -> None:
        """Keep what this plan observed (job status, credits) in the git-ignored cache.

        Only apply calls this (it holds the lock); plan itself never writes.
        """
        prefix = "observed."
        for key, value in ctx.observations.items():
            if key.startswith(prefix):
                self.observed.update(key[len(prefix) :], value)

    # apply --------------------------------------------------------------------------------
    def apply(
        self,
        *,
        plan: Plan | None = None,
        plan_label: str = "the plan",
        options: PlanOptions | None = None,
        apply_options: ApplyOptions | None = None,
        approve: Callable[[Plan], bool] = lambda plan: True,
        on_plan: Callable[[Plan], None] | None = None,
        on_event: EventSink | None = None,
        on_round: Callable[[int, Plan], None] | None = None,
        on_poll: Callable[[Poll], None] | None = None,
        progress: Any = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> ApplyResult:
        """Plan (or check the saved ``plan``), ask ``approve``, then execute under the project lock;
        with ``apply_options.wait``, keep applying rounds until remote work is done.

        Ctrl-C (KeyboardInterrupt) once work has started ends it with ``report.interrupted``: what
        finished is recorded, and a further Ctrl-C does not cut short the recording and the release
        of the lock."""
        from insarproj.engine.executor import record_plan_start, sigint_deferred
        from insarproj.lock import ProjectLock

        options = options or PlanOptions()
        apply_options = apply_options or ApplyOptions()
        saved = plan is not None
        lock = ProjectLock(self.state_dir, command=apply_options.command, timeout=apply_options.lock_timeout)
        cleanup = ExitStack()  # entered only after Ctrl-C: shields the lock's and writer's exit
        with cleanup, lock, self.store.open_writer() as writer:
            plan, options = self._plan_to_apply(writer, plan, plan_label, options)
            if on_plan:
                on_plan(plan)
            if not plan.has_changes and not plan.has_waiting and not plan.has_failed:
                if saved:
                    record_plan_start(plan, self._apply_ctx(writer, options, progress), saved=True)
                return ApplyResult(plan=plan)
            if not saved and plan.has_changes and not approve(plan):
                return ApplyResult(plan=plan, approved=False)
            result = ApplyResult(plan=plan)
            try:
                ctx = self._apply_ctx(writer, options, progress)
                for check in self.components.preflight:
                    check(plan, ctx)
                record_plan_start(plan, ctx, saved=saved)
                self._contexts = []
                result.report = self._execute(plan, ctx, apply_options, on_event)
                if apply_options.wait:
                    # Rounds never retry failed items again: --retry-failed gave its one attempt.
                    round_options = replace(options, retry_failed=False, replace=())
                    approved = {a.address for a in plan.actions if a.remote}
                    rounds = _WaitRounds(self, writer, round_options, apply_options, progress, sleep)
                    rounds.run(result, approved, on_event, on_round, on_poll)
                result.closing = [
                    line for k in self.components.kinds for line in k.after_apply(self._contexts)
                ]
            except KeyboardInterrupt:
                result.report.interrupted = True
                cleanup.enter_context(sigint_deferred())
            return result

    def _plan_to_apply(
        self, writer: Any, plan: Plan | None, plan_label: str, options: PlanOptions
    ) -> tuple[Plan, PlanOptions]:
        """A saved plan, checked against the state it was made from (its own options win), or a
        fresh plan of the locked state."""
        if plan is None:
            plan, plan_ctx = self._plan(options, state=writer.state)
            self._save_observations(plan_ctx)
            return plan, options
        check_fresh(plan, writer.state, self.config_fingerprint, path=plan_label)
        saved_options = PlanOptions(
            offline=plan.offline, targets=tuple(plan.targets), verify=options.verify, prune=plan.prune
        )
        return plan, saved_options

    def _execute(
        self, plan: Plan, ctx: ApplyContext, apply_options: ApplyOptions, on_event: EventSink | None
    ) -> ApplyReport:
        from insarproj.engine.executor import execute_plan

        kinds = {k.kind: k for k in self.components.kinds}
        self._contexts.append(ctx)  # each round's context, for the kinds' closing lines
        concurrency = apply_options.concurrency or max(4, self.project.config.download.concurrency)
        return execute_plan(
            plan, kinds, ctx, concurrency=concurrency, keep_going=apply_options.keep_going, on_event=on_event
        )

    def _apply_ctx(self, writer: Any, options: PlanOptions, progress: Any) -> ApplyContext:
        return ApplyContext(
            project=self.project,
            writer=writer,
            read=ReadProviders(self.components.read_factories),
            write=WriteProviders(self.components.write_factories),
            endpoints=self.endpoints,
            cancel=threading.Event(),
            progress=progress,
            options=options,
        )


# Waiting on a failing status listing: first pause, growth, and the longest pause between tries.
LISTING_RETRY_FIRST = 2.0
LISTING_RETRY_MAX = 120.0


class _WaitRounds:
    """`apply --wait`: poll remote work round after round until it settles or --timeout.

    A round plans anew (fresh read-side providers), records what finished and carries out what
    needs no new approval. Paid work no plan showed (a resubmission of a job that failed while
    waiting) is held: when only such work remains the wait ends at once and names it. A
    transient error of the status listing (5xx, 429, a dropped connection) is retried with
    backoff, honouring Retry-After, until --timeout; an auth error stops at once.
    """

    def __init__(
        self,
        ws: Workspace,
        writer: Any,
        options: PlanOptions,
        apply_options: ApplyOptions,
        progress: Any,
        sleep: Callable[[float], None],
    ) -> None:
        self.ws, self.writer, self.options, self.apply_options = ws, writer, options, apply_options
        self.progress, self.sleep = progress, sleep
        timeout = apply_options.timeout
        self.deadline = time.monotonic() + timeout if timeout else None

    def _left(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def _pause(self, seconds: float) -> bool:
        """Sleep up to ``seconds`` (less near the deadline); False when the deadline has passed."""
        left = self._left()
        if left is not None and left <= 0:
            return False
        self.sleep(max(0.0, seconds if left is None else min(seconds, left)))
        return True

    def _approved(self, approved: set[str]) -> Callable[[Action], bool]:
        def check(action: Action) -> bool:
            # A submission the user's plan showed whose intent has not reached HyP3 (held for the
            # listing lag): still that approved submission, not a new expense.
            record = self.writer.state.get(action.address)
            return (
                action.address in approved
                and record is not None
                and record["status"] in ("intent", "unknown")
            )

        return check

    def run(
        self,
        result: ApplyResult,
        approved: set[str],
        on_event: EventSink | None,
        on_round: Callable[[int, Plan], None] | None,
        on_poll: Callable[[Poll], None] | None = None,
    ) -> None:
        report = result.report
        round_no, quiet_rounds = 1, 0
        while report.waiting and report.ok:
            poll = self.apply_options.poll_interval
            # Back off while nothing changes (HyP3 jobs take minutes to hours); a round that saw
            # work finish polls again soon: the rest of a batch tends to finish close behind.
            pause = min(poll * 1.5**quiet_rounds, max(poll, 300.0))
            left = self._left()
            if on_poll and (left is None or left > 0):
                next_in = pause if left is None else min(pause, left)
                on_poll(Poll(round_no, next_in, list(report.waiting), list(result.held)))
            if not self._pause(pause):
                result.timed_out = True
                return
            round_no += 1
            next_plan = self._plan_round(result)
            if next_plan is None:
                return
            next_plan, result.held = hold_unapproved_spending(next_plan, self._approved(approved))
            if on_round:
                on_round(round_no, next_plan)
            if not next_plan.actions:
                report.waiting = []
                return
            from insarproj.engine.executor import record_plan_start

            ctx = self.ws._apply_ctx(self.writer, self.options, self.progress)
            record_plan_start(next_plan, ctx, saved=False)
            before = (len(report.done), sorted(report.waiting))
            report.merge(self.ws._execute(next_plan, ctx, self.apply_options, on_event))
            quiet_rounds = quiet_rounds + 1 if (len(report.done), sorted(report.waiting)) == before else 0

    def _plan_round(self, result: ApplyResult) -> Plan | None:
        """This round's plan; None when --timeout passed while the listing kept failing."""
        from insarproj.transfer.retry import RetryPolicy  # the one backoff policy of every HTTP retry

        policy = RetryPolicy(first=LISTING_RETRY_FIRST, ceiling=LISTING_RETRY_MAX)
        attempt = 0
        while True:
            try:
                plan, plan_ctx = self.ws._plan(self.options, state=self.writer.state)
            except AuthError:
                raise
            except NetworkError as exc:
                wait = policy.delay(attempt, retry_after=getattr(exc, "retry_after", None) or None)
                attempt += 1
                self.ws.notify(f"Checking remote work failed ({exc}); trying again in {wait:g} s.")
                if not self._pause(wait):
                    result.timed_out = True
                    return None
                continue
            self.ws._save_observations(plan_ctx)
            return plan
