"""`product.<stack>.<key>`: a SUCCEEDED HyP3 job's product, downloaded, verified and unzipped.

The zip is fetched with the verified downloader (size from the job's `files[].size`, zip
integrity), unzipped safely (absolute paths, `..`, links and bombs refused) into
`products/<stack>/<product name>/`, then the zip is removed. Only then is it recorded. Plan warns
about products close to their expiration; an expired product not yet on disk is the job kind's
business (a resubmission with its cost).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from insarproj.engine.context import ApplyContext, PlanContext
from insarproj.engine.model import Action, Desired, Op, Outcome, ResourceKind
from insarproj.errors import ProviderError
from insarproj.kinds.hyp3 import EXPIRY_WARNING, Hyp3JobKind, _job_result, _parse_time, hyp3_config, product_address
from insarproj.state import op_delete, op_put

PRODUCTS_DIR = "products"


def _job_files(job_address: str, ctx: PlanContext) -> tuple[list[dict[str, Any]], str | None, str | None]:
    """(files, expiration, job id) of a job known to have SUCCEEDED — from state, or from this plan's
    listing when the job finished since the last apply."""
    record = ctx.state.get(job_address)
    if record is not None and record["status"] == "succeeded":
        attrs = record["attributes"]
        return attrs.get("files", []), attrs.get("expiration_time"), attrs.get("job_id")
    job = ctx.observations.get("hyp3.jobs", {}).get(job_address)
    if job is not None and job.succeeded():
        result = _job_result(job.raw)  # the same record the job's refresh will write
        return result["files"], result["expiration_time"], job.job_id
    return [], None, None


class ProductKind(ResourceKind):
    kind = "product"

    def desired(self, ctx: PlanContext) -> Iterable[Desired]:
        for job in ctx.desired_of(Hyp3JobKind.kind):
            yield Desired(
                address=product_address(job.spec["pair"]),
                spec={"stack": job.spec["stack"], "job": job.address},
                depends_on=(job.address,),
            )

    def assess(self, desired: Desired, record: dict[str, Any] | None, ctx: PlanContext) -> Action | None:
        spec = desired.spec
        if record is not None and record["status"] == "present":
            folder = ctx.project.data_dir / record["attributes"]["path"]
            if folder.is_dir() and all((folder / f).is_file() for f in record["attributes"].get("files", [])):
                return None
            reason = "recorded but missing on disk"
        else:
            reason = "job SUCCEEDED, product not downloaded"
        files, expires, job_id = _job_files(spec["job"], ctx)
        if not files:
            return None  # the job is not done: its own line says why (waiting, failed, to submit)
        zip_file = next((f for f in files if f["filename"].endswith(".zip")), files[0])
        expiry = _parse_time(expires)
        now = datetime.now(timezone.utc)
        if expiry is not None and expiry <= now:
            return None  # expired before download: the job kind plans the resubmission
        if expiry is not None and expiry - now < EXPIRY_WARNING:
            reason += f"; expires {expiry:%Y-%m-%d %H:%M} UTC"
        return Action(
            address=desired.address,
            kind=self.kind,
            op=Op.CREATE,
            reason=reason,
            depends_on=list(desired.depends_on),
            bytes=zip_file["size"],
            payload={**spec, "file": zip_file, "job_id": job_id},
        )

    def execute(self, action: Action, ctx: ApplyContext) -> Outcome:
        if action.op is Op.FORGET:
            return Outcome(ops=[op_delete(action.address)])
        from insarproj.hyp3 import parse_product_name, safe_extract
        from insarproj.kinds.scenes import downloader
        from insarproj.transfer.download import DownloadSpec

        payload = action.payload
        zip_file = _current_file(payload, ctx)
        name = zip_file["filename"].removesuffix(".zip")
        stack_dir = ctx.project.data_dir / PRODUCTS_DIR / payload["stack"]
        zip_path = stack_dir / zip_file["filename"]
        spec = DownloadSpec(url=zip_file["url"], dest=zip_path, size=zip_file["size"], md5=None, kind="zip", label=name)
        result = downloader(ctx).fetch(spec, cancel=ctx.cancel)
        keep = hyp3_config(ctx.project).keep_layers
        suffixes = [f"_{layer}.tif" for layer in keep] if keep else None
        folder = stack_dir / name
        extracted = safe_extract(zip_path, folder, keep_suffixes=suffixes)
        zip_path.unlink(missing_ok=True)
        parsed = parse_product_name(name)
        attributes = {
            "path": str(folder.relative_to(ctx.project.data_dir)),
            "product": name,
            "job_id": payload["job_id"],
            "zip_size": result.size,
            "files": sorted(str(p.relative_to(folder)) for p in extracted),
            "orbit_quality": parsed.orbit_quality if parsed else None,
        }
        return Outcome(ops=[op_put(action.address, self.kind, "present", attributes)], message=f"{name}")

    def notes(self, ctx: PlanContext) -> list[str]:
        notes = []
        now = datetime.now(timezone.utc)
        soon = []
        for job in ctx.desired_of(Hyp3JobKind.kind):
            address = product_address(job.spec["pair"])
            product = ctx.state.get(address)
            if product is not None and product["status"] == "present":
                continue
            _files, expires, _job = _job_files(job.address, ctx)
            expiry = _parse_time(expires)
            if expiry is not None and now < expiry and expiry - now < EXPIRY_WARNING:
                soon.append(address)
        if soon:
            notes.append(
                f"{len(soon)} HyP3 products expire within {EXPIRY_WARNING.days} days and are not downloaded yet: "
                "run `insarproj apply` soon"
            )
        return notes


def _current_file(payload: dict[str, Any], ctx: ApplyContext) -> dict[str, Any]:
    """The file to fetch: the job record refreshed in this apply wins over the plan's copy (its
    URL may be newer); the plan's copy serves when the record is not refreshed yet."""
    record = ctx.writer.state.get(payload["job"])
    files = record["attributes"].get("files") if record else None
    if files:
        match = [f for f in files if f["filename"] == payload["file"]["filename"]]
        if match:
            return match[0]
    if not payload.get("file"):
        raise ProviderError(f"no product file is known for {payload['job']}", service="hyp3")
    return payload["file"]
