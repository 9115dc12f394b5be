"""From the catalogue's products to the pin: the newest version of each (frame, pair), stacks
of a track and the frames covering the AOI, and the AOI share each pair covers (docs/aria.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

from insarproj.aria.baselines import pair_bperp
from insarproj.aria.model import AriaPair, AriaPin, AriaProduct, AriaStack
from insarproj.aria.search import FoundProduct


def newest_versions(found: Iterable[FoundProduct]) -> tuple[list[FoundProduct], list[str]]:
    """One product per (frame, pair): the highest version; notes name the superseded ones."""
    best: dict[tuple[str, int, str], FoundProduct] = {}
    everything = sorted(found, key=lambda p: (p.version, p.name))
    for product in everything:
        best[(product.stack, product.frame, _key(product))] = product
    notes = []
    for product in everything:
        newest = best[(product.stack, product.frame, _key(product))]
        if newest is not product:
            version = ".".join(map(str, newest.version))
            notes.append(f"{product.name}: superseded by version {version} ({newest.name})")
    return sorted(best.values(), key=lambda p: p.name), notes


def _key(product: FoundProduct) -> str:
    return f"{product.secondary:%Y%m%d}_{product.reference:%Y%m%d}"


def build_pin(
    found: list[FoundProduct], aoi_wkt: str, *, cmr_host: str, notes: list[str], now: datetime | None = None
) -> AriaPin:
    """The pin: products kept (newest versions touching the AOI), stacks and per-pair coverage."""
    from shapely import wkt as shapely_wkt
    from shapely.ops import unary_union

    aoi = shapely_wkt.loads(aoi_wkt)
    kept, superseded = newest_versions(found)
    products: dict[str, AriaProduct] = {}
    shapes = {}
    by_stack: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for p in kept:
        shape = shapely_wkt.loads(p.footprint)
        if not shape.intersects(aoi) or shape.intersection(aoi).area <= 0:
            continue
        shapes[p.name] = shape
        products[p.name] = AriaProduct(
            name=p.name,
            url=p.url,
            size=p.size,
            md5=p.md5,
            frame=p.frame,
            stack=p.stack,
            reference=p.reference.isoformat(),
            secondary=p.secondary.isoformat(),
            version=".".join(map(str, p.version)),
            footprint=p.footprint,
            bperp=p.bperp,
        )
        by_stack[p.stack][_key(p)].append(p.name)
    stacks = []
    for stack_id in sorted(by_stack):
        pairs = []
        for key in sorted(by_stack[stack_id]):
            names = tuple(sorted(by_stack[stack_id][key], key=lambda n: products[n].frame))
            covered = unary_union([shapes[n] for n in names]).intersection(aoi).area / aoi.area
            bperp = pair_bperp(products[n].bperp for n in names)
            pairs.append(AriaPair(key=key, products=names, coverage=round(min(1.0, covered), 4), bperp=bperp))
        frames = tuple(sorted({products[n].frame for pair in pairs for n in pair.products}))
        stacks.append(AriaStack(id=stack_id, frames=frames, pairs=tuple(pairs)))
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    return AriaPin(
        searched_at=stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        cmr_host=cmr_host,
        found=len(found),
        products=products,
        stacks=tuple(stacks),
        notes=tuple([*notes, *superseded]),
    )
