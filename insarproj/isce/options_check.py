"""Does the stackSentinel.py that was found accept every option this project passes?

Which options exist depends on the ISCE2 release (`--num_proc` and `--num_proc4topo` since 2.5.0,
before that spelled `--num-proc`; `-V` since 2.5.3; `--param_ion` since 2.6.0: from every release
tag of isce-framework/isce2, insarproj/data/isce/stacksentinel_since.json). The found script's own
parser is the authority: its `add_argument(...)` calls are read from its syntax tree (nothing is
executed), and the release table only adds which version brought an option (docs/isce.md
"Version-dependent options").
"""

from __future__ import annotations

import ast
import json
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from insarproj.config.isce import IsceConfig
from insarproj.isce.command import StackInputs, stacksentinel_args

__all__ = ["FLAG_KEYS", "check_options", "passed_flags", "script_flags"]

# Each flag insarproj may pass, and the [processor.isce] key behind it ("" for flags insarproj
# sets from the stack itself).
FLAG_KEYS = {
    "-s": "",
    "-o": "",
    "-a": "",
    "-w": "",
    "-d": "",
    "--start_date": "",
    "--stop_date": "",
    "-c": "",
    "--num_proc": "",
    "-W": "workflow",
    "-n": "swaths",
    "-p": "polarization",
    "-b": "bbox",
    "-m": "reference_date",
    "-C": "coregistration",
    "-O": "num_overlap_connections",
    "--snr_misreg_threshold": "snr_misreg_threshold",
    "-e": "esd_coherence_threshold",
    "-z": "azimuth_looks",
    "-r": "range_looks",
    "-f": "filter_strength",
    "-u": "unwrap_method",
    "--num_proc4topo": "topo_processes",
    "-t": "text_cmd",
    "-V": "virtual_merge",
    "--rmFilter": "rm_filter",
    "--useGPU": "use_gpu",
    "--param_ion": "ionosphere",
    "--num_connections_ion": "ionosphere.num_connections",
}
_SWITCHES = frozenset({"--rmFilter", "--useGPU"})  # flags without a value
_OPTIONAL = frozenset({"-t", "-V", "--rmFilter", "--useGPU", "--param_ion", "--num_connections_ion"})


def passed_flags(config: IsceConfig) -> list[str]:
    """The flags of the stackSentinel.py command this configuration makes (paths are placeholders)."""
    place = Path("/")
    inputs = StackInputs(
        work_dir=place,
        slc_list=place,
        orbit_dir=place,
        aux_dir=place,
        dem=place,
        dates=(config.reference_date or date(2021, 1, 1),),
        aoi_bounds=(0.0, 0.0, 1.0, 1.0),
        ion_param_file=place if config.ionosphere is not None else None,
    )
    argv = stacksentinel_args(config, inputs)[1:]
    flags, index = [], 0
    while index < len(argv):
        flag = argv[index]
        if flag in FLAG_KEYS:
            flags.append(flag)
            index += 1 if flag in _SWITCHES else 2
        else:
            index += 1
    return flags


def script_flags(program: Path) -> frozenset[str] | None:
    """Every option string of the script's `add_argument(...)` calls; None when it cannot be read."""
    try:
        tree = ast.parse(program.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return None
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "add_argument"
        ):
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.startswith("-"):
                    found.add(arg.value)
    return frozenset(found) or None


@cache
def _since() -> dict[str, Any]:
    text = resources.files("insarproj.data").joinpath("isce", "stacksentinel_since.json").read_text()
    return dict(json.loads(text)["since"])


def check_options(config: IsceConfig, program: Path, version: str | None) -> tuple[list[str], str]:
    """Problems (one sentence each) with the options this project passes to ``program``, and how
    they were checked."""
    known = script_flags(program)
    if known is None:
        return [], f"its options could not be read from {program}: not checked"
    problems = []
    for flag in dict.fromkeys(passed_flags(config)):
        if flag in known:
            continue
        key = FLAG_KEYS[flag]
        why = f"[processor.isce] {key} needs it" if key else "insarproj always passes it"
        since = _since().get(flag)
        added = (
            f" (it exists since ISCE2 {since}" + (f"; found {version})" if version else ")") if since else ""
        )
        fix = "upgrade ISCE2 (`conda install -c conda-forge 'isce2>=2.6'`)"
        if flag in _OPTIONAL:  # passed only when set
            fix += f" or remove {key} from [processor.isce]"
        problems.append(f"{program.name} at {program.parent} has no {flag} option, and {why}{added}: {fix}")
    return problems, f"every option checked against the parser in {program}"
