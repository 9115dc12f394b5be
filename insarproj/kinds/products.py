"""`product.<stack>.<key>`: the product of the pair's current HyP3 job, downloaded, verified, unzipped.

The zip is fetched with the verified downloader (size from the job's `files[].size`, zip
integrity) under a hidden name, unzipped safely (absolute paths, `..`, links and bombs refused)
into `products/<stack>/<product name>/` together with a manifest (size and SHA-256 of every file,
`.insarproj-manifest.json`), then the zip is removed. Only then is it recorded; the record keeps
the manifest's own hash, so state stays small.

Converged means correct: a product is in sync only when its record's `job_id` is the pair's
current job and its files match the manifest (sizes by stat; checksums with `--verify`). A
product of a replaced job stays in place until the new job's product is downloaded and
extracted; then the old folder moves to `superseded/products/<stack>/` (deleted instead with
`apply --prune`), so `products/<stack>/` holds exactly one product per pair of the network
(anything else found there that no record names moves aside too, through one
`product.<stack>.untracked` action per stack; hidden names are work in progress and stay). A
damaged product is downloaded again and replaces the damaged folder (its files are deleted: the
fresh copy is the same product). `apply --prune` also deletes everything in the superseded area,
through one `product.<stack>.superseded` action per stack.

Names from HyP3 are never paths: a product `filename` must be a plain `*.zip` name, and every
folder created, moved or deleted is checked to resolve inside the data folder first.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict, cast

from insarproj.engine.context import ApplyContext, PlanContext
from insarproj.engine.model import Action, Desired, Op, Outcome, ResourceKind
from insarproj.errors import ProviderError, UnsafePathError
from insarproj.fsutil import checked_relative, data_label, fsync_dir, relative_inside, resolve_inside
from insarproj.hyp3.products import layer_filter, layer_suffixes, manifest_problem
from insarproj.kinds.hyp3 import (
    EXPIRY_WARNING,
    SUCCEEDED_JOBS,
    Hyp3JobKind,
    _hyp3_now,
    _job_result,
    product_address,
)
from insarproj.kinds.hyp3_protocol import parse_time
from insarproj.kinds.product_layers import (
    LAYERS,
    UNRECORDED,
    Verdict,
    deleted_note,
    keep_now,
    layer_change,
    older_record,
    recorded_keep,
    trim_files,
)
from insarproj.kinds.sizes import human_size
from insarproj.layout import PRODUCTS_DIR
from insarproj.state import op_delete, op_put
from insarproj.state.lazy import peek
from insarproj.state.records import (
    ManifestSummary,
    ProductAttributes,
    PutOp,
    Record,
    hyp3_attributes,
    product_attributes,
)

SUPERSEDED_DIR = "superseded/products"
SUPERSEDED_KEY = "superseded_stack"  # spec/payload key of a stack's superseded-area item
UNTRACKED_KEY = "untracked_stack"  # spec/payload key of a stack's sweep of untracked entries
READOPTED = "products.readopted"  # superseded folders this plan takes back (never pruned by it)
SWEEP_UNIT = "stack folder"
_UNKNOWN = object()  # what the plan's headline counts a sweep of a stack's folder as


def _job_files(
    job_address: str, ctx: PlanContext, record: Record | None = None
) -> tuple[list[dict[str, Any]], str | None, str | None]:
    """(files, expiration, job id) of a job known to have SUCCEEDED — from state (``record``, when
    the caller has it), or from this plan's listing when the job finished since the last apply."""
    if record is None:
        record = ctx.state.get(job_address)
    if record is not None and record["status"] == "succeeded":
        attrs = hyp3_attributes(record)
        files = cast(list[dict[str, Any]], attrs.get("files", []))  # the recorded list, read only
        return files, attrs.get("expiration_time"), attrs.get("job_id")
    job = ctx.observations.get("hyp3.jobs", {}).get(job_address)
    if job is not None and job.succeeded():
        result = _job_result(job.raw)  # the same record the job's refresh will write
        return result["files"], result["expiration_time"], job.job_id
    return [], None, None


def _current_job_id(job_address: str, ctx: PlanContext, recorded_id: str | None) -> str | None:
    """The job that is current for the pair, whatever its status: the one this plan's listing
    found for the job record, else the record's own (``recorded_id``); None while a
    (re)submission is open."""
    job = ctx.observations.get("hyp3.jobs", {}).get(job_address)
    if job is not None:
        return str(job.job_id)
    return recorded_id


def _data(ctx: PlanContext | ApplyContext) -> str:
    """The data folder as messages name it ([paths] data, relative to the project when inside it)."""
    return data_label(ctx.project.root, ctx.project.data_dir)


def _aside(prune: bool, data: str, stack: str = "") -> str:
    """What happens to a product folder that leaves products/<stack>/, in the words plans use."""
    return (
        "deleted (--prune)"
        if prune
        else f"moved to {data}/{SUPERSEDED_DIR}/" + (f"{stack}/" if stack else "")
    )


def _forget_note(prune: bool, data: str) -> str:
    return ("files " if prune else "folder ") + _aside(prune, data)


