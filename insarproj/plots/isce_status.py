"""Pair statuses of an ISCE2 topsStack project for network.png (docs/plots.md, "Statuses").

From state only, never a search of the disk: the `isce_stack.<stack>` record names the current
generation, its work folder, run files and pair network; each `isce_step` record of that
generation (overlaid by its fsync'd record file, as plan reads it) says where each command stands.
A pair's commands are its configs in the workflow's pair steps (`config_igram_unw_<pair>` …,
isce/network_map.py). A pair is ``made`` once every one of them is done with its outputs in place
(merged/interferograms/<pair>/), ``failed`` when one's last run failed, ``running`` while one is
recorded running (or queued/running on SLURM), else ``planned``. An update generation writes only
the pairs new to it: the others were made by its parent, which had finished (update mode needs it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

_LIVE = {"running", "queued"}


def isce_pair_statuses(project: Any, state: Any) -> dict[str, str]:
    """``<stack>.<yyyymmdd>_<yyyymmdd>`` → status, for every pair of each stack's current generation."""
    out: dict[str, str] = {}
    for address, record in sorted(state.by_kind("isce_stack").items()):
        stack = address.split(".", 1)[1]
        for pair, status in _stack_statuses(project, state, stack, record).items():
            out[f"{stack}.{pair}"] = status
    return out


def _stack_statuses(project: Any, state: Any, stack: str, record: Any) -> dict[str, str]:
    from insarproj.isce.network_map import CONFIG_PREFIX, PAIR_STEPS
    from insarproj.kinds.isce_spec import isce_config

    attrs = record["attributes"]
    spec = attrs.get("spec") or {}
    pairs = [f"{a}_{b}" for a, b in spec.get("pairs", [])]
    prefixes = [CONFIG_PREFIX[step] for step in PAIR_STEPS.get(isce_config(project).workflow, ())]
    commands = _command_statuses(project, state, stack, record)
    earlier = attrs.get("mode") == "update" and bool(prefixes)
    return {
        pair: pair_status([commands[p + pair] for p in prefixes if p + pair in commands], earlier)
        for pair in pairs
    }


def pair_status(commands: list[str], update: bool) -> str:
    """A pair's status from its commands' statuses in the generation ("" for not run yet);
    ``update``: the generation is an update, whose parent made the pairs it does not write."""
    if not commands:
        return "made" if update else "planned"
    if "failed" in commands:
        return "failed"
    if all(status == "done" for status in commands):
        return "made"
    return "running" if _LIVE & set(commands) else "planned"


def _command_statuses(project: Any, state: Any, stack: str, stack_record: Any) -> dict[str, str]:
    """Every command of the generation's run files → its status ("" when it has not run)."""
    from insarproj.kinds.isce_progress import command_specs, step_paths
    from insarproj.kinds.isce_spec import isce_config
    from insarproj.kinds.isce_steps import step_address

    generation = str(stack_record["attributes"].get("fingerprint", ""))
    work, _ = step_paths(project, stack_record)
    slurm = isce_config(project).executor == "slurm"
    out: dict[str, str] = {}
    for run_file in stack_record["attributes"].get("run_files", []):
        path = work / "run_files" / run_file
        if not path.is_file():
            continue
        specs = command_specs(path, work)
        spec = {"stack": stack, "run_file": run_file, "generation": generation}
        record = state.get(step_address(stack, run_file))
        if slurm:
            out.update(_slurm(project, spec, record, stack_record))
        else:
            out.update(_local(project, spec, record, stack_record, specs, work))
    return out


def _local(
    project: Any, spec: dict[str, Any], record: Any, stack_record: Any, specs: list[Any], work: Path
) -> dict[str, str]:
    """The local executor's last record of each command; done counts only with its outputs there."""
    from insarproj.isce.failures import missing_outputs
    from insarproj.isce.keep import outputs_to_check, pruned_folders
    from insarproj.kinds.isce_progress import command_records, step_paths

    _, log_dir = step_paths(project, stack_record)
    pruned = pruned_folders(work, spec["generation"])
    last = command_records(spec["run_file"], spec["generation"], record, log_dir)
    out = {}
    for command in specs:
        status = str((last.get(command.key) or {}).get("status") or "")
        if status == "done" and missing_outputs(outputs_to_check(command.outputs, work, pruned)):
            status = ""  # recorded done, its output gone: to be made again
        out[command.key] = status
    return out


def _slurm(project: Any, spec: dict[str, Any], record: Any, stack_record: Any) -> dict[str, str]:
    """SLURM commands as plan judges them, without reading the queue (show is offline: an array
    not known to have ended counts as alive, i.e. queued or running)."""
    from insarproj.kinds.isce_slurm import step_view

    view = step_view(project, spec, record, stack_record, None)
    return {key: str(judged.status or "") for key, judged in view.commands.items()}
