"""`hyp3_job.<stack>.<frame>.<yyyymmdd>_<yyyymmdd>`: on-demand HyP3 ARIA_S1_GUNW jobs for the network
pairs of an aria project without a published product (`[processor.aria] on_demand = true`,
docs/aria.md "On demand").

These are HyP3 jobs like any other: the same kind (`hyp3_job`), the same submission protocol
(intent before the POST, adoption by identity from the project's listing, never twice across
kill -9, max_attempts, credits in the plan) — `Hyp3JobKind` does all of it. Only what is wanted
differs: one job per (frame, pair), whose identity is (job type, frame id, reference date,
secondary date) — the canonical job parameters of an ARIA_S1_GUNW request. Their products are
`aria_product` resources (kinds/aria.py) downloaded into data/aria/<stack>/.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from insarproj.engine.context import PlanContext
from insarproj.engine.model import Desired
from insarproj.kinds.hyp3 import Hyp3JobKind, _recorded_if_same

JOB_TYPE = "ARIA_S1_GUNW"
OFFER_CACHE = "aria.on_demand"


def on_demand(project: Any) -> bool:
    aria = project.config.processor.aria
    return bool(aria is not None and aria.on_demand)


def offered(ctx: PlanContext) -> tuple[list[Any], list[str]]:
    """(pairs completed on demand, notes) of every stack, computed once per plan."""
    cached = ctx.observations.get(OFFER_CACHE)
    if cached is None:
        from insarproj.aria.ondemand import offer_jobs
        from insarproj.kinds.aria import choices
        from insarproj.kinds.aria_search import aria_pinned

        pairs: list[Any] = []
        notes: list[str] = []
        pin = aria_pinned(ctx)
        aria = ctx.project.config.processor.aria
        if pin is not None and aria is not None and aria.on_demand:
            minimum = aria.min_coverage
            stacks = {s.id: s for s in pin.stacks}
            for choice in choices(ctx):
                found, why = offer_jobs(
                    stacks[choice.stack],
                    choice.missing,
                    pin.products,
                    ctx.project.aoi_wkt,
                    minimum,
                    pin.acquisitions.get(choice.stack),
                )
                pairs += found
                notes += why
        cached = ctx.observations[OFFER_CACHE] = (pairs, notes)
    return cached


def job_address(job: Any) -> str:
    return f"hyp3_job.{job.stack}.{job.frame}.{job.key}"


def product_address(job: Any) -> str:
    return f"aria_product.{job.stack}.{job.frame}.{job.key}"


def gunw_request(project: Any, job: Any) -> Any:
    """The ARIA_S1_GUNW job of a (frame, pair): ARIA's reference date is the LATER one."""
    from insarproj.hyp3 import JobRequest

    parameters = {
        "reference_date": job.later.isoformat(),
        "secondary_date": job.earlier.isoformat(),
        "frame_id": job.frame,
    }
    return JobRequest(job_type=JOB_TYPE, job_parameters=parameters, name=project.config.project.name)


class AriaJobKind(Hyp3JobKind):
    """The HyP3 job kind with the on-demand GUNW jobs as its desired resources."""

    def desired(self, ctx: PlanContext) -> Iterable[Desired]:
        from insarproj.hyp3 import identity_of_request

        for pair in offered(ctx)[0]:
            for job in pair.jobs:
                address = job_address(job)
                request = gunw_request(ctx.project, job)
                identity = identity_of_request(request)
                yield Desired(
                    address=address,
                    spec={
                        # `pair` names the product resource; insarproj's own pair order (earlier
                        # date first) in reference_date/secondary_date, as for every HyP3 job.
                        "pair": product_address(job),
                        "gunw_product": product_address(job),
                        "stack": job.stack,
                        "network": f"{job.stack}.{job.frame}",  # connect-early order per frame
                        "frame": job.frame,
                        "reference_date": job.earlier.isoformat(),
                        "secondary_date": job.later.isoformat(),
                        "temporal_baseline": (job.later - job.earlier).days,
                        "bperp": None,
                        "request": request.to_payload(),
                        "identity": _recorded_if_same(ctx.state.get(address), identity),
                    },
                )

    def notes(self, ctx: PlanContext) -> list[str]:
        from insarproj.kinds.aria_search import aria_pinned

        if not on_demand(ctx.project):
            return []
        notes = super().notes(ctx) + offered(ctx)[1]
        pin = aria_pinned(ctx)
        frames = sorted({f for s in (pin.stacks if pin else ()) for f in s.frames})
        if frames:
            notes.append(
                "on-demand ARIA_S1_GUNW jobs are offered only for ARIA frames with published products "
                f"({', '.join(map(str, frames))}), on dates whose SLCs (the pinned SLC search of the "
                "track) cover 90 % of the frame, as HyP3 needs; HyP3 charges failed jobs"
            )
        return notes


def gunw_in_place(product_address: str, ctx: PlanContext) -> bool:
    """Whether the job's GUNW product is recorded and on disk (stat check): a succeeded job whose
    product HyP3 deleted needs no resubmission then."""
    from insarproj.fsutil import resolve_inside

    record = ctx.state.get(product_address)
    if record is None or record["status"] != "present":
        return False
    attrs = record["attributes"]
    path = resolve_inside(ctx.project.data_dir, attrs["path"], what=f"state record {product_address}")
    return path.is_file() and path.stat().st_size == attrs.get("size")
