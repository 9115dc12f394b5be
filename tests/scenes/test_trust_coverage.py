"""A date's AOI coverage is judged on what the processor will process (issue 14, defect 13).

INSAR_GAMMA takes one SLC per date (the representative, covering most of the AOI); the other
processors use every slice of the date. Pure rules here; the CLI path is in
tests/e2e/test_trust_search.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from scenes_helpers import AOI_WKT, WHOLE, box, pass_items, pinned_all

from insarproj.scenes.model import ScenePin, SearchRequest, coverage_rule
from insarproj.scenes.stacks import build_stacks, date_coverage, representative

# Together the two slices cover the AOI (64.6..65.4 N); the larger one alone about 92 % of it.
MOST = box(-148.0, 64.5, -146.0, 65.335)
REST = box(-148.0, 65.2, -146.0, 65.5)
GAMMA = "INSAR_GAMMA"


def request(**kwargs: object) -> SearchRequest:
    base: dict[str, object] = {"aoi_wkt": AOI_WKT, "start": dt.date(2021, 1, 1), "end": dt.date(2021, 12, 31)}
    base.update(kwargs)
    return SearchRequest(**base)  # type: ignore[arg-type]


def straddling_dates() -> list[object]:
    return pinned_all(
        [*pass_items("2021-01-02", slices=[WHOLE]), *pass_items("2021-01-14", slices=[MOST, REST])]
    )


def test_the_union_rule_keeps_a_date_its_slices_cover_together() -> None:
    build = build_stacks(straddling_dates(), request(min_coverage=0.95), AOI_WKT)
    (stack,) = build.stacks
    assert [d.date for d in stack.dates] == [dt.date(2021, 1, 2), dt.date(2021, 1, 14)]
    assert stack.dates[1].coverage == pytest.approx(1.0)


def test_gamma_judges_a_date_on_its_representative_alone() -> None:
    build = build_stacks(
        straddling_dates(), request(min_coverage=0.95), AOI_WKT, single_scene_processor=GAMMA
    )
    (stack,) = build.stacks
    assert [d.date for d in stack.dates] == [dt.date(2021, 1, 2)]
    (gone,) = stack.dropped
    assert gone.date == dt.date(2021, 1, 14)
    assert gone.reason == (
        "covers 92 % of the AOI < min_coverage 95 % (judged on the one scene INSAR_GAMMA "
        "processes per date; its 2 scenes together cover 100 %)"
    )


def test_gamma_keeps_the_date_when_the_representative_is_enough_and_reports_its_coverage() -> None:
    build = build_stacks(straddling_dates(), request(min_coverage=0.9), AOI_WKT, single_scene_processor=GAMMA)
    (stack,) = build.stacks
    kept = stack.dates[1]
    assert kept.coverage == pytest.approx(0.92, abs=0.01)  # what INSAR_GAMMA will process, not 100 %
    assert len(kept.scenes) == 2


def test_date_coverage_is_the_union_or_the_representative_alone() -> None:
    scenes = straddling_dates()
    assert date_coverage(scenes[1:], _coverage(), single=False) == pytest.approx(1.0)
    assert date_coverage(scenes[1:], _coverage(), single=True) == pytest.approx(0.92, abs=0.01)
    assert representative(scenes[1:], _coverage()).name == min(scenes[1:], key=lambda s: s.start_time).name


def _coverage():  # type: ignore[no-untyped-def]
    from insarproj.scenes.geometry import AoiCoverage

    return AoiCoverage(AOI_WKT)


def test_the_pin_records_the_rule_and_old_pins_read_as_the_union_rule() -> None:
    old = ScenePin(fingerprint="f", searched_at="2021-01-01T00:00:00Z", cmr_host="h", found=0)
    assert "single_scene_processor" not in old.to_dict()  # pins of other processors do not change
    assert old.coverage_rule == "judged on the union of each date's scenes"
    new = old.model_copy(update={"single_scene_processor": GAMMA})
    assert ScenePin.from_json(new.to_json()).coverage_rule == coverage_rule(GAMMA)


BASE = """\
[project]
name = "cov"
[aoi]
bbox = [-117.9, 35.5, -117.3, 35.9]
[search]
start = 2021-01-01
end = 2021-03-01
product = "{product}"
min_coverage = 0.5
[processor]
kind = "{kind}"
{extra}
"""


@pytest.mark.parametrize(
    ("kind", "extra", "product", "single"),
    [
        ("hyp3", '[processor.hyp3]\njob_type = "INSAR_GAMMA"', "SLC", GAMMA),
        ("hyp3", '[processor.hyp3]\njob_type = "INSAR_ISCE_MULTI_BURST"', "BURST", None),
        ("isce", "", "SLC", None),
        ("download", "", "SLC", None),
    ],
)
def test_only_a_single_scene_processor_adds_the_rule_to_the_search_fingerprint(
    tmp_path: Path, kind: str, extra: str, product: str, single: str | None
) -> None:
    from insarproj.config import parse_project_text
    from insarproj.fingerprint import fingerprint
    from insarproj.kinds.search import max_bursts, search_fingerprint, search_request, single_scene_processor

    project = parse_project_text(BASE.format(kind=kind, extra=extra, product=product), project_root=tmp_path)
    assert single_scene_processor(project) == single
    before = fingerprint(
        {"request": search_request(project).fingerprint(), "max_bursts": max_bursts(project)}
    )
    assert (search_fingerprint(project) == before) == (single is None)
