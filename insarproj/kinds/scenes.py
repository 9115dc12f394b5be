"""`scene.<granule>`: Sentinel-1 SLCs (or bursts) downloaded, verified and recorded.

Downloaded for processors `download` and `isce`, and for `hyp3` only with `[download] scenes =
true` (HyP3 reads ASF's archive itself). Plan checks presence and size cheaply (`--verify`
recomputes MD5s); a file already in place or in `[paths] cache` with the right size and MD5 is
adopted without downloading. The download itself is insarproj's verified, resumable downloader.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, NotRequired, TypedDict, cast

from insarproj.endpoints import redact_url
from insarproj.engine.context import ApplyContext, PlanContext
from insarproj.engine.model import Action, Desired, Op, Outcome, Plan, ResourceKind
from insarproj.errors import AuthError
from insarproj.fsutil import data_label, plain_basename, relative_inside, resolve_inside
from insarproj.kinds.search import pinned
from insarproj.kinds.sizes import human_size
from insarproj.layout import BURST_DIR, SLC_DIR
from insarproj.state import op_delete, op_put
from insarproj.state.records import Record, SceneAttributes, scene_attributes


def scenes_downloaded(project: Any) -> bool:
    config = project.config
    return config.processor.kind in ("download", "isce") or bool(config.download.scenes)


def scene_relpath(name: str, product: str, source: str | None = None) -> str:
    """Where a scene lives in the data folder. ``name`` comes from the search service (CMR's
    granule name), so it must be a plain file name: UnsafePathError otherwise. CDSE extracts a
    burst as a zip (a small SAFE), ASF as a bare TIFF."""
    plain_basename(name, what="the scene search")
    if product != "BURST":
        return f"{SLC_DIR}/{name}.zip"
    return f"{BURST_DIR}/{name}.zip" if source == "cdse" else f"{BURST_DIR}/{name}.tiff"


def cache_dir(project: Any) -> Path | None:
    raw = project.config.paths.cache
    if not raw:
        return None
    path = Path(raw).expanduser()
    return path if path.is_absolute() else project.root / path


class SceneSpec(TypedDict):
    """A wanted scene, from the pinned search result (``source`` only for CDSE scenes)."""

    name: str
    url: str
    size: int | None
    md5: str | None
    product: str
    stack: str
    date: str
    source: NotRequired[str]


class ScenePayload(SceneSpec):
    """A scene action's payload (saved plans keep this shape): the spec and the file's place."""

    path: str


def other_source(spec: SceneSpec, attrs: SceneAttributes) -> bool:
    """The recorded file came from another source than the one the pin now names."""
    return (attrs.get("origin") or "asf") != (spec.get("source") or "asf")


def advertises_other_file(spec: SceneSpec, attrs: SceneAttributes) -> bool:
    """The source now advertises another file than the one recorded.

    A file verified against one source's checksum stays valid when the project switches source:
    ASF's and CDSE's zips of a scene are other bytes, and one is never checked against the other's
    MD5 (docs/cdse.md). A CDSE product without checksum or size advertises nothing to compare."""
    if other_source(spec, attrs):
        return False
    if spec["md5"] is None and not spec["size"]:
        return False
    return attrs.get("md5") != spec["md5"] or attrs.get("size") != spec["size"]


def scene_action(desired: Desired, op: Op, reason: str, *, path: str, bytes: int | None = None) -> Action:
    """The one way a scene action is built."""
    payload: ScenePayload = {**cast(SceneSpec, desired.spec), "path": path}
    return Action(
        address=desired.address, kind=SceneKind.kind, op=op, reason=reason, bytes=bytes, payload=dict(payload)
    )


class SceneKind(ResourceKind):
    kind = "scene"

    def desired(self, ctx: PlanContext) -> Iterable[Desired]:
        pin = pinned(ctx)
        if pin is None or not scenes_downloaded(ctx.project):
            return
        for stack in pin.stacks:
            for stack_date in stack.dates:
                for name in stack_date.scenes:
                    scene = pin.scenes[name]
                    spec: SceneSpec = {
                        "name": name,
                        "url": scene.url,
                        "size": scene.bytes,
                        "md5": scene.md5,
                        "product": pin.product,
                        "stack": stack.id,
                        "date": stack_date.date.isoformat(),
                    }
                    if scene.source:  # CDSE: its own URL, size and MD5 (docs/cdse.md)
                        spec["source"] = scene.source
                    yield Desired(address=f"scene.{name}", spec=dict(spec))

    def assess(self, desired: Desired, record: Record | None, ctx: PlanContext) -> Action | None:
        spec = cast(SceneSpec, desired.spec)
        rel = scene_relpath(spec["name"], spec["product"], spec.get("source"))
        path = ctx.project.data_dir / rel
        burst = spec["product"] == "BURST"
        if record is not None and record["status"] == "present":
            attrs = scene_attributes(record)
            if other_source(spec, attrs) and attrs.get("path"):
                # Verified from the other source (an ASF burst is a .tiff, CDSE's a .zip): kept.
                rel = attrs["path"]
                path = resolve_inside(ctx.project.data_dir, rel, what=f"state record {desired.address}")
            # A burst's advertised bytes are not the served size and it has no MD5: its record
            # (the verified TIFF's own size and MD5) is what the disk is checked against.
            if not burst and advertises_other_file(spec, attrs):
                return scene_action(
                    desired,
                    Op.REPLACE,
                    "the archive now advertises another file",
                    path=rel,
                    bytes=spec["size"],
                )
            if not path.exists():
                return scene_action(
                    desired, Op.CREATE, "recorded but missing on disk", path=rel, bytes=spec["size"]
                )
            if path.stat().st_size != attrs.get("size"):
                return scene_action(desired, Op.CREATE, "size differs on disk", path=rel, bytes=spec["size"])
            if ctx.options.verify and attrs.get("md5"):
                from insarproj.transfer.verify import md5_of

                if md5_of(path) != attrs["md5"]:
                    return scene_action(
                        desired, Op.CREATE, "MD5 differs on disk (--verify)", path=rel, bytes=spec["size"]
                    )
            return None
        if record is not None and record["status"] == ORPHANED and _kept_file_intact(path, record):
            # Its file stayed when the scene left the project: it is the project's again.
            return scene_action(desired, Op.ADOPT, "back in the project; its kept file is adopted", path=rel)
        if not burst and path.is_file() and path.stat().st_size == spec["size"]:
            return scene_action(
                desired, Op.ADOPT, "already on disk with the right size (MD5 checked at apply)", path=rel
            )
        cache = cache_dir(ctx.project)
        if (
            not burst
            and cache is not None
            and (cache / rel).is_file()
            and (cache / rel).stat().st_size == spec["size"]
        ):
            return scene_action(desired, Op.ADOPT, f"in the shared cache {cache}", path=rel)
        return scene_action(desired, Op.CREATE, "missing", path=rel, bytes=spec["size"])

    def orphan(self, address: str, record: Record, ctx: PlanContext) -> Action | None:
        """A scene that left the project: its record turns into a record of the kept file
        (status `orphaned`), so that a later `apply --prune` still deletes it and a scene that
        returns adopts it back (docs/cli.md, "Files of forgotten resources")."""
        prune = ctx.options.prune
        size = scene_attributes(record).get("size")
        data = data_label(ctx.project.root, ctx.project.data_dir)
        kept = f"{data}/{scene_attributes(record).get('path')}, {human_size(size)}"
        if record["status"] == ORPHANED:
            if not prune:
                return None  # counted in the notes until pruned or back in the project
            reason = f"file kept when the scene left the project; files deleted (--prune): {kept}"
        else:
            pin = pinned(ctx)
            why = pin.dropped_reason(address.split(".", 1)[1]) if pin is not None else None
            left = f"left the project ({why})" if why else "no longer in the configuration"
            fate = "files deleted (--prune): " if prune else "file kept on disk until `apply --prune`: "
            reason = f"{left}; {fate}{kept}"
        return Action(
            address=address,
            kind=self.kind,
            op=Op.FORGET,
            reason=reason,
            bytes=None,
            payload={"record": record, "prune": prune},
        )

    def execute(self, action: Action, ctx: ApplyContext) -> Outcome:
        payload = action.payload
        if action.op is Op.FORGET:
            return _forget(action, ctx)
        from insarproj.transfer.download import DownloadSpec, adopt_existing

        # re-checked: a saved plan is a file
        rel = scene_relpath(payload["name"], payload["product"], payload.get("source"))
        dest = resolve_inside(ctx.project.data_dir, rel, what=f"the file of {action.address}")
        burst = payload["product"] == "BURST"
        cdse = payload.get("source") == "cdse"
        spec = DownloadSpec(
            url=payload["url"],
            dest=dest,
            # CMR's burst BYTES is not the served size; CDSE's old products say 0 (zip checks then)
            size=None if burst or not payload["size"] else payload["size"],
            md5=payload["md5"],
            kind="tiff" if burst and not cdse else "zip",
            label=payload["name"],
            method="POST" if burst and cdse else "GET",  # CDSE extracts a burst on a POST
        )
        cache = cache_dir(ctx.project)
        candidates = [cache / rel] if cache is not None else []
        result = adopt_existing(spec, candidates)
        if result is None:
            result = cdse_fetch(ctx, spec) if cdse else downloader(ctx).fetch(spec, cancel=ctx.cancel)
            _share_with_cache(dest, cache, rel)
        attributes: SceneAttributes = {
            "path": rel,
            "size": result.size,
            "md5": result.md5,
            "url": redact_url(payload["url"]),
            "stack": payload["stack"],
            "date": payload["date"],
            "source": "adopted" if result.adopted else "downloaded",
        }
        if cdse:
            attributes["origin"] = "cdse"  # verified against CDSE's checksum, not ASF's
        message = "adopted (verified)" if result.adopted else f"downloaded {result.bytes_transferred} bytes"
        return Outcome(ops=[op_put(action.address, self.kind, "present", attributes)], message=message)

    def notes(self, ctx: PlanContext) -> list[str]:
        return _kept_files_note(ctx) + _search_notes(ctx)


def _search_notes(ctx: PlanContext) -> list[str]:
    # What the search kept and dropped is news when the pin changes; `show` has it always.
    pin = pinned(ctx)
    if pin is None or not ctx.observations.get("search.changed"):
        return []
    notes = list(pin.notes)
    for stack in pin.stacks:
        for dropped in stack.dropped:
            notes.append(f"{stack.id} {dropped.date}: dropped, {dropped.reason}")
        notes.extend(f"{stack.id}: {n}" for n in stack.notes)
    for dropped in pin.dropped_stacks:
        notes.append(f"stack {dropped.id} dropped: {dropped.reason}")
    return notes


ORPHANED = "orphaned"  # the record of a kept file whose scene left the project


def _kept_file_intact(path: Path, record: Record) -> bool:
    """The kept file is still there with its recorded size (apply re-checks the MD5)."""
    return path.is_file() and path.stat().st_size == scene_attributes(record).get("size")


def _kept_files_note(ctx: PlanContext) -> list[str]:
    """Files of scenes that left the project, kept until `apply --prune` (or their return)."""
    if ctx.options.prune:
        return []  # each one is a plan line of its own
    wanted = {d.address for d in ctx.desired_of(SceneKind.kind)}  # those coming back are adopted
    kept = [
        r for a, r in ctx.state.by_kind(SceneKind.kind).items() if r["status"] == ORPHANED and a not in wanted
    ]
    if not kept:
        return []
    total = sum(scene_attributes(r).get("size") or 0 for r in kept)
    first = scene_attributes(kept[0]).get("path")
    return [
        f"{len(kept)} files of scenes that left the project stay on disk ({human_size(total)}, e.g. "
        f"{data_label(ctx.project.root, ctx.project.data_dir)}/{first}): "
        "`insarproj apply --prune` deletes them"
    ]


def _forget(action: Action, ctx: ApplyContext) -> Outcome:
    """Delete the file with --prune (and the record); otherwise keep a record of the kept file."""
    payload = action.payload
    record = payload.get("record") or {}
    relpath = record.get("attributes", {}).get("path")
    if not (payload.get("prune") or ctx.options.prune):
        if not relpath:
            return Outcome(ops=[op_delete(action.address)])
        return Outcome(ops=[op_put(action.address, SceneKind.kind, ORPHANED, record["attributes"])])
    if relpath:
        what = f"state record {action.address}"
        resolve_inside(ctx.project.data_dir, relpath, what=what)  # never delete outside
        (ctx.project.data_dir / relative_inside(relpath, what=what)).unlink(missing_ok=True)
    return Outcome(ops=[op_delete(action.address)], message="file deleted (--prune)" if relpath else None)


def downloader(ctx: ApplyContext) -> Any:
    """One Downloader per apply (thread-safe, shares the authenticated session)."""
    from insarproj.transfer.download import Downloader

    return ctx.shared_object(
        "downloader",
        lambda: Downloader(
            ctx.write.get("earthdata"), retries=ctx.project.config.download.retries, progress=ctx.progress
        ),
    )


def cdse_fetch(ctx: ApplyContext, spec: Any) -> Any:
    """A CDSE download: through the CDSE session, at most 4 at once (its per-user limit)."""
    from insarproj.cdse.auth import HOW
    from insarproj.transfer.download import Downloader

    session = ctx.write.get("cdse")
    fetcher = ctx.shared_object(
        "cdse-downloader",
        lambda: Downloader(
            session,
            retries=ctx.project.config.download.retries,
            progress=ctx.progress,
            auth_service="cdse",
            auth_hint=f"check your CDSE credentials ({HOW})",
        ),
    )
    with session.slot():
        return fetcher.fetch(spec, cancel=ctx.cancel)


def _share_with_cache(dest: Path, cache: Path | None, rel: str) -> None:
    """Offer a verified download to other projects through the shared cache (best effort)."""
    if cache is None:
        return
    target = cache / rel
    if target.exists():
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.link")
        tmp.unlink(missing_ok=True)
        import os

        os.link(dest, tmp)
        os.replace(tmp, target)
    except OSError:
        pass  # a cache on another file system, or read-only: the project copy is what matters


def scene_preflight(plan: Plan, ctx: ApplyContext) -> None:
    """Before the first download: credentials exist and work, and the disk has room."""
    downloads = [a for a in plan.actions if a.kind == "scene" and a.op in (Op.CREATE, Op.REPLACE)]
    if not downloads:
        return
    from insarproj.transfer.credentials import find_earthdata_credentials
    from insarproj.transfer.disk import check_free_space

    needed = sum(a.bytes or 0 for a in downloads)
    ctx.project.data_dir.mkdir(parents=True, exist_ok=True)
    check_free_space(ctx.project.data_dir, needed)
    cdse = [a for a in downloads if a.payload.get("source") == "cdse"]
    if cdse:
        cdse_preflight(len(cdse), ctx)
    downloads = [a for a in downloads if a.payload.get("source") != "cdse"]
    if not downloads:
        return
    if find_earthdata_credentials(ctx.endpoints) is None:
        raise AuthError(
            f"{len(downloads)} scenes are to be downloaded but no Earthdata credentials were found",
            service="urs",
            hint="set EARTHDATA_TOKEN, or EARTHDATA_USERNAME and EARTHDATA_PASSWORD, or add "
            f"'machine {_urs_host(ctx)} login USER password PASS' to ~/.netrc",
        )
    _probe(downloads[0].payload["url"], ctx)


def _urs_host(ctx: ApplyContext) -> str:
    from insarproj.transfer.credentials import urs_host

    return urs_host(ctx.endpoints)


def _probe(url: str, ctx: ApplyContext) -> None:
    """Fetch one byte through the whole login chain: proves the login works and the EULA is accepted."""
    import requests

    from insarproj.transfer.verify import looks_like_html

    session = ctx.write.get("earthdata")
    try:
        with session.get(url, headers={"Range": "bytes=0-0"}, stream=True, timeout=60) as response:
            head = next(response.iter_content(512), b"") if response.ok else b""
            status = response.status_code
    except requests.RequestException:
        # Inconclusive (a dropped connection, a timeout): the downloads retry and report per file.
        return
    if status in (401, 403) or (status < 400 and looks_like_html(head)):
        raise AuthError(
            f"the Earthdata login for {redact_url(url)} failed (HTTP {status})",
            service="urs",
            hint=f"check your Earthdata credentials (EARTHDATA_TOKEN or ~/.netrc machine {_urs_host(ctx)}) "
            "and that you accepted the ASF EULA at urs.earthdata.nasa.gov",
        )
    # Other errors (5xx, 404) are left to the download itself, which retries and reports per file.


def cdse_preflight(count: int, ctx: ApplyContext, what: str = "scenes") -> None:
    """CDSE credentials exist and the token service accepts them, before the first download."""
    from insarproj.cdse.auth import HOW, token_url

    session = ctx.write.get("cdse")
    if session.tokens is None:
        url = token_url(ctx.endpoints)
        untrusted = not ctx.endpoints.may_send_credentials(url)
        raise AuthError(
            f"{count} {what} are to be downloaded from CDSE but "
            + (
                f"the token service {redact_url(url)} is named only in project.toml"
                if untrusted
                else "no CDSE credentials were found"
            ),
            service="cdse",
            hint="set INSARPROJ_CDSE_IDENTITY_URL, or pass --trust-endpoints" if untrusted else HOW,
        )
    session.tokens.token()  # logs in once: wrong credentials or 2FA stop here, before any download
