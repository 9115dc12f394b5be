"""How deeply parsed TOML or JSON nests, measured without recursion.

Parsers and libraries downstream (tomllib, pydantic, the TOML line finder, shapely and GEOS) walk
nested values recursively; a hostile or broken file nested thousands of levels deep would make
them fail with RecursionError or crash the process. Files are checked against MAX_NESTING first.
"""

from __future__ import annotations

# Tables and lists nest at most 5 levels in a valid project.toml ([processor.isce.slurm] extra_args)
# and about 8 in a GeoJSON AOI (FeatureCollection … MultiPolygon coordinates).
MAX_NESTING = 32


def nesting_depth(value: object) -> int:
    """How deeply tables and lists nest in parsed TOML (the document itself is level 1); no recursion."""
    deepest = 0
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        if depth <= MAX_NESTING:  # deeper is refused anyway: no need to walk a hostile file to the end
            pending.extend((child, depth + 1) for child in children)
    return deepest
