"""What shapes one ISCE2 topsStack generation, computed at plan time from the configuration,
the pin and state: the desired spec of `isce_stack.<stack>` and its fingerprint (docs/isce.md,
"Resources").

Everything that changes what `stackSentinel.py` writes is in the spec: the [processor.isce]
options it receives, the pinned scene set, the orbit file of each scene, the DEM, the pair
network, where topsStack lives (and its version) and where the data folder is (configs and run
files hold absolute paths). insarproj's own run settings (`num_proc`, `max_attempts`, `keep`)
are not: they change how the commands run, not what they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from insarproj.fingerprint import fingerprint

ISCE_DIR = "isce"
SUPERSEDED_DIR = "superseded/isce"
RUN_SETTINGS = frozenset({"num_proc", "max_attempts", "keep", "executor", "slurm", "topsstack_dir"})
TOPSSTACK_CACHE = "isce.topsstack"

# The run files stackSentinel.py writes for a new stack, per workflow (the topsStack notes' table;
# docs/sandbox.md "Run files"). Ionosphere steps come after these and are known once generated.
_SLC_PREFIX = ("unpack_topo_reference", "unpack_secondary_slc", "average_baseline")
_NESD_STEPS = (
    "extract_burst_overlaps",
    "overlap_geo2rdr",
    "overlap_resample",
    "pairs_misreg",
    "timeseries_misreg",
)
_FULL_BURST = ("fullBurst_geo2rdr", "fullBurst_resample", "extract_stack_valid_region")
_WORKFLOW_STEPS = {
    "interferogram": ("generate_burst_igram", "merge_burst_igram", "filter_coherence", "unwrap"),
    "correlation": ("generate_burst_igram", "merge_burst_igram", "filter_coherence"),
    "offset": ("dense_offsets",),
    "slc": ("grid_baseline",),
}


def isce_config(project: Any) -> Any:
    from insarproj.config.isce import IsceConfig

    return project.config.processor.isce or IsceConfig.model_validate({})


def stack_relpath(stack: str) -> str:
    return f"{ISCE_DIR}/{stack}"


def predicted_run_files(options: Mapping[str, Any]) -> list[str]:
    """`run_NN_<name>` stackSentinel.py writes for a new stack with these options."""
    names = list(_SLC_PREFIX)
    if options.get("coregistration") == "NESD":
        names += _NESD_STEPS
    names += _FULL_BURST
    names.append("merge_reference_secondary_slc")
    names += _WORKFLOW_STEPS[str(options.get("workflow", "interferogram"))]
    return [f"run_{n:02d}_{name}" for n, name in enumerate(names, start=1)]


def topsstack(ctx: Any) -> Any:
    """Where topsStack is (found once per plan or apply)."""
    from insarproj.isce.discover import find_topsstack

    cache = ctx.observations if hasattr(ctx, "observations") else ctx.shared
    found = cache.get(TOPSSTACK_CACHE)
    if found is None:
        found = find_topsstack(isce_config(ctx.project).topsstack_dir, base=ctx.project.root)
        cache[TOPSSTACK_CACHE] = found
    return found


def stack_spec(
    project: Any,
    stack: str,
    dates: Mapping[str, list[str]],
    pairs: list[tuple[str, str]],
    records: Mapping[str, Any],
    tool: Any,
) -> dict[str, Any]:
    """The desired spec of `isce_stack.<stack>` (see the module docstring); `dates` maps each
    YYYYMMDD date to its scene names."""
    config = isce_config(project)
    options = config.model_dump(mode="json", exclude=set(RUN_SETTINGS))
    scenes = sorted(n for names in dates.values() for n in names)
    dem = records.get(f"dem.{stack}") or {}
    return {
        "stack": stack,
        "options": options,
        "scenes": scenes,
        "dates": sorted(dates),
        "orbits": sorted(_orbit_file(records, name) for name in scenes),
        "dem": {k: dem.get("attributes", {}).get(k) for k in ("bounds", "files")},
        "pairs": sorted([a, b] for a, b in pairs),
        "aoi_bounds": [round(float(v), 9) for v in project.aoi.bounds],
        "topsstack": {"program": str(tool.program), "version": tool.version, "stand_in": tool.stand_in},
        "data_dir": str(project.data_dir),
    }


def refresh_spec(spec: Mapping[str, Any], records: Mapping[str, Any], tool: Any) -> dict[str, Any]:
    """``spec`` with the parts read from state records and the tool computed again."""
    dem = records.get(f"dem.{spec['stack']}") or {}
    return {
        **spec,
        "orbits": sorted(_orbit_file(records, name) for name in spec["scenes"]),
        "dem": {k: dem.get("attributes", {}).get(k) for k in ("bounds", "files")},
        "topsstack": {"program": str(tool.program), "version": tool.version, "stand_in": tool.stand_in},
    }


def _orbit_file(records: Mapping[str, Any], scene: str) -> str:
    record = records.get(f"orbit.{scene}") or {}
    path = str(record.get("attributes", {}).get("path") or "")
    return path.rsplit("/", 1)[-1] or f"(no orbit yet for {scene})"


def spec_fingerprint(spec: Mapping[str, Any]) -> str:
    return fingerprint(dict(spec))


def describe_change(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """Why a generation is stale, in words: "range_looks 9 → 15", "3 new dates"."""
    parts = [
        f"{key} {old_options.get(key)} → {value}"
        for old_options in [old.get("options", {})]
        for key, value in sorted(new.get("options", {}).items())
        if old_options.get(key) != value
    ]
    added = sorted(set(new.get("dates", [])) - set(old.get("dates", [])))
    gone = sorted(set(old.get("dates", [])) - set(new.get("dates", [])))
    if added:
        parts.append(f"{len(added)} new date(s): regenerate (update mode not yet used)")
    if gone:
        parts.append(f"{len(gone)} date(s) left the stack")
    labels = {
        "scenes": "the scene set changed",
        "orbits": "orbit files changed",
        "dem": "the DEM changed",
        "pairs": "the pair network changed",
        "aoi_bounds": "the AOI changed",
        "topsstack": "topsStack changed",
        "data_dir": "[paths] data moved",
    }
    for key, label in labels.items():
        if old.get(key) != new.get(key) and not (key in ("scenes", "pairs") and (added or gone)):
            parts.append(label)
    return "; ".join(parts) or "the generation's inputs changed"
