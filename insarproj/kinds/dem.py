"""`dem.<stack>`: the Copernicus GLO-30 DEM of each stack, stitched by dem_stitcher (docs/dem.md).

Made when `[dem] enabled` (default for processors `download` and `isce`) over the stack's
*required extent* (insarproj/dem/extent.py), into `data/dem/<stack>/`. Plan decides from state, the
pin and the disk alone — no request: a recorded DEM is kept while its bounds cover the required
extent, replaced when the stack needs ground beyond them, and re-made when its files are gone. A
newer dem_stitcher or other parameters are a plan note, never an automatic replace (a new DEM
would regenerate a whole ISCE stack).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypedDict, cast

from insarproj.engine.context import ApplyContext, PlanContext
from insarproj.engine.model import Action, Desired, Op, Outcome, ResourceKind
from insarproj.fsutil import resolve_inside
from insarproj.kinds.search import load_pin, pinned
from insarproj.state import op_delete, op_put
from insarproj.state.records import Record

DEM_DIR = "dem"
TILE_DIR = f"{DEM_DIR}/tiles"  # the tile cache every stack shares (dem_stitcher's dst_tile_dir)


class DemSpec(TypedDict):
    stack: str
    processor: str
    required: list[float]  # what the stack needs (W S E N)
    bounds: list[float]  # what a new DEM is stitched over: required, snapped outward
    parameters: dict[str, Any]


class DemAttributes(TypedDict, total=False):
    path: str  # the stack's DEM folder, relative to the data folder
    files: list[str]
    bounds: list[float]
    required: list[float]
    dem_stitcher_version: str
    parameters: dict[str, Any]
    geoid: str
    tiles: int
    valid_share: float
    land_valid_share: float
    min_height: float | None
    max_height: float | None


def dem_relpath(stack: str) -> str:
    return f"{DEM_DIR}/{stack}"


def expected_files(spec: DemSpec) -> list[str]:
    from insarproj.dem.stitch import GEOTIFF, isce_name

    files = [GEOTIFF]
    if spec["processor"] == "isce":
        name = isce_name(spec["stack"])
        files += [name, f"{name}.xml", f"{name}.vrt"]
    return files


def stack_specs(project: Any, pin: Any) -> Iterable[DemSpec]:
    from insarproj.dem.extent import required_extent, stitch_bounds
    from insarproj.dem.stitch import parameters

    processor = project.config.processor.kind
    for stack in pin.stacks:
        footprints = [pin.scenes[n].footprint_wkt for d in stack.dates for n in d.scenes if n in pin.scenes]
        required = required_extent(
            project.aoi.wkt, footprints, processor=processor, bursts=pin.product == "BURST"
        )
        if required is None:
            continue
        yield {
            "stack": stack.id,
            "processor": processor,
            "required": list(required),
            "bounds": list(stitch_bounds(required, processor)),
            "parameters": parameters(processor),
        }


class DemKind(ResourceKind):
    kind = "dem"
    concurrency = 1  # a stitch holds the whole DEM in memory
    replaceable = True  # `apply --replace dem.<stack>` remakes it (e.g. after a dem_stitcher upgrade)

    def desired(self, ctx: PlanContext) -> Iterable[Desired]:
        pin = pinned(ctx)
        if pin is None or not ctx.project.config.dem_enabled:
            return
        for spec in stack_specs(ctx.project, pin):
            yield Desired(address=f"dem.{spec['stack']}", spec=dict(spec))

    def assess(self, desired: Desired, record: Record | None, ctx: PlanContext) -> Action | None:
        from insarproj.dem.extent import covers, describe

        spec = cast(DemSpec, desired.spec)
        if record is None or record["status"] != "present":
            return _action(desired, Op.CREATE, "missing")
        attrs = cast(DemAttributes, record["attributes"])
        recorded = attrs.get("bounds") or [0.0, 0.0, 0.0, 0.0]
        if not covers(recorded, spec["required"]):
            return _action(
                desired,
                Op.REPLACE,
                f"the stack now needs {describe(spec['required'])}, beyond the DEM's {describe(recorded)}",
            )
        folder = ctx.project.data_dir / dem_relpath(spec["stack"])
        missing = [name for name in expected_files(spec) if not (folder / name).is_file()]
        if missing:
            return _action(desired, Op.CREATE, f"{', '.join(missing)} missing on disk")
        return None

    def replace_action(self, desired: Desired, record: Record | None, ctx: PlanContext) -> Action:
        return _action(desired, Op.REPLACE, "remade on request (--replace)")

    def execute(self, action: Action, ctx: ApplyContext) -> Outcome:
        if action.op is Op.FORGET:
            return _forget(action, ctx)
        spec = cast(DemSpec, action.payload)
        attributes = make_stack_dem(spec, ctx)
        message = f"DEM over {attributes['bounds']} from {attributes['tiles']} tiles"
        return Outcome(ops=[op_put(action.address, self.kind, "present", dict(attributes))], message=message)

    def notes(self, ctx: PlanContext) -> list[str]:
        from insarproj.dem.stitch import stitcher_version

        notes = []
        version = None
        for desired in ctx.desired_of(self.kind):
            record = ctx.state.get(desired.address)
            if record is None or record["status"] != "present":
                continue
            attrs = cast(DemAttributes, record["attributes"])
            version = version or stitcher_version()
            made_with = attrs.get("dem_stitcher_version")
            drift = []
            if made_with != version:
                drift.append(f"made with dem_stitcher {made_with}, now {version}")
            if attrs.get("parameters") != desired.spec["parameters"]:
                drift.append(f"made with {attrs.get('parameters')}, now {desired.spec['parameters']}")
            if drift:
                notes.append(
                    f"{desired.address}: {'; '.join(drift)}; kept (heights may differ slightly). "
                    f"`insarproj apply --replace {desired.address}` remakes it"
                )
        return notes


def _action(desired: Desired, op: Op, reason: str) -> Action:
    return desired.action(DemKind.kind, op, reason)


def make_stack_dem(spec: DemSpec, ctx: ApplyContext) -> DemAttributes:
    """Fetch the tiles, read the geoid window, stitch, check and write; the attributes to record."""
    from insarproj.dem.geoid import geoid_window
    from insarproj.dem.stitch import make_dem, stitcher_version
    from insarproj.dem.tiles import fetch_tiles, needed_tiles
    from insarproj.endpoints import redact_url

    data = ctx.project.data_dir
    folder = resolve_inside(data, dem_relpath(spec["stack"]), what=f"the DEM folder of dem.{spec['stack']}")
    tile_dir = resolve_inside(data, TILE_DIR, what="the DEM tile cache")
    bounds = spec["bounds"]
    tiles = needed_tiles(bounds, dem_url=ctx.endpoints.url("dem"), dem90_url=ctx.endpoints.url("dem90"))
    fetch_tiles(tiles, tile_dir, fetch=_fetcher(ctx), concurrency=ctx.project.config.download.concurrency)
    geoid_source = _geoid_source(ctx)
    window = folder.parent / f".geoid-{spec['stack']}-{uuid.uuid4().hex[:8]}.tif"
    try:
        geoid_window(geoid_source, bounds, window)
        made = make_dem(
            stack=spec["stack"],
            bounds=bounds,
            required=spec["required"],
            tiles=tiles,
            tile_dir=tile_dir,
            geoid_path=window,
            out_dir=folder,
            isce=spec["processor"] == "isce",
        )
    finally:
        window.unlink(missing_ok=True)
    facts = made.facts
    return {
        "path": dem_relpath(spec["stack"]),
        "files": made.files,
        "bounds": [round(v, 9) for v in facts.bounds],
        "required": spec["required"],
        "dem_stitcher_version": stitcher_version(),
        "parameters": spec["parameters"],
        "geoid": redact_url(geoid_source) if "://" in geoid_source else Path(geoid_source).name,
        "tiles": len(tiles),
        "valid_share": round(facts.valid_share, 4),
        "land_valid_share": round(facts.land_valid_share, 4),
        "min_height": None if facts.min_height is None else round(facts.min_height, 1),
        "max_height": None if facts.max_height is None else round(facts.max_height, 1),
    }


def _fetcher(ctx: ApplyContext) -> Any:
    """A Downloader's fetch on a session without credentials: the DEM bucket is public."""

    def build() -> Any:
        from insarproj.kinds.services import USER_AGENT
        from insarproj.transfer.download import Downloader
        from insarproj.transfer.session import make_session

        session = make_session(ctx.endpoints, None, user_agent=USER_AGENT)
        return Downloader(session, retries=ctx.project.config.download.retries, progress=ctx.progress)

    downloader = ctx.shared_object("dem_downloader", build)

    def fetch(spec: Any) -> Any:
        return downloader.fetch(spec, cancel=ctx.cancel)

    return fetch


