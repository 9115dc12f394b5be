"""Apply: run a plan's actions in dependency order with bounded concurrency.

Rules (DESIGN §4): every completed action is recorded durably (journal line, fsync) by the
worker that ran it, before any dependant is scheduled; after the first failure no new action
starts unless `keep_going`, in which case only the failed action's dependants are skipped; no
rollback — what finished stays recorded and re-running apply resumes. Ctrl-C sets the cancel
event, lets running actions stop at their next checkpoint, records what completed, and returns.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from insarproj.engine.context import ApplyContext
from insarproj.engine.model import Action, Op, Outcome, Plan, ResourceKind
from insarproj.errors import InsarprojError, storage_error
from insarproj.state.store import op_input, op_plan_applied

EventSink = Callable[[str, Action, str], None]


@dataclass
class ApplyReport:
    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    # Planned work not done now for a reason the user did not ask for (e.g. not enough credits).
    deferred: list[tuple[str, str]] = field(default_factory=list)
    # Items failed for good (Op.FAILED): recorded, but the folder cannot converge while they stand.
    failed_for_good: list[str] = field(default_factory=list)
    messages: dict[str, str] = field(default_factory=dict)
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed and not self.interrupted

    def merge(self, other: ApplyReport) -> None:
        self.done += other.done
        self.failed += other.failed
        self.skipped += other.skipped
        self.deferred += other.deferred
        self.waiting = other.waiting  # the latest round knows what is still waiting
        self.failed_for_good = other.failed_for_good  # and what still stands failed for good
        self.messages.update(other.messages)
        self.interrupted = self.interrupted or other.interrupted


def record_plan_start(plan: Plan, ctx: ApplyContext, *, saved: bool) -> None:
    """Pin the plan's inputs (and mark a saved plan as used) before the first action."""
    ops = [op_input(change.name, change.value) for change in plan.inputs]
    if saved:
        ops.append(op_plan_applied(plan.plan_id))
    if ops:
        ctx.writer.record(ops)
    # Kinds that act on several actions at once (HyP3 submits in chunks) look at the whole plan.
    ctx.shared["plan"] = plan


