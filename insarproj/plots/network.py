"""The pair network of each stack (perpendicular baseline against time), pairs coloured by status."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from insarproj.plots.canvas import STATUS_COLOURS, date_axis, new_figure, save
from insarproj.plots.facts import STATUSES, StackFacts


def draw_network(stacks: Sequence[StackFacts], path: Path) -> Path:
    from matplotlib.lines import Line2D

    fig = new_figure(11, 1.0 + 3.4 * len(stacks))
    fig.suptitle("Pair network by status (perpendicular baseline against time)", fontsize="large")
    axes = fig.subplots(len(stacks), 1, squeeze=False, sharex=True)[:, 0]
    for ax, stack in zip(axes, stacks, strict=True):
        height = {d: (0.0 if b is None else b) for d, b in stack.bperp.items()}
        for pair in sorted(stack.pairs, key=lambda p: STATUSES.index(p.status)):
            ax.plot(
                [pair.reference, pair.secondary],
                [height.get(pair.reference, 0.0), height.get(pair.secondary, 0.0)],
                color=STATUS_COLOURS[pair.status],
                linewidth=2.0 if pair.status in ("failed", "running") else 1.4,
                zorder=2 + STATUSES.index(pair.status),
            )
        dates = sorted(height)
        ax.scatter(dates, [height[d] for d in dates], s=26, color="black", zorder=10)
        counts = stack.status_counts()
        summary = ", ".join(f"{counts[s]} {s}" for s in STATUSES if counts.get(s))
        unknown = sum(1 for b in stack.bperp.values() if b is None)
        note = f"; {unknown} dates of unknown baseline drawn at 0 m" if unknown else ""
        plural = "" if len(stack.pairs) == 1 else "s"
        ax.set_title(f"{stack.id}: {len(stack.pairs)} pair{plural} ({summary or 'none'}){note}", loc="left")
        ax.set_ylabel("perpendicular baseline (m)")
        ax.grid(True, alpha=0.3)
        shown = [s for s in STATUSES if counts.get(s)]
        handles = [Line2D([], [], color=STATUS_COLOURS[s], linewidth=2, label=s) for s in shown]
        handles.append(Line2D([], [], color="black", marker="o", linestyle="", label="acquisition"))
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    axes[-1].set_xlabel("acquisition date")
    date_axis(axes[-1].xaxis)
    return save(fig, path)
