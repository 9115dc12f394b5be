"""Apply: run a plan's actions in dependency order with bounded concurrency.

Rules (docs/safety.md): every completed action is recorded durably (journal line, fsync) by the
worker that ran it, before any dependant is scheduled; after the first failure no new action
starts unless `keep_going`, in which case only the failed action's dependants are skipped; no
rollback — what finished stays recorded and re-running apply resumes. Ctrl-C sets the cancel
event, lets running actions stop at their next checkpoint, records what completed, and returns;
a further Ctrl-C meanwhile is noted, not raised, so that what the running actions finish (a HyP3
POST's job ids, an unzipped product) is recorded rather than lost (docs/safety.md).
"""

from __future__ import annotations

import concurrent.futures as cf
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from graphlib import TopologicalSorter

from insarproj.engine.context import ApplyContext
from insarproj.engine.model import Action, Op, Outcome, Plan, ResourceKind
from insarproj.errors import InsarprojError, storage_error
from insarproj.state.records import JournalOp
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
    ops: list[JournalOp] = [op_input(change.name, change.value) for change in plan.inputs]
    if saved:
        ops.append(op_plan_applied(plan.plan_id))
    if ops:
        ctx.writer.record(ops)
    # Kinds that act on several actions at once (HyP3 submits in chunks) look at the whole plan.
    ctx.shared["plan"] = plan


