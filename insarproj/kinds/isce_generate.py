"""Generating one topsStack generation of a stack (the execute of `isce_stack.<stack>`):
inputs from state records, the processability check, the exact stackSentinel.py command, the pair
edits. A new stack gets a fresh work folder (the old one moved aside); an update generation
(kinds/isce_update.py) runs stackSentinel.py again in its parent's work folder, whose
`coreg_secondarys/` switches it to update mode, after moving the parent's `run_files/` to
`work/generations/<parent>/` (stackSentinel.py refuses to run where `run_files/` exists).
docs/isce.md "Resources", docs/isce-network.md.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Any

from insarproj.engine.context import ApplyContext
from insarproj.fsutil import atomic_write_text, resolve_inside
from insarproj.kinds.isce import IsceError, run_logged, supersede
from insarproj.kinds.isce_spec import isce_config, spec_fingerprint, stack_relpath
from insarproj.kinds.isce_update import GenerationPlan
from insarproj.kinds.search import load_pin

GENERATIONS_DIR = "generations"  # in work/: the run_files/ of the generations an update built on


def generate(
    spec: dict[str, Any], ctx: ApplyContext, tool: Any, generation: GenerationPlan
) -> dict[str, Any]:
    """Run stackSentinel.py for ``spec`` as ``generation`` says; the attributes to record."""
    from insarproj.isce.failures import tail
    from insarproj.isce.inputs import build_inputs
    from insarproj.isce.pair_configs import edit_pair_steps

    stack = spec["stack"]
    data = ctx.project.data_dir
    folder = resolve_inside(data, stack_relpath(stack), what=f"the ISCE folder of isce_stack.{stack}")
    work = folder / "work"
    old: dict[str, Any] = dict(ctx.state.resources.get(f"isce_stack.{stack}") or {})
    label = str(old.get("attributes", {}).get("fingerprint") or "unrecorded")[:12]
    if generation.update:
        moved = _set_aside_run_files(work, work / GENERATIONS_DIR, label, ctx.options.prune)
    else:
        moved = supersede(work, data, stack, label, ctx.options.prune)
    fingerprint = spec_fingerprint(spec)
    scenes_by_date = _scenes_by_date(spec, ctx, generation.slc_dates if generation.update else None)
    scenes = [s for group in scenes_by_date.values() for s in group]
    inputs = build_inputs(folder / "inputs", data, stack, scenes, ctx.state.resources)
    config = isce_config(ctx.project)
    _check(stack, spec, scenes_by_date, ctx, config.polarization)
    plan, argv = _command(spec, config, inputs, work, folder, tool, generation)
    env = dict(os.environ)
    if tool.folder is not None:  # run-file lines and stackSentinel itself call topsStack's scripts by name
        env["PATH"] = os.pathsep.join([str(tool.folder), env.get("PATH", os.defpath)])
    log = folder / "logs" / fingerprint[:12] / "stackSentinel.log"
    if run_logged(argv, folder, log, env) != 0:
        raise IsceError(
            f"isce_stack.{stack}: stackSentinel.py failed; log: {log}\n{tail(log, 15)}\n"
            f"command: {' '.join(argv)}"
        )
    run_files = sorted(p.name for p in (work / "run_files").iterdir() if p.is_file())
    _check_mode(stack, run_files, generation, log)
    edit_pair_steps(work, config.workflow, plan)
    attributes = {
        "work": f"{stack_relpath(stack)}/work",
        "run_files": run_files,
        "command": argv,
        "log": str(log.relative_to(data)),
        "num_connections": plan.num_connections,
        "spec": spec,
        "fingerprint": fingerprint,
        "topsstack": tool.summary(),
        "superseded": None if moved is None else str(moved.relative_to(data)),
        "warnings": list(inputs.warnings),
    }
    return attributes | _lineage(old.get("attributes", {}), fingerprint, generation, plan)


def _lineage(
    parent: dict[str, Any], fingerprint: str, generation: GenerationPlan, plan: Any
) -> dict[str, Any]:
    """The generation's place in its work folder's history: an update carries its parent."""
    entry = {
        "fingerprint": fingerprint,
        "mode": generation.mode,
        "new_dates": list(generation.new_dates),
        "reprocessed": list(generation.reprocessed),
        "added_pairs": [f"{a}_{b}" for (a, b), _ in plan.add],
        "reason": generation.reason,
    }
    history = list(parent.get("generations", [])) if generation.update else []
    return {
        "mode": generation.mode,
        "parent": parent.get("fingerprint") if generation.update else None,
        "generations": [*history, entry],
    }


def _set_aside_run_files(work: Path, generations: Path, label: str, prune: bool) -> Path | None:
    """Move the parent's run_files/ to generations/<label>/ (its step logs already live in
    logs/<label>/), or delete them with --prune. configs/ stays: the update overwrites the configs
    it writes again, and the configs of the pairs made earlier are models for the pairs insarproj
    adds (pair_configs.py)."""
    if not (work / "coreg_secondarys").is_dir():
        raise IsceError(f"{work / 'coreg_secondarys'} is missing: update mode needs it; run `insarproj plan`")
    if prune:
        shutil.rmtree(work / "run_files", ignore_errors=True)
        return None
    target = generations / label
    n = 1
    while target.exists():
        n += 1
        target = generations / f"{label}-{n}"
    target.mkdir(parents=True)
    if (work / "run_files").exists():
        (work / "run_files").rename(target / "run_files")
    return target


def _check_mode(stack: str, run_files: list[str], generation: GenerationPlan, log: Path) -> None:
    """stackSentinel.py chose its mode from the work folder: it must be the one planned."""
    fresh = any(name.endswith("_unpack_topo_reference") for name in run_files)
    if generation.update == fresh:
        wanted = "update mode" if generation.update else "a new stack"
        raise IsceError(
            f"isce_stack.{stack}: stackSentinel.py did not generate {wanted} as planned (run files: "
            f"{', '.join(run_files[:3])} …); log: {log}. Run `insarproj apply --replace isce_stack.{stack}`"
        )


def _scenes_by_date(
    spec: dict[str, Any], ctx: ApplyContext, only: tuple[str, ...] | None
) -> dict[str, list[Any]]:
    """The pinned scenes of the stack's dates (of ``only`` these dates, when given)."""
    pin = load_pin(ctx.state.inputs)
    if pin is None:
        raise IsceError(f"isce_stack.{spec['stack']}: no scene pin recorded; run `insarproj apply`")
    by_date: dict[str, list[Any]] = {}
    for name in spec["scenes"]:
        scene = pin.scenes.get(name)
        if scene is None:
            raise IsceError(f"isce_stack.{spec['stack']}: scene {name} left the pin; run `insarproj plan`")
        day = scene.start_date.strftime("%Y%m%d")
        if only is None or day in only:
            by_date.setdefault(day, []).append(scene)
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


