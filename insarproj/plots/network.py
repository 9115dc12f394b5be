"""The pair network of each stack (perpendicular baseline against time), pairs coloured by status.

A stack with no baseline at all (ARIA GUNW products carry none) is drawn as arcs over the time
axis instead: at 0 m every pair would lie on one line. Dates whose baseline waits for orbit files
(kinds/orbit_baselines.py) are hollow markers at 0 m, outside the network as plan holds them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from insarproj.plots.canvas import STATUS_COLOURS, date_axis, new_figure, save
from insarproj.plots.facts import STATUSES, PairFact, StackFacts


def draw_network(stacks: Sequence[StackFacts], path: Path) -> Path:
    fig = new_figure(11, 1.0 + 3.4 * len(stacks))
    if all(b is None for s in stacks for b in s.bperp.values()):
        what = "pairs as arcs over time: no perpendicular baseline is known"
    else:
        what = "perpendicular baseline against time"
    fig.suptitle(f"Pair network by status ({what})", fontsize="large")
    axes = fig.subplots(len(stacks), 1, squeeze=False, sharex=True)[:, 0]
    for ax, stack in zip(axes, stacks, strict=True):
        arcs = all(b is None for b in stack.bperp.values())
        if arcs:
            _arcs(ax, stack)
        else:
            _baselines(ax, stack)
        ax.set_title(_title(stack, arcs), loc="left")
        ax.grid(True, alpha=0.3)
        ax.legend(handles=_legend(stack), loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    axes[-1].set_xlabel("acquisition date")
    date_axis(axes[-1].xaxis)
    return save(fig, path)


def _style(pair: PairFact) -> dict[str, Any]:
    return {
        "color": STATUS_COLOURS[pair.status],
        "linewidth": 2.0 if pair.status in ("failed", "running") else 1.4,
        "linestyle": "--" if pair.status == "missing" else "-",
        "zorder": 2 + STATUSES.index(pair.status),
    }


def _in_order(pairs: Sequence[PairFact]) -> list[PairFact]:
    return sorted(pairs, key=lambda p: STATUSES.index(p.status))


def _baselines(ax: Any, stack: StackFacts) -> None:
    height = {d: (0.0 if b is None else b) for d, b in stack.bperp.items() if d not in stack.waiting}
    for pair in _in_order(stack.pairs):
        ax.plot(
            [pair.reference, pair.secondary],
            [height.get(pair.reference, 0.0), height.get(pair.secondary, 0.0)],
            **_style(pair),
        )
    dates = sorted(height)
    ax.scatter(dates, [height[d] for d in dates], s=26, color="black", zorder=20)
    waiting = sorted(stack.waiting)
    if waiting:
        ax.scatter(waiting, [0.0] * len(waiting), s=34, facecolors="white", edgecolors="black", zorder=21)
    ax.set_ylabel("perpendicular baseline (m)")


def _arcs(ax: Any, stack: StackFacts) -> None:
    """Each pair an arc from its first to its second date, as high as it is long (in days)."""
    from matplotlib.dates import date2num

    for pair in _in_order(stack.pairs):
        start, end = date2num(pair.reference), date2num(pair.secondary)
        t = np.linspace(0.0, np.pi, 40)
        xs = (start + end) / 2 - (end - start) / 2 * np.cos(t)
        ax.plot(xs, (end - start) * np.sin(t), **_style(pair))
    ax.scatter(stack.dates, [0.0] * len(stack.dates), s=26, color="black", zorder=20, clip_on=False)
    ax.set_ylabel("temporal baseline (days)\n(arcs: no perp. baseline)")
    ax.set_ylim(bottom=0)


def _title(stack: StackFacts, arcs: bool) -> str:
    counts = stack.status_counts()
    summary = ", ".join(f"{counts[s]} {s}" for s in STATUSES if counts.get(s))
    plural = "" if len(stack.pairs) == 1 else "s"
    known = {d: b for d, b in stack.bperp.items() if d not in stack.waiting}
    notes = []
    if stack.waiting:
        count = len(stack.waiting)
        verb = "date waits" if count == 1 else "dates wait"
        notes.append(f"{count} {verb} for a baseline (hollow, not in the network yet)")
    unknown = sum(1 for b in known.values() if b is None)
    if unknown and not arcs:
        notes.append(f"{unknown} dates of unknown baseline drawn at 0 m")
    text = f"{stack.id}: {len(stack.pairs)} pair{plural} ({summary or 'none'})"
    return text + ("\n" + "; ".join(notes) if notes else "")


def _legend(stack: StackFacts) -> list[Any]:
    from matplotlib.lines import Line2D

    counts = stack.status_counts()
    handles = [
        Line2D(
            [], [], color=STATUS_COLOURS[s], linewidth=2, linestyle="--" if s == "missing" else "-", label=s
        )
        for s in STATUSES
        if counts.get(s)
    ]
    handles.append(Line2D([], [], color="black", marker="o", linestyle="", label="acquisition"))
    if stack.waiting:
        handles.append(
            Line2D(
                [],
                [],
                color="black",
                marker="o",
                markerfacecolor="white",
                linestyle="",
                label="no baseline yet\n(orbit file not on disk)",
            )
        )
    return handles
