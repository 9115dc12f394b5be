"""A small download project for either source (no orbits, no DEM: the scenes are what is tested)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from insarproj.sandbox.catalog import DEMO_BBOX

TOML = """\
[project]
name = "cdse-{source}"

[aoi]
bbox = [{w}, {s}, {e}, {n}]

[search]
start = 2021-01-01
end = {end}
source = "{source}"
{search_extra}
[processor]
kind = "download"

[orbits]
enabled = false

[dem]
enabled = false

[download]
concurrency = {concurrency}
retries = 3
"""


def write_project(
    root: Path, *, source: str, end: str = "2021-01-20", concurrency: int = 3, search_extra: str = ""
) -> Path:
    from insarproj.state import StateStore

    root.mkdir(parents=True, exist_ok=True)
    w, s, e, n = DEMO_BBOX
    text = TOML.format(
        source=source, w=w, s=s, e=e, n=n, end=end, concurrency=concurrency, search_extra=search_extra
    )
    (root / "project.toml").write_text(text)
    StateStore(root / ".insarproj").create()
    return root


def state_of(root: Path) -> dict[str, Any]:
    from insarproj.state import StateStore

    state = StateStore(root / ".insarproj").load()
    return json.loads(json.dumps({"resources": state.resources, "inputs": state.inputs}))


def scene_records(root: Path) -> dict[str, dict[str, Any]]:
    return {a: r for a, r in state_of(root)["resources"].items() if r["kind"] == "scene"}


def pin_of(root: Path) -> dict[str, Any]:
    return state_of(root)["inputs"]["search"]["pin"]
