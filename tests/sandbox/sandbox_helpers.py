"""Helpers for the sandbox tests (importable as `sandbox_helpers`: a unique module name)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import requests

from insarproj.sandbox.catalog import DEMO_BBOX, Catalog, Granule, Scene
from insarproj.sandbox.server import Sandbox

DATA = Path(__file__).resolve().parent / "data"
AOI_WKT = "POLYGON((-117.9 35.5,-117.3 35.5,-117.3 35.9,-117.9 35.9,-117.9 35.5))"


def cmr(sandbox: Sandbox, pairs: list[tuple[str, str]], **headers: str) -> requests.Response:
    return requests.post(f"{sandbox.url}/search/granules.umm_json", data=pairs, headers=headers, timeout=30)


def bearer_session(sandbox: Sandbox) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {sandbox.env()['EARTHDATA_TOKEN']}"
    return session


def scene_url(sandbox: Sandbox, scene: Scene) -> str:
    return f"{sandbox.url}/SLC/S{scene.platform.letter}/{scene.file_name}"


def storage_url(sandbox: Sandbox, scene: Scene) -> str:
    """The presigned storage URL the data host redirects a Bearer client to."""
    first = bearer_session(sandbox).get(scene_url(sandbox, scene), allow_redirects=False, timeout=10)
    assert first.status_code == 307, first.text
    return first.headers["Location"]


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def by_stack_and_date(catalog: Catalog) -> dict[tuple[str, date], list[Scene]]:
    """Original (not reprocessed) scenes grouped by stack id and acquisition date."""
    groups: dict[tuple[str, date], list[Scene]] = defaultdict(list)
    for scene in catalog.scenes:
        if not scene.reprocessed:
            groups[(scene.track.design.stack_id, scene.start.date())].append(scene)
    return groups


def expected_names(
    catalog: Catalog, keep: Any, bbox: tuple[float, float, float, float] = DEMO_BBOX
) -> set[str]:
    """Names of the SLC scenes intersecting `bbox` for which `keep(scene)` holds: the oracle
    asf_search results are compared with, computed from the catalog and shapely directly."""
    from shapely.geometry import box

    area = box(*bbox)
    return {s.name for s in catalog.scenes if s.footprint.intersects(area) and keep(s)}


def names(results: list[Any]) -> list[str]:
    return [p.properties["sceneName"] for p in results]


def granule_names(items: list[dict[str, Any]]) -> list[str]:
    return [item["umm"]["GranuleUR"] for item in items]


def in_dates(g: Granule, start: str, end: str) -> bool:
    return date.fromisoformat(start) <= g.start.date() and g.stop.date() <= date.fromisoformat(end)
