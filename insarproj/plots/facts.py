"""What the plots draw, gathered from state, the pinned search and the disk (no matplotlib here).

A pair's status is the furthest it got: ``on disk`` (its product is recorded and its folder is
there), ``to download`` (the job succeeded, the product is not here), ``failed``, ``running``
(submitted, PENDING or RUNNING at HyP3, or a submission being resolved) or ``planned`` (in the
network as configured now, no job yet). docs/plots.md explains each.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

STATUSES = ("planned", "running", "failed", "to download", "on disk")
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
    from insarproj.kinds.pairs import pin_networks
    from insarproj.kinds.search import load_pin

    pin = load_pin(state.inputs)
    if pin is None:
        return []
    data_dir = ws.project.data_dir
    networks = {stack.id: network for stack, network, _ in pin_networks(ws.project, pin)}
    out = []
    for stack in pin.stacks:
        facts = StackFacts(
            id=stack.id,
            flight_direction=stack.flight_direction,
            dates=[d.date for d in stack.dates],
            bperp={d.date: d.bperp for d in stack.dates},
            dropped=[(d.date, d.reason) for d in stack.dropped],
            footprints=[
                pin.scenes[n].footprint_wkt for d in stack.dates for n in d.scenes if n in pin.scenes
            ],
        )
        network = networks.get(stack.id)
        for pair in network.pairs if network is not None else ():
            facts.pairs.append(
                PairFact(
                    stack=stack.id,
                    reference=pair.reference,
                    secondary=pair.secondary,
                    reference_bperp=facts.bperp.get(pair.reference),
                    secondary_bperp=facts.bperp.get(pair.secondary),
                    status=pair_status(f"{stack.id}.{pair.key}", state, data_dir),
                )
            )
        out.append(facts)
    return out
