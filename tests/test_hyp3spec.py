"""HyP3 job specs read from the shipped hyp3 files: parameters, defaults, enums, validation, costs."""

from __future__ import annotations

import json
from importlib import resources

import pytest
import yaml

from insarproj.hyp3spec import ParameterError, job_types, load_job_spec, pair_job_types


def _data_text(*parts: str) -> str:
    return resources.files("insarproj.data").joinpath("hyp3", *parts).read_text(encoding="utf-8")


def test_supported_job_types_are_the_shipped_specs() -> None:
    assert job_types() == ["ARIA_S1_GUNW", "INSAR_GAMMA", "INSAR_ISCE_BURST", "INSAR_ISCE_MULTI_BURST"]
    # [processor.hyp3] job_type takes the pair jobs; ARIA_S1_GUNW comes with processor aria (docs/aria.md)
    assert pair_job_types() == ["INSAR_GAMMA", "INSAR_ISCE_BURST", "INSAR_ISCE_MULTI_BURST"]


@pytest.mark.parametrize("job_type", ["INSAR_GAMMA", "INSAR_ISCE_BURST", "INSAR_ISCE_MULTI_BURST"])
def test_defaults_agree_with_the_rendered_default_table(job_type: str) -> None:
    rendered = json.loads(_data_text("default_params_by_job_type.json"))[job_type]
    assert load_job_spec(job_type).defaults() == rendered


def test_insar_gamma_parameters() -> None:
    spec = load_job_spec("INSAR_GAMMA")
    assert spec.required == ("granules",)
    assert spec.parameters["granules"].is_input
    assert "granules" not in spec.user_parameters()
    looks = spec.parameters["looks"]
    assert (looks.type, looks.default, looks.enum) == ("string", "20x4", ("20x4", "10x2"))
    phase = spec.parameters["phase_filter_parameter"]
    assert (phase.type, phase.minimum, phase.maximum, phase.default) == ("number", 0.0, 1.0, 0.6)
    assert spec.parameters["include_dem"].description == "Include the DEM file in the product package"
    assert spec.input_product == "SLC"


def test_burst_job_types_take_bursts() -> None:
    multi = load_job_spec("INSAR_ISCE_MULTI_BURST")
    assert multi.required == ("reference", "secondary")
    assert {n for n, p in multi.parameters.items() if p.is_input} == {"reference", "secondary"}
    assert set(multi.user_parameters()) == {"apply_water_mask", "looks"}
    assert multi.parameters["looks"].enum == ("20x4", "10x2", "5x1")
    assert multi.input_product == "BURST"
    assert load_job_spec("INSAR_ISCE_BURST").input_product == "BURST"


def test_with_defaults_fills_the_parameters_left_out() -> None:
    spec = load_job_spec("INSAR_GAMMA")
    params = spec.with_defaults({"looks": "10x2", "include_dem": True, "phase_filter_parameter": 1.0})
    assert params["looks"] == "10x2"
    assert params["include_dem"] is True
    assert params["include_look_vectors"] is False
    assert params["phase_filter_parameter"] == 1.0
    assert list(params) == sorted(params)


@pytest.mark.parametrize(
    ("job_type", "params", "fragments"),
    [
        ("INSAR_GAMMA", {"look": "10x2"}, ["unknown parameter `look`", "did you mean `looks`?"]),
        ("INSAR_GAMMA", {"include_dems": True}, ["did you mean `include_dem`?"]),
        ("INSAR_GAMMA", {"colour": 1}, ["unknown parameter `colour`", "the parameters of INSAR_GAMMA are"]),
        ("INSAR_GAMMA", {"looks": "5x1"}, ['"5x1" is not allowed', 'allowed values are "20x4", "10x2"']),
        ("INSAR_GAMMA", {"looks": "10X2"}, ['did you mean "10x2"?']),
        ("INSAR_GAMMA", {"include_dem": "yes"}, ["must be true or false", '"yes"']),
        ("INSAR_GAMMA", {"include_dem": 1}, ["must be true or false"]),
        ("INSAR_GAMMA", {"phase_filter_parameter": 1.5}, ["out of range", "from 0.0 to 1.0"]),
        ("INSAR_GAMMA", {"phase_filter_parameter": True}, ["must be a number"]),
        ("INSAR_GAMMA", {"granules": []}, ["`granules` is an input", "remove it"]),
        ("INSAR_ISCE_MULTI_BURST", {"reference": []}, ["`reference` is an input"]),
        ("INSAR_ISCE_MULTI_BURST", {"include_dem": True}, ["unknown parameter `include_dem`"]),
        ("INSAR_ISCE_BURST", {"looks": "40x8"}, ['"20x4", "10x2", "5x1"']),
    ],
)
def test_check_parameter_errors(job_type: str, params: dict[str, object], fragments: list[str]) -> None:
    ((name, value),) = params.items()
    with pytest.raises(ValueError) as caught:
        load_job_spec(job_type).check_parameter(name, value)
    assert isinstance(caught.value, ParameterError)
    assert caught.value.parameter == next(iter(params))
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_unknown_job_type_suggests_the_closest() -> None:
    with pytest.raises(ValueError, match="did you mean INSAR_GAMMA"):
        load_job_spec("INSAR_GAMA")
    with pytest.raises(ValueError, match="supported job types are ARIA_S1_GUNW, INSAR_GAMMA, INSAR_ISCE"):
        load_job_spec("RTC_GAMMA")


def test_job_spec_is_cached() -> None:
    assert load_job_spec("INSAR_GAMMA") is load_job_spec("INSAR_GAMMA")


@pytest.mark.parametrize("job_type", ["INSAR_GAMMA", "INSAR_ISCE_BURST", "INSAR_ISCE_MULTI_BURST"])
def test_cost_table_agrees_with_the_job_spec_edc_profile(job_type: str) -> None:
    """costs_EDC.json is rendered from the specs' EDC cost profiles; keys become strings."""
    spec_profile = yaml.safe_load(_data_text("job_spec", f"{job_type}.yml"))[job_type]["cost_profiles"]["EDC"]
    rendered = json.loads(_data_text("costs_EDC.json"))[job_type]
    assert json.loads(json.dumps(spec_profile)) == rendered
