"""What `insarproj show` says about scenes, stacks, pairs, HyP3 jobs and products (state only,
no network)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from insarproj.kinds.search import load_pin


def scenes_section(ws: Any, state: Any) -> dict[str, Any]:
    pin = load_pin(state.inputs)
    if pin is None:
        return {}
    present = {a.split(".", 1)[1] for a, r in state.by_kind("scene").items() if r["status"] == "present"}
    stacks = []
    source = " in the Copernicus Data Space catalogue" if pin.source == "cdse" else ""
    search = f"the pinned search{source} of {pin.searched_at}"
    lines = [f"Stacks (from {search}; AOI coverage {pin.coverage_rule}):"]
    for stack in pin.stacks:
        names = [n for d in stack.dates for n in d.scenes]
        coverage = [d.coverage for d in stack.dates]
        entry = {
            "id": stack.id,
            "flight_direction": stack.flight_direction,
            "relative_orbit": stack.relative_orbit,
            "dates": len(stack.dates),
            "first": stack.dates[0].date.isoformat() if stack.dates else None,
            "last": stack.dates[-1].date.isoformat() if stack.dates else None,
            "coverage_rule": pin.coverage_rule,
            "coverage_min": round(min(coverage), 3) if coverage else None,
            "coverage_mean": round(sum(coverage) / len(coverage), 3) if coverage else None,
            "scenes": len(names),
            "scenes_present": sum(1 for n in names if n in present),
            "dropped": [{"date": d.date.isoformat(), "reason": d.reason} for d in stack.dropped],
        }
        stacks.append(entry)
        lines.append(
            f"  {stack.id:<22} {stack.flight_direction.lower():<10} track {stack.relative_orbit:>3}  "
            f"{entry['dates']:>3} dates {entry['first']} … {entry['last']}  "
            f"AOI coverage {100 * (entry['coverage_min'] or 0):.0f} % min, "
            f"{100 * (entry['coverage_mean'] or 0):.0f} % mean  "
            f"scenes {entry['scenes_present']}/{entry['scenes']} on disk"
        )
        for dropped in stack.dropped:
            lines.append(f"      dropped {dropped.date}: {dropped.reason}")
    for dropped in pin.dropped_stacks:
        lines.append(f"  {dropped.id:<22} dropped: {dropped.reason}")
    return {"stacks": stacks, "text_blocks": ["\n".join(lines)]}


def pair_rows(state: Any) -> list[dict[str, Any]]:
    from insarproj.kinds.hyp3_credits import spent_on

    rows = []
    for address, pair in sorted(state.by_kind("pair").items()):
        key = address.split(".", 1)[1]
        job = state.get("hyp3_job." + key)
        product = state.get("product." + key)
        attrs = job["attributes"] if job else {}
        spent = spent_on(attrs)
        rows.append(
            {
                "pair": address,
                "stack": pair["attributes"]["stack"],
                "temporal_baseline": pair["attributes"]["temporal_baseline"],
                "bperp": pair["attributes"]["bperp"],
                "job_status": job["status"] if job else None,
                "job_id": attrs.get("job_id"),
                "attempts": len(attrs.get("attempts", [])),
                "credits_spent": spent,
                "expiration_time": attrs.get("expiration_time"),
                "product": product["attributes"]["path"]
                if product and product["status"] == "present"
                else None,
            }
        )
    return rows


def pairs_section(ws: Any, state: Any) -> dict[str, Any]:
    rows = pair_rows(state)
    if not rows:
        return {}
    now = datetime.now(UTC)
    lines = ["Pairs:"]
    by_stack: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_stack[row["stack"]].append(row)
    processor = ws.project.config.processor.kind
    for stack, items in by_stack.items():
        if processor != "hyp3":  # HyP3 jobs and credits mean nothing here: the processor says more
            lines.append(f"  {stack:<22} {len(items):>4} pairs in the network (processor {processor})")
            continue
        statuses = Counter(r["job_status"] or "not submitted" for r in items)
        spent = sum(r["credits_spent"] for r in items)
        on_disk = sum(1 for r in items if r["product"])
        soon = sum(
            1
            for r in items
            if r["expiration_time"]
            and not r["product"]
            and now
            < datetime.fromisoformat(r["expiration_time"].replace("Z", "+00:00"))
            < now + timedelta(days=3)
        )
        parts = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
        text = (
            f"  {stack:<22} {len(items):>4} pairs ({parts}); {spent:g} credits spent; "
            f"{on_disk} products on disk"
        )
        if soon:
            text += f"; {soon} expire within 3 days"
        lines.append(text)
    if getattr(ws, "show_all_pairs", False):
        lines.append("")
        lines.append(
            f"  {'pair':<40} {'days':>4} {'bperp':>7} {'job':<10} {'credits':>7} {'expires':<11} product"
        )
        for r in rows:
            bperp = "" if r["bperp"] is None else f"{r['bperp']:+.0f}"
            expires = (r["expiration_time"] or "")[:10]
            lines.append(
                f"  {r['pair']:<40} {r['temporal_baseline']:>4} {bperp:>7} {r['job_status'] or '-':<10} "
                f"{r['credits_spent']:>7g} {expires:<11} {r['product'] or ''}"
            )
    return {"pairs": rows, "text_blocks": ["\n".join(lines)]}


def write_footprints(ws: Any, state: Any, path: Path) -> int:
    from insarproj.errors import UsageError
    from insarproj.fsutil import atomic_write_json
    from insarproj.scenes.footprints import footprints_geojson

    pin = load_pin(state.inputs)
    if pin is None:
        raise UsageError("no scene search is pinned yet", hint="run `insarproj apply` first")
    collection = footprints_geojson(pin, ws.project.aoi.wkt)
    atomic_write_json(path, collection)
    return len(collection["features"])


def show_context(ws: Any, state: Any, inputs: dict[str, Any]) -> Any:
    """A plan context for `show`'s pictures: offline (a need of any service fails instead of
    asking one), the pinned ``inputs``, so the plan's own network and baseline code draws exactly
    what plan would make."""
    from insarproj.engine.context import PlanContext, PlanOptions, ReadProviders

    return PlanContext(
        project=ws.project,
        state=state,
        observed={},
        read=ReadProviders({}, offline=True),
        endpoints=ws.endpoints,
        options=PlanOptions(offline=True),
        inputs=inputs,
    )


def shown_networks(
    ws: Any, state: Any, pin: Any
) -> tuple[list[tuple[Any, Any, dict[str, Any]]], dict[str, dict[str, str]]]:
    """(stack, network, network dates) as plan builds them, with the baselines a CDSE pin lacks
    taken from the verified orbit records (kinds/orbit_baselines.py), and the dates still waiting
    for one (stack → iso date → why), held out of the network as plan holds them."""
    from insarproj.kinds.orbit_baselines import baseline_waits, orbit_baselines
    from insarproj.kinds.pairs import pin_networks
    from insarproj.kinds.search import PIN_NAME

    ctx = show_context(ws, state, {PIN_NAME: pin})
    waits = baseline_waits(ctx)
    return pin_networks(ws.project, pin, waits, orbit_baselines(ctx)[0]), waits


def waiting_note(waits: dict[str, dict[str, str]]) -> str | None:
    """One sentence naming the dates that have no perpendicular baseline yet, or None."""
    days = [f"{stack} {day}" for stack, items in sorted(waits.items()) for day in sorted(items)]
    if not days:
        return None
    shown = ", ".join(days[:6]) + (f" and {len(days) - 6} more" if len(days) > 6 else "")
    return (
        f"{len(days)} date(s) have no perpendicular baseline yet (their orbit files are not on disk): "
        f"{shown}; they join the network once `insarproj apply` fetched them (hollow markers at 0 m)"
    )


def write_network_plot(ws: Any, state: Any, path: Path) -> tuple[int, list[str]]:
    """The pair network of every stack (time vs perpendicular baseline), as configured now, and
    notes (dates still waiting for a baseline)."""
    from insarproj.errors import UsageError
    from insarproj.pairs import NetworkDate
    from insarproj.pairs.plot import plot_network

    pin = load_pin(state.inputs)
    if pin is None:
        raise UsageError("no scene search is pinned yet", hint="run `insarproj apply` first")
    built, waits = shown_networks(ws, state, pin)
    if not built:
        raise UsageError("the pinned search has no stacks to draw")
    dates = {s.id: list(d.values()) for s, _, d in built}
    for stack, days in waits.items():  # drawn hollow at 0 m: in the stack, no baseline yet
        dates.setdefault(stack, []).extend(
            NetworkDate(date=date.fromisoformat(day), bperp=None, scenes=(), polarizations=frozenset())
            for day in days
        )
    plot_network([n for _, n, _ in built], dates, path)
    note = waiting_note(waits)
    return sum(len(n.pairs) for _, n, _ in built), [note] if note else []
