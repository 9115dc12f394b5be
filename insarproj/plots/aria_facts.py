"""What the plots draw for processor aria: the pinned GUNW search's stacks, their frames and the
pairs the project takes (docs/plots.md, "Statuses").

The pairs are plan's own choice (kinds/aria.py `choices`, kinds/aria_jobs.py `offered`), computed
offline from the pin. A pair with published products is ``on disk`` once every product of it is
recorded and its file is there, ``retrieving`` while one is being restored from long-term storage,
else ``to download``. A network pair without a published product is ``missing``; with
`on_demand = true` its ARIA_S1_GUNW jobs say: ``planned`` (none yet), ``running``, ``failed``,
``to download`` (succeeded) or ``on disk`` (all its products are).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from insarproj.plots.facts import PairFact, StackFacts

_RUNNING = {"intent", "unknown", "submitted"}


def aria_stack_facts(ws: Any, state: Any) -> list[StackFacts]:
    from insarproj.kinds.aria import choices
    from insarproj.kinds.aria_jobs import offered
    from insarproj.kinds.aria_search import PIN_NAME, load_aria_pin
    from insarproj.kinds.show import show_context

    pin = load_aria_pin(state.inputs)
    if pin is None:
        return []
    ctx = show_context(ws, state, {PIN_NAME: pin})
    on_demand = {(p.jobs[0].stack if p.jobs else "", p.key): p for p in offered(ctx)[0]}
    data_dir = ws.project.data_dir
    out = []
    for stack, choice in zip(pin.stacks, choices(ctx), strict=True):
        statuses = {
            pair.key: _products_status(state, data_dir, _addresses(pin, stack.id, pair.products))
            for pair in choice.selected
        }
        for key in choice.missing:
            made = on_demand.get((stack.id, key))
            statuses[key] = "missing" if made is None else _on_demand_status(state, data_dir, pin, made)
        out.append(_facts(pin, stack, statuses))
    return out


def _facts(pin: Any, stack: Any, statuses: dict[str, str]) -> StackFacts:
    days = sorted({_day(part) for pair in stack.pairs for part in pair.key.split("_")})
    by_frame: dict[int, str] = {}
    for pair in stack.pairs:  # one outline per frame: every product of a frame has about its shape
        for name in pair.products:
            by_frame.setdefault(pin.products[name].frame, pin.products[name].footprint)
    facts = StackFacts(
        id=stack.id,
        flight_direction="ASCENDING" if stack.id.startswith("A") else "DESCENDING",
        dates=days,
        bperp=dict.fromkeys(days),
        dropped=[],
        footprints=[by_frame[f] for f in sorted(by_frame)],
        footprint_label="ARIA frame",
    )
    for key, status in sorted(statuses.items()):
        first, second = (_day(part) for part in key.split("_"))
        facts.pairs.append(PairFact(stack.id, first, second, None, None, status))
    return facts


def _day(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def _addresses(pin: Any, stack: str, names: Iterable[str]) -> list[str]:
    return [f"aria_product.{stack}.{pin.products[n].frame}.{pin.products[n].pair_key}" for n in names]


def _products_status(state: Any, data_dir: Path, addresses: list[str]) -> str:
    from insarproj.fsutil import checked_relative

    statuses = []
    for address in addresses:
        record = state.get(address)
        if record is None:
            statuses.append("to download")
        elif record["status"] == "retrieving":
            statuses.append("retrieving")
        else:
            # A recorded path is only ever looked up inside the data folder (docs/safety.md).
            path = record["attributes"].get("path")
            inside = data_dir / checked_relative(path, what=f"state record {address}") if path else None
            present = record["status"] == "present" and inside is not None and inside.is_file()
            statuses.append("on disk" if present else "to download")
    for status in ("retrieving", "to download"):
        if status in statuses:
            return status
    return "on disk"


def _on_demand_status(state: Any, data_dir: Path, pin: Any, made: Any) -> str:
    """The status of a pair completed by on-demand jobs: the least advanced of its jobs."""
    from insarproj.kinds.aria_jobs import job_address, product_address

    order = ("failed", "planned", "running", "retrieving", "to download", "on disk")
    statuses = [_products_status(state, data_dir, _addresses(pin, made.jobs[0].stack, made.published))]
    if not made.published:
        statuses = []
    for job in made.jobs:
        record = state.get(job_address(job))
        if record is None:
            statuses.append("planned")
        elif record["status"] == "failed":
            statuses.append("failed")
        elif record["status"] == "succeeded":
            statuses.append(_products_status(state, data_dir, [product_address(job)]))
        else:
            statuses.append("running" if record["status"] in _RUNNING else "planned")
    return min(statuses, key=order.index) if statuses else "planned"
