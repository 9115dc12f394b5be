"""What the plots draw, gathered from state, the pinned search and the disk (no matplotlib here).

A pair's status is the furthest it got, by processor (docs/plots.md, "Statuses"). HyP3: ``on disk``
(its product is recorded and its folder is there), ``to download`` (the job succeeded, the product
is not here), ``failed``, ``running`` (submitted, PENDING or RUNNING at HyP3, or a submission being
resolved) or ``planned`` (in the network as configured now, no job yet). ISCE: ``made``, ``failed``,
``running`` or ``planned`` from the current generation's step records (plots/isce_status.py).
ARIA: plots/aria_facts.py. Processor download makes no pairs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

# Drawing order (later on top) and legend order.
STATUSES = ("missing", "planned", "running", "failed", "retrieving", "to download", "made", "on disk")
_OPEN = {"intent", "unknown", "submitted"}


@dataclass(frozen=True)
class PairFact:
    stack: str
    reference: date
    secondary: date
    reference_bperp: float | None  # of each date relative to the stack reference (m)
    secondary_bperp: float | None
    status: str


@dataclass
class StackFacts:
    id: str
    flight_direction: str
    dates: list[date]
    bperp: dict[date, float | None]
    dropped: list[tuple[date, str]]
    footprints: list[str]  # WKT of the scenes of the stack's kept dates
    pairs: list[PairFact] = field(default_factory=list)
    waiting: dict[date, str] = field(default_factory=dict)  # dates with no baseline yet -> why
    footprint_label: str = "scene"  # what a footprint is: a scene, or an ARIA frame

    def status_counts(self) -> Counter[str]:
        return Counter(p.status for p in self.pairs)


def pair_status(key: str, state: Any, data_dir: Path) -> str:
    """The status of ``pair.<key>`` from its job and product records (module docstring)."""
    from insarproj.fsutil import checked_relative

    product = state.get("product." + key)
    if product is not None and product["status"] == "present":
        # A recorded path is only ever looked up inside the data folder (docs/safety.md).
        path = product["attributes"].get("path")
        if path and (data_dir / checked_relative(path, what=f"state record product.{key}")).is_dir():
            return "on disk"
    job = state.get("hyp3_job." + key)
    if job is None:
        return "planned"
    status = job["status"]
    if status == "succeeded":
        return "to download"
    if status == "failed":
        return "failed"
    return "running" if status in _OPEN else "planned"


def stack_facts(ws: Any, state: Any) -> list[StackFacts]:
    """Every stack of the pinned search with its dates, footprints and pairs (as configured now)."""
    from insarproj.kinds.search import load_pin
    from insarproj.kinds.show import shown_networks

    processor = ws.project.config.processor.kind
    if processor == "aria":
        from insarproj.plots.aria_facts import aria_stack_facts

        return aria_stack_facts(ws, state)
    pin = load_pin(state.inputs)
    if pin is None:
        return []
    built, waits = shown_networks(ws, state, pin)
    networks = {stack.id: (network, dates) for stack, network, dates in built}
    status_of = _status_function(ws, state)
    out = []
    for stack in pin.stacks:
        network, dates = networks.get(stack.id, (None, {}))
        facts = StackFacts(
            id=stack.id,
            flight_direction=stack.flight_direction,
            dates=[d.date for d in stack.dates],
            bperp={d.date: d.bperp for d in stack.dates},
            dropped=[(d.date, d.reason) for d in stack.dropped],
            footprints=[
                pin.scenes[n].footprint_wkt for d in stack.dates for n in d.scenes if n in pin.scenes
            ],
            waiting={date.fromisoformat(day): why for day, why in waits.get(stack.id, {}).items()},
        )
        facts.bperp.update({d.date: d.bperp for d in dates.values() if d.bperp is not None})
        pairs = network.pairs if network is not None and processor != "download" else ()
        for pair in pairs:
            facts.pairs.append(
                PairFact(
                    stack=stack.id,
                    reference=pair.reference,
                    secondary=pair.secondary,
                    reference_bperp=facts.bperp.get(pair.reference),
                    secondary_bperp=facts.bperp.get(pair.secondary),
                    status=status_of(f"{stack.id}.{pair.key}"),
                )
            )
        out.append(facts)
    return out


def _status_function(ws: Any, state: Any) -> Any:
    """``<stack>.<pair key>`` -> status, for the project's processor."""
    if ws.project.config.processor.kind == "isce":
        from insarproj.plots.isce_status import isce_pair_statuses

        statuses = isce_pair_statuses(ws.project, state)
        return lambda key: statuses.get(key, "planned")
    data_dir = ws.project.data_dir
    return lambda key: pair_status(key, state, data_dir)
