"""Helpers shared by the pair-network tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from insarproj.pairs import NetworkDate

START = dt.date(2021, 1, 2)


def day(offset: int) -> dt.date:
    """The date ``offset`` days after 2021-01-02 (the first date of most test stacks)."""
    return START + dt.timedelta(days=offset)


def make_dates(
    offsets: Sequence[int], bperps: Sequence[float | None] | None = None, pols: str = "VV+VH"
) -> list[NetworkDate]:
    bperps = list(bperps) if bperps is not None else [0.0] * len(offsets)
    return [
        NetworkDate(
            date=day(o),
            bperp=b,
            scenes=(f"S1A_IW_SLC__1SDV_{day(o):%Y%m%d}T000000_X",),
            polarizations=frozenset(pols.split("+")),
        )
        for o, b in zip(offsets, bperps, strict=True)
    ]


def keys(network) -> list[str]:
    return [p.key for p in network.pairs]


def k(a: int, b: int) -> str:
    """The pair key of the dates at offsets ``a`` and ``b``."""
    return f"{day(a):%Y%m%d}_{day(b):%Y%m%d}"
