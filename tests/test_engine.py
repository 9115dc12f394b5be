"""The plan/apply engine with small test kinds: order, durability, failures, targets, waiting."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from helpers import write_fake

from insarproj.engine.context import PlanOptions
from insarproj.engine.model import Op
from insarproj.workspace import ApplyOptions, Workspace


def files(*items: dict) -> dict:
    return {"files": list(items), "jobs": []}


def test_plan_orders_dependencies_first(fake_project: Path) -> None:
    write_fake(
        fake_project,
        files(
            {"name": "c", "content": "3", "depends_on": ["fakefile.b"]},
            {"name": "b", "content": "2", "depends_on": ["fakefile.a"]},
            {"name": "a", "content": "1"},
        ),
    )
    plan = Workspace(fake_project).plan()
    assert [a.address for a in plan.actions] == ["fakefile.a", "fakefile.b", "fakefile.c"]
    assert plan.summary.counts == {"create": 3}
    assert plan.summary.bytes == 3


def test_plan_is_deterministic(fake_project: Path) -> None:
    write_fake(fake_project, files(*({"name": f"f{i}", "content": str(i)} for i in (5, 3, 9, 1))))
    one = Workspace(fake_project).plan()
    two = Workspace(fake_project).plan()
    strip = lambda p: [a.model_dump() for a in p.actions]  # noqa: E731
    assert strip(one) == strip(two)


def test_apply_converges_and_reasons_follow_disk(fake_project: Path) -> None:
    write_fake(fake_project, files({"name": "a", "content": "hello"}))
    ws = Workspace(fake_project)
    result = ws.apply()
    assert result.report.done == ["fakefile.a"]
    assert Workspace(fake_project).plan().actions == []
    data = fake_project / "data" / "a"
    data.write_text("hello world")
    [action] = Workspace(fake_project).plan().actions
    assert action.reason == "size differs on disk"
    data.unlink()
    [action] = Workspace(fake_project).plan().actions
    assert action.reason == "recorded but missing on disk"


def test_config_change_plans_replace_and_removal_plans_forget(fake_project: Path) -> None:
    write_fake(fake_project, files({"name": "a", "content": "1"}, {"name": "b", "content": "2"}))
    Workspace(fake_project).apply()
    write_fake(fake_project, files({"name": "a", "content": "changed"}))
    plan = Workspace(fake_project).plan()
    ops = {a.address: (a.op, a.reason) for a in plan.actions}
    assert ops["fakefile.a"] == (Op.REPLACE, "content changed in fake.json")
    assert ops["fakefile.b"][0] is Op.FORGET and "files kept" in ops["fakefile.b"][1]


def test_failure_stops_new_actions_and_skips_dependants(fake_project: Path) -> None:
    write_fake(
        fake_project,
        files(
            {"name": "a", "content": "1", "fail": True},
            {"name": "b", "content": "2", "depends_on": ["fakefile.a"]},
            {"name": "c", "content": "3", "delay": 0.3},
            {"name": "d", "content": "4"},
        ),
    )
    result = Workspace(fake_project).apply(apply_options=ApplyOptions(concurrency=1))
    report = result.report
    assert [a for a, _ in report.failed] == ["fakefile.a"]
    assert "injected failure" in report.failed[0][1]
    skipped = dict(report.skipped)
    assert skipped["fakefile.b"] == "fakefile.a failed"
    assert "fakefile.c" in skipped and "fakefile.d" in skipped
    assert not report.ok


def test_keep_going_runs_independent_actions(fake_project: Path) -> None:
    write_fake(
        fake_project,
        files(
            {"name": "a", "content": "1", "fail": True},
            {"name": "b", "content": "2", "depends_on": ["fakefile.a"]},
            {"name": "c", "content": "3"},
        ),
    )
    report = Workspace(fake_project).apply(apply_options=ApplyOptions(concurrency=1, keep_going=True)).report
    assert report.done == ["fakefile.c"]
    assert dict(report.skipped) == {"fakefile.b": "fakefile.a failed"}
    # What finished stays recorded; a re-run does only what is left.
    assert "fakefile.c" in Workspace(fake_project).load_state().resources


def test_each_action_is_durable_before_its_dependants_start(fake_project: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    write_fake(
        fake_project,
        files({"name": "a", "content": "1"}, {"name": "b", "content": "2", "depends_on": ["fakefile.a"]}),
    )
    import fakekinds

    seen: dict[str, bool] = {}
    original = fakekinds.FakeFileKind.execute

    def spy(self, action, ctx):  # type: ignore[no-untyped-def]
        if action.address == "fakefile.b":
            # The journal on disk (not just memory) already holds fakefile.a.
            seen["a_durable"] = "fakefile.a" in Workspace(fake_project).store.load().resources
        return original(self, action, ctx)

    monkeypatch.setattr(fakekinds.FakeFileKind, "execute", spy)
    Workspace(fake_project).apply()
    assert seen == {"a_durable": True}


def test_targets_select_prefix_and_dependencies(fake_project: Path) -> None:
    write_fake(
        fake_project,
        {
            "files": [
                {"name": "a", "content": "1"},
                {"name": "b", "content": "2"},
            ],
            "jobs": [{"name": "j1", "depends_on": ["fakefile.a"]}, {"name": "k1"}],
        },
    )
    plan = Workspace(fake_project).plan(PlanOptions(targets=("fakejob.j",)))
    assert [a.address for a in plan.actions] == ["fakefile.a", "fakejob.j1"]
    plan = Workspace(fake_project).plan(PlanOptions(targets=("fakefile",)))
    assert [a.address for a in plan.actions] == ["fakefile.a", "fakefile.b"]


def test_targets_follow_dependencies_through_resources_in_sync(fake_project: Path) -> None:
    """docs/cli.md "--target": c depends on b, b on a; only a needs an action (its content
    changed), yet `--target fakefile.c` plans it: a target's dependencies are followed through
    resources that need no action now."""
    files = [
        {"name": "a", "content": "1"},
        {"name": "b", "content": "2", "depends_on": ["fakefile.a"]},
        {"name": "c", "content": "3", "depends_on": ["fakefile.b"]},
        {"name": "d", "content": "4"},
    ]
    write_fake(fake_project, {"files": files, "jobs": []})
    Workspace(fake_project).apply()
    assert Workspace(fake_project).plan().actions == []
    files[0]["content"], files[3]["content"] = "changed", "changed too"
    write_fake(fake_project, {"files": files, "jobs": []})
    plan = Workspace(fake_project).plan(PlanOptions(targets=("fakefile.c",)))
    assert [a.address for a in plan.actions] == ["fakefile.a"]
    plan = Workspace(fake_project).plan(PlanOptions(targets=("fakefile.d",)))
    assert [a.address for a in plan.actions] == ["fakefile.d"]


def test_waiting_remote_work_and_wait_loop(fake_project: Path) -> None:
    write_fake(fake_project, {"files": [], "jobs": [{"name": "j1"}]})
    ws = Workspace(fake_project)
    result = ws.apply()
    assert result.report.waiting == ["fakejob.j1"]
    plan = Workspace(fake_project).plan()
    assert plan.summary.waiting == 1 and not plan.has_changes and plan.has_waiting
    remote = fake_project / "fake_remote.json"

    def finish_later(seconds: float) -> None:
        remote.write_text(json.dumps({"j1": "SUCCEEDED"}))

    result = Workspace(fake_project).apply(
        apply_options=ApplyOptions(wait=True, poll_interval=0.0, timeout=10), sleep=finish_later
    )
    assert "fakejob.j1" in result.report.done
    assert Workspace(fake_project).load_state().resources["fakejob.j1"]["status"] == "succeeded"


def test_wait_backs_off_only_while_nothing_finishes(fake_project: Path) -> None:
    """Each quiet round waits 1.5x longer; a round in which work finished polls again after the
    first interval (the rest of a batch tends to finish close behind)."""
    write_fake(fake_project, {"files": [], "jobs": [{"name": "j1"}, {"name": "j2"}, {"name": "j3"}]})
    Workspace(fake_project).apply()
    remote = fake_project / "fake_remote.json"
    finishing = {3: {"j1": "SUCCEEDED"}, 5: {"j1": "SUCCEEDED", "j2": "SUCCEEDED", "j3": "SUCCEEDED"}}
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) in finishing:
            remote.write_text(json.dumps(finishing[len(pauses)]))

    result = Workspace(fake_project).apply(
        apply_options=ApplyOptions(wait=True, poll_interval=10.0, timeout=None), sleep=sleep
    )
    assert sorted(result.report.done) == ["fakejob.j1", "fakejob.j2", "fakejob.j3"]
    assert pauses == [10.0, 15.0, 22.5, 10.0, 15.0]


def test_wait_timeout(fake_project: Path) -> None:
    write_fake(fake_project, {"files": [], "jobs": [{"name": "j1"}]})
    Workspace(fake_project).apply()
    clock = {"slept": 0}

    def sleep(seconds: float) -> None:
        clock["slept"] += 1
        import time

        time.sleep(0.05)

    result = Workspace(fake_project).apply(
        apply_options=ApplyOptions(wait=True, poll_interval=0.0, timeout=0.2), sleep=sleep
    )
    assert result.timed_out and clock["slept"] >= 1


def test_interrupt_records_completed_and_resumes(fake_project: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    write_fake(fake_project, files({"name": "a", "content": "1"}, {"name": "b", "content": "2", "delay": 5}))
    import fakekinds

    original = fakekinds.FakeFileKind.execute
    started = threading.Event()

    def spy(self, action, ctx):  # type: ignore[no-untyped-def]
        if action.address == "fakefile.b":
            started.set()
        return original(self, action, ctx)

    monkeypatch.setattr(fakekinds.FakeFileKind, "execute", spy)
    import concurrent.futures as cf

    real_wait = cf.wait
    calls = {"n": 0}

    def interrupting_wait(*args, **kwargs):  # type: ignore[no-untyped-def]
        if started.is_set():
            calls["n"] += 1
            if calls["n"] == 3:
                raise KeyboardInterrupt
        return real_wait(*args, **kwargs)

    monkeypatch.setattr(cf, "wait", interrupting_wait)
    result = Workspace(fake_project).apply(apply_options=ApplyOptions(concurrency=2))
    monkeypatch.setattr(cf, "wait", real_wait)
    assert result.report.interrupted
    state = Workspace(fake_project).load_state()
    assert "fakefile.a" in state.resources and "fakefile.b" not in state.resources
    monkeypatch.setattr(fakekinds.FakeFileKind, "execute", original)
    write_fake(fake_project, files({"name": "a", "content": "1"}, {"name": "b", "content": "2"}))
    assert [a.address for a in Workspace(fake_project).plan().actions] == ["fakefile.b"]


def test_plan_of_10000_resources_is_linear(fake_project: Path) -> None:
    """Not a timing assertion (benchmarks/ measures); checks a converged big project plans to nothing."""
    write_fake(fake_project, files(*({"name": f"f{i:05d}", "content": "x"} for i in range(2000))))
    ws = Workspace(fake_project)
    ws.apply(apply_options=ApplyOptions(concurrency=8))
    assert Workspace(fake_project).plan().actions == []


def test_a_full_disk_in_an_action_is_one_sentence_naming_the_file(fake_project: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A kind's own write (a download into data/, say) that hits a full disk is reported like the
    state's: which file, nothing recorded lost, how to resume — not "OSError: [Errno 28]"."""
    import errno

    import fakekinds

    def full(path, data, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(fakekinds, "atomic_write_bytes", full)
    write_fake(fake_project, files({"name": "a", "content": "1"}))
    report = Workspace(fake_project).apply(apply_options=ApplyOptions(concurrency=1)).report
    [(address, message)] = report.failed
    assert address == "fakefile.a"
    assert (
        message.startswith("no space left on device writing ") and str(fake_project / "data" / "a") in message
    )
    assert "nothing recorded was lost" in message and "Errno" not in message


@pytest.mark.parametrize(
    ("targets", "in_scope"),
    [
        ((), True),  # no target: everything
        (("hyp3_job.A064",), True),  # matches it
        (("hyp3_job.D087",), False),  # same kind, another stack: cannot depend on it
        (("pair.A064",), False),  # an earlier kind: cannot depend on it
        (("mintpy_run.A064",), True),  # a later kind: may depend on it
        (("product",), True),
    ],
)
def test_in_target_scope(targets: tuple[str, ...], in_scope: bool) -> None:
    from types import SimpleNamespace

    from insarproj.engine.planner import in_target_scope

    planned = {"scene": [], "pair": [], "hyp3_job": []}  # kinds planned before and with hyp3_job
    ctx = SimpleNamespace(options=PlanOptions(targets=targets), _desired=planned)
    assert in_target_scope("hyp3_job.A064.20210101_20210113", ctx) is in_scope  # type: ignore[arg-type]
