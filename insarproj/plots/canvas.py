"""Figures without pyplot (the caller's backend and figure registry stay untouched), saved
atomically; the one place that imports matplotlib and says how to install it."""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

from insarproj.errors import InsarprojError
from insarproj.fsutil import atomic_write_bytes

# One colour per pair status (facts.STATUSES), distinct for colour-blind readers too (Okabe-Ito).
# "made" (ISCE) and "on disk" share green: both mean the pair's product is here, and one project
# has one processor. "missing" (ARIA: no product published) is grey.
STATUS_COLOURS = {
    "missing": "#999999",
    "planned": "#CC79A7",
    "running": "#0072B2",
    "failed": "#D55E00",
    "retrieving": "#56B4E9",
    "to download": "#E69F00",
    "made": "#009E73",
    "on disk": "#009E73",
}
AOI_STYLE: dict[str, Any] = {"color": "black", "linewidth": 2.0, "zorder": 5}


def new_figure(width: float, height: float) -> Any:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise InsarprojError(
            "plots need matplotlib, which is not installed",
            hint="install the plot extra: pip install 'insarproj[plot]'",
        ) from exc
    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save(fig: Any, path: Path) -> Path:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    atomic_write_bytes(path, buffer.getvalue(), rerun="insarproj show --plots")
    return path


def panel_grid(fig: Any, count: int, columns: int = 3) -> list[Any]:
    """``count`` axes in rows of at most ``columns``; unused cells hidden."""
    cols = max(1, min(columns, count))
    rows = math.ceil(count / cols)
    axes = fig.subplots(rows, cols, squeeze=False).ravel().tolist()
    for ax in axes[count:]:
        ax.set_visible(False)
    return axes[:count]


def outline(ax: Any, geometry: Any, label: str | None = None, **style: Any) -> None:
    """Draw the exterior of a (multi)polygon as lines."""
    polygons = getattr(geometry, "geoms", [geometry])
    for i, polygon in enumerate(polygons):
        xs, ys = polygon.exterior.xy
        ax.plot(list(xs), list(ys), label=label if i == 0 else None, **style)


def date_axis(axis: Any) -> None:
    """Readable dates whatever the span (ConciseDateFormatter: years once, months short)."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator(minticks=4, maxticks=10)
    axis.set_major_locator(locator)
    axis.set_major_formatter(ConciseDateFormatter(locator))


def lonlat_axes(ax: Any, lat: float) -> None:
    """Degrees on both axes, with the aspect of the ground at ``lat``."""
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_aspect(1.0 / max(0.1, math.cos(math.radians(lat))))
    ax.grid(True, alpha=0.3)
