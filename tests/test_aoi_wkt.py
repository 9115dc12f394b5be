"""A bbox AOI's WKT is written without shapely (config/aoi.py) and must be shapely's, byte for
byte: it is part of the search fingerprint, so any difference would search every project again."""

from __future__ import annotations

import random

from shapely.geometry import box

from insarproj.config.aoi import bbox_wkt


def test_bbox_wkt_is_the_text_shapely_writes():
    rng = random.Random(16)
    values = [0.0, -0.0, 180.0, -180.0, 90.0, -117.9, 35.5, 0.1 + 0.2, 1e-5, 1 / 3, 179.99999999999997]
    values += [round(rng.uniform(-179, 179), rng.randint(0, 15)) for _ in range(3000)]
    values += [rng.uniform(-179, 179) for _ in range(1000)]
    fast = 0
    for value in values:
        for bbox in ([value, -1.0, value + 1, 1.0], [-1.0, value / 2, 1.0, value / 2 + 0.25]):
            text = bbox_wkt(bbox)
            if text is not None:
                fast += 1
                assert text == box(*bbox).wkt, bbox
    assert fast > len(values)  # most hand-written boxes take the path without shapely


def test_a_bbox_project_loads_and_fingerprints_its_search_without_shapely(tmp_path):
    import subprocess
    import sys

    (tmp_path / "project.toml").write_text(
        '[project]\nname = "p"\n[aoi]\nbbox = [-117.9, 35.5, -117.3, 35.9]\n'
        '[search]\nstart = 2021-01-01\nend = 2021-03-01\n[processor]\nkind = "download"\n'
    )
    code = (
        "import sys; from insarproj.config.load import load_project; "
        "from insarproj.kinds.search import search_request; "
        f"p = load_project({str(tmp_path)!r}); request = search_request(p); "
        "print('shapely' in sys.modules, request.aoi_wkt)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split(" ", 1) == ["False", box(-117.9, 35.5, -117.3, 35.9).wkt + "\n"]
