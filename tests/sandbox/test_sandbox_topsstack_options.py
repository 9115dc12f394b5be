"""The stackSentinel option list derived from the real parser, and the stand-in's parser built from it."""

from __future__ import annotations

import json
import re
from importlib import resources

from insarproj.sandbox.topsstack.options import create_parser, option_list, parse


def _client_list() -> dict:
    return json.loads(
        resources.files("insarproj.data").joinpath("isce", "stacksentinel_options.json").read_text()
    )


def _by_flag(document: dict) -> dict[str, dict]:
    return {flag: option for option in document["options"] for flag in option["flags"]}


def test_the_client_option_list_names_its_isce2_commit_and_holds_the_real_options() -> None:
    document = _client_list()
    assert re.fullmatch(r"[0-9a-f]{40}", document["commit"]) and document["commit_date"].startswith("20")
    options = _by_flag(document)
    assert options["--num_proc"] == options["--num_process"]
    assert (
        options["--num_proc"]["dest"],
        options["--num_proc"]["type"],
        options["--num_proc"]["default"],
    ) == (
        "numProcess",
        "int",
        1,
    )
    assert options["-C"]["flags"] == ["-C", "--coregistration"]
    assert options["-C"]["choices"] == ["geometry", "NESD"] and options["-C"]["default"] == "NESD"
    assert options["-W"]["choices"] == ["slc", "correlation", "interferogram", "offset"]
    assert options["-u"]["choices"] == ["icu", "snaphu"]
    assert options["-c"]["default"] == "1" and options["-O"]["default"] == "3"
    required = {f for f, o in options.items() if o.get("required") and len(f) == 2}
    assert required == {"-s", "-o", "-a", "-d"}
    assert "--update" not in options  # update mode has no flag: it is the coreg_secondarys/ folder
    assert len(document["options"]) == 32


def test_the_sandbox_reads_its_own_copy_which_matches_the_client_list() -> None:
    # Both are derived from the same real parser by tools/isce_options.py; regenerate both together.
    assert option_list() == _client_list()


def test_the_stand_in_parser_has_the_real_defaults_and_refuses_what_the_real_one_refuses(
    tmp_path, capsys
) -> None:
    inps = parse(["-s", "SLC", "-o", "orb", "-a", "aux", "-d", "dem.wgs84"])
    assert (inps.workflow, inps.coregistration, inps.swath_num, inps.polarization) == (
        "interferogram",
        "NESD",
        "1 2 3",
        "vv",
    )
    assert (inps.azimuthLooks, inps.rangeLooks, inps.num_connections, inps.numProcess) == ("3", "9", "1", 1)
    assert inps.virtualMerge is None and inps.text_cmd == "" and inps.bbox is None
    assert inps.slc_dirname.startswith("/")  # made absolute, as the real cmdLineParse does
    assert parse(["-s", "S", "-o", "o", "-a", "a", "-d", "d", "--num_proc", "4"]).numProcess4topo == 4
    parser = create_parser()
    for bad in (
        ["-s", "S", "-o", "o", "-a", "a", "-d", "d", "-C", "nesd"],
        ["-o", "o", "-a", "a", "-d", "d"],
    ):
        try:
            parser.parse_args(bad)
        except SystemExit as stop:
            assert stop.code == 2
        else:  # pragma: no cover
            raise AssertionError(f"accepted {bad}")
