"""Sentinel-1 scene search (asf_search over CMR), stacks per track and burst stacks, and the pin.

Public API (heavy libraries — asf_search, shapely, numpy — are imported only when called):

- ``SearchRequest`` — the search part of project.toml (the config's [search] rules);
  ``fingerprint()`` decides pin reuse; ``SearchRequest.from_config`` for a loaded project.
- ``search_scenes(request, cmr_url=..., session=None, single_scene_processor=None) -> ScenePin`` —
  search, filter, stack, pin; a search matching more than ``max_results`` scenes is a ConfigError.
- ``build_stacks(scenes, request, aoi, max_bursts=15, single_scene_processor=None) -> StackBuild`` —
  the pure stacking rules; with a single-scene processor (INSAR_GAMMA) a date's coverage is its
  representative's.
- ``diff_pins(old, new) -> PinDiff`` — what ``--refresh-search`` would change.
- ``footprints_geojson(pin, aoi_wkt)`` — AOI and footprints for QGIS.
- ``pair_baseline(reference, secondary)`` — perpendicular baseline of two pinned scenes (m).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from insarproj.lazyexports import lazy_exports

if TYPE_CHECKING:
    from insarproj.scenes.baselines import pair_baseline
    from insarproj.scenes.footprints import footprints_geojson
    from insarproj.scenes.model import (
        DroppedDate,
        DroppedScene,
        DroppedStack,
        PinnedScene,
        ScenePin,
        SearchRequest,
        SearchResult,
        Stack,
        StackDate,
    )
    from insarproj.scenes.pin import PinDiff, diff_pins
    from insarproj.scenes.search import search_scenes
    from insarproj.scenes.stacks import StackBuild, build_stacks, track_id

# The names above are imported on first use: importing one submodule (a plan needs the model and
# the burst limits) runs this file, and must not import the search, the pin diff and the rest.
_EXPORTS = {
    "pair_baseline": ".baselines",
    "footprints_geojson": ".footprints",
    **dict.fromkeys(
        (
            "DroppedDate",
            "DroppedScene",
            "DroppedStack",
            "PinnedScene",
            "ScenePin",
            "SearchRequest",
            "SearchResult",
            "Stack",
            "StackDate",
        ),
        ".model",
    ),
    "PinDiff": ".pin",
    "diff_pins": ".pin",
    "search_scenes": ".search",
    "StackBuild": ".stacks",
    "build_stacks": ".stacks",
    "track_id": ".stacks",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)


__all__ = [
    "DroppedDate",
    "DroppedScene",
    "DroppedStack",
    "PinDiff",
    "PinnedScene",
    "ScenePin",
    "SearchRequest",
    "SearchResult",
    "Stack",
    "StackBuild",
    "StackDate",
    "build_stacks",
    "diff_pins",
    "footprints_geojson",
    "pair_baseline",
    "search_scenes",
    "track_id",
]