def _product_zip(files: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The product zip among a job's files (HyP3 lists the zip first; other files are skipped)."""
    return next((f for f in files if str(f.get("filename", "")).endswith(".zip")), None)


class ProductSpec(TypedDict):
    """A wanted product: the pair's job and its stack (the folder is products/<stack>/)."""

    stack: str
    job: str


class ProductPayload(ProductSpec, total=False):
    """A product action's payload (saved plans keep this shape): the job's file to fetch and,
    when adopting a folder already on disk, where it is and its manifest summary."""

    file: dict[str, Any]
    job_id: str | None
    expires: str | None
    path: str
    manifest: dict[str, Any]
    keep_layers: list[str] | None


def product_action(
    desired: Desired,
    op: Op,
    reason: str,
    *,
    file: dict[str, Any],
    job_id: str | None,
    expires: str | None,
    bytes: int | None = None,
    found: tuple[str, dict[str, Any]] | None = None,
    keep: list[str] | object | None = _UNKNOWN,
) -> Action:
    """The one way a download or adoption of a product is built (``found``: folder and manifest)."""
    payload: ProductPayload = {
        **cast(ProductSpec, desired.spec),
        "file": file,
        "job_id": job_id,
        "expires": expires,
    }
    if found is not None:
        payload["path"], payload["manifest"] = found
    if keep is not _UNKNOWN:  # a change in place: the layers to keep (None: all)
        payload["keep_layers"] = cast(list[str] | None, keep)
    return Action(
        address=desired.address,
        kind=ProductKind.kind,
        op=op,
        reason=reason,
        depends_on=list(desired.depends_on),
        bytes=bytes,
        payload=dict(payload),
    )


class ProductKind(ResourceKind):
    kind = "product"

    def desired(self, ctx: PlanContext) -> Iterable[Desired]:
        products: dict[str, list[str]] = {}  # stack -> the addresses of its products (each once)
        for job in ctx.desired_of(Hyp3JobKind.kind):
            address, stack = product_address(job.spec["pair"]), job.spec["stack"]
            found = products.get(stack)
            if found is None:
                found = products[stack] = []
            found.append(address)
            spec = {"stack": stack, "job": job.address}
            yield Desired(address=address, spec=spec, depends_on=(job.address,))
        # The superseded area should be empty after `apply --prune`: one item per stack in it.
        for stack in _superseded_stacks(ctx.project.data_dir):
            yield Desired(address=f"{self.kind}.{stack}.superseded", spec={SUPERSEDED_KEY: stack})
        # products/<stack>/ holds only recorded products: one sweep per stack folder, after the
        # stack's product actions (a folder they are about to record is not swept away).
        stacks = _subfolders(ctx.project.data_dir / PRODUCTS_DIR)
        if not stacks:
            return
        # By address, not by record: a record is built once per plan, by assess (state/lazy.py);
        # which pairs may still claim a folder is worked out when the sweep is assessed.
        wanted = set().union(*products.values())
        for address in set(ctx.state.by_kind(self.kind)).difference(wanted):
            products.setdefault(_address_stack(address), []).append(address)  # a record of no pair now
        for stack in stacks:
            yield Desired(
                address=f"{self.kind}.{stack}.untracked",
                spec={UNTRACKED_KEY: stack},
                depends_on=tuple(sorted(set(products.get(stack, ())))),
            )

    settles = True

    def settled(self, desired: Desired, recorded: Mapping[str, Record], ctx: PlanContext) -> bool:
        """`assess`'s converged case (present, its job seen SUCCEEDED in sync, `_in_sync`) on a
        few values of the record, read without building it; noted for the sweep as assess notes."""
        job = desired.spec.get("job")  # None: a sweep of a stack folder, assessed in full
        if job is None:
            return False
        found = peek(recorded, desired.address, _SETTLED_KEYS)
        if found is None:
            return False
        status, attrs = found
        succeeded = ctx.observations.get(SUCCEEDED_JOBS, {}).get(job, _UNKNOWN)
        return (
            _note(desired.address, status, attrs, ctx)
            and succeeded is not _UNKNOWN
            and _attributes_in_sync(desired.address, attrs, job, ctx, succeeded)
        )

    def assess(self, desired: Desired, record: Record | None, ctx: PlanContext) -> Action | None:
        spec = desired.spec
        if SUPERSEDED_KEY in spec:
            return self._assess_superseded(desired, ctx)
        if UNTRACKED_KEY in spec:
            return self._assess_untracked(desired, ctx)
        present = record is not None and _note_record(desired.address, record, ctx)
        succeeded = ctx.observations.get(SUCCEEDED_JOBS, {}).get(spec["job"], _UNKNOWN)
        if present and succeeded is not _UNKNOWN:
            # The job kind saw its record SUCCEEDED with files, in sync: not built again here.
            assert record is not None
            if _verdict(desired.address, record, spec["job"], ctx, succeeded) is None:
                return None
        job_record = ctx.state.get(spec["job"])  # once: a lazy state builds it per access
        files, expires, job_id = _job_files(spec["job"], ctx, job_record)
        if record is not None and present:
            recorded_id = hyp3_attributes(job_record).get("job_id") if job_record is not None else None
            verdict = _verdict(desired.address, record, spec["job"], ctx, recorded_id)
            if verdict is None or not files:
                # In sync — or the current job is not done: the old product stays until the new one is in.
                return None
            if verdict.in_place:  # only files to delete, or the record to complete: nothing to fetch
                return product_action(
                    desired,
                    Op.REFRESH,
                    verdict.reason,
                    file=_product_zip(files) or files[0],
                    job_id=job_id,
                    expires=expires,
                    keep=verdict.keep,
                )
            return self._fetch(desired, Op.REPLACE, verdict.reason, (files, expires, job_id), record, ctx)
        if not files:
            return None  # the job is not done: its own line says why (waiting, failed, to submit)
        found = (
            on_disk_product(ctx.project.data_dir, spec["job"], files, keep_now(ctx))
            if record is None
            else None
        )
        if found is not None:
            kept = found[0].startswith(SUPERSEDED_DIR + "/")
            if kept:  # not deleted by a --prune of the same plan: it is the project's again
                ctx.observations.setdefault(READOPTED, set()).add(found[0])
            where = (
                f"kept in {_data(ctx)}/{found[0]} when its pair left; moved back"
                if kept
                else f"already in {_data(ctx)}/{found[0]}"
            )
            return product_action(
                desired,
                Op.ADOPT,
                f"{where}, intact against its manifest" + ("" if kept else " (a recovered state or a clone)"),
                file=_product_zip(files) or files[0],
                job_id=job_id,
                expires=expires,
                found=found,
            )
        return self._fetch(
            desired, Op.CREATE, "job SUCCEEDED, product not downloaded", (files, expires, job_id), None, ctx
        )

    def _fetch(
        self,
        desired: Desired,
        op: Op,
        reason: str,
        job: tuple[list[dict[str, Any]], str | None, str | None],
        record: Record | None,
        ctx: PlanContext,
    ) -> Action | None:
        from insarproj.hyp3.products import product_zip_name

        files, expires, job_id = job
        zip_file = _product_zip(files) or files[0]  # not a zip: refused below with the reason
        try:
            product_zip_name(zip_file["filename"], job=desired.spec["job"])
        except UnsafePathError as exc:
            reason += f"; apply will refuse it: {exc.message}"
        expiry = parse_time(expires)
        now = _hyp3_now(ctx)
        if expiry is not None and expiry <= now:
            if op is Op.CREATE:
                return None  # expired before download: the job kind plans the resubmission
            reason += (
                f"; but HyP3 deleted this product on {expiry:%Y-%m-%d} (expired), so it cannot be "
                "downloaded again until its job is resubmitted"
            ) + (
                "; or set keep_layers back to keep the product as it is" if reason.startswith(LAYERS) else ""
            )
        elif expiry is not None and expiry - now < EXPIRY_WARNING:
            reason += f"; expires {expiry:%Y-%m-%d %H:%M} UTC"
        if record is not None and record["attributes"].get("job_id") != job_id:
            reason += "; old product " + _aside(ctx.options.prune, _data(ctx))
        return product_action(
            desired, op, reason, file=zip_file, job_id=job_id, expires=expires, bytes=zip_file["size"]
        )

    def _assess_superseded(self, desired: Desired, ctx: PlanContext) -> Action | None:
        if not ctx.options.prune:
            return None  # nothing is deleted without --prune; notes() counts what waits there
        stack = desired.spec[SUPERSEDED_KEY]
        readopted = ctx.observations.get(READOPTED, set())
        folders = sorted(
            p.name
            for p in (ctx.project.data_dir / SUPERSEDED_DIR / stack).iterdir()
            if f"{SUPERSEDED_DIR}/{stack}/{p.name}" not in readopted
        )
        if not folders:
            return None
        return Action(
            address=desired.address,
            kind=self.kind,
            op=Op.FORGET,
            reason=f"{len(folders)} old products in {_data(ctx)}/{SUPERSEDED_DIR}/{stack}/; "
            "files deleted (--prune)",
            unit=SWEEP_UNIT,
            payload={SUPERSEDED_KEY: stack, "folders": folders},
        )

    def _assess_untracked(self, desired: Desired, ctx: PlanContext) -> Action | None:
        stack = desired.spec[UNTRACKED_KEY]
        tracked = _tracked_by_stack(ctx).get(stack, set())
        claimable = _claimable(stack, ctx)
        listing = os.listdir(ctx.project.data_dir / PRODUCTS_DIR / stack)  # once for both questions
        names = _untracked(
            ctx.project.data_dir, stack, ctx.state, claimable=claimable, tracked=tracked, listing=listing
        )
        leftovers = _stale_work(ctx.project.data_dir, stack, claimable, listing=listing)
        if not names and not leftovers:
            return None
        reasons = []
        if names:
            where = _aside(ctx.options.prune, _data(ctx), stack)
            reasons.append(
                f"{len(names)} entries of {_data(ctx)}/{PRODUCTS_DIR}/{stack}/ are no recorded product "
                f"(e.g. {names[0]}); {where}"
            )
        if leftovers:
            reasons.append(
                f"{len(leftovers)} unfinished downloads or unzips left there by an interrupted apply "
                f"for products no longer wanted (e.g. {leftovers[0]}); deleted"
            )
        return Action(
            address=desired.address,
            kind=self.kind,
            op=Op.FORGET,
            unit=SWEEP_UNIT,
            reason="; ".join(reasons),
            depends_on=list(desired.depends_on),
            payload={UNTRACKED_KEY: stack, "names": names, "leftovers": leftovers},
        )

    def orphan(self, address: str, record: Record, ctx: PlanContext) -> Action | None:
        prune = ctx.options.prune
        attrs = product_attributes(record)
        manifest = attrs.get("manifest")
        size = human_size(manifest["bytes"] if manifest else None)
        # Which files stay and how much space they hold (docs/cli.md, "Files of forgotten resources").
        path = attrs.get("path")
        reason = f"no longer in the configuration; {_forget_note(prune, _data(ctx))}"
        if path:
            reason += f": {_data(ctx)}/{path} ({size})" + ("" if prune else ", until `apply --prune`")
        return Action(
            address=address,
            kind=self.kind,
            op=Op.FORGET,
            reason=reason,
            payload={"record": record, "prune": prune},
        )

    def execute(self, action: Action, ctx: ApplyContext) -> Outcome:
        payload = action.payload
        if action.op is Op.FORGET and SUPERSEDED_KEY in payload:
            return _prune_superseded(action, ctx)
        if action.op is Op.FORGET and UNTRACKED_KEY in payload:
            return _sweep_untracked(action, ctx)
        if action.op is Op.FORGET:
            record = payload.get("record")
            prune = bool(payload.get("prune") or ctx.options.prune)
            message = (
                _set_aside(record, action.address, ctx, prune=prune)
                if record and record.get("attributes")
                else None
            )
            return Outcome(ops=[op_delete(action.address)], message=message)
        if action.op is Op.ADOPT:
            return self._adopt(action, ctx)
        if action.op is Op.REFRESH:
            return self._trim(action, ctx)
        return self._download(action, ctx)

    def _adopt(self, action: Action, ctx: ApplyContext) -> Outcome:
        """Record a product found on disk after checking every file's checksum against its
        manifest; one that fails is downloaded afresh (refused with the reason if it expired)."""

        payload = action.payload
        rel = str(relative_inside(payload["path"], what=f"the adopted folder of {action.address}"))
        folder = resolve_inside(ctx.project.data_dir, rel, what=f"the adopted folder of {action.address}")
        keep = keep_now(ctx)
        problem = manifest_problem(
            folder, payload["manifest"], checksums=True, kept=layer_filter(folder.name, keep)
        )
        if problem is not None:
            return self._download(action, ctx)
        if rel.startswith(SUPERSEDED_DIR + "/"):
            moved = _move_back(ctx.project.data_dir, folder, payload["stack"])
            if moved is None:  # the place is taken (a damaged copy): download afresh
                return self._download(action, ctx)
            rel = moved
        deleted = trim_files(ctx.project.data_dir, rel, keep)
        present = _present_op(
            action.address,
            rel,
            payload["job_id"],
            payload["file"].get("size"),
            payload["manifest"],
            keep,
            ctx,
        )
        return Outcome(ops=[present], message=f"{folder.name} adopted" + deleted_note(deleted))

    def _trim(self, action: Action, ctx: ApplyContext) -> Outcome:
        """Keep only the layers ``keep_layers`` keeps now, in place: the files of the others are
        deleted — those the manifest lists, never anything else — after the files that stay are
        checked; a product that fails the check is downloaded afresh instead."""
        record = ctx.writer.state.get(action.address)
        if record is None or record["status"] != "present":
            return self._download(action, ctx)
        attrs = product_attributes(record)
        rel = str(relative_inside(attrs.get("path", ""), what=f"state record {action.address}"))
        folder = resolve_inside(ctx.project.data_dir, rel, what=f"state record {action.address}")
        keep = action.payload.get("keep_layers")
        summary = attrs.get("manifest")
        kept = layer_filter(folder.name, keep)
        if summary is None or manifest_problem(folder, summary, checksums=ctx.options.verify, kept=kept):
            return self._download(action, ctx)
        deleted = trim_files(ctx.project.data_dir, rel, keep)
        present = _present_op(
            action.address, rel, attrs["job_id"], attrs.get("zip_size"), dict(summary), keep, ctx
        )
        return Outcome(ops=[present], message=folder.name + (deleted_note(deleted) or ": recorded"))

    def _download(self, action: Action, ctx: ApplyContext) -> Outcome:
        from insarproj.hyp3.products import extract_product, product_zip_name
        from insarproj.kinds.scenes import downloader
        from insarproj.transfer.download import DownloadSpec

        payload = action.payload
        zip_file = _current_file(payload, ctx)
        zip_name = product_zip_name(zip_file["filename"], job=payload["job"])
        _refuse_expired(payload, ctx)
        name = zip_name.removesuffix(".zip")
        rel = f"{PRODUCTS_DIR}/{payload['stack']}/{name}"
        folder = resolve_inside(ctx.project.data_dir, rel, what=f"the product folder of {action.address}")
        # Hidden while it downloads: a glob of products/<stack>/* sees only finished products.
        zip_path = folder.with_name(f".{zip_name}")
        spec = DownloadSpec(
            url=zip_file["url"], dest=zip_path, size=zip_file["size"], md5=None, kind="zip", label=name
        )
        result = downloader(ctx).fetch(spec, cancel=ctx.cancel)
        keep = keep_now(ctx)
        manifest = extract_product(zip_path, folder, keep_suffixes=layer_suffixes(keep))
        zip_path.unlink(missing_ok=True)
        # Only now, with the new product in place, does the old one leave products/<stack>/.
        message = name
        previous = ctx.writer.state.get(action.address)
        if previous is not None and product_attributes(previous).get("path") not in (None, rel):
            message += "; " + _set_aside(previous, action.address, ctx, prune=ctx.options.prune)
        present = _present_op(
            action.address, rel, payload["job_id"], result.size, manifest.summary(), keep, ctx
        )
        return Outcome(ops=[present], message=message)

    def notes(self, ctx: PlanContext) -> list[str]:
        notes = []
        now = _hyp3_now(ctx)
        soon = []
        recorded = _recorded_products(ctx)
        for item in ctx.desired_of(self.kind):
            address, job = item.address, item.spec.get("job")
            if job is None or address in recorded.present:
                continue  # a stack's sweep, or a product in place
            _files, expires, _job = _job_files(job, ctx)
            expiry = parse_time(expires)
            if expiry is not None and now < expiry and expiry - now < EXPIRY_WARNING:
                soon.append(address)
        if soon:
            notes.append(
                f"{len(soon)} HyP3 products expire within {EXPIRY_WARNING.days} days and are not "
                "downloaded yet: "
                "run `insarproj apply` soon"
            )
        if not ctx.options.prune:
            folders = [
                entry
                for stack in _superseded_stacks(ctx.project.data_dir)
                for entry in (ctx.project.data_dir / SUPERSEDED_DIR / stack).iterdir()
            ]
            if folders:
                size = human_size(sum(_disk_bytes(f) for f in folders))
                notes.append(
                    f"{len(folders)} old products ({size}) wait in {_data(ctx)}/{SUPERSEDED_DIR}/: "
                    "`insarproj apply --prune` deletes them"
                )
        return notes


def _present_op(
    address: str,
    rel: str,
    job_id: str,
    zip_size: int | None,
    manifest: dict[str, Any],
    keep: list[str] | None,
    ctx: ApplyContext,
) -> PutOp:
    """The record of a product in place (downloaded, adopted or trimmed): its folder, the job
    that made it, its manifest summary, the layers kept (``keep``, None: all) and what the plan's
    quick check stats (hyp3/products.py, `quick_check`)."""
    from insarproj.hyp3.products import ProductManifest, parse_product_name, quick_check

    name = rel.rsplit("/", 1)[-1]
    parsed = parse_product_name(name)
    attributes: ProductAttributes = {
        "path": rel,
        "product": name,
        "job_id": job_id,
        "zip_size": zip_size,
        "manifest": cast(ManifestSummary, manifest),
        "orbit_quality": parsed.orbit_quality if parsed else None,
        "keep_layers": None if keep is None else ",".join(keep),
    }
    folder = resolve_inside(ctx.project.data_dir, rel, what=f"the product folder of {address}")
    on_disk, digest = ProductManifest.read(folder)
    quick = (
        quick_check(folder, name, on_disk, layer_filter(name, keep)) if digest == manifest["sha256"] else None
    )
    if quick is not None:
        attributes["layout"], attributes["sizes"] = quick["layout"], quick["sizes"]
    return op_put(address, ProductKind.kind, "present", attributes)


def product_in_place(job_address: str, ctx: PlanContext) -> bool:
    """Whether the pair of this job has its current, intact product on disk (stat check only):
    recorded, or not recorded yet but adoptable from disk (a lost state, a clone with the data).
    For the hyp3_job kind: an expired job whose product is not in place must be resubmitted."""
    address = "product." + job_address.split(".", 1)[1]
    record = ctx.state.get(address)
    if record is None:
        files, _expires, _job_id = _job_files(job_address, ctx)
        return (
            bool(files)
            and on_disk_product(ctx.project.data_dir, job_address, files, keep_now(ctx)) is not None
        )
    if record["status"] != "present":
        return False
    job = ctx.state.get(job_address)
    recorded_id = hyp3_attributes(job).get("job_id") if job is not None else None
    verdict = _verdict(address, record, job_address, ctx, recorded_id)
    return verdict is None or verdict.in_place


def on_disk_product(
    data_dir: Path, job_address: str, files: list[dict[str, Any]], keep: list[str] | None = None
) -> tuple[str, dict[str, Any]] | None:
    """(path relative to the data folder, manifest summary) of the product of a job's ``files``
    when its folder is already in products/<stack>/ and intact against its own manifest (stat
    check; adopting it re-checks every checksum); None otherwise. Lets a recovered state
    (`init --state-only`) or a clone adopt products instead of downloading — or, once HyP3 has
    deleted them, paying for them — again. Only the files ``keep`` (keep_layers) keeps must be there."""
    from insarproj.errors import VerificationError
    from insarproj.hyp3.products import ProductManifest, manifest_problem, product_zip_name

    zip_file = _product_zip(files)
    if zip_file is None:
        return None
    try:
        name = product_zip_name(zip_file["filename"], job=job_address).removesuffix(".zip")
    except UnsafePathError:
        return None  # the download refuses it with the reason; nothing to adopt
    stack = job_address.split(".")[1]
    # In place, or set aside when its pair left the network (a pair that returns takes it back).
    for rel in (f"{PRODUCTS_DIR}/{stack}/{name}", f"{SUPERSEDED_DIR}/{stack}/{name}"):
        folder = resolve_inside(data_dir, rel, what=f"the product folder of {job_address}")
        if not folder.is_dir():
            continue
        try:
            manifest, digest = ProductManifest.read(folder)
        except VerificationError:
            continue
        summary = {**manifest.summary(), "sha256": digest}
        if manifest_problem(folder, summary, checksums=False, kept=layer_filter(name, keep)) is None:
            return rel, summary
    return None


def _move_back(data_dir: Path, folder: Path, stack: str) -> str | None:
    """Move a product folder kept in the superseded area back into products/<stack>/ (its pair
    is in the network again); the new path, or None when that place is taken."""
    rel = f"{PRODUCTS_DIR}/{stack}/{folder.name}"
    target = resolve_inside(data_dir, rel, what=f"the product folder {rel}")
    if target.exists() or target.is_symlink():
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(folder, target)
    fsync_dir(target.parent)
    fsync_dir(folder.parent)
    return rel


def _verdict(
    address: str, record: Record, job_address: str, ctx: PlanContext, recorded_job_id: str | None
) -> Verdict | None:
    """Why a recorded product is not current, intact or kept as declared; None when it is all
    three (``recorded_job_id``: the job id the pair's job record holds)."""
    if _in_sync(address, record, job_address, ctx, recorded_job_id):
        return None
    attrs = product_attributes(record)
    current = _current_job_id(job_address, ctx, recorded_job_id)
    if attrs.get("job_id") != current:
        return Verdict(f"made by job {attrs.get('job_id')}, which job {current} replaced")
    # Plan only reads here: the pure check suffices (no realpath per product); every write, move
    # and delete resolves the path against the data folder first (resolve_inside).
    relpath = checked_relative(attrs.get("path", ""), what=f"state record {address}")
    data_dir = ctx.observations.get("products.data_dir")
    if data_dir is None:  # once per plan: the property builds and expands a path each time
        data_dir = ctx.observations["products.data_dir"] = os.fspath(ctx.project.data_dir)
    folder = os.path.join(data_dir, relpath)
    if attrs.get("manifest") is None:
        return Verdict(
            "recorded without a manifest of checksums (an older insarproj): downloaded again to verify it"
        )
    wanted = keep_now(ctx)
    recorded = recorded_keep(attrs)
    change = None if recorded is UNRECORDED else layer_change(cast(list[str] | None, recorded), wanted)
    # The files that stay are checked: those kept now when only layers are dropped (a trim cut
    # short deleted some already), else those the record says were kept.
    stays = wanted if recorded is UNRECORDED or (change is not None and change.in_place) else recorded
    problem = _integrity(folder, attrs, cast(list[str] | None, stays), ctx, quick=change is None)
    if problem is not None:
        return Verdict(problem + (" (--verify)" if "checksum" in problem else ""))
    if recorded is UNRECORDED:
        return older_record(folder, attrs, wanted)
    return change


@dataclass(frozen=True)
class _Wanted:
    """What every product of a plan is checked against, worked out once per plan."""

    prefix: str  # the data folder, with a separator after it
    keep_text: object  # keep_layers as a record spells it (None: all), or _UNKNOWN: not comparable
    verify: bool
    intact: Any  # hyp3/products.py `quick_intact`, imported once per plan


def _wanted(ctx: PlanContext) -> _Wanted:
    wanted: _Wanted | None = ctx.observations.get("products.wanted")
    if wanted is None:
        from insarproj.hyp3.products import quick_intact

        keep = keep_now(ctx)
        # The record's text equals these layers joined only when no name is empty or holds a comma.
        plain = keep is None or all(layer and "," not in layer for layer in keep)
        keep_text = (None if keep is None else ",".join(keep)) if plain else _UNKNOWN
        prefix = os.path.join(os.fspath(ctx.project.data_dir), "")
        wanted = ctx.observations["products.wanted"] = _Wanted(
            prefix, keep_text, ctx.options.verify, quick_intact
        )
    return wanted


def _in_sync(
    address: str, record: Record, job_address: str, ctx: PlanContext, recorded_job_id: str | None
) -> bool:
    """The converged case of `_verdict`, on fewer values: made by the current job, a plain path,
    a manifest, the layers kept now as the record's own text, and every recorded file's size as
    recorded (`quick_intact`, one stat per file). True only where `_verdict` gives None; anything
    else (False) is judged the long way, which names the problem."""
    return _attributes_in_sync(address, product_attributes(record), job_address, ctx, recorded_job_id)


# The attributes `_attributes_in_sync` and `_note` read (`ProductKind.settled` peeks at these).
_SETTLED_KEYS = ("keep_layers", "job_id", "path", "layout", "sizes", "manifest", "product")


def _attributes_in_sync(
    address: str, attrs: Mapping[str, Any], job_address: str, ctx: PlanContext, recorded_job_id: str | None
) -> bool:
    """`_in_sync` on the record's attributes (all of them, or `_SETTLED_KEYS`)."""
    wanted = _wanted(ctx)
    if wanted.verify or "keep_layers" not in attrs or attrs["keep_layers"] != wanted.keep_text:
        return False
    jobs = ctx.observations.get("hyp3.jobs")
    job = jobs.get(job_address) if jobs else None
    if attrs.get("job_id") != (str(job.job_id) if job is not None else recorded_job_id):
        return False
    path, layout, sizes = attrs.get("path"), attrs.get("layout"), attrs.get("sizes")
    if type(path) is not str or layout is None or not sizes or attrs.get("manifest") is None:
        return False
    folder = wanted.prefix + checked_relative(path, what=f"state record {address}")
    return bool(wanted.intact(folder, attrs.get("product") or os.path.basename(folder), layout, sizes))


def _integrity(
    folder: str, attrs: ProductAttributes, keep: list[str] | None, ctx: PlanContext, *, quick: bool
) -> str | None:
    """What is wrong with the files ``keep`` keeps of a recorded product; a plain plan stats the
    files the record names (hyp3/products.py, `quick_intact`) and reads the manifest only when they
    differ, for the name of the file; ``--verify`` always reads it and checks every checksum."""
    from insarproj.hyp3.products import quick_intact

    product = attrs.get("product") or os.path.basename(folder)
    verify = ctx.options.verify
    layout, sizes = attrs.get("layout"), attrs.get("sizes")
    if quick and not verify and layout is not None and sizes and quick_intact(folder, product, layout, sizes):
        return None
    summary = cast(dict[str, Any], attrs["manifest"])
    return manifest_problem(folder, summary, checksums=verify, kept=layer_filter(product, keep))


def _refuse_expired(payload: dict[str, Any], ctx: ApplyContext) -> None:
    record = ctx.writer.state.get(payload["job"])
    recorded = hyp3_attributes(record).get("expiration_time") if record else None
    expires = parse_time(recorded or payload.get("expires"))
    if expires is not None and expires <= _hyp3_now(ctx):
        raise ProviderError(
            f"the product of {payload['job']} expired on HyP3 on {expires:%Y-%m-%d} and cannot be "
            "downloaded again",
            service="hyp3",
            hint="the job must be resubmitted (it is a plan line with its cost once the hyp3_job kind "
            "plans it)",
        )


def _set_aside(record: Record, address: str, ctx: ApplyContext, *, prune: bool) -> str:
    """Move a recorded product folder to the superseded area (delete it with ``prune``); the
    record's path is checked to stay inside the data folder before anything is touched."""
    relpath = product_attributes(record).get("path") or ""
    what = f"state record {address}"
    resolve_inside(ctx.project.data_dir, relpath, what=what)
    old = ctx.project.data_dir / relative_inside(relpath, what=what)  # the link itself, if it is one
    if not (old.exists() or old.is_symlink()):
        return "old product already gone"
    if prune:
        _delete(old)
        return "old product deleted (--prune)"
    target = _superseded_target(ctx.project.data_dir, old, _data(ctx))
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(old, target)
    fsync_dir(target.parent)
    fsync_dir(old.parent)
    return f"old product moved to {target.relative_to(ctx.project.data_dir.resolve())}"


def _superseded_target(data_dir: Path, old: Path, data: str) -> Path:
    """A free name for ``old`` in the superseded area of its stack (never overwriting anything)."""
    stack, name = old.parent.name, old.name
    for n in range(1, 1000):
        candidate = name if n == 1 else f"{name}.{n}"
        target = resolve_inside(
            data_dir, f"{SUPERSEDED_DIR}/{stack}/{candidate}", what=f"the superseded copy of {name}"
        )
        if not (target.exists() or target.is_symlink()):
            return target
    raise UnsafePathError(
        f"{data}/{SUPERSEDED_DIR}/{stack}/ already holds 999 copies of {name}", hint="run apply --prune"
    )


def _prune_superseded(action: Action, ctx: ApplyContext) -> Outcome:
    stack = action.payload[SUPERSEDED_KEY]
    deleted = 0
    for name in action.payload["folders"]:
        what = f"superseded product {stack}/{name}"
        rel = f"{SUPERSEDED_DIR}/{stack}/{name}"
        resolve_inside(ctx.project.data_dir, rel, what=what)
        path = ctx.project.data_dir / relative_inside(rel, what=what)
        if path.exists() or path.is_symlink():
            _delete(path)
            deleted += 1
    stack_dir = ctx.project.data_dir / SUPERSEDED_DIR / stack
    if stack_dir.is_dir() and not any(stack_dir.iterdir()):
        stack_dir.rmdir()
    return Outcome(message=f"{deleted} old products deleted (--prune)")


def _stack_of(record: Record) -> str | None:
    # Recorded paths are POSIX and checked on load (state/checks.py): a split is enough here, and
    # far cheaper than a Path per record on a project of thousands of products.
    parts = (product_attributes(record).get("path") or "").split("/")
    return parts[1] if len(parts) == 3 and parts[0] == PRODUCTS_DIR else None


@dataclass
class _Recorded:
    """What the product kind needs to know of all product records (folder names by stack, which
    are present), gathered as assess is handed each record (`_note_record`) and completed from
    the records it was not handed (orphans) when first asked: a lazy state builds a record per
    access (state/lazy.py), so each is built once per plan, not once more for this."""

    seen: set[str] = field(default_factory=set)  # addresses whose record was noted
    names: dict[str, set[str]] = field(default_factory=dict)  # stack -> folder names it records
    present: set[str] = field(default_factory=set)  # addresses recorded present
    complete: bool = False  # every record of the state noted


_RECORDED = "products.recorded"


def _address_stack(address: str) -> str:
    """The stack of `product.<stack>.<key>` (None-free: an address without one gives "")."""
    parts = address.split(".", 2)
    return parts[1] if len(parts) == 3 else ""


def _note_record(address: str, record: Record, ctx: PlanContext) -> bool:
    """Note what the sweep needs of a product record (once each); whether it is present."""
    return _note(address, record["status"], product_attributes(record), ctx)


def _note(address: str, status: Any, attrs: Mapping[str, Any], ctx: PlanContext) -> bool:
    """`_note_record` on the record's status and attributes (all of them, or `_SETTLED_KEYS`)."""
    found: _Recorded | None = ctx.observations.get(_RECORDED)
    if found is None:
        found = ctx.observations[_RECORDED] = _Recorded()
    present: bool = status == "present"
    if address in found.seen:
        return present
    found.seen.add(address)
    # As `_stack_of`, with the folder name from the same split.
    parts = (attrs.get("path") or "").split("/")
    if len(parts) == 3 and parts[0] == PRODUCTS_DIR:
        names = found.names.get(parts[1])
        if names is None:
            names = found.names[parts[1]] = set()
        names.add(parts[2])
    if present:
        found.present.add(address)
    return present


def _recorded_products(ctx: PlanContext) -> _Recorded:
    """`_Recorded` of every product record of the plan's state."""
    found: _Recorded = ctx.observations.setdefault(_RECORDED, _Recorded())
    if not found.complete:
        records = ctx.state.by_kind(ProductKind.kind)
        for address in records:
            if address not in found.seen:  # not handed to assess (yet): an orphan, built here
                _note_record(address, records[address], ctx)
        found.complete = True
    return found


def _claimable(stack: str, ctx: PlanContext) -> set[tuple[str, str]]:
    """(reference, secondary) ISO dates of the pairs of ``stack`` whose product is not recorded
    present: a folder of such a pair may still be adopted, so it is never swept away (or
    --prune would delete a product paid for). One pass over the products per plan, not per
    stack; the jobs are looked at only when a product is missing."""
    key = "products.claimable"
    if key not in ctx.observations:
        present = _recorded_products(ctx).present
        missing = {
            item.spec["job"]
            for item in ctx.desired_of(ProductKind.kind)
            if "job" in item.spec and item.address not in present
        }
        claimable: dict[str, set[tuple[str, str]]] = {}
        for job in ctx.desired_of(Hyp3JobKind.kind) if missing else ():
            if job.address in missing:
                spec = job.spec
                claimable.setdefault(spec["stack"], set()).add(
                    (spec["reference_date"], spec["secondary_date"])
                )
        ctx.observations[key] = claimable
    by_stack: dict[str, set[tuple[str, str]]] = ctx.observations[key]
    return by_stack.get(stack, set())


def _tracked_names(records: Iterable[Record]) -> dict[str, set[str]]:
    """The folder names product records name, by stack (one pass over the records)."""
    tracked: dict[str, set[str]] = {}
    for record in records:
        stack = _stack_of(record)
        if stack is not None:  # then its path is products/<stack>/<name>, POSIX (see _stack_of)
            tracked.setdefault(stack, set()).add(record["attributes"]["path"].rsplit("/", 1)[-1])
    return tracked


def _tracked_by_stack(ctx: PlanContext) -> dict[str, set[str]]:
    """`_tracked_names` of the plan's state, once per plan: a plan sweeps every stack folder, and a
    pass over all products per stack grew with stacks × products (40 × 60,000 at 20,000 scenes)."""
    return _recorded_products(ctx).names


def _untracked(
    data_dir: Path,
    stack: str,
    state: Any,
    *,
    claimable: set[tuple[str, str]] | None = None,
    tracked: set[str] | None = None,
    listing: list[str] | None = None,
) -> list[str]:
    """Entries of products/<stack>/ that no product record names (``tracked``: those names, when
    the caller has them; ``listing``: the folder's entries, when it has listed them). Hidden ones
    are insarproj's work in progress (a `.part` to resume, a staging folder) and are left alone,
    and so are products of ``claimable`` (reference, secondary) ISO dates: pairs whose product
    may still be adopted from disk."""
    from insarproj.hyp3.products import parse_product_name

    if tracked is None:
        tracked = _tracked_names(state.by_kind(ProductKind.kind).values()).get(stack, set())

    def claimed(name: str) -> bool:
        parsed = parse_product_name(name) if claimable else None
        return (
            claimable is not None
            and parsed is not None
            and (parsed.reference_date.isoformat(), parsed.secondary_date.isoformat()) in claimable
        )

    if listing is None:  # names only (os.listdir): no path object per product folder
        listing = os.listdir(data_dir / PRODUCTS_DIR / stack)
    # The tracked names taken away at C speed first: a converged stack leaves nothing to look at.
    return sorted(
        name for name in set(listing).difference(tracked) if not name.startswith(".") and not claimed(name)
    )


# What insarproj leaves in products/<stack>/ while it works, named after the product: the hidden
# zip being downloaded (`.<name>.zip`, `.<name>.zip.part`, an adoption's `.tmp`), an unzip's
# staging folder and the old copy it replaces (hyp3/products.py, `_extract` and `_replace_dir`).
_WORK = re.compile(r"^\.(?P<product>[^./]+)\.(?:zip(?:\..*)?|[^/]*\.extracting|old-[0-9a-f]{8})$")


def _stale_work(
    data_dir: Path, stack: str, claimable: set[tuple[str, str]], *, listing: list[str] | None = None
) -> list[str]:
    """insarproj's own work files in products/<stack>/ that no apply will finish: the product's
    pair is no longer waiting for its product (``claimable``: the (reference, secondary) ISO
    dates of pairs of the network whose product is not recorded yet). An apply holds the project
    lock and sweeps a stack only after the stack's downloads (docs/safety.md), so these are
    leftovers of an interrupted apply, never a download in progress."""
    from insarproj.hyp3.products import parse_product_name

    stale = []
    if listing is None:
        listing = os.listdir(data_dir / PRODUCTS_DIR / stack)
    for name in listing:
        match = _WORK.match(name) if name.startswith(".") else None
        if match is None:
            continue  # not insarproj's (a user's hidden file): left alone
        parsed = parse_product_name(match["product"])
        dates = (parsed.reference_date.isoformat(), parsed.secondary_date.isoformat()) if parsed else None
        if dates not in claimable:
            stale.append(name)
    return sorted(stale)


def _sweep_untracked(action: Action, ctx: ApplyContext) -> Outcome:
    stack = action.payload[UNTRACKED_KEY]
    still_untracked = set(_untracked(ctx.project.data_dir, stack, ctx.writer.state))
    swept = 0
    for name in action.payload["names"]:
        if name not in still_untracked:
            continue  # recorded by this apply after the plan was made: a current product
        what = f"entry {name} of {_data(ctx)}/{PRODUCTS_DIR}/{stack}/"
        rel = f"{PRODUCTS_DIR}/{stack}/{name}"
        resolve_inside(ctx.project.data_dir, rel, what=what)
        path = ctx.project.data_dir / relative_inside(rel, what=what)
        if ctx.options.prune:
            _delete(path)
        else:
            target = _superseded_target(ctx.project.data_dir, path, _data(ctx))
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
        swept += 1
    cleaned = _delete_leftovers(action.payload.get("leftovers", []), stack, ctx)
    fsync_dir(ctx.project.data_dir / PRODUCTS_DIR / stack)
    done = _aside(ctx.options.prune, _data(ctx), stack)
    return Outcome(
        message=f"{swept} entries {done}" + (f"; {cleaned} unfinished downloads deleted" if cleaned else "")
    )


def _delete_leftovers(names: list[str], stack: str, ctx: ApplyContext) -> int:
    """Delete the work files the plan found stale (only those: a name is checked again first)."""
    deleted = 0
    for name in names:
        if not _WORK.match(name):
            continue  # a saved plan edited by hand names something else: never deleted
        rel = f"{PRODUCTS_DIR}/{stack}/{name}"
        path = resolve_inside(
            ctx.project.data_dir, rel, what=f"entry {name} of {_data(ctx)}/{PRODUCTS_DIR}/{stack}/"
        )
        if path.exists() or path.is_symlink():
            _delete(path)
            deleted += 1
    return deleted


def _delete(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _superseded_stacks(data_dir: Path) -> list[str]:
    return _subfolders(data_dir / SUPERSEDED_DIR)


def _subfolders(base: Path) -> list[str]:
    return (
        sorted(p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))
        if base.is_dir()
        else []
    )


def _disk_bytes(path: Path) -> int:
    """Bytes of the files under ``path`` (links not followed): what `apply --prune` frees."""
    if path.is_symlink() or not path.is_dir():
        return path.lstat().st_size if path.is_symlink() or path.is_file() else 0
    return sum(
        os.lstat(os.path.join(folder, name)).st_size
        for folder, _dirs, names in os.walk(path)
        for name in names
    )


def _current_file(payload: dict[str, Any], ctx: ApplyContext) -> dict[str, Any]:
    """The file to fetch: the job record refreshed in this apply wins over the plan's copy (its
    URL may be newer); the plan's copy serves when the record is not refreshed yet."""
    record = ctx.writer.state.get(payload["job"])
    files = hyp3_attributes(record).get("files") if record else None
    if files:
        match = [f for f in files if f["filename"] == payload["file"]["filename"]]
        if match:
            return dict(match[0])
    if not payload.get("file"):
        raise ProviderError(f"no product file is known for {payload['job']}", service="hyp3")
    planned: dict[str, Any] = payload["file"]
    return planned
