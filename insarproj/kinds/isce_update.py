"""New generation or topsStack update mode: what the next generation of a stack is, and why
(docs/isce.md "Invalidation").

stackSentinel.py has no update flag: where `<work>/coreg_secondarys/` exists it switches to update
mode, coregisters only the dates that are not there yet plus the latest `2 × num_overlap_connections`
(NESD) or `num_connections` (geometry) coregistered ones, whose original SAFEs it needs again, and
pairs only within `sorted(those + new + [reference])[1:]`. So update mode is used only when the
generation in the work folder is the parent the new one adds dates to:

* nothing but dates was added (same options, reference date, DEM, AOI, data folder; no date gone,
  no scene of a processed date changed; every pair of the parent still in the network);
* the parent finished (every step done) and `coreg_secondarys/` holds exactly its secondary dates;
* NESD: at least `2 × num_overlap_connections` coregistered dates (fewer, and the real
  stackSentinel.py raises "The original SAFE files for latest N coregistered SLCs is needed");
* every network pair the update must make can be made: topsStack writes it, or insarproj adds its
  configs modelled on a pair topsStack wrote (`network_map.plan_connections`).

Otherwise the stack is regenerated in a fresh work folder, and the plan says why.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from insarproj.errors import ConfigError
from insarproj.fsutil import resolve_inside
from insarproj.isce.network_map import (
    MAX_CONNECTIONS,
    ConnectionPlan,
    DatePair,
    neighbor_pairs,
    plan_connections,
)

_DATE = re.compile(r"^\d{8}$")
NEW = "new"
UPDATE = "update"
_LABELS = {
    "dem": "the DEM changed",
    "aoi_bounds": "the AOI changed",
    "data_dir": "[paths] data moved (configs and run files hold absolute paths)",
}


@dataclass(frozen=True)
class GenerationPlan:
    """What the next generation of a stack is."""

    mode: str  # NEW: a fresh work folder; UPDATE: topsStack's update mode in the parent's folder
    reason: str
    new_dates: tuple[str, ...] = ()
    reprocessed: tuple[str, ...] = ()  # the latest coregistered dates topsStack coregisters again
    slc_dates: tuple[str, ...] = ()  # UPDATE: the dates whose SAFEs stackSentinel.py gets
    connections: ConnectionPlan | None = None  # UPDATE: -c and the pair edits

    @property
    def update(self) -> bool:
        return self.mode == UPDATE


def regenerate_reasons(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Why ``new`` cannot be an update of the generation of spec ``old``, in words; [] when only
    dates (and their pairs and scenes) were added."""
    old_options = old.get("options", {})
    reasons = [
        f"{key} {old_options.get(key)} → {value}"
        for key, value in sorted(new.get("options", {}).items())
        if old_options.get(key) != value
    ]
    if old.get("reference") != new.get("reference"):
        reasons.append(f"reference date {old.get('reference')} → {new.get('reference')}")
    gone = sorted(set(old.get("dates", [])) - set(new.get("dates", [])))
    if gone:
        reasons.append(f"{len(gone)} date(s) left the stack ({', '.join(gone)})")
    old_scenes, new_scenes = old.get("date_scenes", {}), new.get("date_scenes", {})
    changed = sorted(d for d in old_scenes if d in new_scenes and old_scenes[d] != new_scenes[d])
    if changed:
        reasons.append(f"the scenes of processed date(s) {', '.join(changed)} changed")
    reasons += [label for key, label in _LABELS.items() if old.get(key) != new.get(key)]
    if bool(old.get("topsstack", {}).get("stand_in")) != bool(new.get("topsstack", {}).get("stand_in")):
        reasons.append("the sandbox's stand-in and the real topsStack were swapped")
    left = sorted(set(map(tuple, old.get("pairs", []))) - set(map(tuple, new.get("pairs", []))))
    if left:
        reasons.append(f"{len(left)} pair(s) left the network ({', '.join(f'{a}_{b}' for a, b in left[:3])})")
    return reasons