def _geoid_source(ctx: ApplyContext) -> str:
    source = ctx.endpoints.url("geoid")
    if "://" in source:
        return source
    path = Path(source).expanduser()
    return str(path if path.is_absolute() else ctx.project.root / path)


def _forget(action: Action, ctx: ApplyContext) -> Outcome:
    record = action.payload.get("record") or {}
    attrs = record.get("attributes", {})
    if (action.payload.get("prune") or ctx.options.prune) and attrs.get("path"):
        folder = resolve_inside(ctx.project.data_dir, attrs["path"], what=f"state record {action.address}")
        for name in attrs.get("files", []):
            (folder / Path(name).name).unlink(missing_ok=True)
    return Outcome(ops=[op_delete(action.address)])


def dem_section(ws: Any, state: Any) -> dict[str, Any]:
    """`show`: each stack's DEM — bounds, dem_stitcher version, share of valid pixels."""
    if load_pin(state.inputs) is None:
        return {}
    rows = []
    lines = ["DEMs (Copernicus GLO-30, ellipsoidal heights):"]
    for address, record in sorted(state.by_kind("dem").items()):
        attrs = cast(DemAttributes, record["attributes"])
        row = {
            "address": address,
            "status": record["status"],
            "path": attrs.get("path"),
            "bounds": attrs.get("bounds"),
            "dem_stitcher_version": attrs.get("dem_stitcher_version"),
            "valid_share": attrs.get("valid_share"),
            "land_valid_share": attrs.get("land_valid_share"),
        }
        rows.append(row)
        lines.append(
            f"  {address:<26} {attrs.get('path', '')}/  bounds {attrs.get('bounds')}  "
            f"dem_stitcher {attrs.get('dem_stitcher_version')}  "
            f"valid {100 * (attrs.get('valid_share') or 0):.0f} % "
            f"({100 * (attrs.get('land_valid_share') or 0):.0f} % of land)"
        )
    if not rows:
        return {}
    return {"dems": rows, "text_blocks": ["\n".join(lines)]}
