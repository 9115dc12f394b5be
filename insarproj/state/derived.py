"""Values a record of state.json repeats from itself, written once (docs/project-folder.md,
"Values written once", format 3).

Why: at 20,000 scenes state.json holds 60,000 HyP3 jobs and a pin of 20,000 scenes, and most of
their bytes were the same values again: each job's `attempts` repeating the job's own `job_id`
and `identity` (a 64-character hash), the job's `pair` spelling its own address, each pinned
scene repeating its key as `name` and its key plus the pin's product as `file_id`.
`compact_*` leaves such a value out of what is written; `expand_*` puts it back on reading, so
every reader sees the record exactly as it was put (`expand(compact(r)) == r`). A value that
differs from what it would be derived as is written as it is.

The rules, each for records insarproj writes with the key present:
- a `hyp3_job.<rest>` record: `attributes.pair` equal to `pair.<rest>`; an attempt's `job_id`
  and `identity` equal to the job's own (`attributes.job_id`, `attributes.identity`);
- the scene pin (`inputs.search.pin`): a scene's `name` equal to its key, its `file_id` equal
  to `<key>-<pin product>` (ASF's GranuleUR of an SLC or a burst).
"""

from __future__ import annotations

import copy
from typing import Any

# The state format that first wrote these values once: an older file holds every value itself and
# is read without expanding (a record it holds without one of these keys stays without it).
SINCE_FORMAT = 3
HYP3_JOB_GROUP = "hyp3_job"
_ATTEMPT_OWN = ("job_id", "identity")


def pair_of_job(address: str) -> str:
    """The pair a `hyp3_job.<rest>` address belongs to (kinds/hyp3.py `job_address`, reversed)."""
    return "pair." + address.split(".", 1)[1]


def compact_record(address: str, record: Any) -> Any:
    """``record`` as its line in state.json holds it (``record`` itself when nothing is derived)."""
    if not address.startswith(HYP3_JOB_GROUP + ".") or type(record) is not dict:
        return record
    attrs = record.get("attributes")
    if type(attrs) is not dict or "identity" not in attrs:  # what expand_record_in_place needs
        return record
    own = {k: attrs.get(k) for k in _ATTEMPT_OWN}
    attempts = attrs.get("attempts")
    new_attrs = dict(attrs)
    if attrs.get("pair") == pair_of_job(address):
        del new_attrs["pair"]
    if type(attempts) is list:
        new_attrs["attempts"] = [_compact_attempt(a, own) for a in attempts]
    return {**record, "attributes": new_attrs}


def _compact_attempt(attempt: Any, own: dict[str, Any]) -> Any:
    if type(attempt) is not dict:
        return attempt
    return {k: v for k, v in attempt.items() if not (k in own and v is not None and v == own[k])}


def expand_record(address: str, record: Any) -> Any:
    """The record a line of state.json stands for (a new dict; ``record`` is left as it is)."""
    if not address.startswith(HYP3_JOB_GROUP + "."):
        return record
    expanded = copy.deepcopy(record)
    expand_record_in_place(address, expanded)
    return expanded


def expand_record_in_place(address: str, record: Any) -> None:
    """`expand_record` on a record just parsed (nobody else holds it): no copy. The restored
    strings are the job's own objects, so 60,000 jobs keep one copy of each in memory."""
    if type(record) is dict and address.startswith(HYP3_JOB_GROUP + "."):
        expand_job_in_place(address, record)


def expand_job_in_place(address: str, record: dict[str, Any]) -> None:
    """`expand_record_in_place` of a `hyp3_job.<rest>` record (a dict): what a job's line builder
    calls (state/fileformat.py), its group known."""
    attrs = record.get("attributes")
    if type(attrs) is not dict or "identity" not in attrs:
        return
    if "pair" not in attrs:
        attrs["pair"] = "pair" + address[address.find(".") :]  # pair_of_job, without a list
    attempts = attrs.get("attempts")
    if type(attempts) is not list:
        return
    # Each attempt given what it leaves out, _ATTEMPT_OWN spelled out: 60,000 jobs at 20,000
    # scenes, most with one attempt, each built once or twice per plan.
    job_id, identity = attrs.get("job_id"), attrs["identity"]
    for attempt in attempts:
        if type(attempt) is dict:
            if job_id is not None and "job_id" not in attempt:
                attempt["job_id"] = job_id
            if identity is not None and "identity" not in attempt:
                attempt["identity"] = identity


def compact_inputs(inputs: Any) -> Any:
    """``inputs`` as state.json holds them: the pinned scenes without their derived values."""
    pin = _pin_of(inputs)
    if pin is None:
        return inputs
    product = pin.get("product")
    scenes = {key: _compact_scene(key, scene, product) for key, scene in pin["scenes"].items()}
    return {**inputs, "search": {**inputs["search"], "pin": {**pin, "scenes": scenes}}}


def _compact_scene(key: str, scene: Any, product: Any) -> Any:
    if type(scene) is not dict:
        return scene
    derived = {"name": key, "file_id": f"{key}-{product}"}
    return {k: v for k, v in scene.items() if not (k in derived and v == derived[k])}


def expand_inputs_in_place(inputs: Any) -> None:
    """Put back the pinned scenes' derived values in ``inputs`` just parsed."""
    pin = _pin_of(inputs)
    if pin is None:
        return
    product = pin.get("product")
    for key, scene in pin["scenes"].items():
        if type(scene) is dict:
            if "name" not in scene:
                scene["name"] = key
            if "file_id" not in scene:
                scene["file_id"] = f"{key}-{product}"


def expand_inputs(inputs: Any) -> Any:
    """`expand_inputs_in_place` on a copy."""
    expanded = copy.deepcopy(inputs)
    expand_inputs_in_place(expanded)
    return expanded


def _pin_of(inputs: Any) -> dict[str, Any] | None:
    search = inputs.get("search") if type(inputs) is dict else None
    pin = search.get("pin") if type(search) is dict else None
    if type(pin) is not dict or type(pin.get("scenes")) is not dict or type(pin.get("product")) is not str:
        return None
    return pin
