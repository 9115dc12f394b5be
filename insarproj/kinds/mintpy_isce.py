"""`mintpy.<stack>` for processor isce: the hand-off points MintPy at the topsStack work folder of the
stack's current generation (docs/mintpy.md "Processor isce").

Desired once per stack, after the stack's last `isce_step`; its fingerprint is the generation (the
`isce_stack` fingerprint) plus the [mintpy] settings, so a regenerated stack or a changed setting
makes it stale. It is planned with the steps (not waiting), made after them in the same apply, and
made only when every step of the generation is done.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from insarproj.engine.context import ApplyContext, PlanContext
from insarproj.engine.model import Desired
from insarproj.errors import InsarprojError
from insarproj.fingerprint import fingerprint

STEP_KIND = "isce_step"
STACK_KIND = "isce_stack"


def isce_settings(project: Any, format_version: int) -> dict[str, Any]:
    mintpy = project.config.mintpy
    return {
        "format": format_version,
        "processor": "isce",
        "reference_point": mintpy.reference_point,
        "options": dict(mintpy.options),
    }


def isce_desired(ctx: PlanContext, kind: str, settings: dict[str, Any]) -> Iterable[Desired]:
    by_stack: dict[str, list[Desired]] = {}
    for step in ctx.desired_of(STEP_KIND):
        by_stack.setdefault(step.spec["stack"], []).append(step)
    for stack, steps in sorted(by_stack.items()):
        spec = {
            "stack": stack,
            "processor": "isce",
            "generation": steps[-1].spec["generation"],
            "steps": [s.address for s in steps],
            "settings": settings,
        }
        yield Desired(address=f"{kind}.{stack}", spec=spec, depends_on=(steps[-1].address,))


def isce_fingerprint(generation: str, settings: dict[str, Any]) -> str:
    return fingerprint({"generation": generation, "settings": settings})


def isce_unfinished(stack_id: str, state: Any, generation: str | None = None) -> list[str]:
    """The stack's steps not done for ``generation`` (default: the recorded one); every step's
    name while the stack is not generated as that generation."""
    from insarproj.kinds.isce_steps import step_address

    stack = state.get(f"{STACK_KIND}.{stack_id}")
    if stack is None or (generation is not None and stack["attributes"].get("fingerprint") != generation):
        return [f"isce_stack.{stack_id}"]
    current = stack["attributes"].get("fingerprint")
    steps = [step_address(stack_id, run_file) for run_file in stack["attributes"].get("run_files", [])]
    return [
        a
        for a in steps
        if (r := state.get(a)) is None
        or r["status"] != "present"
        or r["attributes"].get("generation") != current
    ]


def isce_stale_reason(attrs: dict[str, Any], spec: dict[str, Any]) -> str:
    before = attrs.get("settings") or {}
    if before.get("format") != spec["settings"]["format"]:
        return "stale: this version of insarproj lays hand-offs out anew (docs/mintpy.md)"
    if attrs.get("generation") != spec["generation"]:
        return f"stale: isce_stack.{spec['stack']} was regenerated"
    return "stale: [mintpy] settings changed"


def make_isce_stack_handoff(payload: dict[str, Any], ctx: ApplyContext) -> dict[str, Any]:
    from insarproj.fsutil import resolve_inside
    from insarproj.mintpy.isce_handoff import IsceHandoffRequest, make_isce_handoff

    # The generation as recorded now: generating it in this apply may have refreshed its spec.
    unfinished = isce_unfinished(payload["stack"], ctx.state)
    if unfinished:
        raise InsarprojError(
            f"the topsStack steps of stack {payload['stack']} are not all done ({', '.join(unfinished[:3])})",
            hint="run `insarproj apply` again once they are",
        )
    stack = ctx.state.get(f"{STACK_KIND}.{payload['stack']}")
    assert stack is not None
    attrs = stack["attributes"]
    data_dir = ctx.project.data_dir
    resolve_inside(data_dir, str(attrs["work"]), what=f"state record {STACK_KIND}.{payload['stack']}")
    work = data_dir / str(attrs["work"])  # as the user sees it: the cfg's paths are relative to it
    generation = str(attrs["fingerprint"])
    digest = isce_fingerprint(generation, payload["settings"])
    request = IsceHandoffRequest(
        stack=payload["stack"],
        work=work,
        pairs=[f"{a}_{b}" for a, b in attrs.get("spec", {}).get("pairs", [])],
        reference_point=payload["settings"]["reference_point"],
        options=payload["settings"]["options"],
        serial=ctx.state.serial,
        fingerprint=digest,
    )
    facts = make_isce_handoff(data_dir, request)
    return {
        **facts,
        "work": attrs["work"],
        "fingerprint": digest,
        "generation": generation,
        "state_serial": ctx.state.serial,
        "settings": payload["settings"],
        "products": {},
    }
