"""An ARIA project over the sandbox's GUNW products (sandbox/aria_catalog.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from insarproj.sandbox.aria_catalog import gunw_products

ARIA_TOML = """\
[project]
name = "aria-e2e"

[aoi]
bbox = [-117.9, 35.5, -117.3, 35.9]

[search]
start = 2021-01-01
end = 2021-02-15
flight_direction = "ASCENDING"

[pairs]
method = "sbas"
neighbors = 2

[processor]
kind = "aria"

[processor.aria]
min_coverage = 0.6
{extra}
"""

# What the sandbox's catalogue makes of this project: sbas with 2 neighbours over 2021-01-06,
# -16, -28 and 02-09 wants 5 pairs; 20210106_20210130 covers 50 % (dropped) and
# 20210118_20210211 has no product, so 3 pairs in 2 frames remain.
EXPECTED = {
    f"aria_product.A064.{frame}.{key}"
    for frame in (25501, 25502)
    for key in ("20210106_20210118", "20210118_20210130", "20210130_20210211")
}
ARCHIVED = next(p for p in gunw_products() if p.archived).name
ARCHIVED_ADDRESS = "aria_product.A064.25501.20210130_20210211"


def write_aria_project(root: Path, extra: str = "") -> Path:
    from insarproj.state import StateStore

    root.mkdir(parents=True, exist_ok=True)
    (root / "project.toml").write_text(ARIA_TOML.format(extra=extra))
    StateStore(root / ".insarproj").create()
    return root


def on_demand_project(root: Path, monkeypatch: Any) -> Path:
    """An ARIA project with on-demand ARIA_S1_GUNW jobs; HyP3's listing lag (how long an intent no
    listing shows yet is awaited) shortened, as the sandbox lists a submitted job at once."""
    monkeypatch.setenv("INSARPROJ_HYP3_LISTING_LAG", "0.5")
    return write_aria_project(root, extra="on_demand = true")


def aria_records(root: Path) -> dict[str, dict]:
    from insarproj.state import StateStore

    state = StateStore(root / ".insarproj").load()
    return dict(state.by_kind("aria_product"))


def download_gets(sandbox, name: str) -> list:  # type: ignore[no-untyped-def]
    return [r for r in sandbox.requests() if r.path == f"/door/download/{name}.nc" and r.method == "GET"]
