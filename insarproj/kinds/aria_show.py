"""What plan notes and `insarproj show` say about ARIA GUNW products (docs/aria.md)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from insarproj.kinds.aria_search import aria_pinned, load_aria_pin

_LISTED = 6  # pair keys named per note before "…"
SIGN_NOTE = (
    "GUNW products take the LATER date as reference (phase sign opposite to HyP3 INSAR_GAMMA); "
    "addresses still name the earlier date first"
)


def _keys(keys: list[str]) -> str:
    shown = ", ".join(keys[:_LISTED])
    return shown + (", …" if len(keys) > _LISTED else "")


def plan_notes(ctx: Any, choices: list[Any]) -> list[str]:
    pin = aria_pinned(ctx)
    if pin is None:
        return []
    notes: list[str] = []
    if ctx.observations.get("aria.search.changed"):
        notes += list(pin.notes)
        if not pin.stacks:
            notes.append(f"the GUNW search found {pin.found} products, none over the AOI in [search] dates")
    aria = ctx.project.config.processor.aria
    minimum = aria.min_coverage if aria is not None else 0.5
    for choice in choices:
        notes += list(choice.left_out)
        for pair in choice.below_coverage:
            notes.append(
                f"{choice.stack} {pair.key}: dropped, its products cover {100 * pair.coverage:.0f} % "
                f"of the AOI, "
                f"below min_coverage {100 * minimum:.0f} %"
            )
        if choice.missing:
            notes.append(
                f"{choice.stack}: network pairs without a usable published GUNW product: "
                f"{len(choice.missing)} "
                f"({_keys(list(choice.missing))}); "
                + (
                    "made on demand by HyP3 ARIA_S1_GUNW jobs where they can be (hyp3_job lines)"
                    if aria is not None and aria.on_demand
                    else "set [processor.aria] on_demand = true to have HyP3 make them (60 credits each)"
                )
            )
        if choice.not_selected:
            notes.append(f"{choice.stack}: published pairs not in the [pairs] network: {choice.not_selected}")
        notes += [f"{choice.stack}: {n}" for n in choice.notes]
    if any(c.selected for c in choices):
        notes.append(SIGN_NOTE)
    return notes + ignored_search_keys(ctx.project.config) + unmanaged_notes(ctx.project.config)


# [search] keys about scenes that a GUNW search has no use for (docs/aria.md).
_SCENE_ONLY_KEYS = (
    "product",
    "beam_mode",
    "polarization",
    "frames",
    "min_coverage",
    "min_scenes",
    "exclude_scenes",
    "max_results",
)


def ignored_search_keys(config: Any) -> list[str]:
    given = [key for key in _SCENE_ONLY_KEYS if key in config.search.model_fields_set]
    if not given:
        return []
    return [
        f"[search] {', '.join(given)}: not used with processor aria (GUNW products are VV interferograms; "
        "coverage is [processor.aria] min_coverage)"
    ]


def unmanaged_notes(config: Any) -> list[str]:
    """Tables an aria project sets that this version does not act on: said, never silently ignored."""
    missing = []
    if config.mintpy.enabled:
        missing.append(
            "the MintPy hand-off of GUNW products, docs/aria.md names the ARIA-tools steps ([mintpy])"
        )
    if config.orbits_enabled:
        missing.append("orbit files for GUNW products ([orbits])")
    if config.dem_enabled:
        missing.append("a DEM for GUNW products ([dem])")
    return ["not managed by this version of insarproj yet: " + "; ".join(missing)] if missing else []


def aria_section(ws: Any, state: Any) -> dict[str, Any]:
    """Products per stack with coverage, from state alone."""
    pin = load_aria_pin(state.inputs)
    records = state.by_kind("aria_product")
    if pin is None and not records:
        return {}
    by_stack: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for address, record in sorted(records.items()):
        by_stack[address.split(".")[1]].append((address, record))
    lines = ["ARIA GUNW products" + (f" (pinned search of {pin.searched_at}):" if pin else ":")]
    stacks = []
    for stack_id in sorted(by_stack):
        rows = by_stack[stack_id]
        frames = sorted({r["attributes"]["frame"] for _, r in rows})
        present = sum(1 for _, r in rows if r["status"] == "present")
        retrieving = sum(1 for _, r in rows if r["status"] == "retrieving")
        lines.append(
            f"  {stack_id}  frames {', '.join(map(str, frames))}  {present}/{len(rows)} products on disk"
            + (f", {retrieving} retrieving from long-term storage" if retrieving else "")
        )
        products = []
        for address, record in rows:
            attrs = record["attributes"]
            products.append({"address": address, "status": record["status"], **attrs})
            made = f"  (HyP3 job {attrs.get('job_id')})" if attrs.get("source") == "hyp3" else ""
            lines.append(
                f"    {address.split('.', 2)[2]:<24} v{attrs.get('version')}  coverage "
                f"{100 * float(attrs.get('coverage') or 0):.0f} %  {record['status']}{made}"
            )
        stacks.append({"id": stack_id, "frames": frames, "products": products})
    lines += _jobs_line(state)
    return {"aria": stacks, "text_blocks": ["\n".join(lines)]}


def _jobs_line(state: Any) -> list[str]:
    """On-demand ARIA_S1_GUNW jobs: how many, their statuses and the credits they were charged."""
    from collections import Counter

    jobs = state.by_kind("hyp3_job")
    if not jobs:
        return []
    statuses = Counter(r["status"] for r in jobs.values())
    from insarproj.kinds.hyp3_credits import spent_on

    spent = sum(spent_on(r["attributes"]) for r in jobs.values())
    parts = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
    return [f"  on-demand ARIA_S1_GUNW jobs: {len(jobs)} ({parts}); {spent:g} credits charged"]
