"""README's "Plan output" example is what `ui/render.py` prints for that plan, line for line
(the abridged "Way out" line aside), so the documented headline, credits and internal-record
wording cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from insarproj.engine.model import Action, InputChange, Op, Plan
from insarproj.engine.planner import summarize
from insarproj.ui.render import render_plan

README = Path(__file__).resolve().parents[1] / "README.md"
LOG = "see the log http://…/log.txt"


def job(key: str, op: Op, reason: str, **extra: Any) -> Action:
    return Action(
        address=f"hyp3_job.{key}", kind="hyp3_job", op=op, reason=reason, unit="interferogram", **extra
    )


def internal(address: str, op: Op) -> Action:
    return Action(address=address, kind=address.split(".")[0], op=op, reason="record", internal=True)


def product(key: str) -> Action:
    reason = "job SUCCEEDED, product not downloaded"
    return Action(address=f"product.{key}", kind="product", op=Op.CREATE, reason=reason, bytes=1258292)


def readme_plan() -> Plan:
    found = "found on HyP3, submitted by an earlier apply or a clone (job 5729860f-…, RUNNING)"
    actions = [
        *(
            internal(f"pair.{k}", Op.CREATE)
            for k in ("A064.20210130_20210211", "A166.20210206_20210218", "D071.20210130_20210211")
        ),
        job("A064.20210118_20210130", Op.WAIT, "job RUNNING"),
        job("A064.20210130_20210211", Op.CREATE, "not submitted", credits=10, remote=True),
        job(
            "A166.20210101_20210113", Op.FAILED, f"job FAILED ({LOG}); 2 of 2 attempts used (max_attempts 2)"
        ),
        job("A166.20210125_20210206", Op.WAIT, "job PENDING"),
        job(
            "A166.20210206_20210218",
            Op.CREATE,
            "not submitted",
            credits=10,
            remote=True,
            held_back="max_credits",
        ),
        job(
            "D071.20210118_20210130",
            Op.REPLACE,
            f"job FAILED ({LOG}), attempt 2 of 2",
            credits=10,
            remote=True,
        ),
        job("D071.20210130_20210211", Op.ADOPT, found, credits=0.0),
        *(
            internal(f"hyp3_job.{k}", Op.REFRESH)
            for k in ("A064.20210106_20210130", "A166.20210113_20210125", "D071.20210106_20210118")
        ),
        *(product(k) for k in ("A064.20210106_20210130", "A166.20210113_20210125", "D071.20210106_20210118")),
    ]
    note = (
        "HyP3 account sandbox: 9790 credits left of 10000 per month, application APPROVED; "
        "this plan spends 20 (max_credits 20 per apply); 1 more submission (10 credits) held back by "
        "max_credits, planned for a later apply"
    )
    summary = "+3 scenes join (1 new date in A064, 1 new date in A166, 1 new date in D071)"
    return Plan(
        plan_id="p",
        created_at="t",
        insarproj_version="0",
        project="x",
        lineage="l",
        serial=1,
        config_fingerprint="f",
        inputs=[InputChange(name="search", fingerprint="f", summary=summary, value=None)],
        actions=actions,
        notes=[note],
        summary=summarize(actions),
    )


def test_readme_plan_example_is_what_render_prints() -> None:
    block = re.search(r"### Plan output\n\n```\n(.*?)```", README.read_text(), re.S)
    assert block is not None
    documented = [line for line in block.group(1).splitlines() if not line.startswith("  Way out:")]
    printed = [
        line
        for line in render_plan(readme_plan(), color=False).splitlines()
        if not line.startswith("  Way out:")
    ]
    assert printed == documented
