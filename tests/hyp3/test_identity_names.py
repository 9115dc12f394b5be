"""Granule names found plain once are spliced as the JSON encoder writes them on every later
call too, and a name that is not plain never joins them."""

from __future__ import annotations

import json

import pytest

from insarproj.hyp3.identity import _names_json

PLAIN = "S1A_IW_SLC__1SDV_20150101T014200_20150101T014300_000000_000000_0000"
LISTS = [
    [PLAIN, PLAIN],
    [PLAIN, 'a"b'],  # escaped by JSON, after a known name
    ["naïve", PLAIN],
    [PLAIN, 1],  # not a name at all
    [],
    [""],
]


@pytest.mark.parametrize("names", LISTS)
def test_names_known_plain_are_spliced_as_the_encoder_writes_them(names: list) -> None:
    known: set[str] = set()
    for _ in range(2):  # the second call answers from what the first found
        assert _names_json(names, known) == json.dumps(names, separators=(",", ":"), ensure_ascii=False)
    assert known <= {PLAIN, ""}
