"""On-demand ARIA_S1_GUNW jobs, pure parts: which (frame, pair) jobs are offered and why not, the
job's request and identity, and the configuration (docs/aria.md, "On demand")."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from aria_helpers import write_aria_project

from insarproj.aria.model import AriaPair, AriaProduct, AriaStack
from insarproj.aria.ondemand import offer_jobs

AOI = "POLYGON ((0 0, 2 0, 2 2, 0 2, 0 0))"
SOUTH = "POLYGON ((-1 -1, 3 -1, 3 1.2, -1 1.2, -1 -1))"  # 60 % of the AOI
NORTH = "POLYGON ((-1 1, 3 1, 3 3, -1 3, -1 1))"  # 50 %


def _product(frame: int, earlier: str, later: str) -> AriaProduct:
    return AriaProduct(
        name=f"g{frame}_{earlier}_{later}",
        url="http://x/y.nc",
        size=1,
        md5=None,
        frame=frame,
        stack="A064",
        reference=later,
        secondary=earlier,
        version="3.0.1",
        footprint=SOUTH if frame == 1 else NORTH,
    )


def _stack(*products: AriaProduct) -> tuple[AriaStack, dict[str, AriaProduct]]:
    by_key: dict[str, list[str]] = {}
    for p in products:
        by_key.setdefault(p.pair_key, []).append(p.name)
    pairs = tuple(AriaPair(key=k, products=tuple(v), coverage=0.0) for k, v in sorted(by_key.items()))
    return AriaStack(id="A064", frames=(1, 2), pairs=pairs), {p.name: p for p in products}


# Both frames have products on 01-01 and 01-13 and 01-25; frame 2 has none on 02-06.
PUBLISHED = [
    _product(1, "2021-01-01", "2021-01-13"),
    _product(2, "2021-01-01", "2021-01-13"),
    _product(1, "2021-01-13", "2021-01-25"),
    _product(2, "2021-01-13", "2021-01-25"),
    _product(1, "2021-01-25", "2021-02-06"),
    _product(2, "2021-01-13", "2021-01-25"),
]


@pytest.mark.parametrize(
    ("missing", "extra", "minimum", "jobs", "published", "note"),
    [
        # No product at all, both frames covered on both dates: a job per frame.
        ("20210101_20210125", [], 0.5, {(1, "20210101_20210125"), (2, "20210101_20210125")}, (), None),
        # A frame without a product on one date cannot be made; the other still is, and says so.
        (
            "20210113_20210206",
            [],
            0.5,
            {(1, "20210113_20210206")},
            (),
            "frame 2 has no published product on 2021-02-06",
        ),
        # ... unless the frames left cover too little of the AOI.
        ("20210113_20210206", [], 0.7, set(), (), "would cover 60 % of the AOI, below min_coverage 70 %"),
        # Published in frame 2 only (below min_coverage alone): a job for frame 1 completes it.
        (
            "20210101_20210125",
            [_product(2, "2021-01-01", "2021-01-25")],
            0.9,
            {(1, "20210101_20210125")},
            ("g2_2021-01-01_2021-01-25",),
            None,
        ),
        # A date no frame has: nothing can be offered.
        (
            "20210101_20210218",
            [],
            0.1,
            set(),
            (),
            "cannot be made on demand (frame 1 has no published product on 2021-02-18",
        ),
    ],
)
def test_offer_jobs(missing, extra, minimum, jobs, published, note) -> None:  # type: ignore[no-untyped-def]
    stack, products = _stack(*PUBLISHED, *extra)
    offered, notes = offer_jobs(stack, [missing], products, AOI, minimum)
    assert {(j.frame, j.key) for pair in offered for j in pair.jobs} == jobs
    assert tuple(n for pair in offered for n in pair.published) == published
    for pair in offered:  # ARIA's order: the reference is the later date
        assert all(j.later > j.earlier and j.key == f"{j.earlier:%Y%m%d}_{j.later:%Y%m%d}" for j in pair.jobs)
    if note is None:
        assert not [n for n in notes if "cannot" in n or "below" in n], notes
    else:
        assert any(note in n for n in notes), notes


def test_the_job_identity_is_type_frame_and_dates_whatever_the_listing_adds() -> None:
    """(job type, frame id, reference date, secondary date): the identity of the request equals that
    of the job HyP3 lists with it (numbers as floats, extra keys), and differs with any of them."""
    from types import SimpleNamespace

    from insarproj.hyp3 import identity_of_record, identity_of_request
    from insarproj.hyp3.models import JobRecord
    from insarproj.kinds.aria_jobs import gunw_request

    project = SimpleNamespace(config=SimpleNamespace(project=SimpleNamespace(name="p")))
    job = SimpleNamespace(frame=25501, earlier=dt.date(2021, 1, 16), later=dt.date(2021, 2, 9))
    request = gunw_request(project, job)
    assert request.job_parameters == {
        "reference_date": "2021-02-09",
        "secondary_date": "2021-01-16",
        "frame_id": 25501,
    }
    listed = JobRecord.from_api(
        {
            "job_id": "j",
            "job_type": "ARIA_S1_GUNW",
            "user_id": "u",
            "status_code": "PENDING",
            "request_time": "2026-01-01T00:00:00+00:00",
            "job_parameters": {**request.job_parameters, "frame_id": 25501.0, "added_by_hyp3": 1},
        }
    )
    assert identity_of_record(listed) == identity_of_request(request)
    other = SimpleNamespace(frame=25502, earlier=job.earlier, later=job.later)
    assert identity_of_request(gunw_request(project, other)) != identity_of_request(request)


def test_on_demand_loads_and_aria_s1_gunw_is_no_pair_job_type(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = write_aria_project(tmp_path / "p", extra="on_demand = true\nmax_credits = 120")
    assert run_cli(["-C", str(root), "validate"]).code == 0
    toml = root / "project.toml"
    text = (
        toml.read_text()
        .replace('kind = "aria"', 'kind = "hyp3"')
        .replace("[processor.aria]", "[processor.hyp3]")
    )
    toml.write_text(
        text.replace("min_coverage = 0.6\non_demand = true\nmax_credits = 120", 'job_type = "ARIA_S1_GUNW"')
    )
    refused = run_cli(["-C", str(root), "validate"])
    assert refused.code == 1, refused.output
    assert (
        "job_type" in refused.output and 'kind = "aria"' in refused.output and "on_demand" in refused.output
    )
    assert "Traceback" not in refused.output