def _connections(spec: dict[str, Any], config: Any, generation: GenerationPlan) -> tuple[Any, str]:
    """-c and the pair edits, and the reference date."""
    from insarproj.isce.command import resolve_reference
    from insarproj.isce.network_map import plan_connections

    if generation.update and generation.connections is not None:
        return generation.connections, str(spec["reference"])
    days = tuple(dt.datetime.strptime(d, "%Y%m%d").date() for d in spec["dates"])
    try:
        reference = resolve_reference(config, days).strftime("%Y%m%d")
    except ValueError as exc:
        raise IsceError(f"isce_stack.{spec['stack']}: [processor.isce] {exc}") from exc
    pairs = [(a, b) for a, b in spec["pairs"]]
    plan = plan_connections(
        spec["stack"], spec["dates"], reference, pairs, coregistration=config.coregistration
    )
    return plan, reference


def _command(
    spec: dict[str, Any],
    config: Any,
    inputs: Any,
    work: Path,
    folder: Path,
    tool: Any,
    generation: GenerationPlan,
) -> tuple[Any, list[str]]:
    from insarproj.isce.command import StackInputs, ion_param_text, stacksentinel_args

    plan, _ = _connections(spec, config, generation)
    dates = generation.slc_dates if generation.update else spec["dates"]
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
        dates=tuple(dt.datetime.strptime(d, "%Y%m%d").date() for d in dates),
        aoi_bounds=(west, south, east, north),
        num_connections=plan.num_connections,
        ion_param_file=ion_file,
    )
    return plan, stacksentinel_args(config, stack_inputs, str(tool.program))