def execute_plan(
    plan: Plan,
    kinds: Mapping[str, ResourceKind],
    ctx: ApplyContext,
    *,
    concurrency: int = 4,
    keep_going: bool = False,
    on_event: EventSink | None = None,
) -> ApplyReport:
    emit = on_event or (lambda *_: None)
    report = ApplyReport()
    actions = {a.address: a for a in plan.actions}
    dependants: dict[str, list[str]] = {a: [] for a in actions}
    unmet: dict[str, int] = {}
    for action in plan.actions:
        unmet[action.address] = len(action.depends_on)
        for dep in action.depends_on:
            dependants[dep].append(action.address)

    ready: deque[str] = deque()
    blocked: set[str] = set()

    def block_dependants(address: str, why: str) -> None:
        queue = deque(dependants[address])
        while queue:
            nxt = queue.popleft()
            if nxt in blocked:
                continue
            blocked.add(nxt)
            report.skipped.append((nxt, why))
            emit("skipped", actions[nxt], why)
            queue.extend(dependants[nxt])

    for action in plan.actions:
        if action.op is Op.WAIT:
            report.waiting.append(action.address)
            emit("waiting", action, action.reason)
            block_dependants(action.address, f"waiting for {action.address}")
    for action in plan.actions:
        if action.op is not Op.WAIT and unmet[action.address] == 0 and action.address not in blocked:
            ready.append(action.address)

    running: dict[cf.Future[Outcome], str] = {}
    running_per_kind: dict[str, int] = {}
    stop = False

    def launch(pool: cf.ThreadPoolExecutor) -> None:
        deferred: deque[str] = deque()
        while ready and len(running) < concurrency:
            address = ready.popleft()
            action = actions[address]
            kind = kinds[action.kind]
            limit = kind.concurrency or concurrency
            if running_per_kind.get(action.kind, 0) >= limit:
                deferred.append(address)
                continue
            running_per_kind[action.kind] = running_per_kind.get(action.kind, 0) + 1
            emit("start", action, action.reason)
            running[pool.submit(_run_one, kind, action, ctx)] = address
        ready.extendleft(reversed(deferred))

    with cf.ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="apply") as pool:
        try:
            while ready or running:
                if not stop:
                    launch(pool)
                if not running:
                    break
                finished, _ = cf.wait(list(running), timeout=0.2, return_when=cf.FIRST_COMPLETED)
                for future in finished:
                    address = running.pop(future)
                    action = actions[address]
                    running_per_kind[action.kind] -= 1
                    try:
                        outcome = future.result()
                    except _Cancelled:
                        report.skipped.append((address, "interrupted"))
                        emit("skipped", action, "interrupted")
                        continue
                    except Exception as exc:
                        # A user-facing error speaks for itself; anything else (a bug, an unexpected
                        # library error) is named by its type.
                        user_error = exc if isinstance(exc, InsarprojError) else storage_error(exc)
                        message = str(user_error) if user_error else f"{type(exc).__name__}: {exc}"
                        report.failed.append((address, message))
                        emit("failed", action, message)
                        block_dependants(address, f"{address} failed")
                        stop = stop or not keep_going
                        continue
                    if outcome.deferred:
                        report.deferred.append((address, outcome.deferred))
                        emit("skipped", action, outcome.deferred)
                        block_dependants(address, f"{address} deferred")
                        continue
                    if action.op is Op.FAILED:
                        # Its final state is recorded; nothing that depends on it can run.
                        report.failed_for_good.append(address)
                        emit("failed-for-good", action, action.reason)
                        block_dependants(address, f"{address} failed for good")
                        continue
                    if outcome.waiting:
                        report.waiting.append(address)
                        emit("waiting", action, outcome.message or "remote work in progress")
                        block_dependants(address, f"waiting for {address}")
                        continue
                    report.done.append(address)
                    if outcome.message:
                        report.messages[address] = outcome.message
                    emit("done", action, outcome.message or "")
                    for nxt in dependants[address]:
                        unmet[nxt] -= 1
                        if unmet[nxt] == 0 and nxt not in blocked:
                            ready.append(nxt)
        except KeyboardInterrupt:
            report.interrupted = True
            ctx.cancel.set()
            stop = True
            for future in cf.as_completed(list(running)):
                address = running.pop(future)
                try:
                    future.result()
                    report.done.append(address)
                except BaseException:
                    report.skipped.append((address, "interrupted"))
    if stop or report.interrupted:
        pending = [a for a in ready if a not in blocked]
        for address in pending:
            why = "interrupted" if report.interrupted else "not started after an earlier failure"
            report.skipped.append((address, why))
            emit("skipped", actions[address], why)
        # Everything not yet reachable stays unstarted too.
        started = set(report.done) | {a for a, _ in report.failed} | {a for a, _ in report.skipped}
        started |= {a for a, _ in report.deferred} | set(report.failed_for_good)
        for address in actions:
            if (
                address not in started
                and address not in report.waiting
                and actions[address].op is not Op.WAIT
            ):
                report.skipped.append((address, "not started"))
    return report


class _Cancelled(Exception):
    pass


def _run_one(kind: ResourceKind, action: Action, ctx: ApplyContext) -> Outcome:
    if ctx.cancel.is_set():
        raise _Cancelled()
    if action.remote:
        rechecked = kind.recheck(action, ctx)
        if rechecked is None:
            return Outcome(message="no longer needed (checked against the live service)")
        action = rechecked
    outcome = kind.execute(action, ctx)
    # Durable before the scheduler can start anything that depends on it.
    if outcome.ops:
        ctx.writer.record(outcome.ops)
    return outcome
