"""Scene names and addresses held once in memory, not once per record that names them.

Why: at 20,000 scenes each scene name (67 characters, ≈ 116 bytes as a Python string) is
named by the pin, its stack, about six pairs and six HyP3 jobs; parsed, each mention is a string
of its own (≈ 35 MiB in all). Interning them as each chunk of record lines is parsed keeps one
string per name, so the copies never exist together (docs/project-folder.md, "state.json").
Only where such names are known to be: walking every value of 180,000 records would cost more
time than it saves memory.
"""

from __future__ import annotations

import sys
from typing import Any

_intern = sys.intern


def share_record_names(address: str, record: Any) -> None:
    """Intern the scene names of ``record`` just parsed, in place: a pair's `reference` and
    `secondary`, a HyP3 job's `request.job_parameters.granules` (as kinds/pairs.py and
    kinds/hyp3.py record them). Other values are shared by `common` or are each record's own."""
    attributes = record.get("attributes") if type(record) is dict else None
    if type(attributes) is not dict:
        return
    if address.startswith("pair."):
        _share_in(attributes, "reference")
        _share_in(attributes, "secondary")
    elif address.startswith("hyp3_job."):
        request = attributes.get("request")
        parameters = request.get("job_parameters") if type(request) is dict else None
        if type(parameters) is dict:
            _share_in(parameters, "granules")


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
    if type(value) is list:
        try:  # noqa: SIM105 - contextlib.suppress costs a context manager per record (180,000)
            holder[key] = list(map(_intern, value))
        except TypeError:  # not all strings: not a list of names, left as it is
            pass
    elif type(value) is str:
        holder[key] = _intern(value)
