"""The stand-in's command line: the real `stackSentinel.py` parser, rebuilt from its option list.

The list (`insarproj/data/sandbox/isce/stacksentinel_options.json`) was derived from the real
`createParser()` by `tools/isce_options.py`: every flag, dest, default, choices and type as there.
The sandbox reads its own copy, not the client's `insarproj/data/isce/` one, so a wrong client
list cannot make both sides agree (docs/sandbox.md).
"""

from __future__ import annotations

import argparse
import json
import os
from functools import cache
from importlib import resources
from typing import Any

TYPES = {"str": str, "int": int}


@cache
def option_list() -> dict[str, Any]:
    text = resources.files("insarproj.data").joinpath("sandbox", "isce", "stacksentinel_options.json")
    document: dict[str, Any] = json.loads(text.read_text("utf-8"))
    return document


def _add(group: argparse._ActionsContainer, option: dict[str, Any]) -> None:
    flags = option["flags"]
    if option.get("action") == "customArgparseAction":  # -H/--hh prints the long help and exits
        group.add_argument(*flags, action="help", help=option.get("help"))
        return
    kwargs: dict[str, Any] = {"dest": option["dest"], "help": option.get("help")}
    if option.get("action"):
        kwargs["action"] = option["action"]
    else:
        kwargs["type"] = TYPES[option.get("type", "str")]
    for key in ("default", "choices", "required"):
        if key in option:
            kwargs[key] = option[key]
    group.add_argument(*flags, **kwargs)


def create_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stackSentinel.py",
        description="Preparing the directory structure and config files for stack processing of "
        "Sentinel-1 TOPS data (insarproj sandbox stand-in)",
        add_help=True,
    )
    groups: dict[str, argparse._ActionsContainer] = {}
    for option in option_list()["options"]:
        title = option.get("group")
        container = parser if title is None else groups.setdefault(title, parser.add_argument_group(title))
        _add(container, option)
    return parser


def parse(argv: list[str]) -> argparse.Namespace:
    """As the real cmdLineParse: absolute paths, and --num_proc also sets the topo count."""
    inps = create_parser().parse_args(argv)
    for name in ("slc_dirname", "orbit_dirname", "aux_dirname", "work_dir", "dem"):
        setattr(inps, name, os.path.abspath(getattr(inps, name)))
    if any(i in argv for i in ("--num_proc", "--num_process")) and all(
        i not in argv for i in ("--num_proc4topo", "--num_process4topo")
    ):
        inps.numProcess4topo = inps.numProcess
    return inps
