"""`aria_product.<stack>.<frame>.<yyyymmdd>_<yyyymmdd>`: ready-made ARIA GUNW products,
downloaded, verified (size, MD5, netCDF-4 GUNW layout) and recorded in data/aria/<stack>/.

An archived product is waiting work, not a failure: the first apply's download answers 202, the
retrieval request is recorded (status `retrieving`), and later plans read the status URL and
wait until it says available; then the file is downloaded (docs/aria.md, "Long-term storage").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from insarproj.endpoints import redact_url
from insarproj.engine.context import ApplyContext, OfflineError, PlanContext
from insarproj.engine.model import Action, Desired, Op, Outcome, ResourceKind
from insarproj.fsutil import data_label, plain_basename, resolve_inside
from insarproj.kinds.aria_search import aria_pinned
from insarproj.state import op_put
from insarproj.state.records import Record

KIND = "aria_product"
RETRIEVING = "retrieving"
CHOICE_CACHE = "aria.choices"
SUPERSEDED_DIR = "superseded/aria"
# A status still "archived" this long after the retrieval request means the retrieved copy expired
# (or the request was lost): it is requested again, once per lapse, never on every apply.
LAPSE_SECONDS = 600


def aria_relpath(stack: str, name: str) -> str:
    """data/aria/<stack>/<name>.nc; ``name`` comes from the catalogue, so it must be a plain name."""
    plain_basename(f"{name}.nc", what="the GUNW search")
    plain_basename(stack, what="the GUNW search")
    return f"aria/{stack}/{name}.nc"


def choices(ctx: PlanContext) -> list[Any]:
    """The pairs each stack takes (computed once per plan)."""
    cached = ctx.observations.get(CHOICE_CACHE)
    if cached is None:
        from dataclasses import replace

        from insarproj.aria.network import choose_pairs, without_dates
        from insarproj.kinds.pairs import network_settings

        pin = aria_pinned(ctx)
        settings = network_settings(ctx.project)
        config = ctx.project.config
        minimum = config.processor.aria.min_coverage if config.processor.aria is not None else 0.5
        season = set(config.search.season) if config.search.season else None
        cached = []
        for stack in pin.stacks if pin else ():
            kept, left_out = without_dates(stack, set(config.search.exclude_dates), season)
            extra = _acquired(ctx, pin, stack.id, season)
            cached.append(replace(choose_pairs(kept, settings, minimum, extra), left_out=left_out))
        ctx.observations[CHOICE_CACHE] = cached
    return cached


def _acquired(ctx: PlanContext, pin: Any, stack: str, season: set[int] | None) -> set[Any]:
    """On demand: the SLC search's dates HyP3 could use (docs/aria.md "On demand"), without
    `[search] exclude_dates` and dates outside `season`."""
    from insarproj.aria.acquisitions import usable_dates
    from insarproj.kinds.aria_jobs import on_demand

    if not on_demand(ctx.project):
        return set()
    excluded = set(ctx.project.config.search.exclude_dates)
    dates = usable_dates(pin.acquisitions.get(stack, {}))
    return {d for d in dates if d not in excluded and (season is None or d.month in season)}


class AriaProductKind(ResourceKind):
    kind = KIND

    def desired(self, ctx: PlanContext) -> Iterable[Desired]:
        from insarproj.kinds.aria_jobs import offered

        pin = aria_pinned(ctx)
        for choice in choices(ctx):
            for pair in choice.selected:
                for name in pair.products:
                    yield _published(pin.products[name], pair.key, pair.coverage)
        for made in offered(ctx)[0]:  # pairs completed by on-demand jobs (docs/aria.md, "On demand")
            for name in made.published:
                yield _published(pin.products[name], made.key, made.coverage)
            for job in made.jobs:
                yield _made_on_demand(job)

    def assess(self, desired: Desired, record: Record | None, ctx: PlanContext) -> Action | None:
        spec = desired.spec
        if spec.get("source") == "hyp3":
            from insarproj.kinds.aria_made import assess_made

            return assess_made(desired, record, ctx)
        if record is not None and record["status"] == RETRIEVING:
            return _assess_retrieval(desired, record, ctx)
        if record is None or record["status"] != "present":
            aside = ctx.project.data_dir / SUPERSEDED_DIR / spec["path"].removeprefix("aria/")
            if aside.is_file() and aside.stat().st_size == spec["size"]:
                return _action(
                    desired,
                    Op.ADOPT,
                    f"back in the project; its file in {_data(ctx)}/{SUPERSEDED_DIR}/ is adopted",
                )
            return _action(desired, Op.CREATE, "missing")
        attrs = record["attributes"]
        if attrs.get("name") != spec["name"] or attrs.get("md5") != spec["md5"]:
            return _action(
                desired, Op.REPLACE, f"the catalogue now has {spec['name']} (version {spec['version']})"
            )
        path = resolve_inside(ctx.project.data_dir, attrs["path"], what=f"state record {desired.address}")
        if not path.is_file():
            return _action(desired, Op.CREATE, "recorded but missing on disk")
        if path.stat().st_size != attrs.get("size"):
            return _action(desired, Op.CREATE, "size differs on disk")
        if ctx.options.verify:
            return _verify_on_disk(desired, path, attrs)
        return None

    def execute(self, action: Action, ctx: ApplyContext) -> Outcome:
        if action.op is Op.FORGET:
            return _forget(action, ctx)
        if action.op is Op.FAILED:
            return Outcome()  # shown on every plan until its job is made again (kinds/aria_made.py)
        from insarproj.aria.storage import probe_download

        if action.op is Op.ADOPT:
            return _download(action, ctx)  # downloads only when the set-aside file fails its checks
        payload = action.payload
        session = ctx.write.get("earthdata")
        probe = probe_download(session, payload["url"])
        if not probe.ready:
            return _retrieval_requested(action, ctx, probe.status_url)
        return _download(action, ctx)

    def orphan(self, address: str, record: Record, ctx: PlanContext) -> Action | None:
        """A product that left the project: forgotten; its file set aside (or deleted with --prune)."""
        stack = address.split(".")[1]
        fate = (
            "file deleted (--prune)"
            if ctx.options.prune
            else f"file moved to {_data(ctx)}/{SUPERSEDED_DIR}/{stack}/"
        )
        if record["status"] != "present":
            fate = "no file"
        return Action(
            address=address,
            kind=self.kind,
            op=Op.FORGET,
            reason=f"no longer in the configuration; {fate}",
            payload={"record": record, "prune": ctx.options.prune},
        )

    def notes(self, ctx: PlanContext) -> list[str]:
        from insarproj.kinds.aria_show import plan_notes

        return plan_notes(ctx, choices(ctx))


def _published(p: Any, key: str, coverage: float) -> Desired:
    spec = {
        "name": p.name,
        "url": p.url,
        "size": p.size,
        "md5": p.md5,
        "stack": p.stack,
        "frame": p.frame,
        "reference": p.reference,
        "secondary": p.secondary,
        "version": p.version,
        "coverage": coverage,
        "path": aria_relpath(p.stack, p.name),
    }
    return Desired(address=f"{KIND}.{p.stack}.{p.frame}.{key}", spec=spec)


def _made_on_demand(job: Any) -> Desired:
    """The product of an on-demand ARIA_S1_GUNW job: known by name once the job SUCCEEDED."""
    from insarproj.kinds.aria_jobs import job_address, product_address

    spec = {
        "source": "hyp3",
        "job": job_address(job),
        "stack": job.stack,
        "frame": job.frame,
        "reference": job.later.isoformat(),
        "secondary": job.earlier.isoformat(),
        "coverage": job.coverage,
    }
    return Desired(address=product_address(job), spec=spec, depends_on=(job_address(job),))


def _action(desired: Desired, op: Op, reason: str) -> Action:
    spec = desired.spec
    return desired.action(
        KIND, op, reason, bytes=spec.get("size") if op is not Op.WAIT else None, unit="product"
    )


def _verify_on_disk(desired: Desired, path: Any, attrs: dict[str, Any]) -> Action | None:
    from insarproj.aria.netcdf import check_gunw_layout
    from insarproj.errors import VerificationError
    from insarproj.transfer.verify import md5_of

    if attrs.get("md5") and md5_of(path) != attrs["md5"]:
        return _action(desired, Op.CREATE, "MD5 differs on disk (--verify)")
    try:
        check_gunw_layout(path)
    except VerificationError as exc:
        return _action(desired, Op.CREATE, f"not a GUNW netCDF-4 file on disk (--verify): {exc.message}")
    return None


def _assess_retrieval(desired: Desired, record: Record, ctx: PlanContext) -> Action:
    """A retrieval was requested: read the status URL (a read) and wait, or download when available."""
    attrs = record["attributes"]
    since = attrs.get("requested_at", "?")
    status_url = attrs.get("status_url")
    if attrs.get("name") != desired.spec["name"]:
        return _action(desired, Op.REPLACE, f"the catalogue now has {desired.spec['name']}")
    if not status_url:
        return _action(desired, Op.WAIT, f"retrieving from long-term storage since {since} (no status URL)")
    try:
        status = ctx.read.get("aria").status(status_url)
    except OfflineError:
        return _action(
            desired, Op.WAIT, f"retrieving from long-term storage since {since} (status not read: --offline)"
        )
    if status.available:
        until = f", available until {status.expiration}" if status.expiration else ""
        return _action(desired, Op.CREATE, f"retrieved from long-term storage{until}")
    if status.status == "archived" and _lapsed(since, ctx.now):
        # Archived again long after the request: the retrieved copy expired before it was fetched.
        action = _action(desired, Op.CREATE, f"the retrieval requested {since} lapsed (status: archived)")
        action.payload["lapsed"] = True
        return action
    return _action(
        desired, Op.WAIT, f"retrieving from long-term storage since {since} (status: {status.status})"
    )


def _lapsed(since: str, now: datetime) -> bool:
    try:
        requested = datetime.strptime(since, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return False
    return (now - requested).total_seconds() > LAPSE_SECONDS


def _retrieval_requested(action: Action, ctx: ApplyContext, status_url: str | None) -> Outcome:
    """The download answered 202: record the request, so no later apply starts it again."""
    record = ctx.state.get(action.address)
    earlier: dict[str, Any] = {}
    if record is not None and record["status"] == RETRIEVING and not action.payload.get("lapsed"):
        earlier = record["attributes"]
    payload = action.payload
    attributes = {
        "name": payload["name"],
        "stack": payload["stack"],
        "frame": payload["frame"],
        "reference": payload["reference"],
        "secondary": payload["secondary"],
        "version": payload["version"],
        "coverage": payload["coverage"],
        "path": payload["path"],
        "url": redact_url(payload["url"]),
        "status_url": redact_url(status_url) if status_url else None,
        "requested_at": earlier.get("requested_at") or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if payload.get("source") == "hyp3":  # a job HyP3 answered from its archive (kinds/aria_made.py)
        attributes.update(source="hyp3", job_id=payload["job_id"])
    return Outcome(
        ops=[op_put(action.address, KIND, RETRIEVING, attributes)],
        message="archived: retrieval from long-term storage requested",
        waiting=True,
    )


def _download(action: Action, ctx: ApplyContext) -> Outcome:
    from insarproj.aria.netcdf import check_gunw_layout
    from insarproj.errors import VerificationError
    from insarproj.kinds.scenes import downloader
    from insarproj.transfer.download import DownloadSpec, adopt_existing

    payload = action.payload
    rel = aria_relpath(payload["stack"], payload["name"])  # re-checked: a saved plan is a file
    dest = resolve_inside(ctx.project.data_dir, rel, what=f"the file of {action.address}")
    spec = DownloadSpec(
        url=payload["url"], dest=dest, size=payload["size"], md5=payload["md5"], label=payload["name"]
    )
    # A product back in the project takes its set-aside file when it still verifies.
    aside = ctx.project.data_dir / SUPERSEDED_DIR / rel.removeprefix("aria/")
    result = adopt_existing(spec, [aside])
    if result is not None:
        aside.unlink(missing_ok=True)
    for attempt in (1, 2):
        result = result or downloader(ctx).fetch(spec, cancel=ctx.cancel)
        try:
            check_gunw_layout(dest, label=payload["name"])
            break
        except VerificationError:
            dest.unlink(missing_ok=True)  # never recorded: a file is in place only when it verified
            result = None
            if attempt == 2:
                raise
    assert result is not None  # the loop either verified a file or raised
    attributes = {
        key: payload[key]
        for key in ("name", "stack", "frame", "reference", "secondary", "version", "coverage")
    }
    attributes.update(path=rel, size=result.size, md5=result.md5, url=redact_url(payload["url"]))
    if payload.get("source") == "hyp3":
        attributes.update(source="hyp3", job_id=payload["job_id"])
    old = ctx.state.get(action.address)
    if old is not None and old["status"] == "present" and old["attributes"].get("path") != rel:
        _set_aside(ctx, action.address, old["attributes"]["path"], prune=ctx.options.prune)
    message = "adopted (verified)" if result.adopted else f"downloaded {result.bytes_transferred} bytes"
    return Outcome(ops=[op_put(action.address, KIND, "present", attributes)], message=message)


def _forget(action: Action, ctx: ApplyContext) -> Outcome:
    """Forget the record; its file moves to the superseded area, or is deleted with --prune."""
    from insarproj.state import op_delete

    record = action.payload.get("record") or {}
    relpath = record.get("attributes", {}).get("path")
    if relpath and record.get("status") == "present":
        _set_aside(ctx, action.address, relpath, prune=bool(action.payload.get("prune") or ctx.options.prune))
    return Outcome(ops=[op_delete(action.address)])


def _set_aside(ctx: ApplyContext, address: str, relpath: str, *, prune: bool) -> None:
    """data/aria/<stack>/ holds exactly the current products: an old file moves to
    data/superseded/aria/<stack>/ (deleted instead with --prune); only inside the data folder."""
    import os

    what = f"state record {address}"
    source = resolve_inside(ctx.project.data_dir, relpath, what=what)
    if not source.is_file():
        return
    if prune:
        source.unlink(missing_ok=True)
        return
    target = resolve_inside(
        ctx.project.data_dir, f"{SUPERSEDED_DIR}/{relpath.removeprefix('aria/')}", what=what
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)


def _data(ctx: PlanContext) -> str:
    """The data folder as messages name it ([paths] data, relative to the project when inside it)."""
    return data_label(ctx.project.root, ctx.project.data_dir)
