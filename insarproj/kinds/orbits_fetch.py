"""Apply side of `orbit.<granule>`: fetch (or adopt) the chosen file, check it, record it.

The URL is rebuilt from `INSARPROJ_ORBITS_URL` and the file name (a saved plan is a file anyone
could edit), the download goes through insarproj's verified downloader on a session that carries
no credentials (the bucket is public), and the EOF is checked against the scene before it is
recorded (insarproj.orbits.verify). An upgraded RESORB no other scene uses moves aside to
`data/orbits/superseded/` (deleted with `--prune`).
"""

from __future__ import annotations

import os
from typing import Any

from insarproj.engine.context import ApplyContext
from insarproj.engine.model import Action, Op, Outcome
from insarproj.errors import VerificationError
from insarproj.fsutil import plain_basename, resolve_inside
from insarproj.kinds.orbits import ORBIT_DIR, OrbitKind, orbit_relpath
from insarproj.state import op_put

SUPERSEDED_DIR = f"{ORBIT_DIR}/superseded"


def fetch_orbit(action: Action, ctx: ApplyContext) -> Outcome:
    from insarproj.orbits.select import naive_utc, parse_key, precise_expected
    from insarproj.orbits.verify import verify_eof
    from insarproj.transfer.download import DownloadSpec

    payload = action.payload
    spec = payload["spec"]
    name = plain_basename(str(payload["key"]).rsplit("/", 1)[-1], what=f"the orbit file of {action.address}")
    file = parse_key(name, payload.get("size"), payload.get("etag"), payload.get("product_id"))
    if file is None or file.mission != spec["mission"]:
        raise VerificationError(f"{action.address}: {name} is no orbit file of {spec['mission']}")
    rel = orbit_relpath(name)
    dest = resolve_inside(ctx.project.data_dir, rel, what=f"the file of {action.address}")
    existed = dest.is_file()
    spec_ = DownloadSpec(url=_url(file, ctx), dest=dest, size=file.size, md5=file.md5, kind="any", label=name)
    if file.product_id:
        from insarproj.kinds.scenes import cdse_fetch

        result = cdse_fetch(ctx, spec_)  # CDSE's token session, within its 4 downloads at once
    else:
        result = _downloader(ctx).fetch(spec_, cancel=ctx.cancel)
    t0, t1 = naive_utc(spec["start"]), naive_utc(spec["stop"])
    try:
        verify_eof(dest, file, t0, t1)
    except VerificationError:
        if not existed:
            dest.unlink(missing_ok=True)
        raise
    attributes = _attributes(file, spec, rel, result)
    attributes["state_vectors"] = scene_vectors(dest, t0, t1)
    if file.type != "precise":
        attributes["precise_expected"] = precise_expected(t0).isoformat()
    if action.op is Op.REPLACE:
        _set_aside_old(action, ctx, rel)
    message = f"{file.label} {name} " + (
        "(already here)" if result.adopted else f"downloaded ({result.bytes_transferred} bytes)"
    )
    return Outcome(ops=[op_put(action.address, OrbitKind.kind, "present", attributes)], message=message)


def _attributes(file: Any, spec: dict[str, Any], rel: str, result: Any) -> dict[str, Any]:
    from insarproj.orbits.select import PREFIX_OF_TYPE

    return {
        "path": rel,
        "key": f"{PREFIX_OF_TYPE[file.type]}/{file.name}",
        "file": file.name,
        "type": file.type,
        "mission": file.mission,
        "validity_start": file.start.isoformat() + "Z",
        "validity_stop": file.stop.isoformat() + "Z",
        "size": result.size,
        "md5": result.md5,
        "etag": file.etag,
        **({"product_id": file.product_id, "origin": "cdse"} if file.product_id else {}),
        "stack": spec["stack"],
        "date": spec["date"],
        "source": "adopted" if result.adopted else "downloaded",
    }


def scene_vectors(path: Any, t0: Any, t1: Any) -> list[str]:
    """The verified file's state vectors over the scene (±20 s), kept in the record so a plan
    computes baselines without reading the EOF again (docs/orbits.md)."""
    from insarproj.orbits.vectors import read_vectors

    return [v.to_text() for v in read_vectors(path, t0, t1)]


def _url(file: Any, ctx: ApplyContext) -> str:
    """Rebuilt from the configured endpoint and the file's name or CDSE id, never a saved plan's URL."""
    from insarproj.orbits.select import PREFIX_OF_TYPE

    if file.product_id:
        import uuid

        try:
            product = str(uuid.UUID(str(file.product_id)))
        except ValueError as exc:
            raise VerificationError(f"{file.name}: CDSE product id {file.product_id!r} is no UUID") from exc
        return f"{ctx.endpoints.url('cdse').rstrip('/')}/odata/v1/Products({product})/$value"
    return f"{ctx.endpoints.url('orbits').rstrip('/')}/{PREFIX_OF_TYPE[file.type]}/{file.name}"


def _downloader(ctx: ApplyContext) -> Any:
    from insarproj.transfer.download import Downloader

    return ctx.shared_object(
        "orbit_downloader",
        lambda: Downloader(
            ctx.write.get("orbits"), retries=ctx.project.config.download.retries, progress=ctx.progress
        ),
    )


def _set_aside_old(action: Action, ctx: ApplyContext, new_rel: str) -> None:
    """The replaced RESORB, when no other scene still uses it: aside, or deleted with --prune."""
    record = ctx.state.get(action.address)
    old_rel = record["attributes"].get("path") if record else None
    if not old_rel or old_rel == new_rel:
        return
    users = [
        a
        for a, r in ctx.state.by_kind(OrbitKind.kind).items()
        if a != action.address and r["attributes"].get("path") == old_rel
    ]
    if users:
        return
    what = f"state record {action.address}"
    old = resolve_inside(ctx.project.data_dir, old_rel, what=what)
    if not old.is_file():
        return
    if ctx.options.prune:
        old.unlink(missing_ok=True)
        return
    aside = resolve_inside(ctx.project.data_dir, f"{SUPERSEDED_DIR}/{old.name}", what=what)
    aside.parent.mkdir(parents=True, exist_ok=True)
    os.replace(old, aside)


def orbit_preflight(plan: Any, ctx: ApplyContext) -> None:
    """Orbit files from CDSE need its login: checked once before any download (a project whose
    scenes come from CDSE too has it checked by the scenes' preflight already)."""
    from insarproj.kinds.scenes import cdse_preflight

    wanted = (Op.CREATE, Op.REPLACE)
    cdse = [a for a in plan.actions if a.kind == "orbit" and a.op in wanted and a.payload.get("product_id")]
    scenes = [a for a in plan.actions if a.kind == "scene" and a.op in wanted]
    if cdse and not any(a.payload.get("source") == "cdse" for a in scenes):
        cdse_preflight(len(cdse), ctx, what="orbit files")
