"""Sizes in plan lines and notes of the kinds, in the units `ui/render.py` uses (KiB, MiB, GiB)."""

from __future__ import annotations


def human_size(n: int | float | None) -> str:
    if n is None:
        return "size unknown"
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(value) < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"  # pragma: no cover - the loop always returns
