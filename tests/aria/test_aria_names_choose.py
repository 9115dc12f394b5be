"""Pure logic of ARIA GUNW products: names, newest versions, coverage, the network choice."""

from __future__ import annotations

import datetime as dt

import pytest

from insarproj.aria.choose import build_pin, newest_versions
from insarproj.aria.model import AriaPair, AriaPin, AriaStack
from insarproj.aria.names import GunwNameError, parse_gunw_name
from insarproj.aria.network import choose_pairs
from insarproj.aria.search import FoundProduct
from insarproj.pairs import NetworkSettings

REAL = "S1-GUNW-A-R-035-tops-20240816_20230717-020815-00124W_00037N-PP-cf9c-v3_0_1"
AOI = "POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))"


def test_real_name_parses_with_the_later_date_as_reference() -> None:
    name = parse_gunw_name(REAL + ".nc")
    assert (name.direction, name.track, name.stack_id) == ("ASCENDING", 35, "A035")
    assert name.reference == dt.date(2024, 8, 16) and name.secondary == dt.date(2023, 7, 17)
    assert name.pair_key == "20230717_20240816"  # earlier first, as every pair address
    assert name.version == (3, 0, 1) and name.version_text == "3.0.1"


@pytest.mark.parametrize(
    "bad",
    [
        "S1A_IW_SLC__1SDV_20240816T020749_20240816T020816_055232_06BB8A_0FCC",
        REAL.replace("20240816_20230717", "20230717_20240816"),  # secondary after reference
        REAL.replace("20240816_", "20241316_"),  # month 13
        REAL.replace("-v3_0_1", ""),
        REAL + "/../x",
    ],
)
def test_other_names_are_refused(bad: str) -> None:
    with pytest.raises(GunwNameError):
        parse_gunw_name(bad)


def _v(version: tuple[int, int, int]) -> str:
    return "_".join(map(str, version))


def product(frame: int, ref: str, sec: str, version: tuple[int, int, int], box: str = AOI) -> FoundProduct:
    return FoundProduct(
        name=f"S1-GUNW-A-R-064-tops-{ref}_{sec}-000000-00001E_00001N-PP-{frame:04x}-v{_v(version)}",
        url=f"https://example.invalid/door/download/{frame}{ref}{version}.nc",
        size=10,
        md5="0" * 32,
        frame=frame,
        stack="A064",
        reference=dt.datetime.strptime(ref, "%Y%m%d").date(),
        secondary=dt.datetime.strptime(sec, "%Y%m%d").date(),
        version=version,
        footprint=box,
    )


def test_newest_version_of_each_frame_and_pair_is_kept() -> None:
    found = [
        product(1, "20210116", "20210104", (2, 0, 5)),
        product(1, "20210116", "20210104", (3, 0, 1)),
        product(1, "20210116", "20210104", (3, 0, 0)),
        product(2, "20210116", "20210104", (2, 0, 5)),  # another frame: its own newest
    ]
    kept, notes = newest_versions(found)
    assert sorted((p.frame, p.version) for p in kept) == [(1, (3, 0, 1)), (2, (2, 0, 5))]
    assert len(notes) == 2 and all("superseded by version 3.0.1" in n for n in notes)


def test_coverage_is_the_union_of_the_pairs_frames_over_the_aoi() -> None:
    south = "POLYGON ((-1 -1, 2 -1, 2 0.7, -1 0.7, -1 -1))"
    north = "POLYGON ((-1 0.5, 2 0.5, 2 2, -1 2, -1 0.5))"
    elsewhere = "POLYGON ((5 5, 6 5, 6 6, 5 6, 5 5))"
    found = [
        product(1, "20210116", "20210104", (3, 0, 1), south),
        product(2, "20210116", "20210104", (3, 0, 1), north),
        product(2, "20210128", "20210104", (3, 0, 1), north),
        product(3, "20210128", "20210116", (3, 0, 1), elsewhere),  # does not touch the AOI
    ]
    pin = build_pin(found, AOI, cmr_host="h", notes=[])
    (stack,) = pin.stacks
    assert stack.frames == (1, 2)
    coverage = {p.key: (p.coverage, len(p.products)) for p in stack.pairs}
    assert coverage == {"20210104_20210116": (1.0, 2), "20210104_20210128": (0.5, 1)}
    assert AriaPin.from_dict(pin.to_dict()) == pin


def _stack(*pairs: tuple[str, float]) -> AriaStack:
    return AriaStack("A064", (1,), tuple(AriaPair(k, (f"p{k}",), c) for k, c in pairs))


def test_pairs_chooses_among_products_and_names_missing_network_pairs() -> None:
    stack = _stack(
        ("20210104_20210116", 1.0),
        ("20210116_20210128", 1.0),
        ("20210104_20210128", 0.4),  # below min_coverage
        ("20210104_20210209", 1.0),  # not in an sbas network of 2 neighbours within 48 days
        ("20210128_20210209", 1.0),
    )
    choice = choose_pairs(stack, NetworkSettings(method="sbas", neighbors=2, max_temporal_baseline=48), 0.6)
    assert [p.key for p in choice.selected] == ["20210104_20210116", "20210116_20210128", "20210128_20210209"]
    assert [p.key for p in choice.below_coverage] == ["20210104_20210128"]
    assert choice.missing == ("20210104_20210128", "20210116_20210209")
    assert choice.not_selected == 1


def test_excluded_pairs_are_not_taken() -> None:
    stack = _stack(("20210104_20210116", 1.0), ("20210116_20210128", 1.0))
    settings = NetworkSettings(
        method="sequential", neighbors=1, exclude_pairs=((dt.date(2021, 1, 4), dt.date(2021, 1, 16)),)
    )
    choice = choose_pairs(stack, settings, 0.5)
    assert [p.key for p in choice.selected] == ["20210116_20210128"]


def test_excluded_dates_and_season_leave_pairs_out_with_a_reason() -> None:
    from insarproj.aria.network import without_dates

    stack = _stack(("20210104_20210116", 1.0), ("20210116_20210128", 1.0), ("20210128_20210209", 1.0))
    kept, notes = without_dates(stack, {dt.date(2021, 1, 4)}, season={1})
    assert [p.key for p in kept.pairs] == ["20210116_20210128"]
    assert notes == (
        "A064 20210104_20210116: left out, 2021-01-04 is in exclude_dates",
        "A064 20210128_20210209: left out, 2021-02-09 is outside season",
    )
