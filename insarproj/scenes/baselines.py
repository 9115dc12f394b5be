"""Perpendicular baselines from the pinned state vectors, with asf_search's own maths, offline.

asf_search computes S1 baselines client-side (``asf_search.baseline.calc``) from the UMM state
vectors and ascending-node time of each product; it never needs CMR for that. Its function works
on objects with a ``properties`` dict and a ``baseline`` dict, so the pinned scenes are handed to it
as small stand-ins and the pin never has to keep whole UMM records. The pin keeps the four state
vectors as compact "x,y,z,time" strings (12 numbers per scene on 4 lines of state.json, instead of
~30 lines of nested lists) and they are expanded back into asf_search's block here.

Each scene is paired with the reference pass's scene nearest in time since the ascending node (the
same stretch of orbit): a baseline drifts along a pass, and comparing a northern slice with a
southern one would extrapolate the orbit far beyond the state vectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from insarproj.scenes.model import PinnedScene
from insarproj.scenes.passes import parse_utc


@dataclass
class _Product:
    """The two attributes asf_search's baseline code reads from an ASFProduct."""

    properties: dict[str, Any]
    baseline: dict[str, Any] = field(default_factory=dict)


_SV_KEYS = ("position_pre", "position_post", "velocity_pre", "velocity_post")


def _vector(text: str) -> tuple[list[float], str]:
    *numbers, when = text.split(",")
    return [float(n) for n in numbers], when


def has_state_vectors(scene: PinnedScene) -> bool:
    vectors = scene.state_vectors or {}
    return (
        all(vectors.get(k) for k in _SV_KEYS)
        and scene.asc_node_time is not None
        and scene.center_lat is not None
        and scene.center_lon is not None
    )


def asf_baseline_block(scene: PinnedScene) -> dict[str, Any]:
    """The pinned state vectors in the shape of asf_search's ``ASFProduct.baseline``."""
    vectors = scene.state_vectors or {}
    if not all(vectors.get(k) for k in _SV_KEYS):
        return {"stateVectors": {"positions": {}, "velocities": {}}, "ascendingNodeTime": scene.asc_node_time}
    pre_pos, pre_pos_t = _vector(vectors["position_pre"])
    post_pos, post_pos_t = _vector(vectors["position_post"])
    pre_vel, pre_vel_t = _vector(vectors["velocity_pre"])
    post_vel, post_vel_t = _vector(vectors["velocity_post"])
    return {
        "stateVectors": {
            "positions": {
                "prePosition": pre_pos,
                "prePositionTime": pre_pos_t,
                "postPosition": post_pos,
                "postPositionTime": post_pos_t,
            },
            "velocities": {
                "preVelocity": pre_vel,
                "preVelocityTime": pre_vel_t,
                "postVelocity": post_vel,
                "postVelocityTime": post_vel_t,
            },
        },
        "ascendingNodeTime": scene.asc_node_time,
    }


def _as_product(scene: PinnedScene) -> _Product:
    return _Product(
        properties={
            "sceneName": scene.name,
            "startTime": scene.start_time,
            "stopTime": scene.stop_time,
            "centerLat": scene.center_lat,
            "centerLon": scene.center_lon,
        },
        # A fresh dict per call: asf_search writes intermediate values into it.
        baseline=asf_baseline_block(scene),
    )


def _time_since_node(scene: PinnedScene) -> float:
    assert scene.asc_node_time is not None
    return (parse_utc(scene.start_time) - parse_utc(scene.asc_node_time)).total_seconds()


def pair_baseline(reference: PinnedScene, secondary: PinnedScene) -> float | None:
    """Perpendicular baseline (m) of ``secondary`` relative to ``reference``; None without state vectors."""
    if secondary.name == reference.name:
        return 0.0 if has_state_vectors(reference) else None
    return _relative_to(reference, [secondary]).get(secondary.name)


def _relative_to(reference: PinnedScene, secondaries: Sequence[PinnedScene]) -> dict[str, float | None]:
    """One asf_search call for a reference and all scenes compared with it (it parses each time once)."""
    from asf_search.baseline.calc import calculate_perpendicular_baselines

    out: dict[str, float | None] = {s.name: None for s in secondaries}
    usable = [s for s in secondaries if has_state_vectors(s) and s.name != reference.name]
    if not usable or not has_state_vectors(reference):
        return out
    products = [_as_product(reference), *(_as_product(s) for s in usable)]
    calculate_perpendicular_baselines(reference.name, products)  # type: ignore[arg-type]
    for scene, product in zip(usable, products[1:], strict=True):
        value = product.properties.get("perpendicularBaseline")
        out[scene.name] = None if value is None else float(value)
    return out


def baselines_to_reference(
    reference_pass: Sequence[PinnedScene], scenes: Sequence[PinnedScene]
) -> dict[str, float | None]:
    """bperp of every scene relative to the reference pass (0 for the reference pass's own scenes).

    Each scene is compared with the reference scene nearest along the orbit; for bursts the caller
    passes only the reference burst of the same burst id.
    """
    usable = [r for r in reference_pass if has_state_vectors(r)]
    reference_names = {r.name for r in reference_pass}
    out: dict[str, float | None] = {}
    by_reference: dict[str, list[PinnedScene]] = {}
    for scene in scenes:
        if scene.name in reference_names:
            out[scene.name] = 0.0 if has_state_vectors(scene) else None
        elif not usable or not has_state_vectors(scene):
            out[scene.name] = None
        else:
            offset = _time_since_node(scene)
            nearest = min(usable, key=lambda r: (abs(_time_since_node(r) - offset), r.name))
            by_reference.setdefault(nearest.name, []).append(scene)
    references = {r.name: r for r in usable}
    for name, members in by_reference.items():
        out.update(_relative_to(references[name], members))
    return out
