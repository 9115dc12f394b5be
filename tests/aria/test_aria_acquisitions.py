"""On demand for dates without any published GUNW (docs/aria.md "On demand"): the pinned SLC search
of the track gives each date's coverage of each ARIA frame; a job is offered where both dates'
SLCs cover 90 % of the frame (HyP3's --min-frame-coverage), and plan says where not."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_aria_ondemand import AOI, PUBLISHED, _stack

from insarproj.aria.acquisitions import frame_coverage, usable_dates
from insarproj.aria.ondemand import offer_jobs

FRAME = "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))"
D1, D2 = dt.date(2021, 3, 1), dt.date(2021, 3, 13)


def test_frame_coverage_is_the_union_of_a_dates_slcs_over_the_frame() -> None:
    from shapely import wkt

    scenes = [
        (D1, "POLYGON ((-1 -1, 11 -1, 11 6, -1 6, -1 -1))"),  # 60 % of the frame
        (D1, "POLYGON ((-1 5, 11 5, 11 11, -1 11, -1 5))"),  # with the first: all of it
        (D2, "POLYGON ((-1 -1, 11 -1, 11 8.5, -1 8.5, -1 -1))"),  # 85 %
    ]
    coverage = frame_coverage(scenes, {7: wkt.loads(FRAME)})
    assert coverage == {"7": {"2021-03-01": 1.0, "2021-03-13": 0.85}}
    assert usable_dates(coverage) == {D1}


# PUBLISHED's frames 1 and 2 have products up to 2021-02-06; 2021-02-18 has none in any frame.
SLCS = {
    "1": {"2021-01-25": 1.0, "2021-02-06": 0.97, "2021-02-18": 0.95},
    "2": {"2021-01-25": 1.0, "2021-02-06": 0.97, "2021-02-18": 0.6},
}


@pytest.mark.parametrize(
    ("missing", "slcs", "jobs", "note"),
    [
        # a date no product has: offered where its SLCs cover 90 % of the frame
        ("20210206_20210218", SLCS, {(1, "20210206_20210218")}, "cover 60 % of frame 2, HyP3 needs 90 %"),
        ("20210125_20210218", SLCS, {(1, "20210125_20210218")}, "cover 60 % of frame 2"),
        # without the SLC search: only dates the frame's published products show
        ("20210206_20210218", None, set(), "frame 1 has no published product on 2021-02-18"),
        ("20210206_20210302", SLCS, set(), "no SLC of 2021-03-02 over frame 1"),
    ],
)
def test_offer_jobs_with_the_slc_search(missing, slcs, jobs, note) -> None:  # type: ignore[no-untyped-def]
    stack, products = _stack(*PUBLISHED)
    offered, notes = offer_jobs(stack, [missing], products, AOI, 0.1, slcs)
    assert {(j.frame, j.key) for pair in offered for j in pair.jobs} == jobs
    assert any(note in n for n in notes), notes


def test_a_date_without_any_gunw_is_made_on_demand_end_to_end(
    run_cli, sandbox, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The sandbox's SLCs of track 64 on 2021-03-19 have no GUNW product in any frame."""
    from aria_helpers import aria_records, on_demand_project

    sandbox.hyp3_settings(speed=50.0)
    root = on_demand_project(tmp_path / "p", monkeypatch)
    toml = root / "project.toml"
    toml.write_text(
        toml.read_text()
        .replace("start = 2021-01-01", "start = 2021-02-20")
        .replace("end = 2021-02-15", "end = 2021-03-25")
    )
    plan = run_cli(["-C", str(root), "plan"])
    assert plan.code == 0, plan.output
    new = {
        f"hyp3_job.A064.{f}.{k}" for f in (25501, 25502) for k in ("20210223_20210319", "20210307_20210319")
    }
    for address in new:
        assert f"+ {address}  not submitted [60 credits]" in plan.output, plan.output
    assert "cover 90 % of the frame" in plan.output
    args = ["apply", "--yes", "--wait", "--poll-interval", "0.2", "--timeout", "60"]
    done = run_cli(["-C", str(root), *args])
    assert done.code == 0, done.output
    made = {a for a, r in aria_records(root).items() if r["attributes"].get("source") == "hyp3"}
    assert {a.replace("hyp3_job", "aria_product") for a in new} <= made
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0