def decide(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    *,
    parent_complete: bool,
    coregistered: Sequence[str] | None,
) -> GenerationPlan:
    """The next generation of a stack whose current generation has spec ``old``.

    ``parent_complete``: every step of that generation is done; ``coregistered``: the dates in its
    `coreg_secondarys/` (None: the folder does not exist)."""
    reasons = regenerate_reasons(old, new)
    added = tuple(sorted(set(new["dates"]) - set(old.get("dates", []))))
    if not added:
        changed = "; ".join(reasons) or "the pair network changed"
        return GenerationPlan(NEW, changed)
    dates = f"{len(added)} new date(s)"
    if reasons:
        return GenerationPlan(NEW, f"{'; '.join(reasons)}; {dates}: regenerate", added)
    blocker = _update_blocker(old, new, parent_complete, coregistered)
    if blocker is None:
        try:
            return _update(old, new, added, list(coregistered or ()))
        except ConfigError as exc:
            blocker = str(exc)
    return GenerationPlan(NEW, f"{dates}: regenerate, not update mode: {blocker}", added)


def reprocess_count(options: Mapping[str, Any]) -> int:
    """How many of the latest coregistered dates topsStack's update mode coregisters again: 2 × -O
    (NESD), else -c, which insarproj keeps at 1 in geometry mode (network_map.MAX_CONNECTIONS)."""
    if options.get("coregistration") == "NESD":
        return 2 * int(options.get("num_overlap_connections", 3))
    return 1


def _update_blocker(
    old: Mapping[str, Any], new: Mapping[str, Any], parent_complete: bool, coregistered: Sequence[str] | None
) -> str | None:
    """Why update mode cannot be used (None: it can, as far as the dates go)."""
    if not parent_complete:
        return "the current generation has not finished (update mode adds dates to a finished stack)"
    secondaries = sorted(set(old.get("dates", [])) - {old.get("reference")})
    if coregistered is None or sorted(coregistered) != secondaries:
        held = "no coreg_secondarys/" if coregistered is None else f"{len(coregistered)} date(s)"
        return f"the work folder's coreg_secondarys/ ({held}) is not the {len(secondaries)} date(s) recorded"
    need = reprocess_count(new.get("options", {}))
    if len(secondaries) < need:
        return (
            f"topsStack's update mode needs {need} coregistered dates (2 × num_overlap_connections), "
            f"the stack has {len(secondaries)}"
        )
    return None


def _update(
    old: Mapping[str, Any], new: Mapping[str, Any], added: tuple[str, ...], coregistered: list[str]
) -> GenerationPlan:
    """The update generation; ConfigError when a pair it must make cannot be made."""
    reference = str(new["reference"])
    latest = sorted(coregistered)[-reprocess_count(new["options"]) :]
    slc_dates = tuple(sorted({*latest, *added, reference}))
    if new["options"].get("ionosphere"):
        # topsStack chooses the ionosphere pairs (and reads swath starting ranges) over every SAFE
        # of its list, then skips the pairs already in ion/: it gets all of them.
        slc_dates = tuple(new["dates"])
    paired = sorted({*latest, *added, reference})[1:]  # stackSentinel's update pairing
    made = set(pair_tuples(old.get("pairs", [])))
    network = pair_tuples(new["pairs"])
    # The pairs new to the network, and the network's pairs among the reprocessed dates that
    # stackSentinel writes again (they are remade, as topsStack's own update mode does).
    cap = MAX_CONNECTIONS.get(str(new["options"].get("coregistration")), 1)
    fits = [k for k in range(2, cap + 1) if set(neighbor_pairs(paired, k)) <= set(network)]
    rewritten = set(neighbor_pairs(paired, max(fits, default=1))) & made
    wanted = [p for p in network if p not in made or p in rewritten]
    connections = plan_connections(
        str(new["stack"]),
        new["dates"],
        reference,
        wanted,
        coregistration=str(new["options"].get("coregistration")),
        paired_dates=paired,
        earlier=sorted(made),
    )
    reason = f"{len(added)} new date(s): update mode (topsStack coregisters {', '.join(added)}"
    reason += f" and again {', '.join(latest)}" if latest else ""
    if connections.add:
        names = [f"{a}_{b}" for (a, b), _ in connections.add]
        listed = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        reason += f"; insarproj adds the pair configs update mode does not write: {listed}"
    return GenerationPlan(UPDATE, reason + ")", added, tuple(latest), slc_dates, connections)


