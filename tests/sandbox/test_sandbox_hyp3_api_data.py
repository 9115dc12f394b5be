"""The HyP3 stand-in's own reading of HyP3's API data (insarproj/sandbox/hyp3_api.py)."""

from __future__ import annotations

import pytest

from insarproj.sandbox import hyp3_api


def test_limits_and_job_types_come_from_the_spec() -> None:
    assert hyp3_api.jobs_per_request() == 200
    assert {"INSAR_GAMMA", "INSAR_ISCE_BURST", "INSAR_ISCE_MULTI_BURST"} <= set(hyp3_api.known_job_types())


def test_prices_walk_the_cost_table_by_parameter_value_and_list_length() -> None:
    gamma = hyp3_api.default_parameters("INSAR_GAMMA")
    assert hyp3_api.job_cost("INSAR_GAMMA", gamma) == 10
    assert hyp3_api.job_cost("INSAR_GAMMA", {**gamma, "looks": "10x2"}) == 15
    assert hyp3_api.job_cost("INSAR_ISCE_BURST", {}) == 1
    multi = {"looks": "5x1", "reference": ["a"] * 11}
    assert hyp3_api.job_cost("INSAR_ISCE_MULTI_BURST", multi) == 90
    with pytest.raises(KeyError):
        hyp3_api.job_cost("INSAR_GAMMA", {**gamma, "looks": "1x1"})


def test_default_parameters_are_a_fresh_copy() -> None:
    hyp3_api.default_parameters("INSAR_GAMMA")["looks"] = "changed"
    assert hyp3_api.default_parameters("INSAR_GAMMA")["looks"] == "20x4"


def test_errors_name_the_place_and_the_reason() -> None:
    body = {"jobs": [{"job_type": "INSAR_GAMMA", "job_parameters": {"granules": ["a", "b"], "looks": "1x1"}}]}
    [first, *_] = hyp3_api.api_errors("job_parameters.yml#INSAR_GAMMAJob", body["jobs"][0], at="jobs[0]")
    assert first.startswith("jobs[0].job_parameters") and "1x1" in first
    assert hyp3_api.api_errors("post_jobs_body", {"jobs": []})[0].startswith("jobs: ")
    with pytest.raises(ValueError, match="unknown HyP3 spec file"):
        hyp3_api.api_errors("nowhere.yml#thing", {})
