"""A picture of the pair networks: time against perpendicular baseline, one panel per stack.

matplotlib is an optional extra (``insarproj[plot]``), imported only when a plot is asked for.
The object-oriented API (Figure + Agg canvas) is used instead of pyplot so that plotting never
touches the caller's global backend or figure registry.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from insarproj.errors import InsarprojError
from insarproj.fsutil import atomic_write_bytes
from insarproj.pairs.network import Network, NetworkDate, Pair

_STYLE: dict[str, dict[str, Any]] = {
    "bridge": {"color": "tab:purple", "linestyle": "--", "linewidth": 1.0, "alpha": 0.9},
    "include": {"color": "tab:orange", "linestyle": "-", "linewidth": 2.2, "alpha": 1.0},
    "default": {"color": "tab:blue", "linestyle": "-", "linewidth": 0.8, "alpha": 0.7},
}


def plot_network(
    networks: Sequence[Network], dates_by_stack: Mapping[str, Sequence[NetworkDate]], path: Path
) -> None:
    """Draw ``networks`` to ``path`` (format from its suffix, e.g. .png, .pdf, .svg).

    Pairs are lines (bridges dashed, include_pairs thick orange), dates are dots, dates in no pair
    are red. A date of unknown bperp is drawn at 0 m as a hollow marker, since it has no height.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise InsarprojError(
            "plotting the pair network needs matplotlib, which is not installed",
            hint="install the plot extra: pip install 'insarproj[plot]'",
        ) from exc
    if not networks:
        raise InsarprojError(
            "there is no pair network to plot", hint="check that the search found dates in some stack"
        )

    fig = Figure(figsize=(10, 3.2 * len(networks)), layout="constrained")
    FigureCanvasAgg(fig)
    # One time axis for all stacks: their dates and gaps line up for comparison.
    axes = fig.subplots(len(networks), 1, squeeze=False, sharex=True)[:, 0]
    for ax, network in zip(axes, networks, strict=True):
        _draw_panel(ax, network, dates_by_stack.get(network.stack_id, ()))

    buffer = io.BytesIO()
    suffix = Path(path).suffix.lstrip(".").lower() or "png"
    fig.savefig(buffer, format=suffix)
    atomic_write_bytes(Path(path), buffer.getvalue())


def _draw_panel(ax: Any, network: Network, stack_dates: Sequence[NetworkDate]) -> None:
    """One stack's panel: its pairs as lines, its dates as dots, a title and a legend."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.lines import Line2D

    dates = {d.date: d for d in stack_dates}
    for part in network.components:
        for day in part:
            dates.setdefault(day, NetworkDate(day, None, (), frozenset()))
    height = {day: _known(d.bperp) for day, d in dates.items()}
    y = {day: 0.0 if value is None else value for day, value in height.items()}

    for pair in network.pairs:
        ax.plot(
            [pair.reference, pair.secondary],
            [y[pair.reference], y[pair.secondary]],
            zorder=1,
            **_STYLE.get(pair.origin, _STYLE["default"]),
        )
    isolated = set(network.isolated)
    known = [d for d in sorted(dates) if height[d] is not None]
    unknown = [d for d in sorted(dates) if height[d] is None]
    for group, hollow in ((known, False), (unknown, True)):
        normal = [d for d in group if d not in isolated]
        alone = [d for d in group if d in isolated]
        for days, colour in ((normal, "black"), (alone, "red")):
            if days:
                ax.scatter(
                    days,
                    [y[d] for d in days],
                    s=22,
                    zorder=2,
                    edgecolors=colour,
                    facecolors="none" if hollow else colour,
                )
    parts = len(network.components)
    ax.set_title(
        f"{network.stack_id}: {len(network.pairs)} pairs, {len(dates)} dates, "
        f"{'connected' if network.connected else f'{parts} parts'}",
        loc="left",
    )
    ax.set_ylabel("perpendicular baseline (m)")
    ax.grid(True, alpha=0.3)
    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    handles = _legend(network.pairs, bool(isolated), bool(unknown), Line2D)
    ax.legend(handles=handles, loc="best", fontsize="small", frameon=False)


def _known(bperp: float | None) -> float | None:
    return None if bperp is None or math.isnan(bperp) else bperp


def _legend(pairs: Sequence[Pair], any_isolated: bool, any_unknown: bool, line2d: Any) -> list[Any]:
    """Legend entries for what this panel actually shows."""
    origins = sorted({p.origin for p in pairs})
    handles = [line2d([], [], label=origin, **_STYLE.get(origin, _STYLE["default"])) for origin in origins]
    dot = {"linestyle": "", "marker": "o"}
    handles.append(line2d([], [], color="black", label="date", **dot))
    if any_isolated:
        handles.append(line2d([], [], color="red", label="date in no pair", **dot))
    if any_unknown:
        handles.append(
            line2d([], [], color="black", markerfacecolor="none", label="bperp unknown (drawn at 0 m)", **dot)
        )
    return handles
