"""What shapes one ISCE2 topsStack generation, computed at plan time from the configuration,
the pin and state: the desired spec of `isce_stack.<stack>` and its fingerprint (docs/isce.md,
"Resources").

Everything that changes what `stackSentinel.py` writes is in the spec: the [processor.isce]
options it receives, the reference date, the pinned scenes of each date, the DEM, the pair network,
whether topsStack is the stand-in and where the data folder is (configs and run files hold
absolute paths). The orbit file of each scene and topsStack's path and version are recorded in it
too but are not fingerprinted: they make notes, not regenerations (kinds/isce_update.py).
insarproj's own run settings (`num_proc`, `max_attempts`, `keep`) are not in it: they change how
the commands run, not what they are.
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


def predicted_run_files(options: Mapping[str, Any], update: bool = False) -> list[str]:
    """`run_NN_<name>` stackSentinel.py writes with these options, for a new stack or (``update``)
    in update mode, which skips unpacking the reference and extracting the burst overlaps."""
    names = list(_SLC_PREFIX[1:] if update else _SLC_PREFIX)
    if options.get("coregistration") == "NESD":
        names += _NESD_STEPS[1:] if update else _NESD_STEPS
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
        "date_scenes": {d: sorted(names) for d, names in sorted(dates.items())},
        "reference": _reference(config, sorted(dates)),
        "orbits": {name: _orbit_file(records, name) for name in scenes},
        "dem": {k: dem.get("attributes", {}).get(k) for k in ("bounds", "files")},
        "pairs": sorted([a, b] for a, b in pairs),
        "aoi_bounds": [round(float(v), 9) for v in project.aoi.bounds],
        "topsstack": {"program": str(tool.program), "version": tool.version, "stand_in": tool.stand_in},
        "data_dir": str(project.data_dir),
    }


def _reference(config: Any, dates: list[str]) -> str | None:
    """The stack's `-m` date, None when the configured one is not a date of the stack (generating
    then refuses with the reason)."""
    import datetime as dt

    from insarproj.isce.command import resolve_reference

    try:
        days = [dt.datetime.strptime(d, "%Y%m%d").date() for d in dates]
        return resolve_reference(config, days).strftime("%Y%m%d")
    except ValueError:
        return None


def refresh_spec(spec: Mapping[str, Any], records: Mapping[str, Any], tool: Any) -> dict[str, Any]:
    """``spec`` with the parts read from state records and the tool computed again."""
    dem = records.get(f"dem.{spec['stack']}") or {}
    return {
        **spec,
        "orbits": {name: _orbit_file(records, name) for name in spec["scenes"]},
        "dem": {k: dem.get("attributes", {}).get(k) for k in ("bounds", "files")},
        "topsstack": {"program": str(tool.program), "version": tool.version, "stand_in": tool.stand_in},
    }


def _orbit_file(records: Mapping[str, Any], scene: str) -> str:
    record = records.get(f"orbit.{scene}") or {}
    path = str(record.get("attributes", {}).get("path") or "")
    return path.rsplit("/", 1)[-1] or f"(no orbit yet for {scene})"


def spec_fingerprint(spec: Mapping[str, Any]) -> str:
    """The generation's fingerprint. Orbit files and topsStack's path and version are recorded but
    left out: an orbit upgrade of a processed date and a new topsStack version are notes, not a
    regeneration (docs/isce.md "Invalidation"); whether it is the stand-in is kept."""
    shaping = {k: v for k, v in spec.items() if k not in ("orbits", "topsstack")}
    shaping["stand_in"] = bool(spec.get("topsstack", {}).get("stand_in"))
    return fingerprint(shaping)
