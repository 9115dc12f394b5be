"""Saved plans (`plan --out FILE`, `apply FILE`): bound to what they were made from.

A saved plan records lineage, serial, config fingerprint and insarproj version. `apply FILE`
checks all four (and that the plan was never applied) while holding the lock and before its
first side effect; anything stale is refused with the command that makes a fresh plan.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from insarproj import __version__
from insarproj.engine.model import Plan
from insarproj.errors import StalePlanError, UnsafePathError, UsageError
from insarproj.fsutil import atomic_write_text
from insarproj.state.checks import check_action_paths
from insarproj.state.store import State

FRESH_PLAN_HINT = "make a new one with `insarproj plan --out FILE` and apply that"


def write_plan(path: Path, plan: Plan) -> None:
    atomic_write_text(Path(path), plan.model_dump_json(indent=2) + "\n", rerun=f"insarproj plan --out {path}")


def read_plan(path: Path) -> Plan:
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UsageError(f"plan file {path} does not exist", hint=FRESH_PLAN_HINT) from exc
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path} is not a readable insarproj plan file", hint=FRESH_PLAN_HINT) from exc
    except RecursionError:
        raise UsageError(
            f"{path} is nested too deeply to be an insarproj plan file", hint=FRESH_PLAN_HINT
        ) from None
    try:
        plan = Plan.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UsageError(
            f"{path} is not a valid insarproj plan ({where}: {first['msg']})", hint=FRESH_PLAN_HINT
        ) from exc
    for action in plan.actions:
        try:
            # A plan file is shared like any file: its paths are checked like the state's.
            check_action_paths(action.address, action.payload, where=str(path))
        except UnsafePathError as exc:
            raise UsageError(exc.message, hint=FRESH_PLAN_HINT) from exc
    return plan


def check_fresh(plan: Plan, state: State, config_fingerprint: str, *, path: Path | str = "the plan") -> None:
    if plan.plan_id in state.applied_plans:
        raise StalePlanError(
            f"{path} was already applied; a saved plan is applied at most once", hint=FRESH_PLAN_HINT
        )
    if plan.lineage != state.lineage:
        raise StalePlanError(
            f"{path} was made for another project (lineage {plan.lineage})", hint=FRESH_PLAN_HINT
        )
    if plan.insarproj_version != __version__:
        raise StalePlanError(
            f"{path} was made by insarproj {plan.insarproj_version}, this is {__version__}",
            hint=FRESH_PLAN_HINT,
        )
    if plan.config_fingerprint != config_fingerprint:
        raise StalePlanError(f"{path} is stale: project.toml changed since it was made", hint=FRESH_PLAN_HINT)
    if plan.serial != state.serial:
        raise StalePlanError(
            f"{path} is stale: the state changed since it was made (serial {plan.serial} → {state.serial})",
            hint=FRESH_PLAN_HINT,
        )
