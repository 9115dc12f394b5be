"""Temporal coverage per stack: acquisitions over time with dropped dates and gaps, and
acquisitions per month."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from insarproj.plots.canvas import date_axis, new_figure, save
from insarproj.plots.facts import StackFacts

GAP_FACTOR = 1.5  # an interval this many times the stack's usual revisit is drawn as a gap


def gaps(dates: Sequence[date], acquired: Sequence[date] = ()) -> list[tuple[date, date]]:
    """Intervals between ``dates`` longer than GAP_FACTOR × the usual one: the most common interval
    (the shorter on a tie) between every acquisition of the track, ``dates`` plus the dropped
    ``acquired`` (what the satellite delivered), at least Sentinel-1's 12-day revisit of one satellite."""
    ordered = sorted(dates)
    steps = [(b - a).days for a, b in pairwise(sorted({*dates, *acquired}))]
    if not steps:
        return []
    counts = Counter(steps)
    usual = max(12, min(counts, key=lambda step: (-counts[step], step)))
    return [(a, b) for a, b in pairwise(ordered) if (b - a).days > GAP_FACTOR * usual]


def per_month(dates: Sequence[date]) -> Counter[date]:
    return Counter(d.replace(day=1) for d in dates)


def draw_coverage(stacks: Sequence[StackFacts], path: Path) -> Path:
    fig = new_figure(11, 2.6 + 0.55 * len(stacks) + 3.2)
    fig.suptitle("Temporal coverage of each stack", fontsize="large")
    top, bottom = fig.subplots(2, 1, height_ratios=[1.0 + 0.35 * len(stacks), 3.0])
    _timeline(top, stacks)
    _months(bottom, stacks)
    return save(fig, path)


def _timeline(ax: Any, stacks: Sequence[StackFacts]) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    for row, stack in enumerate(stacks):
        for start, end in gaps(stack.dates, [d for d, _ in stack.dropped]):
            ax.fill_between([start, end], row - 0.35, row + 0.35, color="#E69F00", alpha=0.35, linewidth=0)
            ax.annotate(f"{(end - start).days} d", ((start + (end - start) / 2), row + 0.38),
                        ha="center", va="bottom", fontsize="x-small")  # fmt: skip
        ax.scatter(stack.dates, [row] * len(stack.dates), marker="|", s=220, color="black", zorder=3)
        dropped = [d for d, _ in stack.dropped]
        ax.scatter(dropped, [row] * len(dropped), marker="x", s=60, color="#D55E00", zorder=4)
    ax.set_yticks(range(len(stacks)), [f"{s.id}\n{len(s.dates)} dates" for s in stacks])
    ax.set_ylim(-0.7, len(stacks) - 0.3)
    ax.invert_yaxis()
    ax.set_title("Acquisitions kept (|), dropped (×) and gaps (shaded, days)", loc="left")
    ax.grid(True, axis="x", alpha=0.3)
    handles = [
        Line2D([], [], color="black", marker="|", linestyle="", markersize=12, label="acquisition kept"),
        Line2D([], [], color="#D55E00", marker="x", linestyle="", label="date dropped"),
        Patch(color="#E69F00", alpha=0.35, label="gap (> 1.5× usual revisit)"),
    ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    date_axis(ax.xaxis)


def _months(ax: Any, stacks: Sequence[StackFacts]) -> None:
    from matplotlib.dates import DateFormatter, MonthLocator

    months = _month_range({m for s in stacks for m in per_month(s.dates)})
    width = 24.0 / max(1, len(stacks))  # days of a month's slot per stack
    for i, stack in enumerate(stacks):
        counts = per_month(stack.dates)
        offset = timedelta(days=3 + i * width)
        ax.bar([m + offset for m in months], [counts.get(m, 0) for m in months], width=width,
               align="edge", label=stack.id)  # fmt: skip
    ax.set_ylabel("acquisitions per month")
    ax.set_xlabel("month")
    ax.set_title("Acquisitions per month", loc="left")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", title="stack")
    # Ticks at month starts (bars sit inside their month), at most about 12 labels.
    ax.xaxis.set_major_locator(MonthLocator(interval=max(1, -(-len(months) // 12))))
    ax.xaxis.set_major_formatter(DateFormatter("%b\n%Y"))
    ax.set_xlim(months[0], _next_month(months[-1]))


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _month_range(months: set[date]) -> list[date]:
    """Every month from the first to the last (empty months show as zero bars)."""
    if not months:
        return [date.today().replace(day=1)]
    out, current = [], min(months)
    while current <= max(months):
        out.append(current)
        current = _next_month(current)
    return out
