"""Generating one topsStack generation of a stack (the execute of `isce_stack.<stack>`):
inputs from state records, the processability check, the exact stackSentinel.py command, the pair
edits. docs/isce.md "Resources", docs/isce-network.md.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from insarproj.engine.context import ApplyContext
from insarproj.fsutil import atomic_write_text, resolve_inside
from insarproj.kinds.isce import IsceError, run_logged, supersede
from insarproj.kinds.isce_spec import isce_config, stack_relpath
from insarproj.kinds.search import load_pin

STACKSENTINEL_LOG = "logs/stackSentinel.log"


def generate(spec: dict[str, Any], ctx: ApplyContext, tool: Any) -> dict[str, Any]:
    """Run stackSentinel.py for ``spec`` in a fresh work folder; the attributes to record."""
    from insarproj.isce.failures import tail
    from insarproj.isce.inputs import build_inputs
    from insarproj.isce.pair_configs import edit_pair_steps

    stack = spec["stack"]
    data = ctx.project.data_dir
    folder = resolve_inside(data, stack_relpath(stack), what=f"the ISCE folder of isce_stack.{stack}")
    work = folder / "work"
    old: dict[str, Any] = dict(ctx.state.resources.get(f"isce_stack.{stack}") or {})
    label = str(old.get("attributes", {}).get("fingerprint") or "unrecorded")[:12]
    moved = supersede(work, data, stack, label, ctx.options.prune)
    scenes_by_date = _scenes_by_date(spec, ctx)
    scenes = [s for group in scenes_by_date.values() for s in group]
    inputs = build_inputs(folder / "inputs", data, stack, scenes, ctx.state.resources)
    config = isce_config(ctx.project)
    _check(stack, spec, scenes_by_date, ctx, config.polarization)
    plan, argv = _command(spec, config, inputs, work, folder, tool)
    env = dict(os.environ)
    if tool.folder is not None:  # run-file lines and stackSentinel itself call topsStack's scripts by name
        env["PATH"] = os.pathsep.join([str(tool.folder), env.get("PATH", os.defpath)])
    log = folder / STACKSENTINEL_LOG
    if run_logged(argv, folder, log, env) != 0:
        raise IsceError(
            f"isce_stack.{stack}: stackSentinel.py failed; log: {log}\n{tail(log, 15)}\n"
            f"command: {' '.join(argv)}"
        )
    edit_pair_steps(work, config.workflow, plan)
    run_files = sorted(p.name for p in (work / "run_files").iterdir() if p.is_file())
    return {
        "work": f"{stack_relpath(stack)}/work",
        "run_files": run_files,
        "command": argv,
        "log": str(log.relative_to(data)),
        "num_connections": plan.num_connections,
        "spec": spec,
        "topsstack": tool.summary(),
        "superseded": None if moved is None else str(moved.relative_to(data)),
        "warnings": list(inputs.warnings),
    }


def _scenes_by_date(spec: dict[str, Any], ctx: ApplyContext) -> dict[str, list[Any]]:
    pin = load_pin(ctx.state.inputs)
    if pin is None:
        raise IsceError(f"isce_stack.{spec['stack']}: no scene pin recorded; run `insarproj apply`")
    by_date: dict[str, list[Any]] = {}
    for name in spec["scenes"]:
        scene = pin.scenes.get(name)
        if scene is None:
            raise IsceError(f"isce_stack.{spec['stack']}: scene {name} left the pin; run `insarproj plan`")
        by_date.setdefault(scene.start_date.strftime("%Y%m%d"), []).append(scene)
    return by_date


def _bbox_wsen(spec: dict[str, Any]) -> list[float]:
    return list(spec["options"].get("bbox") or spec["aoi_bounds"])


def _check(
    stack: str, spec: dict[str, Any], dates: dict[str, list[Any]], ctx: ApplyContext, pol: str
) -> None:
    from insarproj.isce.checks import check_stack

    west, south, east, north = _bbox_wsen(spec)
    problems = check_stack(
        stack, dates, ctx.state.resources, ctx.project.data_dir, (south, north, west, east), pol
    )
    if problems:
        listed = "\n".join(f"  {p}" for p in problems)
        raise IsceError(f"isce_stack.{stack} cannot be processed by topsStack:\n{listed}")


def _command(
    spec: dict[str, Any], config: Any, inputs: Any, work: Path, folder: Path, tool: Any
) -> tuple[Any, list[str]]:
    from insarproj.isce.command import StackInputs, ion_param_text, resolve_reference, stacksentinel_args
    from insarproj.isce.network_map import plan_connections

    days = tuple(dt.datetime.strptime(d, "%Y%m%d").date() for d in spec["dates"])
    try:
        reference = resolve_reference(config, days).strftime("%Y%m%d")
    except ValueError as exc:
        raise IsceError(f"isce_stack.{spec['stack']}: [processor.isce] {exc}") from exc
    pairs = [(a, b) for a, b in spec["pairs"]]
    plan = plan_connections(
        spec["stack"], spec["dates"], reference, pairs, coregistration=config.coregistration
    )
    ion_file = None
    if config.ionosphere is not None:
        ion_file = folder / "ion_param.txt"
        atomic_write_text(ion_file, ion_param_text(config.ionosphere))
    west, south, east, north = spec["aoi_bounds"]
    stack_inputs = StackInputs(
        work_dir=work,
        slc_list=inputs.slc_dir,
        orbit_dir=inputs.orbit_dir,
        aux_dir=inputs.aux_dir,
        dem=inputs.dem,
        dates=days,
        aoi_bounds=(west, south, east, north),
        num_connections=plan.num_connections,
        ion_param_file=ion_file,
    )
    return plan, stacksentinel_args(config, stack_inputs, str(tool.program))
