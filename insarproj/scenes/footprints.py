"""The AOI and the kept scene footprints as GeoJSON, to check a search in QGIS."""

from __future__ import annotations

from typing import Any

from insarproj.scenes.geometry import AoiCoverage, load_geometry
from insarproj.scenes.model import ScenePin


def footprints_geojson(pin: ScenePin, aoi_wkt: str) -> dict[str, Any]:
    """A FeatureCollection: the AOI (``role=aoi``) and one feature per kept scene (``role=scene``).

    Scene properties: name, stack, date, frame, platform, coverage (share of the AOI this scene
    covers), date_coverage (share covered by the whole date), representative, bperp.
    """
    from shapely.geometry import mapping

    aoi = load_geometry(aoi_wkt)
    coverage = AoiCoverage(aoi)
    features: list[dict[str, Any]] = [
        {"type": "Feature", "geometry": mapping(aoi), "properties": {"role": "aoi", "name": "aoi"}}
    ]
    placed: dict[str, tuple[str, Any, float, bool]] = {}
    for stack in pin.stacks:
        for item in stack.dates:
            for name in item.scenes:
                placed[name] = (stack.id, item.date, item.coverage, name == item.representative)
    for name, scene in sorted(pin.scenes.items()):
        stack_id, when, date_coverage, representative = placed.get(name, (None, None, None, False))
        features.append(
            {
                "type": "Feature",
                "geometry": mapping(load_geometry(scene.footprint_wkt, what=f"the footprint of {name}")),
                "properties": {
                    "role": "scene",
                    "name": name,
                    "stack": stack_id,
                    "date": when.isoformat() if when else None,
                    "frame": scene.frame,
                    "burst_id": scene.burst_id_full,
                    "platform": scene.platform,
                    "coverage": round(coverage.share([scene.footprint_wkt]), 4),
                    "date_coverage": date_coverage,
                    "representative": representative,
                    "bperp": scene.bperp,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
