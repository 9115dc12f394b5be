"""Small resource kinds for testing the engine through the real CLI (loaded via INSARPROJ_PLUGINS).

`fakefile.<name>`: a local file under the data folder, written atomically (like a download).
`fakejob.<name>`: remote work on a stand-in "service" kept in `fake_remote.json` beside the
project: submitted → RUNNING → SUCCEEDED when the test says so. Its read side can only look;
only the write side can submit — the same split the real providers keep.

The desired set comes from `fake.json` in the project folder:
{"files": [{"name": "a", "content": "x", "depends_on": [], "fail": false, "delay": 0}],
 "jobs": [{"name": "j1", "depends_on": ["fakefile.a"]}]}
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from insarproj.components import Components
from insarproj.engine.model import Action, Desired, Op, Outcome, ResourceKind
from insarproj.errors import InsarprojError
from insarproj.fsutil import atomic_write_bytes, atomic_write_json
from insarproj.state import op_delete, op_put


def _spec(root: Path) -> dict[str, Any]:
    return json.loads((root / "fake.json").read_text())


class FakeRemoteReader:
    """Read side: status only."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def status(self, name: str) -> str | None:
        if not self._path.exists():
            return None
        return json.loads(self._path.read_text()).get(name)


class FakeRemoteWriter(FakeRemoteReader):
    """Write side: may submit (logged, so tests can count submissions)."""

    def submit(self, name: str) -> None:
        data = json.loads(self._path.read_text()) if self._path.exists() else {}
        data[name] = "RUNNING"
        atomic_write_json(self._path, data)
        with open(self._path.with_suffix(".log"), "a") as log:
            log.write(json.dumps({"method": "POST", "name": name}) + "\n")


class FakeFileKind(ResourceKind):
    kind = "fakefile"

    def desired(self, ctx) -> Iterable[Desired]:  # type: ignore[no-untyped-def]
        for item in _spec(ctx.project.root)["files"]:
            yield Desired(
                address=f"fakefile.{item['name']}",
                spec=item,
                depends_on=tuple(item.get("depends_on", ())),
            )

    def assess(self, desired, record, ctx):  # type: ignore[no-untyped-def]
        content = desired.spec.get("content", "")
        digest = hashlib.md5(content.encode()).hexdigest()
        path = ctx.project.data_dir / desired.spec["name"]
        base = dict(
            address=desired.address,
            kind=self.kind,
            depends_on=list(desired.depends_on),
            bytes=len(content.encode()),
            payload={"spec": desired.spec, "md5": digest},
        )
        if record is None:
            return Action(op=Op.CREATE, reason="missing", **base)
        if record["attributes"]["md5"] != digest:
            return Action(op=Op.REPLACE, reason="content changed in fake.json", **base)
        if not path.exists():
            return Action(op=Op.CREATE, reason="recorded but missing on disk", **base)
        if path.stat().st_size != record["attributes"]["size"]:
            return Action(op=Op.CREATE, reason="size differs on disk", **base)
        return None

    def execute(self, action, ctx) -> Outcome:  # type: ignore[no-untyped-def]
        if action.op is Op.FORGET:
            return Outcome(ops=[op_delete(action.address)])
        spec = action.payload["spec"]
        if spec.get("delay"):
            end = time.monotonic() + float(spec["delay"])
            while time.monotonic() < end:
                if ctx.cancel.is_set():
                    raise InsarprojError("cancelled")
                time.sleep(0.01)
        if spec.get("fail"):
            raise InsarprojError(f"could not make {spec['name']}: injected failure")
        data = spec.get("content", "").encode()
        path = ctx.project.data_dir / spec["name"]
        atomic_write_bytes(path, data)
        attrs = {"path": spec["name"], "size": len(data), "md5": action.payload["md5"]}
        return Outcome(ops=[op_put(action.address, self.kind, "present", attrs)])


class FakeJobKind(ResourceKind):
    kind = "fakejob"

    def desired(self, ctx) -> Iterable[Desired]:  # type: ignore[no-untyped-def]
        for item in _spec(ctx.project.root).get("jobs", []):
            yield Desired(
                address=f"fakejob.{item['name']}", spec=item, depends_on=tuple(item.get("depends_on", ()))
            )

    def assess(self, desired, record, ctx):  # type: ignore[no-untyped-def]
        base = dict(
            address=desired.address,
            kind=self.kind,
            depends_on=list(desired.depends_on),
            payload={"name": desired.spec["name"]},
        )
        if record is None:
            return Action(op=Op.CREATE, reason="not submitted", remote=True, credits=1.0, **base)
        if record["status"] == "succeeded":
            return None
        reader = ctx.read.get("fakeremote")
        status = reader.status(desired.spec["name"])
        if status == "SUCCEEDED":
            return Action(op=Op.REFRESH, reason="job SUCCEEDED", **base)
        return Action(op=Op.WAIT, reason=f"job {status or 'unknown'}", **base)

    def execute(self, action, ctx) -> Outcome:  # type: ignore[no-untyped-def]
        name = action.payload["name"]
        if action.op is Op.CREATE:
            ctx.write.get("fakeremote").submit(name)
            return Outcome(
                ops=[op_put(action.address, self.kind, "submitted", {"address": action.address})],
                waiting=True,
                message="submitted",
            )
        return Outcome(ops=[op_put(action.address, self.kind, "succeeded", {"address": action.address})])


def components(project, endpoints) -> Components:  # type: ignore[no-untyped-def]
    remote = project.root / "fake_remote.json"
    return Components(
        kinds=[FakeFileKind(), FakeJobKind()],
        read_factories={"fakeremote": lambda: FakeRemoteReader(remote)},
        write_factories={"fakeremote": lambda: FakeRemoteWriter(remote)},
    )
