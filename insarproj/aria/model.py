"""The pinned ARIA search: products as the catalogue advertised them, grouped into stacks and
pairs with the AOI share each pair covers (docs/aria.md). Plain data, saved in state as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class AriaProduct:
    """One GUNW product (newest version of its frame and pair) as the catalogue lists it."""

    name: str  # GranuleUR, without ".nc"
    url: str  # the catalogue's GET DATA link
    size: int | None  # bytes of the .nc (UMM DataGranule, format netCDF-4)
    md5: str | None
    frame: int  # ARIA frame id (FRAME_NUMBER)
    stack: str  # A064 / D071
    reference: str  # ISO date, ARIA's reference: the LATER date
    secondary: str  # ISO date, the earlier date
    version: str  # "3.0.1"
    footprint: str  # WKT polygon, lon/lat
    bperp: float | None = None  # the catalogue's PERPENDICULAR_BASELINE (m); None when absent

    @property
    def pair_key(self) -> str:
        return f"{self.secondary.replace('-', '')}_{self.reference.replace('-', '')}"

    @property
    def file_name(self) -> str:
        return f"{self.name}.nc"


@dataclass(frozen=True)
class AriaPair:
    """A date pair of a stack: its products (one per frame) and the AOI share they cover."""

    key: str  # yyyymmdd_yyyymmdd, earlier first
    products: tuple[str, ...]
    coverage: float  # 0..1 of the AOI
    bperp: float | None = None  # metres, its products' catalogue value (aria/baselines.py)


@dataclass(frozen=True)
class AriaStack:
    id: str
    frames: tuple[int, ...]
    pairs: tuple[AriaPair, ...]


@dataclass(frozen=True)
class AriaPin:
    searched_at: str
    cmr_host: str
    found: int  # products the catalogue returned, before any choice
    products: dict[str, AriaProduct]
    stacks: tuple[AriaStack, ...]
    notes: tuple[str, ...] = field(default=())
    # With on_demand: {stack: {frame: {ISO date: share of the frame its SLCs cover}}} (aria/acquisitions.py)
    acquisitions: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "searched_at": self.searched_at,
            "cmr_host": self.cmr_host,
            "found": self.found,
            "products": {name: asdict(p) for name, p in sorted(self.products.items())},
            "stacks": [
                {
                    "id": s.id,
                    "frames": list(s.frames),
                    "pairs": [
                        {"key": p.key, "products": list(p.products), "coverage": p.coverage, "bperp": p.bperp}
                        for p in s.pairs
                    ],
                }
                for s in self.stacks
            ],
            "notes": list(self.notes),
            "acquisitions": self.acquisitions,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> AriaPin:
        return cls(
            searched_at=raw["searched_at"],
            cmr_host=raw["cmr_host"],
            found=int(raw["found"]),
            products={name: AriaProduct(**p) for name, p in raw["products"].items()},
            stacks=tuple(
                AriaStack(
                    id=s["id"],
                    frames=tuple(s["frames"]),
                    pairs=tuple(
                        AriaPair(
                            key=p["key"],
                            products=tuple(p["products"]),
                            coverage=float(p["coverage"]),
                            bperp=p.get("bperp"),
                        )
                        for p in s["pairs"]
                    ),
                )
                for s in raw["stacks"]
            ),
            notes=tuple(raw.get("notes", ())),
            acquisitions=raw.get("acquisitions") or {},
        )
