"""The product of an on-demand ARIA_S1_GUNW job (docs/aria.md, "On demand"): an `aria_product`
whose file is the `.nc` the job's record lists once it SUCCEEDED, downloaded into
data/aria/<stack>/ and verified like a published one (size from HyP3, the GUNW layout check).

A product is current when its record names the job the pair has now; until the job is done its
own plan line says why (to submit, waiting, failed) and the product has none. HyP3 gives no
checksum for job files: the size and the netCDF-4 layout check are what verify them.
"""

from __future__ import annotations

from typing import Any

from insarproj.engine.context import PlanContext
from insarproj.engine.model import Action, Desired, Op
from insarproj.errors import InsarprojError
from insarproj.fsutil import resolve_inside
from insarproj.state.records import Record


def _gunw_file(files: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The GUNW among a job's files (HyP3 also lists browse images elsewhere)."""
    return next((f for f in files if str(f.get("filename", "")).endswith(".nc")), None)


def made_file(desired: Desired, ctx: PlanContext) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """(the job's .nc file, its expiration, the job id) once the job SUCCEEDED, else (None, …)."""
    from insarproj.kinds.products import _job_files  # the job's files from state or this plan's listing

    files, expires, job_id = _job_files(desired.spec["job"], ctx)
    return _gunw_file(files), expires, job_id


def assess_made(desired: Desired, record: Record | None, ctx: PlanContext) -> Action | None:
    from insarproj.kinds.aria import RETRIEVING, _assess_retrieval, _verify_on_disk
    from insarproj.kinds.hyp3 import _hyp3_now
    from insarproj.kinds.hyp3_protocol import parse_time

    nc, expires, job_id = made_file(desired, ctx)
    if record is not None and record["status"] == RETRIEVING and nc is not None:
        # A job HyP3 answered from its archive (refunded) names a product in long-term storage.
        made = _made(desired, nc, job_id)
        return _assess_retrieval(made, record, ctx) if isinstance(made, Desired) else made
    if record is not None and record["status"] == "present":
        attrs = record["attributes"]
        if nc is None or attrs.get("job_id") == job_id:
            # In sync, or the current job is not done: the product in place stays meanwhile.
            path = resolve_inside(ctx.project.data_dir, attrs["path"], what=f"state record {desired.address}")
            intact = path.is_file() and path.stat().st_size == attrs.get("size")
            if intact:
                return _verify_on_disk(desired, path, attrs) if ctx.options.verify else None
            if nc is None:
                return None  # the job's line plans what it needs (its product is gone)
            return _fetch(desired, "recorded but missing or damaged on disk", nc, job_id)
        return _fetch(desired, f"made again by job {job_id}", nc, job_id, op=Op.REPLACE)
    if nc is None:
        return None  # the job is not done: its own line says why (to submit, waiting, failed)
    expiry = parse_time(expires)
    if expiry is not None and expiry <= _hyp3_now(ctx):
        return None  # expired before download: the job kind plans the resubmission
    action = _fetch(desired, "job SUCCEEDED, product not downloaded", nc, job_id)
    return _adopt_set_aside(action, ctx) if action.op is Op.CREATE else action


def _adopt_set_aside(action: Action, ctx: PlanContext) -> Action:
    """A product back in the project takes its file from data/superseded/aria/ when its size still
    fits (apply re-checks the layout before it is recorded, and downloads it when that fails)."""
    from insarproj.kinds.aria import SUPERSEDED_DIR

    rel = action.payload["path"].removeprefix("aria/")
    aside = resolve_inside(ctx.project.data_dir, f"{SUPERSEDED_DIR}/{rel}", what=action.address)
    if aside.is_file() and aside.stat().st_size == action.payload["size"]:
        reason = f"back in the project; its file in data/{SUPERSEDED_DIR}/ is adopted"
        return action.model_copy(update={"op": Op.ADOPT, "reason": reason})
    return action


def _fetch(
    desired: Desired, reason: str, nc: dict[str, Any], job_id: str | None, op: Op = Op.CREATE
) -> Action:
    """The download of the job's .nc; its name must be a plain GUNW file name (else refused)."""
    from insarproj.kinds.aria import _action

    made = _made(desired, nc, job_id)
    return _action(made, op, reason) if isinstance(made, Desired) else made


def _made(desired: Desired, nc: dict[str, Any], job_id: str | None) -> Desired | Action:
    """The product as the job made it (name, URL, size, version, path), or the refusal of a file
    whose name is not a plain GUNW product name (Op.FAILED: shown on every plan)."""
    from insarproj.aria.names import parse_gunw_name
    from insarproj.kinds.aria import aria_relpath

    spec = desired.spec
    try:
        parsed = parse_gunw_name(str(nc["filename"]))
        path = aria_relpath(spec["stack"], parsed.name)
    except (ValueError, InsarprojError) as exc:
        why = getattr(exc, "message", str(exc))
        return Action(
            address=desired.address,
            kind="aria_product",
            op=Op.FAILED,
            reason=f"job {job_id} made a file insarproj refuses: {why}",
            depends_on=list(desired.depends_on),
        )
    return Desired(
        address=desired.address,
        spec={
            **spec,
            "name": parsed.name,
            "url": nc["url"],
            "size": nc.get("size"),
            "md5": None,
            "version": parsed.version_text,
            "path": path,
            "job_id": job_id,
        },
        depends_on=desired.depends_on,
    )
