"""`plan` is read-only by construction: it only ever holds read-side provider objects."""

from __future__ import annotations

import hashlib
import inspect
from pathlib import Path

import pytest
import requests
from helpers import write_fake, write_project

from insarproj.engine.context import OfflineError, PlanOptions, ReadProviders
from insarproj.hyp3 import Hyp3Reader, Hyp3Writer
from insarproj.workspace import Workspace

# Names that would let a holder change the world; no read-side provider may have one.
MUTATING = (
    "submit",
    "post",
    "put",
    "patch",
    "delete",
    "download",
    "fetch",
    "write",
    "upload",
    "cancel",
    "update",
)


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.md5(p.read_bytes()).hexdigest() + str(p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def public_methods(obj: object) -> list[str]:
    return [name for name, _ in inspect.getmembers(obj, callable) if not name.startswith("_")]


def test_plan_changes_nothing_and_submits_nothing(fake_project: Path) -> None:
    write_fake(fake_project, {"files": [{"name": "a", "content": "1"}], "jobs": [{"name": "j"}]})
    before = tree_digest(fake_project)
    ws = Workspace(fake_project)
    plan = ws.plan()
    assert plan.summary.pending == 2
    assert tree_digest(fake_project) == before
    assert not (fake_project / "fake_remote.log").exists()


def test_plan_context_holds_only_read_side_objects(
    fake_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_fake(fake_project, {"files": [], "jobs": [{"name": "j"}]})
    Workspace(fake_project).apply()  # submitted: the next plan must read its status
    seen: list[ReadProviders] = []
    import insarproj.workspace as workspace_module

    original = workspace_module.build_plan

    def spy(ctx, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(ctx.read)
        assert not hasattr(ctx, "write"), "PlanContext must not carry write-side providers"
        return original(ctx, *args, **kwargs)

    monkeypatch.setattr(workspace_module, "build_plan", spy)
    Workspace(fake_project).plan()
    built = seen[0].built()
    assert built, "the plan should have consulted the fake service"
    for name, provider in built.items():
        bad = [m for m in public_methods(provider) if m.startswith(MUTATING)]
        assert bad == [], f"read-side provider {name} exposes {bad}"


@pytest.mark.parametrize("template", ["hyp3-insar", "hyp3-burst", "isce-stack", "download"])
def test_builtin_read_providers_have_no_mutating_methods(tmp_path: Path, run_cli, template: str) -> None:  # type: ignore[no-untyped-def]
    run_cli(["init", str(tmp_path / "p"), "--template", template])
    ws = Workspace(tmp_path / "p")
    read = ReadProviders(ws.components.read_factories)
    for name in read.names():
        provider = read.get(name)
        bad = [m for m in public_methods(provider) if m.startswith(MUTATING)]
        assert bad == [], f"read-side provider {name} exposes {bad}"


def test_offline_plan_makes_no_request(fake_project: Path) -> None:
    write_fake(fake_project, {"files": [{"name": "a", "content": "1"}], "jobs": [{"name": "j"}]})
    Workspace(fake_project).apply()
    with pytest.raises(OfflineError, match="--offline"):
        Workspace(fake_project).plan(PlanOptions(offline=True))


def test_offline_plan_of_a_fresh_project_says_it_needs_a_search(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p")
    with pytest.raises(OfflineError, match="no scene search is pinned yet"):
        Workspace(root).plan(PlanOptions(offline=True))


# What an object needs to send anything but a GET: a session, or a method for another verb.
HTTP_VERBS = ("post", "put", "patch", "delete", "request", "send", "head", "options")
READER_API = {"list_project_jobs", "list_requests_bound", "get_job", "user", "costs", "server_now"}


def _members(obj: object) -> dict[str, object]:
    """Class members and instance attributes, private ones included."""
    members = dict(inspect.getmembers(type(obj)))
    members.update(vars(obj))
    return members


def _can_send_other_than_get(value: object) -> bool:
    return isinstance(value, requests.Session) or any(
        callable(getattr(value, verb, None)) for verb in HTTP_VERBS
    )


def test_hyp3_reader_cannot_post_by_type() -> None:
    """The plan side's HyP3 client holds no session and reaches the network only through a
    transport whose one method is GET: "plan cannot mutate" holds by type, not by a name test."""
    reader = Hyp3Reader("https://hyp3-api.asf.alaska.edu", token="t")
    public = {
        name for name, value in inspect.getmembers(Hyp3Reader, inspect.isroutine) if not name.startswith("_")
    }
    assert public == READER_API
    held = [value for value in vars(reader).values() if not inspect.isroutine(value)]
    assert not [value for value in held if _can_send_other_than_get(value)]
    transport = reader._transport
    assert [name for name in _members(transport) if not name.startswith("_")] == ["get"]
    assert not isinstance(transport, requests.Session)
    # The write side composes the same reads with a POST transport of its own.
    writer = Hyp3Writer("https://hyp3-api.asf.alaska.edu", token="t")
    assert _can_send_other_than_get(writer._posts) and not _can_send_other_than_get(writer._transport)
