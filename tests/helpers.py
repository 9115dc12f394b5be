"""Helpers shared by the top-level tests (importable as `helpers`: unique module name)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MINIMAL_TOML = """\
[project]
name = "{name}"

[aoi]
bbox = [-117.9, 35.5, -117.3, 35.9]

[search]
start = 2021-01-01
end = 2021-03-01

[processor]
kind = "{kind}"
{extra}
"""


def write_project(root: Path, *, name: str = "test-project", kind: str = "download", extra: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "project.toml").write_text(MINIMAL_TOML.format(name=name, kind=kind, extra=extra))
    from insarproj.state import StateStore

    StateStore(root / ".insarproj").create()
    return root


def write_fake(root: Path, spec: dict[str, Any]) -> None:
    (root / "fake.json").write_text(json.dumps(spec))


def pin_empty_search(root: Path) -> None:
    """Record an (empty) scene search pin so plans of test-kind projects never search."""
    from insarproj.config.load import load_project
    from insarproj.kinds.search import PIN_NAME, search_fingerprint
    from insarproj.scenes.model import ScenePin
    from insarproj.state import StateStore, op_input

    project = load_project(root)
    pin = ScenePin(
        fingerprint="test", searched_at="2021-01-01T00:00:00Z", cmr_host="http://127.0.0.1:9", found=0
    )
    value = {"fingerprint": search_fingerprint(project), "summary": "no scenes (test)", "pin": pin.to_dict()}
    with StateStore(root / ".insarproj").open_writer() as writer:
        writer.record([op_input(PIN_NAME, value)])
