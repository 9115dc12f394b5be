"""Which hidden entries of products/<stack>/ are insarproj's stale work (kinds/products.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from insarproj.kinds.products import _stale_work

GAMMA = "S1AA_20210101T014254_20210113T014240_VVP012_INT80_G_ueF_14CF"
WAITING = {("2021-01-01", "2021-01-13")}  # the pair of GAMMA still waits for its product


@pytest.mark.parametrize(
    ("name", "claimable", "stale"),
    [
        (f".{GAMMA}.zip", WAITING, False),  # a download to finish: its pair waits
        (f".{GAMMA}.zip.part", WAITING, False),
        (f".{GAMMA}.zip.part", set(), True),  # its pair left or has its product
        (f".{GAMMA}.zip", set(), True),
        (f".{GAMMA}.x8k2j1.extracting", set(), True),
        (f".{GAMMA}.old-0a1b2c3d", set(), True),
        (f".{GAMMA}.zip.adopt-12-34.tmp", set(), True),
        (".partial.zip.part", WAITING, True),  # names no product of any pair
        (".notes", set(), False),  # not insarproj's
        (".DS_Store", set(), False),
        (GAMMA, set(), False),  # visible: the untracked sweep's business, not this one's
    ],
)
def test_stale_work(tmp_path: Path, name: str, claimable: set[tuple[str, str]], stale: bool) -> None:
    stack = tmp_path / "products" / "A064"
    stack.mkdir(parents=True)
    (stack / name).write_bytes(b"x")
    assert _stale_work(tmp_path, "A064", claimable) == ([name] if stale else [])