@contextmanager
def sigint_deferred(on_signal: Callable[[], None] = lambda: None) -> Iterator[None]:
    """Cleaning up after Ctrl-C: a further Ctrl-C calls ``on_signal`` instead of raising
    KeyboardInterrupt into the cleanup. Python delivers signals to the main thread only, so
    elsewhere (a notebook's worker thread) this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, lambda signum, frame: on_signal())
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def execute_plan(
    plan: Plan,
    kinds: Mapping[str, ResourceKind],
    ctx: ApplyContext,
    *,
    concurrency: int = 4,
    keep_going: bool = False,
    on_event: EventSink | None = None,
) -> ApplyReport:
    run = _Run(plan, kinds, ctx, concurrency=concurrency, keep_going=keep_going, on_event=on_event)
    with cf.ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="apply") as pool:
        try:
            run.drive(pool)
        except KeyboardInterrupt:
            run.interrupt()
    if run.stop or run.report.interrupted:
        run.skip_unstarted()
    return run.report


class _Run:
    """One apply's scheduling state.

    Readiness comes from `graphlib.TopologicalSorter`: an action is handed out once every action it
    depends on is marked done, and only a completed action is marked done — so the dependants of a
    failed, deferred, waiting or failed-for-good action never become ready (they are reported as
    skipped up front by `_block_dependants`). What this class adds is the apply policy: concurrency
    per kind, stopping after a failure unless keep-going, and Ctrl-C.
    """

    def __init__(
        self,
        plan: Plan,
        kinds: Mapping[str, ResourceKind],
        ctx: ApplyContext,
        *,
        concurrency: int,
        keep_going: bool,
        on_event: EventSink | None,
    ) -> None:
        self.kinds, self.ctx = kinds, ctx
        self.concurrency, self.keep_going = concurrency, keep_going
        self.emit: EventSink = on_event or (lambda *_: None)
        self.report = ApplyReport()
        self.actions = {a.address: a for a in plan.actions}
        self.dependants: dict[str, list[str]] = {a: [] for a in self.actions}
        self.graph: TopologicalSorter[str] = TopologicalSorter()
        for action in plan.actions:  # every node first, so ready actions come out in plan order
            self.graph.add(action.address)
        for action in plan.actions:
            self.graph.add(action.address, *action.depends_on)
            for dep in action.depends_on:
                self.dependants[dep].append(action.address)
        self.graph.prepare()
        self.blocked: set[str] = set()
        self.ready: deque[str] = deque()
        self.running: dict[cf.Future[Outcome], str] = {}
        self.running_per_kind: dict[str, int] = {}
        self.stop = False
        for action in plan.actions:
            if action.op is Op.WAIT:
                self.report.waiting.append(action.address)
                self.emit("waiting", action, action.reason)
                self._block_dependants(action.address, f"waiting for {action.address}")
        self._take_ready()

    def _take_ready(self) -> None:
        for address in self.graph.get_ready():
            if self.actions[address].op is not Op.WAIT and address not in self.blocked:
                self.ready.append(address)

    def _block_dependants(self, address: str, why: str) -> None:
        queue = deque(self.dependants[address])
        while queue:
            nxt = queue.popleft()
            if nxt in self.blocked:
                continue
            self.blocked.add(nxt)
            self.report.skipped.append((nxt, why))
            self.emit("skipped", self.actions[nxt], why)
            queue.extend(self.dependants[nxt])

    def drive(self, pool: cf.ThreadPoolExecutor) -> None:
        while self.ready or self.running:
            if not self.stop:
                self._launch(pool)
            if not self.running:
                break
            finished, _ = cf.wait(list(self.running), timeout=0.2, return_when=cf.FIRST_COMPLETED)
            for future in finished:
                self._settle(future)

    def _launch(self, pool: cf.ThreadPoolExecutor) -> None:
        held_back: deque[str] = deque()
        while self.ready and len(self.running) < self.concurrency:
            address = self.ready.popleft()
            action = self.actions[address]
            kind = self.kinds[action.kind]
            limit = kind.concurrency or self.concurrency
            if self.running_per_kind.get(action.kind, 0) >= limit:
                held_back.append(address)
                continue
            self.running_per_kind[action.kind] = self.running_per_kind.get(action.kind, 0) + 1
            self.emit("start", action, action.reason)
            self.running[pool.submit(_run_one, kind, action, self.ctx)] = address
        self.ready.extendleft(reversed(held_back))

    def _settle(self, future: cf.Future[Outcome]) -> None:
        address = self.running.pop(future)
        action = self.actions[address]
        self.running_per_kind[action.kind] -= 1
        try:
            outcome = future.result()
        except Exception as exc:
            if isinstance(exc, _Cancelled) or self.ctx.cancel.is_set():
                # Stopped at a checkpoint (a download keeps its .part): interrupted, not failed.
                self.report.skipped.append((address, "interrupted"))
                self.emit("skipped", action, "interrupted")
            else:
                self._fail(action, exc)
            return
        if outcome.deferred:
            self.report.deferred.append((address, outcome.deferred))
            self.emit("skipped", action, outcome.deferred)
            self._block_dependants(address, f"{address} deferred")
        elif action.op is Op.FAILED or outcome.failed_for_good:
            # Its final state is recorded; nothing that depends on it can run.
            self.report.failed_for_good.append(address)
            why = (outcome.message if outcome.failed_for_good else None) or action.reason
            self.emit("failed-for-good", action, why)
            self._block_dependants(address, f"{address} failed for good")
        elif outcome.waiting:
            self.report.waiting.append(address)
            self.emit("waiting", action, outcome.message or "remote work in progress")
            self._block_dependants(address, f"waiting for {address}")
        else:
            self.report.done.append(address)
            if outcome.message:
                self.report.messages[address] = outcome.message
            self.emit("done", action, outcome.message or "")
            self.graph.done(address)
            self._take_ready()

    def _fail(self, action: Action, exc: Exception) -> None:
        # A user-facing error speaks for itself; anything else (a bug, an unexpected library error)
        # is named by its type.
        user_error = exc if isinstance(exc, InsarprojError) else storage_error(exc)
        message = str(user_error) if user_error else f"{type(exc).__name__}: {exc}"
        self.report.failed.append((action.address, message))
        self.emit("failed", action, message)
        self._block_dependants(action.address, f"{action.address} failed")
        self.stop = self.stop or not self.keep_going

    def interrupt(self) -> None:
        """Ctrl-C: cancel, let running actions reach their next checkpoint, record what finished.

        Each running action is reported as "stopping" (again on a further Ctrl-C, which does not
        cut this short: a HyP3 POST under way must get its answer recorded)."""
        self.report.interrupted = True
        self.ctx.cancel.set()
        self.stop = True

        def stopping() -> None:
            for address in list(self.running.values()):
                self.emit("stopping", self.actions[address], "stops at its next checkpoint")

        with sigint_deferred(stopping):
            stopping()
            for future in cf.as_completed(list(self.running)):
                address = self.running.pop(future)
                try:
                    future.result()
                except BaseException:
                    self.report.skipped.append((address, "interrupted"))
                    continue
                self.report.done.append(address)
                self.emit("done", self.actions[address], "")

    def skip_unstarted(self) -> None:
        report = self.report
        why = "interrupted" if report.interrupted else "not started after an earlier failure"
        for address in [a for a in self.ready if a not in self.blocked]:
            report.skipped.append((address, why))
            self.emit("skipped", self.actions[address], why)
        # Everything not yet reachable stays unstarted too.
        started = set(report.done) | {a for a, _ in report.failed} | {a for a, _ in report.skipped}
        started |= {a for a, _ in report.deferred} | set(report.failed_for_good)
        for address, action in self.actions.items():
            if address not in started and address not in report.waiting and action.op is not Op.WAIT:
                report.skipped.append((address, "not started"))


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
