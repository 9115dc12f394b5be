"""Perpendicular baselines of GUNW pairs (docs/aria.md "Perpendicular baselines"): the catalogue's
PERPENDICULAR_BASELINE is read from the real UMM shape, placed on the dates, and
`[pairs] max_perpendicular_baseline` applies; where the catalogue has none, plan says so."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

from insarproj.aria.baselines import date_baselines, pair_bperp
from insarproj.aria.model import AriaPair, AriaStack
from insarproj.aria.network import choose_pairs
from insarproj.aria.search import product_from_umm
from insarproj.pairs import NetworkSettings

sys.path.insert(0, str(Path(__file__).resolve().parent))

NAME = "S1-GUNW-A-R-035-tops-20240816_20230717-020815-00124W_00037N-PP-cf9c-v3_0_1"
# The real granule's UMM (asf_search tests/yml_tests/Resources/ARIAS1-GUNW_response.yml; footprint
# cut to 4 of its points): PERPENDICULAR_BASELINE is a string AdditionalAttribute.
REAL_UMM = {
    "GranuleUR": NAME,
    "AdditionalAttributes": [
        {"Name": "ASCENDING_DESCENDING", "Values": ["ascending"]},
        {"Name": "PERPENDICULAR_BASELINE", "Values": ["124.5283"]},
        {"Name": "VERSION", "Values": ["3.0.1"]},
        {"Name": "FRAME_NUMBER", "Values": ["5289"]},
        {"Name": "PATH_NUMBER", "Values": ["35"]},
        {"Name": "TEMPORAL_BASELINE_DAYS", "Values": ["396"]},
    ],
    "SpatialExtent": {
        "HorizontalSpatialDomain": {
            "Geometry": {
                "GPolygons": [
                    {
                        "Boundary": {
                            "Points": [
                                {"Latitude": 37.3126, "Longitude": -123.7456},
                                {"Latitude": 37.3196, "Longitude": -120.8570},
                                {"Latitude": 38.8509, "Longitude": -121.1683},
                                {"Latitude": 38.8350, "Longitude": -124.1160},
                                {"Latitude": 37.3126, "Longitude": -123.7456},
                            ]
                        }
                    }
                ]
            }
        }
    },
    "RelatedUrls": [{"Type": "GET DATA", "URL": f"https://grfn.asf.alaska.edu/door/download/{NAME}.nc"}],
}


def test_the_real_umm_gives_the_pairs_perpendicular_baseline() -> None:
    found, why = product_from_umm({"umm": REAL_UMM})
    assert found is not None, why
    assert found.bperp == 124.5283
    bare = {**REAL_UMM, "AdditionalAttributes": REAL_UMM["AdditionalAttributes"][2:]}
    found, why = product_from_umm({"umm": bare})
    assert found is not None and found.bperp is None  # absent: unknown, never 0


D = [dt.date(2021, 1, 4) + dt.timedelta(days=12 * i) for i in range(5)]


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([(D[0], D[1], 40.0), (D[1], D[2], -70.0)], {D[0]: 0.0, D[1]: 40.0, D[2]: -30.0}),
        ([(D[1], D[2], 10.0)], {D[1]: 0.0, D[2]: 10.0}),  # relative to the group's first date
        ([(D[0], D[1], None), (D[1], D[2], 5.0)], {D[1]: 0.0, D[2]: 5.0}),  # no value: no link
        # two groups: the larger one is placed, the other stays unknown
        ([(D[0], D[1], 1.0), (D[2], D[3], 2.0), (D[3], D[4], 3.0)], {D[2]: 0.0, D[3]: 2.0, D[4]: 5.0}),
        ([], {}),
    ],
)
def test_date_baselines(pairs: list, expected: dict) -> None:
    assert date_baselines(pairs) == expected


def test_pair_bperp_is_the_mean_of_its_frames_known_values() -> None:
    assert pair_bperp([10.0, 11.0, None]) == 10.5 and pair_bperp([None]) is None


def _stack(bperps: dict[str, float | None]) -> AriaStack:
    return AriaStack("A064", (1,), tuple(AriaPair(k, (f"p{k}",), 1.0, b) for k, b in bperps.items()))


def test_max_perpendicular_baseline_leaves_out_long_baseline_pairs() -> None:
    stack = _stack(
        {"20210104_20210116": 42.0, "20210116_20210128": -77.0, "20210104_20210128": -35.0,
         "20210128_20210209": 153.0, "20210116_20210209": 76.0}
    )  # fmt: skip
    settings = NetworkSettings(method="sbas", neighbors=2, max_perpendicular_baseline=100.0)
    choice = choose_pairs(stack, settings, 0.5)
    keys = {p.key for p in choice.selected}
    assert "20210128_20210209" not in keys and "20210116_20210209" in keys
    assert any("applied with the GUNW products' catalogue PERPENDICULAR_BASELINE" in n for n in choice.notes)
    unlimited = choose_pairs(stack, NetworkSettings(method="sbas", neighbors=2), 0.5)
    assert "20210128_20210209" in {p.key for p in unlimited.selected}


def test_without_catalogue_baselines_plan_says_the_limit_cannot_be_applied() -> None:
    stack = _stack({"20210104_20210116": None, "20210116_20210128": None, "20210128_20210209": None})
    settings = NetworkSettings(method="sbas", neighbors=2, max_perpendicular_baseline=100.0)
    choice = choose_pairs(stack, settings, 0.5)
    assert len(choice.selected) == 3
    assert any(
        "no PERPENDICULAR_BASELINE linking 2021-01-04, 2021-01-16, 2021-01-28, 2021-02-09" in n
        and "cannot be applied" in n
        for n in choice.notes
    ), choice.notes


def test_plan_of_the_real_cli_applies_the_limit_with_the_sandbox_catalogue(  # type: ignore[no-untyped-def]
    run_cli, sandbox, tmp_path
) -> None:
    from aria_helpers import EXPECTED, write_aria_project

    root = write_aria_project(tmp_path / "p")
    toml = root / "project.toml"
    limit = "neighbors = 2\nmax_perpendicular_baseline = 100"
    toml.write_text(toml.read_text().replace("neighbors = 2", limit))
    plan = run_cli(["-C", str(root), "plan"])
    assert plan.code == 0, plan.output
    # the sandbox's 2021-01-30 -> 2021-02-11 pair is 153 m (sandbox/aria_catalog.py DATE_BPERP)
    kept = {a for a in EXPECTED if not a.endswith("20210130_20210211")}
    for address in EXPECTED:
        assert (f"+ {address}  missing" in plan.output) == (address in kept), plan.output
    assert "max_perpendicular_baseline (100 m) applied" in plan.output
