"""Scene names and dates held once in memory, not once per record that names them.

Why: at 20,000 scenes each scene name (67 characters, ≈ 116 bytes as a Python string) is
named by the pin, its stack, about six pairs and six HyP3 jobs; parsed, each mention is a string
of its own (≈ 35 MiB in all). Interning them as each chunk of record lines is parsed keeps one
string per name, so the copies never exist together (docs/project-folder.md, "state.json").
Only where such names are known to be (a table per address group): walking every value of
180,000 records would cost more time than it saves memory.
"""

from __future__ import annotations

import sys
from typing import Any

_intern = sys.intern

# Per address group: the paths in `attributes` that hold a scene name, a date or a stack id
# (a string, or a list of them), as kinds/pairs.py and kinds/hyp3.py record them.
_SHARED_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "pair": (("reference",), ("secondary",), ("reference_date",), ("secondary_date",), ("stack",)),
    "hyp3_job": (("request", "job_parameters", "granules"),),
}


def share_record_names(address: str, record: Any) -> None:
    """Intern the scene names (and dates, stack ids) of ``record`` just parsed, in place."""
    paths = _SHARED_PATHS.get(address.split(".", 1)[0])
    if paths is None or type(record) is not dict:
        return
    attributes = record.get("attributes")
    for path in paths:
        holder = attributes
        for key in path[:-1]:
            holder = holder.get(key) if type(holder) is dict else None
        if type(holder) is dict:
            _share_in(holder, path[-1])


def share_pin_names(inputs: Any) -> None:
    """Intern the names of the pinned scenes (keys, and the scenes of each stack date) in place,
    so the records parsed after them share the pin's strings."""
    search = inputs.get("search") if type(inputs) is dict else None
    pin = search.get("pin") if type(search) is dict else None
    if type(pin) is not dict or type(pin.get("scenes")) is not dict:
        return
    pin["scenes"] = {_intern(k) if type(k) is str else k: v for k, v in pin["scenes"].items()}
    for scene in pin["scenes"].values():
        if type(scene) is dict:
            _share_in(scene, "name")  # written once in format 3 (then the key itself on reading)
    for stack in pin.get("stacks") or ():
        for entry in stack.get("dates") or () if type(stack) is dict else ():
            if type(entry) is dict:
                _share_in(entry, "representative")
                _share_in(entry, "scenes")


def _share_in(holder: dict[str, Any], key: str) -> None:
    value = holder.get(key)
    if type(value) is str:
        holder[key] = _intern(value)
    elif type(value) is list:
        holder[key] = [_intern(v) if type(v) is str else v for v in value]
