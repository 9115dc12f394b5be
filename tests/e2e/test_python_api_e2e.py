"""The Python API (issue 17, item 7) against the sandbox: open, plan, show, apply with progress,
and no credits spent without an explicit approval."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from e2e_helpers import quiesce, state_of, write_project

import insarproj
from insarproj.errors import ExitCode

HYP3 = '[processor.hyp3]\njob_type = "INSAR_GAMMA"\n'


def job_posts(sandbox) -> list:  # type: ignore[no-untyped-def]
    quiesce(sandbox)
    return [r for r in sandbox.requests() if r.method == "POST" and r.path == "/jobs"]


def test_import_is_cheap_and_exports_the_api() -> None:
    heavy = ("pydantic", "asf_search", "shapely", "requests", "insarproj.workspace", "insarproj.api")
    code = (
        "import sys, insarproj; "
        f"print(sorted(m for m in sys.modules if m.startswith({heavy!r})));"
        "print(sorted(insarproj.__all__))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded, exported = out.splitlines()
    assert loaded == "[]"
    assert exported == str(
        sorted(["ApprovalRequired", "InsarprojError", "Progress", "Project", "__version__", "open"])
    )
    assert insarproj.open is insarproj.api.open_project  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        insarproj.nothing_here  # type: ignore[attr-defined]  # noqa: B018


def test_apply_spending_credits_needs_approval(tmp_path: Path, fast_hyp3) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", kind="hyp3", end="2021-01-31", processor_extra=HYP3)
    project = insarproj.open(root)
    plan = project.plan()
    assert plan.summary.credits > 0
    before = state_of(root)["serial"]

    with pytest.raises(insarproj.ApprovalRequired) as refused:
        project.apply()
    assert f"would spend {plan.summary.credits:g} HyP3 credits" in str(refused.value)
    assert "approve=True" in str(refused.value)
    with pytest.raises(insarproj.ApprovalRequired):
        project.apply(plan)  # the plan object alone is no approval either
    declined = project.apply(approve=lambda plan: False)
    assert not declined.approved
    assert job_posts(fast_hyp3) == [] and state_of(root)["serial"] == before  # nothing spent or recorded

    seen: list[insarproj.Progress] = []
    events: list[tuple[str, str]] = []
    result = project.apply(
        approve=lambda plan: plan.summary.credits <= 1000,
        wait=True,
        timeout=60,
        poll_interval=0.2,
        on_progress=seen.append,
        on_event=lambda event, address, message: events.append((event, address)),
    )
    assert result.exit_code() == ExitCode.OK, result.report
    assert len(job_posts(fast_hyp3)) >= 1
    products = [p for p in seen if p.finished]
    assert products and all(p.ok and p.total and p.done == p.total for p in products)
    assert ("done", next(a for e, a in events if a.startswith("product."))) in events
    summary = project.show()
    assert summary["resources"]["product"]
    assert not project.plan().has_changes


def test_plan_without_credits_applies_without_approval(tmp_path: Path, sandbox) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", end="2021-01-20")
    project = insarproj.open(str(root))
    assert repr(project) == f"insarproj.Project({str(root.resolve())!r})"
    assert project.config.processor.kind == "download"
    plan = project.plan()
    assert plan.has_changes and plan.summary.credits == 0
    seen: list[insarproj.Progress] = []
    result = project.apply(plan, on_progress=seen.append)  # the plan just shown, applied exactly
    assert result.exit_code() == ExitCode.OK
    scenes = {p.label for p in seen if p.finished and p.ok and "_SLC_" in p.label}  # not orbit files
    recorded = [r for r in state_of(root)["resources"].values() if r["kind"] == "scene"]
    assert len(scenes) == len(recorded) > 0


def test_errors_are_insarproj_errors_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(insarproj.InsarprojError, match="insarproj init"):
        insarproj.open(tmp_path).plan()
