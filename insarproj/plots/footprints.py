"""Footprints of each stack over the AOI: a PNG (one panel per stack) and GeoJSON for QGIS."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from insarproj.plots.canvas import AOI_STYLE, lonlat_axes, new_figure, outline, panel_grid, save
from insarproj.plots.facts import StackFacts

_TRACK_COLOURS = {"ASCENDING": "tab:blue", "DESCENDING": "tab:purple"}


def draw_footprints(stacks: Sequence[StackFacts], aoi_wkt: str, path: Path) -> Path:
    from shapely import wkt
    from shapely.ops import unary_union

    aoi = wkt.loads(aoi_wkt)
    fig = new_figure(5.2 * min(3, len(stacks)), 4.6 * ((len(stacks) + 2) // 3) + 0.6)
    label = stacks[0].footprint_label if stacks else "scene"
    fig.suptitle(
        f"{label[:1].upper() + label[1:]} footprints of each stack over the AOI (black)", fontsize="large"
    )
    for ax, stack in zip(panel_grid(fig, len(stacks)), stacks, strict=True):
        colour = _TRACK_COLOURS.get(stack.flight_direction, "tab:gray")
        shapes = [wkt.loads(text) for text in stack.footprints]
        for shape in shapes:
            for polygon in getattr(shape, "geoms", [shape]):
                xs, ys = polygon.exterior.xy
                ax.fill(list(xs), list(ys), color=colour, alpha=0.08, linewidth=0)
                ax.plot(list(xs), list(ys), color=colour, alpha=0.5, linewidth=0.6)
        outline(ax, aoi, label="AOI", **AOI_STYLE)
        covered = unary_union(shapes).intersection(aoi).area / aoi.area if shapes else 0.0
        ax.set_title(
            f"{stack.id} ({stack.flight_direction.lower()}): {len(stack.dates)} dates, "
            f"{len(shapes)} {stack.footprint_label}s\nunion covers {100 * covered:.0f} % of the AOI",
            fontsize="medium",
        )
        _frame(ax, aoi, shapes)
        handles = [
            _patch(colour, f"{stack.footprint_label} footprint ({len(shapes)})"),
            *ax.get_legend_handles_labels()[0],
        ]
        ax.legend(handles=handles, loc="upper right", fontsize="small", framealpha=0.8)
        lonlat_axes(ax, aoi.centroid.y)
    return save(fig, path)


def _frame(ax: Any, aoi: Any, shapes: list[Any]) -> None:
    """Show the AOI with a margin; scenes run far beyond it, so they are cut at twice its size."""
    west, south, east, north = aoi.bounds
    dx, dy = (east - west) or 0.1, (north - south) or 0.1
    ax.set_xlim(west - dx * 0.6, east + dx * 0.6)
    ax.set_ylim(south - dy * 0.6, north + dy * 0.6)


def _patch(colour: str, label: str) -> Any:
    from matplotlib.patches import Patch

    return Patch(facecolor=colour, edgecolor=colour, alpha=0.35, label=label)


def footprints_collection(ws: Any, state: Any, stacks: Sequence[StackFacts]) -> dict[str, Any]:
    """The AOI and every scene (insarproj.scenes.footprints) plus one ``role=stack`` feature per
    stack: the union of its scenes, with its dates and pair counts by status."""
    from shapely import wkt
    from shapely.geometry import mapping
    from shapely.ops import unary_union

    from insarproj.kinds.search import load_pin
    from insarproj.scenes.footprints import footprints_geojson

    pin = load_pin(state.inputs)
    if pin is not None:
        collection = footprints_geojson(pin, ws.project.aoi.wkt)
    else:  # processor aria: no scenes
        collection = _frames_collection(ws.project.aoi.wkt, stacks)
    for stack in stacks:
        if not stack.footprints:
            continue
        union = unary_union([wkt.loads(text) for text in stack.footprints])
        counts = stack.status_counts()
        properties = {
            "role": "stack",
            "stack": stack.id,
            "flight_direction": stack.flight_direction,
            "dates": len(stack.dates),
            "first": stack.dates[0].isoformat() if stack.dates else None,
            "last": stack.dates[-1].isoformat() if stack.dates else None,
            "pairs": len(stack.pairs),
            **{f"pairs_{status.replace(' ', '_')}": counts.get(status, 0) for status in sorted(counts)},
        }
        collection["features"].append(
            {"type": "Feature", "geometry": mapping(union), "properties": properties}
        )
    return {"type": "FeatureCollection", "features": collection["features"]}


def _frames_collection(aoi_wkt: str, stacks: Sequence[StackFacts]) -> dict[str, Any]:
    """The AOI (``role=aoi``) and each stack's footprints (ARIA frames: ``role=aria_frame``)."""
    from shapely import wkt
    from shapely.geometry import mapping

    aoi = {
        "type": "Feature",
        "geometry": mapping(wkt.loads(aoi_wkt)),
        "properties": {"role": "aoi", "name": "aoi"},
    }
    features: list[dict[str, Any]] = [aoi]
    for stack in stacks:
        role = stack.footprint_label.replace(" ", "_").lower()
        for text in stack.footprints:
            features.append(
                {
                    "type": "Feature",
                    "geometry": mapping(wkt.loads(text)),
                    "properties": {"role": role, "stack": stack.id},
                }
            )
    return {"features": features}