def pair_tuples(pairs: Sequence[Sequence[str]]) -> list[DatePair]:
    return [(str(a), str(b)) for a, b in pairs]


def next_generation(
    spec: Mapping[str, Any], record: Any, resources: Mapping[str, Any], data_dir: Path
) -> GenerationPlan:
    """The next generation of a stack given its state record (None or not present: a new stack)."""
    if record is None or record.get("status") != "present":
        return GenerationPlan(NEW, "not generated")
    attrs = record["attributes"]
    return decide(
        attrs.get("spec", {}),
        spec,
        parent_complete=generation_complete(attrs, resources),
        coregistered=coregistered_dates(data_dir, attrs),
    )


def planned_generation(ctx: Any, spec: Mapping[str, Any]) -> GenerationPlan:
    """`next_generation` once per plan and stack (the stack's assess and its steps' desired ask)."""
    key = f"isce.generation.{spec['stack']}"
    found = ctx.observations.get(key)
    if found is None:
        record = ctx.state.resources.get(f"isce_stack.{spec['stack']}")
        found = next_generation(spec, record, ctx.state.resources, ctx.project.data_dir)
        ctx.observations[key] = found
    return found  # type: ignore[no-any-return]


def generation_complete(attrs: Mapping[str, Any], resources: Mapping[str, Any]) -> bool:
    """Every run file of the generation has a step record of that generation that is done."""
    from insarproj.kinds.isce_steps import step_address

    stack = str(attrs.get("spec", {}).get("stack", ""))
    run_files = attrs.get("run_files") or []
    for run_file in run_files:
        step = resources.get(step_address(stack, run_file))
        if step is None or step["status"] != "present":
            return False
        if step["attributes"].get("generation") != attrs.get("fingerprint"):
            return False
    return bool(run_files)


def coregistered_dates(data_dir: Path, attrs: Mapping[str, Any]) -> list[str] | None:
    """The dates in the generation's `coreg_secondarys/`, as stackSentinel.py globs them; None when
    the folder does not exist."""
    relpath = attrs.get("work")
    if not relpath:
        return None
    folder = resolve_inside(data_dir, str(relpath), what="an isce_stack record") / "coreg_secondarys"
    if not folder.is_dir():
        return None
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and _DATE.match(p.name))


def orbit_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """Scene → (orbit file it was processed with, orbit file selected now), for the scenes of the
    generation whose selected orbit file changed (RESORB → POEORB)."""
    before = old.get("orbits")
    now = new.get("orbits", {})
    if not isinstance(before, Mapping):
        return {}
    return {
        scene: (str(file), str(now[scene]))
        for scene, file in sorted(before.items())
        if scene in now and now[scene] != file and not str(now[scene]).startswith("(")
    }


def generation_notes(address: str, new: Mapping[str, Any], record: Any) -> list[str]:
    """Notes, not regenerations: an orbit upgrade of a processed scene, another topsStack version."""
    if record is None or record.get("status") != "present":
        return []
    old = record["attributes"].get("spec", {})
    notes = []
    changes = orbit_changes(old, new)
    if changes:
        kinds = sorted({f"{_orbit_type(a)} → {_orbit_type(b)}" for a, b in changes.values()})
        dates = sorted({d for d, names in old.get("date_scenes", {}).items() if set(names) & set(changes)})
        notes.append(
            f"{address}: {len(changes)} processed scene(s) now have another orbit file ({', '.join(kinds)}; "
            f"date(s) {', '.join(dates)}): a note only, what was made stays; "
            f"`insarproj apply --replace {address}` reprocesses the stack with them"
        )
    was, now = old.get("topsstack", {}), new.get("topsstack", {})
    if was and (was.get("version"), was.get("program")) != (now.get("version"), now.get("program")):
        notes.append(
            f"{address} was generated by topsStack {was.get('version') or '(version unknown)'} "
            f"({was.get('program')}); now {now.get('version') or '(version unknown)'} ({now.get('program')}) "
            "is found: a note only, the generation stays; "
            f"`insarproj apply --replace {address}` regenerates it"
        )
    return notes


def _orbit_type(name: str) -> str:
    for kind in ("POEORB", "RESORB"):
        if f"_{kind}_" in name:
            return kind
    return name
