"""Failed for good (Op.FAILED): counted on its own, never "No changes", exit 4; deferred and held
work never exit 0; what gets a failed or expired job resubmitted, and when it is failed for good."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import pytest

from insarproj.engine.executor import ApplyReport, execute_plan
from insarproj.engine.model import Action, Desired, Op, Outcome, Plan, ResourceKind
from insarproj.engine.planner import summarize
from insarproj.errors import ExitCode
from insarproj.hyp3 import CostTable
from insarproj.kinds.hyp3 import _Step
from insarproj.ui.render import render_plan, render_report, summary_line
from insarproj.workspace import ApplyResult, hold_unapproved_spending


def action(address: str, op: Op, **extra: Any) -> Action:
    return Action(address=address, kind=address.split(".")[0], op=op, reason=f"{op.value} reason", **extra)


def plan_of(*actions: Action) -> Plan:
    acts = list(actions)
    return Plan(
        plan_id="p",
        created_at="t",
        insarproj_version="0",
        project="x",
        lineage="l",
        serial=1,
        config_fingerprint="f",
        actions=acts,
        summary=summarize(acts),
    )


FAILED_JOB = action("hyp3_job.A064.20210106_20210118", Op.FAILED)


def test_failed_items_are_neither_pending_nor_waiting_but_counted() -> None:
    plan = plan_of(FAILED_JOB, action("scene.S1", Op.CREATE, bytes=10), action("hyp3_job.A064.x", Op.WAIT))
    assert (plan.summary.failed, plan.summary.pending, plan.summary.waiting) == (1, 1, 1)
    assert plan.has_failed and plan.has_changes and plan.has_waiting
    assert summary_line(plan, color=False).endswith("; 1 waiting on remote work; 1 failed for good.")


def test_a_plan_with_only_failed_items_never_says_the_folder_matches() -> None:
    plan = plan_of(FAILED_JOB)
    assert not plan.has_changes and not plan.has_waiting and plan.has_failed
    text = render_plan(plan, color=False)
    assert "No changes" not in text and "matches project.toml" not in text
    assert "Nothing apply can do now, but 1 item failed for good" in text
    group = text.split("Failed for good (1)")[1]
    assert "! hyp3_job.A064.20210106_20210118" in group
    assert "max_attempts" in group and "exclude_pairs" in group and "--retry-failed" in group
    assert render_plan(plan_of(), color=False).startswith(
        "No changes. The project folder matches project.toml."
    )


@pytest.mark.parametrize(
    ("report", "held", "code"),
    [
        (ApplyReport(done=["a"]), [], ExitCode.OK),
        (ApplyReport(done=["a"], waiting=["b"]), [], ExitCode.OK),  # without --wait: collected later
        (ApplyReport(deferred=[("b", "not enough credits")]), [], ExitCode.PENDING),
        (ApplyReport(done=["a"]), [action("hyp3_job.b", Op.REPLACE, remote=True)], ExitCode.PENDING),
        (ApplyReport(failed_for_good=["c"], deferred=[("b", "x")]), [], ExitCode.FAILED),
        (ApplyReport(failed=[("d", "boom")], failed_for_good=["c"]), [], ExitCode.ERROR),
    ],
)
def test_apply_never_exits_0_with_planned_work_left_undone(
    report: ApplyReport, held: list, code: ExitCode
) -> None:
    assert ApplyResult(plan=None, report=report, held=held).exit_code() == code


def test_report_names_deferred_work_and_failed_items() -> None:
    text = render_report(
        ApplyReport(deferred=[("hyp3_job.b", "not enough credits")], failed_for_good=["hyp3_job.c"]),
        color=False,
    )
    assert "deferred hyp3_job.b: not enough credits" in text
    assert "1 deferred" in text and "1 failed for good" in text and "--retry-failed" in text


def test_wait_rounds_hold_paid_work_unless_the_users_plan_approved_it() -> None:
    paid = action("hyp3_job.a", Op.REPLACE, remote=True, credits=10.0)
    approved = action("hyp3_job.b", Op.CREATE, remote=True, credits=10.0)
    product = action("product.a", Op.CREATE, depends_on=["hyp3_job.a"])
    trimmed, held = hold_unapproved_spending(
        plan_of(paid, approved, product), lambda a: a.address == "hyp3_job.b"
    )
    assert [a.address for a in held] == ["hyp3_job.a"]
    assert [a.address for a in trimmed.actions] == ["hyp3_job.b"]


class _Kind(ResourceKind):
    kind = "thing"

    def desired(self, ctx: Any) -> list[Desired]:
        return []

    def assess(self, desired: Desired, record: Any, ctx: Any) -> None:
        return None

    def execute(self, action: Action, ctx: Any) -> Outcome:
        if action.address == "thing.poor":
            return Outcome(deferred="not enough credits")
        return Outcome()


def test_executor_records_failed_items_and_keeps_their_dependants_and_deferrals_apart() -> None:
    ctx = SimpleNamespace(cancel=threading.Event(), writer=SimpleNamespace(record=lambda ops: None))
    plan = plan_of(
        action("thing.gone", Op.FAILED),
        action("thing.after", Op.CREATE, depends_on=["thing.gone"]),
        action("thing.poor", Op.CREATE),
        action("thing.ok", Op.CREATE),
    )
    report = execute_plan(plan, {"thing": _Kind()}, ctx)  # type: ignore[arg-type]
    assert report.failed_for_good == ["thing.gone"] and report.done == ["thing.ok"]
    assert report.deferred == [("thing.poor", "not enough credits")]
    assert dict(report.skipped) == {"thing.after": "thing.gone failed for good"}


def _step(max_attempts: int, *, retry_failed: bool = False) -> _Step:
    ctx = SimpleNamespace(
        project=SimpleNamespace(
            config=SimpleNamespace(processor=SimpleNamespace(hyp3=SimpleNamespace(max_attempts=max_attempts)))
        ),
        options=SimpleNamespace(retry_failed=retry_failed, offline=True),
        observations={"hyp3.costs": CostTable.bundled()},
    )
    spec = {"request": {"job_type": "INSAR_GAMMA", "job_parameters": {"looks": "20x4"}}, "identity": "i"}
    return _Step("hyp3_job", Desired("hyp3_job.A064.x", spec, ("pair.A064.x",)), ctx)  # type: ignore[arg-type]


def test_a_failed_job_is_resubmitted_within_max_attempts_then_failed_for_good() -> None:
    within = _step(2).after_failure("job FAILED (see the log L)", 1)
    assert within.op is Op.REPLACE and within.remote and within.credits == 10.0
    assert within.reason == "job FAILED (see the log L), attempt 2 of 2"
    spent = _step(2).after_failure("job FAILED (see the log L)", 2)
    assert spent.op is Op.FAILED and not spent.remote and not spent.credits
    assert spent.reason == "job FAILED (see the log L); 2 of 2 attempts used (max_attempts 2)"
    retried = _step(2, retry_failed=True).after_failure(
        "product expired 2021-02-01 before it was downloaded", 3
    )
    assert (
        retried.op is Op.REPLACE
        and retried.credits == 10.0
        and "attempt 4 (beyond max_attempts 2)" in retried.reason
    )
