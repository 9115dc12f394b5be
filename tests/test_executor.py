"""execute_plan's scheduling rules, on hand-made plans and kinds (no project folder, no service)."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any, ClassVar

from insarproj.engine.executor import execute_plan
from insarproj.engine.model import Action, Op, Outcome, Plan, ResourceKind


class _Kind(ResourceKind):
    """Runs actions by a script: address → Outcome (or an exception to raise); records the order."""

    kind: ClassVar[str] = "thing"

    def __init__(self, script: dict[str, Any] | None = None, pause: float = 0.0) -> None:
        self.script, self.pause = script or {}, pause
        self.started: list[str] = []
        self.running = 0
        self.most_at_once = 0
        self.lock = threading.Lock()

    def desired(self, ctx):  # type: ignore[no-untyped-def]
        return []

    def assess(self, desired, record, ctx):  # type: ignore[no-untyped-def]
        return None

    def execute(self, action: Action, ctx: Any) -> Outcome:
        with self.lock:
            self.started.append(action.address)
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(self.pause)
        with self.lock:
            self.running -= 1
        result = self.script.get(action.address, Outcome())
        if isinstance(result, Exception):
            raise result
        return result


class _OneAtATime(_Kind):
    kind: ClassVar[str] = "single"
    concurrency: ClassVar[int | None] = 1


def _action(address: str, *deps: str, kind: str = "thing", op: Op = Op.CREATE) -> Action:
    return Action(address=address, kind=kind, op=op, reason="test", depends_on=list(deps))


def _plan(*actions: Action) -> Plan:
    return Plan(
        plan_id="p",
        created_at="2026-01-01T00:00:00Z",
        insarproj_version="0",
        project="t",
        lineage="l",
        serial=0,
        config_fingerprint="f",
        actions=list(actions),
    )


def _ctx() -> Any:
    recorded: list[Any] = []
    return SimpleNamespace(
        cancel=threading.Event(), writer=SimpleNamespace(record=recorded.extend), ops=recorded
    )


def test_a_dependant_starts_only_after_all_its_dependencies():
    kind = _Kind(pause=0.02)
    plan = _plan(_action("d", "b", "c"), _action("a"), _action("b", "a"), _action("c", "a"))
    report = execute_plan(plan, {"thing": kind}, _ctx(), concurrency=4)
    assert sorted(report.done) == ["a", "b", "c", "d"]
    assert kind.started[0] == "a" and kind.started[-1] == "d"


def test_concurrency_per_kind_is_kept_while_other_kinds_run():
    single, many = _OneAtATime(pause=0.03), _Kind(pause=0.03)
    actions = [_action(f"s{i}", kind="single") for i in range(4)] + [_action(f"m{i}") for i in range(4)]
    report = execute_plan(_plan(*actions), {"single": single, "thing": many}, _ctx(), concurrency=4)
    assert len(report.done) == 8
    assert single.most_at_once == 1
    assert many.most_at_once > 1


def test_deferred_work_stays_planned_and_blocks_its_dependants():
    kind = _Kind({"a": Outcome(deferred="not enough credits")})
    report = execute_plan(_plan(_action("a"), _action("b", "a"), _action("c")), {"thing": kind}, _ctx())
    assert report.deferred == [("a", "not enough credits")]
    assert report.skipped == [("b", "a deferred")]
    assert report.done == ["c"]
    assert report.ok


def test_failed_for_good_is_recorded_and_blocks_its_dependants():
    kind = _Kind()
    plan = _plan(_action("a", op=Op.FAILED), _action("b", "a"), _action("c", "b"))
    report = execute_plan(plan, {"thing": kind}, _ctx())
    assert report.failed_for_good == ["a"]
    assert report.skipped == [("b", "a failed for good"), ("c", "a failed for good")]


def test_work_found_failed_for_good_while_it_ran_is_reported_so_not_as_an_error():
    """A SLURM step whose last attempt failed between the plan and its action (an `apply --wait`
    round): recorded failed, reported failed for good (apply exits 4), its dependants blocked."""
    kind = _Kind({"a": Outcome(message="1 failed, attempt 2 of 2", failed_for_good=True)})
    plan = _plan(_action("a"), _action("b", "a"), _action("c"))
    report = execute_plan(plan, {"thing": kind}, _ctx())
    assert report.failed_for_good == ["a"] and report.failed == []
    assert report.skipped == [("b", "a failed for good")] and report.done == ["c"]
    assert report.ok


def test_waits_block_their_dependants_and_are_never_run():
    kind = _Kind({"r": Outcome(waiting=True, message="job RUNNING")})
    plan = _plan(_action("w", op=Op.WAIT), _action("x", "w"), _action("r"), _action("y", "r"))
    report = execute_plan(plan, {"thing": kind}, _ctx())
    assert report.waiting == ["w", "r"]
    assert ("x", "waiting for w") in report.skipped and ("y", "waiting for r") in report.skipped
    assert "w" not in kind.started


def test_a_failure_stops_new_work_unless_keep_going():
    script = {"a": RuntimeError("boom")}
    plan = _plan(_action("a"), _action("b", "a"), _action("c"))
    stopped = execute_plan(plan, {"thing": _Kind(script)}, _ctx(), concurrency=1)
    assert stopped.failed == [("a", "RuntimeError: boom")]
    assert ("b", "a failed") in stopped.skipped
    assert ("c", "not started after an earlier failure") in stopped.skipped
    going = execute_plan(plan, {"thing": _Kind(script)}, _ctx(), concurrency=1, keep_going=True)
    assert going.done == ["c"] and not going.ok


def test_completed_actions_are_recorded_before_dependants_start():
    from insarproj.state import op_delete

    ctx = _ctx()
    seen: list[int] = []

    class _Recording(_Kind):
        def execute(self, action: Action, ctx: Any) -> Outcome:
            seen.append(len(ctx.ops))
            return Outcome(ops=[op_delete(action.address)])

    execute_plan(_plan(_action("a"), _action("b", "a")), {"thing": _Recording()}, ctx)
    assert seen == [0, 1]
