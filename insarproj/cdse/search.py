"""The scene pin from the CDSE catalogue: the same stacks, dates and notes as an ASF search.

What CDSE cannot give is said in the pin's notes, shown by plan when the pin changes: no ASF frame
numbers, no perpendicular baselines (no orbit state vectors in the catalogue), products without a
checksum (verified by their zip's own integrity), products not online.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import requests

from insarproj.cdse.catalogue import Catalogue, Paging
from insarproj.cdse.mapping import SOURCE, scene_from_burst, scene_from_product
from insarproj.scenes.bursts import MULTI_BURST_LIMIT
from insarproj.scenes.model import PinnedScene, ScenePin, SearchRequest
from insarproj.scenes.search import build_pin


def search_scenes(
    request: SearchRequest,
    *,
    catalogue_url: str,
    session: requests.Session,
    now: Callable[[], datetime] | None = None,
    max_bursts: int = MULTI_BURST_LIMIT,
    single_scene_processor: str | None = None,
    paging: Paging | None = None,
) -> ScenePin:
    """Search the CDSE catalogue for the request's scenes and build the pin."""
    products = Catalogue(catalogue_url, session, paging).products(request)
    offline = sorted(
        str(p.get("Name", "")).removesuffix(".SAFE") for p in products if p.get("Online") is False
    )
    scenes = [pinned(p, request, catalogue_url) for p in products if p.get("Online") is not False]
    return build_pin(
        scenes,
        request,
        host=catalogue_url,
        now=now,
        max_bursts=max_bursts,
        single_scene_processor=single_scene_processor,
        source=SOURCE,
        source_notes=tuple(source_notes(scenes, offline, request)),
    )


def pinned(item: dict[str, Any], request: SearchRequest, catalogue_url: str) -> PinnedScene:
    """A product (SLC) or a burst (BURST) of the catalogue as a pinned scene."""
    if request.product == "BURST":
        return scene_from_burst(item, catalogue_url=catalogue_url)
    return scene_from_product(item, catalogue_url=catalogue_url)


def source_notes(scenes: list[PinnedScene], offline: list[str], request: SearchRequest) -> list[str]:
    """What a CDSE pin approximates or lacks, in words for the plan."""
    notes = [
        "source cdse: the Copernicus Data Space catalogue gives no orbit state vectors, so perpendicular "
        "baselines are unknown to the search: with [orbits] enabled they are computed from the orbit files "
        "once those are on disk (docs/orbits.md), otherwise max_perpendicular_baseline cannot be applied"
    ]
    unsummed = [s.name for s in scenes if s.md5 is None]
    if request.product == "BURST" and scenes:
        notes.append(
            "source cdse: bursts are extracted on demand and come with no size or checksum: each is "
            "verified by its zip's own integrity"
        )
    elif unsummed:
        notes.append(
            f"source cdse: {len(unsummed)} products have no checksum or size in the catalogue "
            f"(e.g. {unsummed[0]}): they are verified by their zip's own integrity only"
        )
    if offline:
        notes.append(
            f"source cdse: {len(offline)} products are not online and cannot be downloaded from CDSE "
            f"(e.g. {offline[0]}): left out"
        )
    return notes


class CdseSearcher:
    """Read side of the CDSE search: GETs on the public catalogue, with no credentials."""

    def __init__(self, catalogue_url: str, session: Any, *, max_bursts: int) -> None:
        self._url = catalogue_url
        self._session = session
        self._max_bursts = max_bursts

    def search(self, request: SearchRequest, *, single_scene_processor: str | None = None) -> ScenePin:
        return search_scenes(
            request,
            catalogue_url=self._url,
            session=self._session,
            max_bursts=self._max_bursts,
            single_scene_processor=single_scene_processor,
        )
