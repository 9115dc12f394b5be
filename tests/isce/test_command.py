"""The stackSentinel.py command built from [processor.isce] and a stack's inputs (table-driven)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from insarproj.config.isce import IonosphereConfig, IsceConfig
from insarproj.isce.command import (
    StackInputs,
    bbox_snwe,
    date_window_args,
    ion_param_text,
    resolve_reference,
    stacksentinel_args,
)

DATES = (date(2021, 1, 1), date(2021, 1, 13), date(2021, 1, 25))
INPUTS = StackInputs(
    work_dir=Path("/d/isce/A064"),
    slc_list=Path("/d/isce/A064/slc"),
    orbit_dir=Path("/d/isce/A064/orbits"),
    aux_dir=Path("/d/isce/A064/aux"),
    dem=Path("/d/dem/A064/dem.wgs84"),
    dates=DATES,
    aoi_bounds=(-117.9, 35.5, -117.3, 35.9),
)


def _value(args: list[str], flag: str) -> str | None:
    return args[args.index(flag) + 1] if flag in args else None


ROWS: list[tuple[str, dict[str, Any], dict[str, str | None]]] = [
    (
        "defaults",
        {},
        {
            "-W": "interferogram",
            "-n": "1 2 3",
            "-p": "vv",
            "-b": "35.5 35.9 -117.9 -117.3",
            "-m": "20210101",
            "--start_date": "2021-01-01",
            "--stop_date": "2021-01-26",
            "-C": "NESD",
            "-c": "1",
            "-O": "3",
            "--snr_misreg_threshold": "10",
            "-e": "0.85",
            "-z": "3",
            "-r": "9",
            "-f": "0.5",
            "-u": "snaphu",
            "--num_proc": "1",
            "--num_proc4topo": "1",
            "-t": None,
            "-V": None,
            "--param_ion": None,
        },
    ),
    (
        "options",
        {
            "workflow": "slc",
            "swaths": [2, 1],
            "polarization": "hh",
            "coregistration": "geometry",
            "azimuth_looks": 5,
            "range_looks": 15,
            "filter_strength": 0.3,
            "unwrap_method": "icu",
            "reference_date": date(2021, 1, 13),
            "bbox": [-118.0, 35.0, -117.0, 36.0],
            "snr_misreg_threshold": 8.5,
            "esd_coherence_threshold": 0.7,
            "num_overlap_connections": 2,
            "virtual_merge": False,
            "topo_processes": 4,
            "text_cmd": "source ~/isce.env;",
            "num_proc": 16,
        },
        {
            "-W": "slc",
            "-n": "2 1",
            "-p": "hh",
            "-C": "geometry",
            "-z": "5",
            "-r": "15",
            "-f": "0.3",
            "-u": "icu",
            "-m": "20210113",
            "-b": "35 36 -118 -117",
            "--snr_misreg_threshold": "8.5",
            "-e": "0.7",
            "-O": "2",
            "-V": "False",
            "--num_proc4topo": "4",
            "-t": "source ~/isce.env;",
            "--num_proc": "1",
        },
    ),
    ("compact reference date", {"reference_date": "20210125"}, {"-m": "20210125"}),
]


@pytest.mark.parametrize(("options", "expected"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_flags(options: dict[str, Any], expected: dict[str, str | None]) -> None:
    args = stacksentinel_args(IsceConfig.model_validate(options), INPUTS)
    assert args[0] == "stackSentinel.py"
    for flag, value in expected.items():
        assert _value(args, flag) == value, flag
    assert "all" not in args
    for path in ("-s", "-o", "-a", "-w", "-d"):
        assert _value(args, path) is not None


def test_switches_and_ionosphere() -> None:
    config = IsceConfig.model_validate(
        {"rm_filter": True, "use_gpu": True, "ionosphere": {"num_connections": 2}}
    )
    with pytest.raises(ValueError, match="param_ion"):
        stacksentinel_args(config, INPUTS)
    from dataclasses import replace

    args = stacksentinel_args(config, replace(INPUTS, ion_param_file=Path("/d/ion.txt")))
    assert "--rmFilter" in args and "--useGPU" in args
    assert _value(args, "--param_ion") == "/d/ion.txt"
    assert _value(args, "--num_connections_ion") == "2"


def test_program_path_is_used() -> None:
    assert (
        stacksentinel_args(IsceConfig(), INPUTS, program="/opt/ts/stackSentinel.py")[0]
        == "/opt/ts/stackSentinel.py"
    )


def test_stop_date_is_the_day_after_the_last_date() -> None:
    assert date_window_args(date(2021, 12, 20), date(2021, 12, 31)) == [
        "--start_date",
        "2021-12-20",
        "--stop_date",
        "2022-01-01",
    ]
    with pytest.raises(ValueError):
        date_window_args(date(2021, 2, 1), date(2021, 1, 1))


def test_bbox_order() -> None:
    assert bbox_snwe([-117.9, 35.5, -117.3, 35.9]) == "35.5 35.9 -117.9 -117.3"


def test_reference_must_be_a_stack_date() -> None:
    assert resolve_reference(IsceConfig(), DATES) == date(2021, 1, 1)
    with pytest.raises(ValueError, match="not an acquisition date"):
        resolve_reference(IsceConfig.model_validate({"reference_date": "20210102"}), DATES)


def test_ion_param_lines() -> None:
    text = ion_param_text(
        IonosphereConfig.model_validate({"layer_height_km": 350, "consider_burst_properties": True})
    )
    assert "height of ionosphere layer in km: 350\n" in text
    assert "consider burst properties in ionosphere computation: True\n" in text
    assert text.startswith("do ionosphere correction: True\n")


def test_every_flag_passed_exists_in_the_real_parser() -> None:
    """Each option insarproj passes is in the real stackSentinel.py parser, with an allowed value.

    The list was derived from isce2's stackSentinel.py (insarproj/data/isce/, with its commit).
    """
    import json
    from dataclasses import replace
    from importlib import resources

    text = resources.files("insarproj.data").joinpath("isce", "stacksentinel_options.json").read_text()
    options = {flag: option for option in json.loads(text)["options"] for flag in option["flags"]}
    everything = {
        "rm_filter": True,
        "use_gpu": True,
        "virtual_merge": True,
        "text_cmd": "source x;",
        "ionosphere": {},
        "workflow": "offset",
        "coregistration": "geometry",
        "unwrap_method": "icu",
    }
    args = stacksentinel_args(
        IsceConfig.model_validate(everything), replace(INPUTS, ion_param_file=Path("/d/ion.txt"))
    )
    flags = [
        arg for arg in args[1:] if arg.startswith("-") and not arg.lstrip("-").replace(".", "").isdigit()
    ]
    assert len(flags) >= 25
    for flag in flags:
        assert flag in options, f"{flag} is not an option of the real stackSentinel.py"
        option = options[flag]
        if option.get("action") != "store_true":
            value = args[args.index(flag) + 1]
            assert not option.get("choices") or value in option["choices"], (flag, value)
