"""The way out printed for work failed for good names the settings of the failed item's own kind."""

from __future__ import annotations

import pytest

from insarproj.ui.render import failed_way_out


@pytest.mark.parametrize(
    ("kinds", "present", "absent"),
    [
        (["hyp3_job"], ["[processor.hyp3]", "exclude_pairs", "--retry-failed"], ["[processor.isce]"]),
        (["isce_step"], ["[processor.isce]", "log", "--retry-failed"], ["[processor.hyp3]"]),
        (["isce_work"], ["[paths] data"], ["[processor.hyp3]"]),
        (["mintpy_run"], ["MintPy's log", "[mintpy] command"], ["[processor.hyp3]"]),
        (["isce_step", "hyp3_job"], ["[processor.isce]", "[processor.hyp3]"], []),
        (["some_future_kind"], ["Give each one more attempt", "--retry-failed"], ["[processor."]),
    ],
)
def test_the_way_out_fits_the_failed_kind(kinds: list[str], present: list[str], absent: list[str]) -> None:
    text = failed_way_out(kinds)
    for expected in present:
        assert expected in text
    for unexpected in absent:
        assert unexpected not in text
