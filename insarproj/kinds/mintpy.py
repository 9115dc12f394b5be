"""`mintpy.<stack>`: the MintPy hand-off of a stack's current HyP3 products (docs/mintpy.md).

Made when `[mintpy] enabled` with processor hyp3, into `data/mintpy/<stack>/`. Its inputs are
exactly the product records of the stack's current pairs (never a glob over the folder, which
could catch a stale product); its fingerprint is the set of (pair, job id, manifest digest) plus
the [mintpy] settings, so a new pair, a replaced job or a changed setting makes it stale. Plan
decides from state and the disk alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from insarproj.engine.context import ApplyContext, PlanContext
from insarproj.engine.model import Action, Desired, Op, Outcome, ResourceKind
from insarproj.errors import InsarprojError
from insarproj.fingerprint import fingerprint
from insarproj.fsutil import data_label
from insarproj.kinds.hyp3 import Hyp3JobKind, product_address
from insarproj.kinds.products import product_in_place
from insarproj.state import op_delete, op_put
from insarproj.state.records import Record, hyp3_attributes, product_attributes

# Bump when the hand-off's layout changes: every hand-off is rewritten. 2: the cfg is insarproj.cfg
# (MintPy rewrites a smallbaselineApp.cfg in its work folder).
FORMAT = 2
# Plan observation: each hand-off's planned action (None when in sync), which mintpy_run reads.
HANDOFF_ACTIONS = "mintpy.handoff_actions"


def _settings(project: Any) -> dict[str, Any]:
    mintpy = project.config.mintpy
    settings: dict[str, Any] = {
        "format": FORMAT,
        "clip": mintpy.clip,
        "reference_point": mintpy.reference_point,
        "options": dict(mintpy.options),
        "job_type": project.config.processor.hyp3.job_type,
    }
    if mintpy.clip == "aoi":
        settings["aoi"] = [round(v, 9) for v in project.aoi.bounds]
    return settings


def _inputs(spec: dict[str, Any], state: Any) -> dict[str, dict[str, Any]] | None:
    """product address → (job id, manifest digest, folder) from state; None while one is missing."""
    inputs = {}
    for address in spec["products"]:
        record = state.get(address)
        if record is None or record["status"] != "present":
            return None
        attrs = product_attributes(record)
        inputs[address] = {
            "job_id": attrs.get("job_id"),
            "manifest": cast(dict[str, Any], attrs.get("manifest") or {}).get("sha256"),
            "path": attrs.get("path"),
        }
    return inputs


def handoff_fingerprint(inputs: dict[str, dict[str, Any]], settings: dict[str, Any]) -> str:
    identity = {a: [v["job_id"], v["manifest"]] for a, v in inputs.items()}
    return fingerprint({"products": identity, "settings": settings})


class MintpyKind(ResourceKind):
    kind = "mintpy"
    concurrency = 1  # clipping reads every product of the stack

    def desired(self, ctx: PlanContext) -> Iterable[Desired]:
        config = ctx.project.config
        if config.mintpy.enabled and config.processor.kind == "isce":
            from insarproj.kinds.mintpy_isce import isce_desired, isce_settings

            yield from isce_desired(ctx, self.kind, isce_settings(ctx.project, FORMAT))
        if not config.mintpy.enabled or config.processor.kind != "hyp3":
            return
        # Here, not at module level: merging imports numpy (≈ 0.1 s), which a plan of a project
        # without [mintpy] never needs (docs/project-folder.md, "Reading a large state").
        from insarproj.mintpy.merge import handoff_stack

        by_stack: dict[str, list[str]] = {}
        left_out: list[str] = []
        for job in ctx.desired_of(Hyp3JobKind.kind):
            if _failed_for_good(job, ctx):
                left_out.append(job.spec["pair"])
                continue
            job_type = str(getattr(config.processor.hyp3, "job_type", ""))
            stack = handoff_stack(job.spec["stack"], job_type)  # a track's burst groups: one hand-off
            by_stack.setdefault(stack, []).append(product_address(job.spec["pair"]))
        ctx.observations["mintpy.left_out"] = left_out
        settings = _settings(ctx.project)
        for stack, products in sorted(by_stack.items()):
            products = sorted(products)
            yield Desired(
                address=f"{self.kind}.{stack}",
                spec={"stack": stack, "products": products, "settings": settings},
                depends_on=tuple(products),
            )

    def assess(self, desired: Desired, record: Record | None, ctx: PlanContext) -> Action | None:
        action = self._assess(desired, record, ctx)
        ctx.observations.setdefault(HANDOFF_ACTIONS, {})[desired.address] = action
        return action

    def _assess(self, desired: Desired, record: Record | None, ctx: PlanContext) -> Action | None:
        spec = desired.spec
        if spec.get("processor") == "isce":
            return _assess_isce(desired, record, ctx)
        pending = _pending(spec, ctx)
        if pending:
            # Made once every product is in place: a later apply (or `apply --wait`) makes it.
            waiting = "; ".join(f"{_count(items, what)} ({_names(items)})" for what, items in pending.items())
            if record is not None and record["status"] == "present":
                return _action(desired, Op.WAIT, f"stale: {waiting}; rewritten once they are in place")
            return _action(desired, Op.WAIT, f"waiting for {waiting}")
        inputs = _inputs(spec, ctx.state)
        if inputs is None:
            return _action(desired, Op.WAIT, "waiting for the stack's products to be recorded")
        current = handoff_fingerprint(inputs, spec["settings"])
        if record is None or record["status"] != "present":
            return _action(desired, Op.CREATE, "missing")
        attrs = record["attributes"]
        if attrs.get("fingerprint") != current:
            return _action(desired, Op.REPLACE, stale_reason(attrs, inputs, spec["settings"]))
        folder = ctx.project.data_dir / attrs.get("path", "")
        if not (folder / attrs.get("cfg", "insarproj.cfg")).is_file():
            return _action(desired, Op.CREATE, f"{attrs.get('path')}/ missing on disk")
        return None

    def orphan(self, address: str, record: Record, ctx: PlanContext) -> Action | None:
        folder = record["attributes"].get("path", "mintpy/")
        why = "[mintpy] is not enabled" if not ctx.project.config.mintpy.enabled else "the stack is gone"
        return Action(
            address=address,
            kind=self.kind,
            op=Op.FORGET,
            reason=f"{why}: the record is forgotten, {_data(ctx.project)}/{folder}/ stays",
            payload={"record": record},
        )

    def execute(self, action: Action, ctx: ApplyContext) -> Outcome:
        if action.op is Op.FORGET:
            return Outcome(ops=[op_delete(action.address)])
        if action.payload.get("processor") == "isce":
            from insarproj.kinds.mintpy_isce import make_isce_stack_handoff

            attributes = make_isce_stack_handoff(action.payload, ctx)
            message = f"MintPy pointed at the topsStack stack in {_data(ctx.project)}/{attributes['work']}/"
            return Outcome(ops=[op_put(action.address, self.kind, "present", attributes)], message=message)
        attributes = make_stack_handoff(action.payload, ctx)
        return Outcome(
            ops=[op_put(action.address, self.kind, "present", attributes)],
            message=f"{len(action.payload['products'])} interferograms on {attributes['shape']} px "
            f"in {attributes['path']}/",
        )

    def notes(self, ctx: PlanContext) -> list[str]:
        notes = []
        left_out = ctx.observations.get("mintpy.left_out") or []
        if left_out:
            notes.append(
                f"MintPy hand-offs leave out {_count(left_out, 'pair')} whose job failed for good "
                f"({_names(left_out)}); they join once a job succeeds (`apply --retry-failed`)"
            )
        return notes


def _assess_isce(desired: Desired, record: Record | None, ctx: PlanContext) -> Action | None:
    from insarproj.kinds.mintpy_isce import isce_fingerprint, isce_stale_reason, isce_unfinished

    spec = desired.spec
    present = record is not None and record["status"] == "present"
    if present and record is not None:
        attrs = record["attributes"]
        if attrs.get("fingerprint") != isce_fingerprint(spec["generation"], spec["settings"]):
            return _action(desired, Op.REPLACE, isce_stale_reason(attrs, spec))
        if (ctx.project.data_dir / attrs.get("path", "") / attrs.get("cfg", "insarproj.cfg")).is_file():
            return None
        return _action(desired, Op.CREATE, f"{attrs.get('path')}/ missing on disk")
    unfinished = isce_unfinished(spec["stack"], ctx.state, spec["generation"])
    why = f"made once the topsStack steps of {spec['stack']} are done" if unfinished else "missing"
    return _action(desired, Op.CREATE, why)


def _failed_for_good(job: Desired, ctx: PlanContext) -> bool:
    """Whether the pair's job failed as often as max_attempts allows: its product never comes
    unless the user asks (`--retry-failed`), so the hand-off goes on without it."""
    from insarproj.kinds.hyp3 import hyp3_config
    from insarproj.kinds.hyp3_protocol import attempts_of

    record = ctx.state.get(job.address)
    if record is None or record["status"] != "failed" or ctx.options.retry_failed:
        return False
    identity = job.spec.get("identity")
    if hyp3_attributes(record).get("identity") != identity:
        return False  # a changed job is resubmitted
    return bool(attempts_of(record, str(identity)) >= hyp3_config(ctx.project).max_attempts)


def _pending(spec: dict[str, Any], ctx: PlanContext) -> dict[str, list[str]]:
    """The stack's products that are not in place yet, by why: a new pair, a job this plan
    replaces (its identity changed), or a product still to come."""
    identities = {j.address: j.spec.get("identity") for j in ctx.desired_of(Hyp3JobKind.kind)}
    pending: dict[str, list[str]] = {}
    for address in spec["products"]:
        job = "hyp3_job." + address.split(".", 1)[1]
        record = ctx.state.get(job)
        if record is None:
            why = "new product"
        elif hyp3_attributes(record).get("identity") != identities.get(job):
            why = "replaced product"
        elif not product_in_place(job, ctx):
            why = "product to download"
        else:
            continue
        pending.setdefault(why, []).append(address)
    return pending


def _names(items: list[str]) -> str:
    return ", ".join(items[:3]) + (", …" if len(items) > 3 else "")


def _count(items: list[str], word: str) -> str:
    return f"{len(items)} {word}{'' if len(items) == 1 else 's'}"


def stale_reason(attrs: dict[str, Any], inputs: dict[str, dict[str, Any]], settings: dict[str, Any]) -> str:
    """Why a recorded hand-off no longer matches the stack, in words."""
    before = attrs.get("products", {})
    reasons = []
    added = sorted(set(inputs) - set(before))
    removed = sorted(set(before) - set(inputs))
    replaced = sorted(
        a
        for a in set(inputs) & set(before)
        if [before[a].get("job_id"), before[a].get("manifest")]
        != [inputs[a]["job_id"], inputs[a]["manifest"]]
    )
    if added:
        reasons.append(f"new {_count(added, 'product')}: {', '.join(added)}")
    if removed:
        reasons.append(f"{_count(removed, 'product')} left the network: {', '.join(removed)}")
    if replaced:
        reasons.append(f"{_count(replaced, 'product')} replaced: {', '.join(replaced)}")
    before_settings = attrs.get("settings") or {}
    if before_settings.get("format") != settings.get("format"):
        reasons.append("this version of insarproj lays hand-offs out anew (docs/mintpy.md)")
    elif before_settings != settings:
        reasons.append("[mintpy] settings changed")
    return "stale: " + ("; ".join(reasons) or "made by another version of insarproj")


def _action(desired: Desired, op: Op, reason: str) -> Action:
    return desired.action(MintpyKind.kind, op, reason)


def make_stack_handoff(payload: dict[str, Any], ctx: ApplyContext) -> dict[str, Any]:
    """Read the stack's products from state as they are now (after this apply's downloads)."""
    from insarproj.fsutil import checked_relative
    from insarproj.mintpy.handoff import HandoffRequest, find_layers, make_handoff

    inputs = _inputs(payload, ctx.state)
    if inputs is None:
        raise InsarprojError(f"mintpy.{payload['stack']}: a product of the stack is not recorded yet")
    settings = payload["settings"]
    data_dir = ctx.project.data_dir
    products = [
        find_layers(data_dir, a, checked_relative(v["path"] or "", what=f"state record {a}"))
        for a, v in inputs.items()
    ]
    digest = handoff_fingerprint(inputs, settings)
    request = HandoffRequest(
        stack=payload["stack"],
        job_type=settings["job_type"],
        products=products,
        aoi_lonlat=tuple(settings["aoi"]) if "aoi" in settings else None,
        reference_point=settings["reference_point"],
        options=settings["options"],
        serial=ctx.state.serial,
        fingerprint=digest,
    )
    facts = make_handoff(data_dir, request)
    return {
        **facts,
        "fingerprint": digest,
        "state_serial": ctx.state.serial,
        "settings": settings,
        "products": {a: {"job_id": v["job_id"], "manifest": v["manifest"]} for a, v in inputs.items()},
    }


def _data(project: Any) -> str:
    """The data folder as messages name it (`[paths] data`, relative to the project when inside)."""
    return data_label(project.root, project.data_dir)


def mintpy_section(ws: Any, state: Any) -> dict[str, Any]:
    """`show`: each stack's hand-off — folder, products, grid."""
    rows, lines = [], ["MintPy hand-offs (run smallbaselineApp.py insarproj.cfg in each folder):"]
    for address, record in sorted(state.by_kind(MintpyKind.kind).items()):
        attrs = cast(dict[str, Any], record["attributes"])
        rows.append(
            {
                "address": address,
                "status": record["status"],
                "path": attrs.get("path"),
                "products": len(attrs.get("products", {})),
                "crs": attrs.get("crs"),
                "shape": attrs.get("shape"),
                "state_serial": attrs.get("state_serial"),
            }
        )
        if attrs.get("processor") == "isce":
            work = f"{_data(ws.project)}/{attrs.get('work')}/"
            what = f"{attrs.get('pairs')} interferograms of the topsStack stack in {work}"
        else:
            count = len(attrs.get("products", {}))
            what = f"{count} interferograms  {attrs.get('crs')} {attrs.get('shape')} px"
        lines.append(
            f"  {address:<26} {attrs.get('path', '')}/  {what}  from state serial {attrs.get('state_serial')}"
        )
    if not rows:
        return {}
    return {"mintpy": rows, "text_blocks": ["\n".join(lines)]}
